"""The health check, the urgent-help page reachable from every page signed in
or not (DESIGN.md, principle 8), and the security headers on every kind of
response, errors included (SECURITY.md, figure 8)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc
from sqlalchemy.pool import StaticPool

from config import TestingConfig
from portal import create_app
from portal.access import policy
from portal.extensions import db
from tests import factories
from tests.web import add

FIGURES = "headers on every response type (SECURITY.md, figure 8)"
URGENT_LINK = 'href="/urgent-help"'


def test_health_check_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_health_check_says_unavailable_when_the_database_fails(client, monkeypatch):
    # A failure inside the session, on a database that is there; the
    # database that is not there at all: tests/health/test_outages.py.
    def database_down(*args, **kwargs):
        raise exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", database_down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.is_json and response.get_json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    _assert_security_headers(response, signed_in=False)


class ElsewhereConfig(TestingConfig):
    """A deployment outside the US, with its own numbers."""

    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    EMERGENCY_NUMBER = "000"
    CRISIS_LINE_NUMBER = "13 11 14"
    CRISIS_LINE_NAME = "Lifeline Australia"


@pytest.fixture
def elsewhere():
    app = create_app(ElsewhereConfig)
    with app.app_context():
        db.create_all()
        factories.user("Robin Shaw", email="robin@example.test")
        db.session.remove()
    # No context held open: each request gets its own, as in production.
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_urgent_help_shows_the_numbers_the_deployment_configured(elsewhere):
    signed_out = elsewhere.test_client()
    signed_in = elsewhere.test_client()
    signed_in.post("/login", data={"email": "robin@example.test", "password": factories.PASSWORD})
    assert signed_in.get("/dashboard").status_code == 200
    for test_client in (signed_out, signed_in):
        page = test_client.get("/urgent-help")
        assert page.status_code == 200
        assert 'href="tel:000"' in page.text and "13 11 14" in page.text and "Lifeline Australia" in page.text
        assert "911" not in page.text and "988" not in page.text
        assert "Poisoning, or a possible overdose" in page.text
    # The footer of any page carries them too.
    assert "13 11 14" in signed_out.get("/login").text


def test_urgent_help_is_reachable_signed_out_and_signed_in(app, world, login_as):
    assert app.test_client().get("/urgent-help").status_code == 200
    page = login_as(world.users[policy.CAREGIVER], app.test_client()).get("/urgent-help")
    assert page.status_code == 200
    assert "911" in page.text and "988" in page.text  # config.Config's defaults


def _html_pages(world) -> list[tuple[str, object, int]]:
    c = world.circle.id
    return [
        ("/login", None, 200),
        ("/urgent-help", None, 200),
        ("/no-such-page", None, 404),
        ("/dashboard", policy.CLINICIAN, 200),
        ("/circles", policy.CLINICIAN, 200),
        ("/circles/new", policy.CLINICIAN, 200),
        (f"/circles/{c}", policy.CLINICIAN, 200),
        (f"/circles/{c}/members", policy.CLINICIAN, 200),
        (f"/circles/{c}/plan/safety_plan", policy.CLINICIAN, 200),
        (f"/circles/{c}/plan/safety_plan/edit", policy.CLINICIAN, 200),
        (f"/circles/{c}/plan/safety_plan/history", policy.CLINICIAN, 200),
        (f"/circles/{c}/plan/safety_plan/print", policy.CLINICIAN, 200),
        (f"/circles/{c}/plan/follow_ups/new", policy.CLINICIAN, 200),
        (f"/circles/{c}/plan/clinical", policy.CAREGIVER, 403),
        (f"/circles/{world.other_circle.id}", policy.CAREGIVER, 404),
        ("/admin/", "org_admin", 200),
        ("/admin/accounts/new", "org_admin", 200),
    ]


def _client_for(app, world, login_as, who):
    if who is None:
        return app.test_client()
    user = world.org_admin if who == "org_admin" else world.users[who]
    return login_as(user, app.test_client())


def test_every_html_page_links_to_urgent_help(app, world, login_as):
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], "LINK")
    for url, who, status in _html_pages(world):
        response = _client_for(app, world, login_as, who).get(url)
        assert response.status_code == status, url
        assert response.mimetype == "text/html"
        assert URGENT_LINK in response.text, f"{url} has no link to urgent help"


def _directives(csp: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in csp.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def _assert_security_headers(response, *, signed_in: bool) -> None:
    headers = response.headers
    csp = _directives(headers.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == "'self'"
    assert csp.get("object-src") == "'none'"
    assert csp.get("base-uri") == "'none'"
    assert csp.get("frame-ancestors") == "'none'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    if signed_in or response.status_code >= 400:
        # A signed-in page, and any error (it may describe what was asked for),
        # must never sit in a shared computer's cache.
        assert "no-store" in headers.get("Cache-Control", ""), response.status_code


@pytest.fixture
def failing_app(app):
    """The suite's app with one view that fails, registered before any request."""

    def broken_view():
        raise RuntimeError("a bug with a secret detail in its message")

    app.add_url_rule("/broken-for-the-test", "broken_for_the_test", broken_view)
    return app


def test_security_headers_on_every_kind_of_response(failing_app, world, login_as, request):
    app = failing_app
    c = world.circle.id

    def clinician():
        return login_as(world.users[policy.CLINICIAN], app.test_client())

    cases = [
        ("200 signed out", app.test_client(), "get", "/login", {}, 200, False),
        ("200 signed in", clinician(), "get", f"/circles/{c}/plan/safety_plan", {}, 200, True),
        ("302 to sign in", app.test_client(), "get", "/dashboard", {}, 302, False),
        ("302 after saving", clinician(), "post", f"/circles/{c}/plan/clinical/edit",
         {"base_version": "0", "medication": "Header check"}, 302, True),
        ("401 failed sign-in", app.test_client(), "post", "/login",
         {"email": "nobody@example.test", "password": "wrong password here"}, 401, False),
        ("403 not shared", login_as(world.users[policy.SCHOOL_STAFF], app.test_client()), "get",
         f"/circles/{c}/plan/clinical", {}, 403, True),
        ("404 signed out", app.test_client(), "get", "/no-such-page", {}, 404, False),
        ("404 signed in", clinician(), "get", f"/circles/{world.other_circle.id}", {}, 404, True),
        ("405", clinician(), "get", "/logout", {}, 405, True),
        ("422 invalid form", clinician(), "post", "/circles/new", {}, 422, True),
        ("500 signed out", app.test_client(), "get", "/broken-for-the-test", {}, 500, False),
        ("500 signed in", clinician(), "get", "/broken-for-the-test", {}, 500, True),
        ("200 JSON", app.test_client(), "get", "/healthz", {}, 200, False),
    ]
    for label, test_client, method, url, data, status, signed_in in cases:
        response = getattr(test_client, method)(url, data=data) if method == "post" else test_client.get(url)
        assert response.status_code == status, label
        _assert_security_headers(response, signed_in=signed_in)
        add(request.config, FIGURES, f"responses checked: {status}")
        if status >= 400 and response.mimetype == "text/html":
            assert URGENT_LINK in response.text, label
    static = app.test_client().get("/static/css/app.css")
    assert static.status_code == 200
    _assert_security_headers(static, signed_in=False)
    static.close()
    add(request.config, FIGURES, "responses checked: 200 static file")


def test_a_500_is_the_friendly_page_without_the_details(failing_app, world, login_as):
    response = login_as(world.users[policy.CLINICIAN], failing_app.test_client()).get("/broken-for-the-test")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert URGENT_LINK in response.text
    _assert_security_headers(response, signed_in=True)


def test_no_store_on_every_error_and_every_signed_in_response(app, world, login_as, request):
    """Errors of every kind, static 404s included, and everything a signed-in
    browser is sent, static files included, carry no-store; only a real
    static file sent to a signed-out visitor may be cached."""
    def clinician():
        return login_as(world.users[policy.CLINICIAN], app.test_client())

    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    cases = [
        ("static 404 signed out", app.test_client(), "get", "/static/css/no-such-file.css", {}, 404, False),
        ("static 404 signed in", clinician(), "get", "/static/css/no-such-file.css", {}, 404, True),
        ("static file signed in", clinician(), "get", "/static/css/app.css", {}, 200, True),
        ("static 405", app.test_client(), "post", "/static/css/app.css", {}, 405, False),
        ("413 too large", app.test_client(), "post", "/login", {"email": big}, 413, False),
        ("415 JSON body", app.test_client(), "json", "/login", {"email": "a@example.org"}, 415, False),
        ("405 signed out", app.test_client(), "get", "/logout", {}, 405, False),
    ]
    for label, test_client, method, url, data, status, signed_in in cases:
        if method == "json":
            response = test_client.post(url, json=data)
        elif method == "post":
            response = test_client.post(url, data=data)
        else:
            response = test_client.get(url)
        assert response.status_code == status, label
        _assert_security_headers(response, signed_in=signed_in)
        assert "no-store" in response.headers.get("Cache-Control", ""), label
        response.close()
        add(request.config, FIGURES, f"responses checked: {status}")

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        expired = app.test_client().post("/login", data={"email": "a@example.org", "password": "x" * 12})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert expired.status_code == 400
    _assert_security_headers(expired, signed_in=False)

    anonymous = app.test_client().get("/static/css/app.css")
    assert anonymous.status_code == 200
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    anonymous.close()


def test_a_throttled_request_is_not_stored(app, request):
    from portal.extensions import limiter

    app.config["RATELIMIT_ENABLED"] = True
    app.config["SIGN_IN_LIMIT_PER_IP"] = "1 per 15 minutes"
    limiter.init_app(app)
    limiter.reset()
    try:
        throttled = app.test_client()
        throttled.post("/login", data={"email": "nobody@example.org", "password": "wrong guess here"})
        refused = throttled.post("/login", data={"email": "nobody@example.org", "password": "wrong guess here"})
    finally:
        limiter.reset()
    assert refused.status_code == 429
    _assert_security_headers(refused, signed_in=False)
    add(request.config, FIGURES, "responses checked: 429")
