import pytest

import config


def production_with(monkeypatch, secret, debug=None):
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    if debug is not None:
        monkeypatch.setenv("FLASK_DEBUG", debug)

    class Production(config.ProductionConfig):
        SECRET_KEY = secret or ""

    return Production


def test_production_starts_with_a_real_secret(monkeypatch):
    production_with(monkeypatch, "x" * 40).validate()


@pytest.mark.parametrize("secret", [None, "", "short", config.DEV_SECRET_KEY])
def test_production_refuses_a_missing_or_weak_secret(monkeypatch, secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production_with(monkeypatch, secret).validate()


def test_production_refuses_debug(monkeypatch):
    with pytest.raises(RuntimeError, match="debug"):
        production_with(monkeypatch, "x" * 40, debug="1").validate()


def test_production_refuses_the_console_mail_backend(monkeypatch):
    production = production_with(monkeypatch, "x" * 40)
    assert production.MAIL_BACKEND == "smtp"

    class PrintsMail(production):
        MAIL_BACKEND = "console"

    with pytest.raises(RuntimeError, match="SMTP"):
        PrintsMail.validate()


def test_production_cookies_are_secure():
    assert config.ProductionConfig.SESSION_COOKIE_SECURE
    assert config.Config.SESSION_COOKIE_HTTPONLY
    assert config.Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.ProductionConfig.DEMO_ALLOWED is False


def test_proxy_fix_is_configurable(monkeypatch):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from portal import create_app

    class BehindProxy(config.TestingConfig):
        PROXY_FIX_HOPS = 1

    app = create_app(BehindProxy)
    assert isinstance(app.wsgi_app, ProxyFix)

    @app.get("/_whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    whoami.access_rule = object()  # a test-only view, outside the access matrix
    response = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert response.text == "203.0.113.9 https"
    assert not isinstance(create_app(config.TestingConfig).wsgi_app, ProxyFix)


def _settings_under(env: dict, expression: str) -> str:
    """Import config (or portal.serving) afresh under ``env``; class attributes
    are read at import, so a subprocess is the honest way to see them."""
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "SESSION_STORE", "RATELIMIT_STORAGE_URI",
                                                                "REDIS_KEY_PREFIX", "LOG_FORMAT", "WEB_CONCURRENCY", "BIND",
                                                                "SUPPORT_CIRCLE_CONFIG"}}
    result = subprocess.run(  # noqa: S603 - the test's own interpreter and code
        [sys.executable, "-c", f"import config, json; print(json.dumps({expression}))"],
        env={**clean, **env}, capture_output=True, text=True, check=True, cwd=config.BASE_DIR,
    )
    import json

    return json.loads(result.stdout)


def test_without_redis_sessions_stay_in_the_database_and_limits_in_memory():
    store, limits, prefix, log_format = _settings_under(
        {}, "[config.Config.SESSION_STORE, config.Config.RATELIMIT_STORAGE_URI, config.Config.REDIS_KEY_PREFIX,"
            " config.ProductionConfig.LOG_FORMAT]"
    )
    assert (store, limits, prefix, log_format) == ("database", "memory://", "support-circle:", "json")


def test_with_redis_sessions_and_limits_move_there_under_the_prefix():
    store, limits, options = _settings_under(
        {"REDIS_URL": "redis://cache.internal:6379/2", "REDIS_KEY_PREFIX": "clinic-a:"},
        "[config.Config.SESSION_STORE, config.Config.RATELIMIT_STORAGE_URI, config.Config.RATELIMIT_STORAGE_OPTIONS]",
    )
    assert store == "redis" and limits == "redis://cache.internal:6379/2"
    assert options == {"key_prefix": "clinic-a:limits"}
    # An explicit choice wins; the suite's own config ignores the shell's Redis.
    assert _settings_under({"REDIS_URL": "redis://x", "SESSION_STORE": "database"}, "config.Config.SESSION_STORE") == "database"
    assert _settings_under({"REDIS_URL": "redis://x"}, "config.TestingConfig.SESSION_STORE") == "database"


def test_gunicorn_settings_come_from_the_environment():
    settings = _settings_under(
        {"WEB_CONCURRENCY": "3", "BIND": "0.0.0.0:8080"},
        "(lambda s: [s.workers, s.bind, s.accesslog, s.wsgi_app, s.logconfig_dict['formatters']['json']['()'],"
        " s.control_socket_disable])(__import__('portal.serving', fromlist=['x']))",
    )
    assert settings == [3, ["0.0.0.0:8080"], None, "portal:create_app()", "portal.logs.JsonFormatter", True]
