"""Support Circle: one shared support plan, each person seeing only their part."""

from __future__ import annotations

import logging

from flask import Flask

from config import Config, config_from_env


def create_app(config_class: type[Config] | None = None) -> Flask:
    config_class = config_class or config_from_env()
    config_class.validate()
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=False)
    app.config.from_object(config_class)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_templates(app)
    register_cli(app)
    verify_access_declared(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal.auth.services import load_session_user
    from portal.extensions import csrf, db, limiter, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        from config import INSTANCE_DIR

        INSTANCE_DIR.mkdir(exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    # Import every model so that metadata (and Alembic) sees the whole schema.
    import portal.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from portal.admin import bp as admin_bp
    from portal.auth import bp as auth_bp
    from portal.circles import bp as circles_bp
    from portal.dashboard import bp as dashboard_bp
    from portal.health import bp as health_bp
    from portal.plan import bp as plan_bp
    from portal.plan.converters import CONVERTERS
    from portal.urgent import bp as urgent_bp

    app.url_map.converters.update(CONVERTERS)
    # The views attach themselves to the blueprints when their modules load.
    import portal.admin.routes
    import portal.auth.routes
    import portal.circles.routes
    import portal.dashboard.routes
    import portal.health.routes
    import portal.plan.routes
    import portal.urgent.routes  # noqa: F401

    for blueprint in (auth_bp, dashboard_bp, circles_bp, plan_bp, admin_bp, urgent_bp, health_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import register

    register(app)


def register_security(app: Flask) -> None:
    from portal.security import register

    register(app)


def register_templates(app: Flask) -> None:
    from portal.templating import register

    register(app)


def register_cli(app: Flask) -> None:
    from portal.cli import register

    register(app)


def verify_access_declared(app: Flask) -> None:
    """Fail at start-up, not in production traffic, if a view has no access rule."""
    from portal.access.guard import undeclared_endpoints

    missing = undeclared_endpoints(app)
    if missing:
        raise RuntimeError(f"endpoints without a declared access rule: {missing}")
    logging.getLogger(__name__).debug("access rules declared for %d endpoints", len(app.view_functions))
