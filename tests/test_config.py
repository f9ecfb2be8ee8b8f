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
