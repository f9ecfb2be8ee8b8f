"""Support Circle: one shared support plan, each person seeing only their part.

The package is in layers whose imports point down: shared leaves (clock,
timezone, urls, forms, hooks, paging, tokens), the models, audit, access,
infrastructure (notify, sessions, rate limits, health), the features, the
hosts that compose pages (the dashboard), and this wiring. The README's
"How the code is shaped" draws them; tests/test_layers.py keeps them so.
"""

from __future__ import annotations

import logging

from flask import Flask

from config import Config, ConfigError, config_from_env, refuse_to_start


def create_app(config_class: type[Config] | None = None) -> Flask:
    if config_class is not None:
        return build_app(config_class)
    # Called without a class by the entry points (the flask command through
    # FLASK_APP=portal:create_app, a gunicorn worker): a refusal is one line
    # and a non-zero exit there, never a traceback.
    try:
        return build_app(config_from_env())
    except ConfigError as refusal:
        refuse_to_start(refusal)


def build_app(config_class: type[Config]) -> Flask:
    check_config(config_class)
    from portal.urls import Portal

    app = Portal(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=False)
    app.config.from_object(config_class)
    app.config["TRUSTED_HOSTS"] = config_class.trusted_hosts()
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_trusted_hosts(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_sessions(app)
    register_audit(app)
    register_logging(app)
    register_security(app)
    register_templates(app)
    register_cli(app)
    verify_access_declared(app)
    return app


def check_config(config_class: type[Config]) -> None:
    """Every start-up refusal, without building an app: gunicorn's master runs
    this before it starts any worker (portal/serving.py)."""
    from portal.auth.mfa import check_settings as check_mfa
    from portal.reach import check_settings as check_reach_hours

    config_class.validate()
    settings = {name: getattr(config_class, name) for name in dir(config_class) if name.isupper()}
    # Settings that would quietly weaken sign-in stop start-up too.
    check_mfa(settings)
    # And hours the "right now" page could not read.
    check_reach_hours(settings)


def register_trusted_hosts(app: Flask) -> None:
    """First of all the request hooks, so that nothing (sessions, limits,
    CSRF, audit) works for a request addressed to a host we do not serve."""
    from portal.urls import refuse_untrusted_hosts

    app.before_request(refuse_untrusted_hosts)


def register_extensions(app: Flask) -> None:
    from portal.auth.services import load_session_user
    from portal.extensions import csrf, db, limiter, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        from config import INSTANCE_DIR

        INSTANCE_DIR.mkdir(exist_ok=True)
    # Values bound to SQL are plan text, names and password hashes: keep them
    # out of database error messages, which the error handler logs with their
    # traceback (SECURITY.md: logs hold no plan content, no passwords).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "hide_parameters": True}
    give_up_on_dead_servers(app)
    if not app.config.get("SQLALCHEMY_ECHO"):
        # SQLAlchemy logs statements at INFO and result rows (plan text) at
        # DEBUG whenever the root logger is that verbose; only an explicit
        # SQLALCHEMY_ECHO may turn the SQL log on.
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        use_write_ahead_log(app, db)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    from portal import languages
    from portal.extensions import babel

    languages.register(app, babel)
    csrf.init_app(app)
    import portal.ratelimits.storage  # noqa: F401 - registers the database:// scheme with limits

    limiter.init_app(app)
    login_manager.init_app(app)
    from flask_babel import gettext

    from portal.languages import N_

    login_manager.login_view = "auth.login"
    # Flashed in the visitor's language: Flask-Login translates it when it flashes.
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    # Import every model so that metadata (and Alembic) sees the whole schema.
    import portal.models  # noqa: F401


def give_up_on_dead_servers(app: Flask) -> None:
    """A database or Redis that does not answer fails the request within
    seconds (a calm 503, portal/errors.py) instead of holding it, and a
    worker, until the operating system gives up. Settings already given
    are kept; DATABASE_CONNECT_TIMEOUT and REDIS_SOCKET_TIMEOUT tune them."""
    from portal.sessions.store import DEFAULT_REDIS_TIMEOUT

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        connect_args = {"connect_timeout": int(app.config.get("DATABASE_CONNECT_TIMEOUT", 5)), **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}
    if app.config.get("RATELIMIT_STORAGE_URI", "").startswith(("redis://", "rediss://")):
        timeout = float(app.config.get("REDIS_SOCKET_TIMEOUT", DEFAULT_REDIS_TIMEOUT))
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }


def use_write_ahead_log(app: Flask, db) -> None:
    """A SQLite file in write-ahead-log mode. Every audited view commits; in
    WAL mode a commit syncs one file instead of a rollback journal and the
    database (about 4 ms instead of 18 on the bench machine), and readers in
    the other workers no longer wait for a writer. synchronous stays FULL, so
    a committed change survives a power cut exactly as before."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _write_ahead_log(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from portal.account import bp as account_bp
    from portal.admin import bp as admin_bp
    from portal.auth import bp as auth_bp
    from portal.circles import bp as circles_bp
    from portal.dashboard import bp as dashboard_bp
    from portal.export import bp as export_bp
    from portal.followup import bp as followup_bp
    from portal.health import bp as health_bp
    from portal.invitations import bp as invitations_bp
    from portal.notify import bp as notify_bp
    from portal.plan import bp as plan_bp
    from portal.plan.converters import CONVERTERS
    from portal.rightnow import bp as rightnow_bp
    from portal.safeguarding import bp as safeguarding_bp
    from portal.school import bp as school_bp
    from portal.sessions import bp as sessions_bp
    from portal.sharing import bp as sharing_bp
    from portal.urgent import bp as urgent_bp
    from portal.who_has_seen import bp as audit_bp

    app.url_map.converters.update(CONVERTERS)
    # The views attach themselves to the blueprints when their modules load.
    import portal.account.routes
    import portal.admin.import_routes
    import portal.admin.organisation
    import portal.admin.routes
    import portal.auth.routes
    import portal.auth.setup_routes
    import portal.circles.routes
    import portal.dashboard.routes
    import portal.export.routes
    import portal.followup.routes
    import portal.health.routes
    import portal.invitations.routes
    import portal.notify.routes
    import portal.plan.routes
    import portal.rightnow.routes
    import portal.safeguarding.routes  # its dashboard item and scheduler step register as it loads
    import portal.school.finding
    import portal.school.routes
    import portal.sessions.routes
    import portal.sharing.routes
    import portal.urgent.routes
    import portal.who_has_seen.routes  # noqa: F401

    for blueprint in (auth_bp, dashboard_bp, circles_bp, invitations_bp, plan_bp, admin_bp, urgent_bp, health_bp, audit_bp, notify_bp, sharing_bp, sessions_bp, account_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(school_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(rightnow_bp)
    app.register_blueprint(safeguarding_bp)
    app.register_blueprint(export_bp)


def register_sessions(app: Flask) -> None:
    from portal.sessions.drafts import set_browser_cookie
    from portal.sessions.services import check_request
    from portal.sessions.store import init_app as init_session_store

    init_session_store(app)
    app.before_request(check_request)
    app.after_request(set_browser_cookie)
    # After the session check, so that it asks only of a live session.
    from portal.account.first_password import register as register_first_password

    register_first_password(app)


def register_logging(app: Flask) -> None:
    from portal.logs import register

    register(app)


def register_audit(app: Flask) -> None:
    from portal.audit.services import register

    register(app)


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
