import secrets

import pytest

import config

REAL_SECRET = secrets.token_urlsafe(32)


def production_with(monkeypatch, secret, debug=None, **settings):
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    if debug is not None:
        monkeypatch.setenv("FLASK_DEBUG", debug)
    # What a deployment states explicitly; each test changes one thing.
    given = {
        "SECRET_KEY": secret or "",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@db.internal/support_circle",
        "BASE_URL": "https://support.example.org",
        "TRUSTED_HOSTS": ["support.example.org"],
        "RATELIMIT_STORAGE_URI": "database://",
        **settings,
    }
    return type("Production", (config.ProductionConfig,), given)


def test_production_starts_with_a_real_secret(monkeypatch):
    production_with(monkeypatch, REAL_SECRET).validate()


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        "short",
        config.DEV_SECRET_KEY,
        "x" * 32,
        "x" * 64,
        "ab" * 20,
        "0123456789abcdef" * 2,
        "abcdefghijklmnopqrstuvwxyz0123456789",
        "Kq8!zP2@" * 5,
        "h7Fq2LmZ9xWc" * 3,
        "aaaaaaaabbbbbbbbccccccccdddddddd",
        config.TestingConfig.SECRET_KEY,
    ],
    ids=["missing", "empty", "short", "development", "32-same", "64-same", "two-letters", "hex-twice", "alphabet",
         "short-pattern", "repeated-12", "runs", "the-suite's"],
)
def test_production_refuses_a_missing_or_weak_secret(monkeypatch, secret):
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        production_with(monkeypatch, secret).validate()


@pytest.mark.parametrize(
    "make", [lambda: secrets.token_hex(16), lambda: secrets.token_urlsafe(24), lambda: secrets.token_urlsafe(32),
             lambda: secrets.token_hex(32), lambda: __import__("uuid").uuid4().hex],
    ids=["token_hex(16)", "token_urlsafe(24)", "token_urlsafe(32)", "token_hex(32)", "uuid4"],
)
def test_keys_from_the_usual_generators_are_accepted(monkeypatch, make):
    for _ in range(200):
        production_with(monkeypatch, make()).validate()


@pytest.mark.parametrize(
    "fallbacks",
    [["x" * 32], [secrets.token_urlsafe(32), "short"], [config.DEV_SECRET_KEY], ["0123456789abcdef" * 2]],
    ids=["same-letter", "second-short", "development", "pattern"],
)
def test_every_fallback_key_meets_the_same_rule(monkeypatch, fallbacks):
    with pytest.raises(config.ConfigError, match="SECRET_KEY_FALLBACKS"):
        production_with(monkeypatch, REAL_SECRET, SECRET_KEY_FALLBACKS=fallbacks).validate()
    production_with(monkeypatch, REAL_SECRET, SECRET_KEY_FALLBACKS=[secrets.token_urlsafe(32)]).validate()


def test_a_refusal_never_repeats_the_key(monkeypatch):
    weak = "Kq8!zP2@" * 5
    with pytest.raises(config.ConfigError) as refusal:
        production_with(monkeypatch, REAL_SECRET, SECRET_KEY_FALLBACKS=[weak]).validate()
    assert weak not in str(refusal.value) and "Kq8" not in str(refusal.value)
    assert "\n" not in str(refusal.value)


def test_production_refuses_debug(monkeypatch):
    with pytest.raises(config.ConfigError, match="debug"):
        production_with(monkeypatch, REAL_SECRET, debug="1").validate()


def test_production_refuses_the_console_mail_backend(monkeypatch):
    production = production_with(monkeypatch, REAL_SECRET)
    assert production.MAIL_BACKEND == "smtp"

    class PrintsMail(production):
        MAIL_BACKEND = "console"

    with pytest.raises(config.ConfigError, match="SMTP"):
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


def test_without_redis_sessions_and_limits_stay_in_the_database():
    store, limits, prefix, log_format, testing = _settings_under(
        {}, "[config.Config.SESSION_STORE, config.Config.RATELIMIT_STORAGE_URI, config.Config.REDIS_KEY_PREFIX,"
            " config.ProductionConfig.LOG_FORMAT, config.TestingConfig.RATELIMIT_STORAGE_URI]"
    )
    assert (store, limits, prefix, log_format) == ("database", "database://", "support-circle:", "json")
    # The suite counts in memory unless a test asks for real storage.
    assert testing == "memory://"


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


@pytest.mark.parametrize("storage", ["memory://", "async+memory://", ""])
def test_production_refuses_per_process_rate_limits(monkeypatch, storage):
    with pytest.raises(config.ConfigError, match="RATELIMIT_STORAGE_URI"):
        production_with(monkeypatch, REAL_SECRET, RATELIMIT_STORAGE_URI=storage).validate()
    for shared in ("database://", "redis://cache.internal:6379/0"):
        production_with(monkeypatch, REAL_SECRET, RATELIMIT_STORAGE_URI=shared).validate()


def test_limits_in_the_database_need_the_fixed_window(monkeypatch):
    with pytest.raises(config.ConfigError, match="RATELIMIT_STRATEGY"):
        production_with(monkeypatch, REAL_SECRET, RATELIMIT_STRATEGY="moving-window").validate()


def test_production_without_database_url_refuses_to_start():
    # The class reads DATABASE_URL at import; without it there is no quiet
    # fall-back to the development SQLite file (and its demo accounts).
    uri, development = _settings_under(
        {"DATABASE_URL": ""}, "[config.ProductionConfig.SQLALCHEMY_DATABASE_URI, config.DevelopmentConfig.SQLALCHEMY_DATABASE_URI]"
    )
    assert uri == "" and development.startswith("sqlite:///")


def test_production_refuses_an_empty_database_url_or_base_url(monkeypatch):
    with pytest.raises(config.ConfigError, match="DATABASE_URL"):
        production_with(monkeypatch, REAL_SECRET, SQLALCHEMY_DATABASE_URI="").validate()
    with pytest.raises(config.ConfigError, match="BASE_URL"):
        production_with(monkeypatch, REAL_SECRET, BASE_URL="").validate()


@pytest.mark.parametrize("base_url", ["support.example.org", "ftp://support.example.org", "https://"])
def test_a_malformed_base_url_stops_start_up(base_url):
    broken = type("Broken", (config.TestingConfig,), {"BASE_URL": base_url})
    with pytest.raises(config.ConfigError, match="BASE_URL"):
        broken.validate()


@pytest.mark.parametrize("configuration", ["DevelopmentConfig", "TestingConfig", "ProductionConfig"])
@pytest.mark.parametrize("zone", ["Nowhere/Else", "", "../../etc/passwd", "America/New_York "])
def test_an_unknown_time_zone_stops_start_up_in_every_configuration(monkeypatch, configuration, zone):
    base = getattr(config, configuration)
    if base is config.ProductionConfig:
        base = production_with(monkeypatch, REAL_SECRET)
    unknown = type("UnknownZone", (base,), {"TIMEZONE": zone})
    with pytest.raises(config.ConfigError, match="TIMEZONE"):
        unknown.validate()


def test_an_unknown_time_zone_never_reaches_a_page():
    from portal import create_app

    with pytest.raises(config.ConfigError, match="Nowhere/Else"):
        create_app(type("UnknownZone", (config.TestingConfig,), {"TIMEZONE": "Nowhere/Else"}))


def test_trusted_hosts_default_to_the_base_url_and_loopback_and_to_the_base_url_alone_in_production():
    development, testing, production = _settings_under(
        {"BASE_URL": "https://support.example.org:8443"},
        "[config.DevelopmentConfig.trusted_hosts(), config.TestingConfig.trusted_hosts(),"
        " config.ProductionConfig.trusted_hosts()]",
    )
    assert development == testing == ["127.0.0.1", "localhost", "support.example.org"]
    assert production == ["support.example.org"]
    explicit = _settings_under(
        {"BASE_URL": "https://support.example.org", "TRUSTED_HOSTS": "support.example.org, .clinic.example"},
        "config.ProductionConfig.trusted_hosts()",
    )
    assert explicit == ["support.example.org", ".clinic.example"]
    # A configuration that moves BASE_URL moves the hosts it trusts with it.
    moved = type("Moved", (config.ProductionConfig,), {"BASE_URL": "https://circle.clinic.example"})
    assert moved.trusted_hosts() == ["circle.clinic.example"]


def test_trusting_every_host_stops_start_up(monkeypatch):
    with pytest.raises(config.ConfigError, match="TRUSTED_HOSTS"):
        production_with(monkeypatch, REAL_SECRET, TRUSTED_HOSTS=[]).validate()
    with pytest.raises(config.ConfigError, match="TRUSTED_HOSTS"):
        type("TrustsAll", (config.TestingConfig,), {"TRUSTED_HOSTS": []}).validate()


def test_the_production_session_cookie_carries_the_host_prefix():
    assert config.ProductionConfig.SESSION_COOKIE_NAME == "__Host-session"
    # The prefix is honoured only with Secure, Path=/ and no Domain.
    assert config.ProductionConfig.SESSION_COOKIE_SECURE is True
    assert getattr(config.ProductionConfig, "SESSION_COOKIE_DOMAIN", None) in (None, False)
    assert getattr(config.ProductionConfig, "SESSION_COOKIE_PATH", None) in (None, "/")


def test_an_unknown_configuration_name_is_a_config_error(monkeypatch):
    monkeypatch.setenv("SUPPORT_CIRCLE_CONFIG", "prod")
    with pytest.raises(config.ConfigError, match="SUPPORT_CIRCLE_CONFIG"):
        config.config_from_env()


def test_each_setting_is_assigned_once_in_each_class():
    """A second assignment silently wins over the first (BASE_URL once had two)."""
    import ast
    from collections import Counter

    tree = ast.parse((config.BASE_DIR / "config.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names = Counter(
                target.id for statement in node.body if isinstance(statement, ast.Assign)
                for target in statement.targets if isinstance(target, ast.Name)
            )
            assert [name for name, count in names.items() if count > 1] == [], node.name
