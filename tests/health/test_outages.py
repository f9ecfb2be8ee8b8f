"""When Redis (sessions or rate limits) or the database is down: a calm 503
page with the urgent-help numbers, never a 500; the urgent-help page itself
still served, touching neither once they are known to be down; /healthz
saying which part failed; one log line naming the part, nothing more.

The failures are real: Redis and PostgreSQL addresses on a closed port."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy.pool import StaticPool

from config import TestingConfig
from portal import create_app
from portal.extensions import db
from portal.sessions.services import SESSION_KEY
from portal.sessions.store import get_store
from tests import factories
from tests.sessions.backends import REDIS_REQUIRED, REDIS_URL, delete_prefix, redis_reachable

CLOSED_REDIS = "redis://127.0.0.1:1/0"
CLOSED_DATABASE = "postgresql+psycopg://support_circle@127.0.0.1:1/support_circle_down"
UNAVAILABLE = "Support Circle is not available right now"
SIGNED_IN_MARK = "Sign out"


class InMemoryDatabase(TestingConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}


class RedisSessionsDown(InMemoryDatabase):
    SESSION_STORE = "redis"
    REDIS_URL = CLOSED_REDIS


class RedisLimitsDown(InMemoryDatabase):
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = CLOSED_REDIS


class DatabaseDown(TestingConfig):
    SQLALCHEMY_DATABASE_URI = CLOSED_DATABASE
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}


def _app(config):
    app = create_app(config)
    if config.SQLALCHEMY_DATABASE_URI == "sqlite://":
        with app.app_context():
            db.create_all()
    return app


@pytest.fixture
def redis_sessions_down():
    app = _app(RedisSessionsDown)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def database_down():
    app = _app(DatabaseDown)
    yield app
    with app.app_context():
        db.engine.dispose()


UNKNOWN_TOKEN = "a-session-token-the-store-cannot-be-asked-about"  # noqa: S105 - not a secret


def signed_in_cookie(client, user_id: int = 1, token: str = UNKNOWN_TOKEN):
    """What a signed-in browser sends: the cookie was set before the outage."""
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{user_id}:1"
        cookie["_fresh"] = True
        cookie[SESSION_KEY] = token
    return client


def assert_calm_unavailable_page(app, response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    text = response.text
    assert UNAVAILABLE in text
    # The numbers in the page itself, not only in the footer.
    assert 'data-unavailable' in text
    main = text.split('<main', 1)[1].split("</main>", 1)[0]
    assert app.config["EMERGENCY_NUMBER"] in main and app.config["CRISIS_LINE_NUMBER"] in main
    assert 'href="/urgent-help"' in main
    assert SIGNED_IN_MARK not in text and "Traceback" not in text
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers.get("Retry-After", "").isdigit()
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def outage_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if "unavailable" in record.getMessage()]


def assert_one_quiet_line(caplog, component: str) -> None:
    lines = outage_lines(caplog)
    assert len(lines) == 1, lines
    assert f"component={component}" in lines[0]
    for secret in ("127.0.0.1:1", "support_circle@", "a-session-token", "redis://", "postgresql"):
        assert secret not in lines[0]
    assert not any(record.exc_info for record in caplog.records if record.levelno >= logging.WARNING)


# --- Redis, holding the sessions, is down ------------------------------------------------------------


def test_signed_in_pages_answer_a_calm_503_when_the_session_store_is_down(redis_sessions_down, caplog):
    app = redis_sessions_down
    for method, url in (("get", "/dashboard"), ("get", "/circles/1/plan/safety_plan"), ("post", "/circles/1/plan/safety_plan/edit"),
                        ("post", "/session/ping"), ("get", "/static/css/no-such-file.css")):
        caplog.clear()
        client = signed_in_cookie(app.test_client())
        response = client.post(url, data={"warning_signs": "TYPED"}) if method == "post" else client.get(url)
        if url.startswith("/static"):
            # Static paths need no session: a signed-out 404, not a 503.
            assert response.status_code == 404 and SIGNED_IN_MARK not in response.text
            continue
        assert_calm_unavailable_page(app, response)
        assert_one_quiet_line(caplog, "redis")
        assert "TYPED" not in caplog.text


def test_signing_in_answers_a_calm_503_when_the_session_store_is_down(redis_sessions_down):
    app = redis_sessions_down
    with app.app_context():
        factories.user("Robin Shaw", email="robin@example.test")
        db.session.commit()
    response = app.test_client().post("/login", data={"email": "robin@example.test", "password": factories.PASSWORD})
    assert_calm_unavailable_page(app, response)


def _count_redis_commands(app, monkeypatch) -> list:
    calls = []
    with app.app_context():
        pool = get_store().client.connection_pool
    real = pool.get_connection

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pool, "get_connection", counting)
    return calls


def test_urgent_help_is_served_while_the_session_store_is_down(redis_sessions_down, monkeypatch):
    app = redis_sessions_down
    calls = _count_redis_commands(app, monkeypatch)
    signed_out = app.test_client().get("/urgent-help")
    assert signed_out.status_code == 200 and "911" in signed_out.text and "988" in signed_out.text
    assert calls == []
    # A signed-in browser: the session cannot be checked, so the page is
    # served as to a signed-out visitor, and the cookie is kept for later.
    client = signed_in_cookie(app.test_client())
    page = client.get("/urgent-help")
    assert page.status_code == 200 and "911" in page.text and "988" in page.text
    assert "Poisoning, or a possible overdose" in page.text
    assert SIGNED_IN_MARK not in page.text and "no-store" in page.headers["Cache-Control"]
    with client.session_transaction() as cookie:
        assert SESSION_KEY in cookie
    # Once Redis is known to be down, the page does not even try it.
    tried = len(calls)
    for _ in range(3):
        assert client.get("/urgent-help").status_code == 200
    assert len(calls) == tried


def test_urgent_help_does_not_wait_for_redis_it_already_knows_is_down(redis_sessions_down, monkeypatch):
    app = redis_sessions_down
    calls = _count_redis_commands(app, monkeypatch)
    client = signed_in_cookie(app.test_client())
    assert client.get("/dashboard").status_code == 503
    tried = len(calls)
    assert client.get("/urgent-help").status_code == 200
    assert len(calls) == tried


def test_healthz_says_the_session_store_is_down(redis_sessions_down, caplog):
    response = redis_sessions_down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "ok", "session_store": "unavailable"}}
    assert "127.0.0.1" not in response.text and "redis://" not in response.text
    assert "no-store" in response.headers["Cache-Control"]
    assert_one_quiet_line(caplog, "session_store")


# --- Redis, holding the rate limits, is down ---------------------------------------------------------


def test_a_throttled_form_answers_a_calm_503_when_the_limit_store_is_down(caplog):
    app = _app(RedisLimitsDown)
    try:
        response = app.test_client().post("/login", data={"email": "robin@example.test", "password": "a password here"})
        assert_calm_unavailable_page(app, response)
        assert_one_quiet_line(caplog, "redis")
        assert app.test_client().get("/urgent-help").status_code == 200
        assert app.test_client().get("/login").status_code == 200  # reading the form needs no limit
        caplog.clear()
        health = app.test_client().get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "unavailable", "checks": {"database": "ok", "rate_limits": "unavailable"}}
        assert_one_quiet_line(caplog, "rate_limits")
    finally:
        with app.app_context():
            db.engine.dispose()


# --- The database is down ----------------------------------------------------------------------------


def test_pages_answer_a_calm_503_when_the_database_is_down(database_down, caplog):
    app = database_down
    for method, url in (("get", "/dashboard"), ("get", "/circles/1/plan/safety_plan"), ("post", "/circles/1/plan/safety_plan/edit")):
        caplog.clear()
        client = signed_in_cookie(app.test_client())
        response = client.post(url, data={"warning_signs": "TYPED"}) if method == "post" else client.get(url)
        assert_calm_unavailable_page(app, response)
        assert_one_quiet_line(caplog, "database")
    caplog.clear()
    response = app.test_client().post("/login", data={"email": "robin@example.test", "password": "a password here"})
    assert_calm_unavailable_page(app, response)
    assert_one_quiet_line(caplog, "database")


def test_urgent_help_is_served_while_the_database_is_down(database_down):
    app = database_down
    for client in (app.test_client(), signed_in_cookie(app.test_client())):
        for _ in range(2):
            page = client.get("/urgent-help")
            assert page.status_code == 200 and "911" in page.text and "988" in page.text
            assert SIGNED_IN_MARK not in page.text


def test_healthz_says_the_database_is_down(database_down, caplog):
    response = database_down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert "support_circle" not in response.text and "127.0.0.1" not in response.text
    assert_one_quiet_line(caplog, "database")


@pytest.fixture
def redis_up_database_down():
    """Sessions in a Redis that answers, the database on a closed port."""
    if not redis_reachable():
        if REDIS_REQUIRED:
            pytest.fail(f"TEST_REDIS_URL is set but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (Debian: redis-server)")
    prefix = f"support-circle-test:outage:{uuid.uuid4().hex[:8]}:"

    class Config(DatabaseDown):
        SESSION_STORE = "redis"

    Config.REDIS_URL = REDIS_URL
    Config.REDIS_KEY_PREFIX = prefix
    app = create_app(Config)
    yield app
    with app.app_context():
        db.engine.dispose()
    delete_prefix(prefix)


def test_a_live_session_meets_a_database_that_is_down(redis_up_database_down, caplog):
    from portal import clock

    app = redis_up_database_down
    with app.app_context():
        token, _record = get_store().create(1, ip=None, now=clock.now())
    client = signed_in_cookie(app.test_client(), token=token)
    response = client.get("/dashboard")
    assert_calm_unavailable_page(app, response)
    assert_one_quiet_line(caplog, "database")
    page = client.get("/urgent-help")
    assert page.status_code == 200 and "988" in page.text and SIGNED_IN_MARK not in page.text
    missing = client.get("/static/css/no-such-file.css")
    assert missing.status_code == 404 and SIGNED_IN_MARK not in missing.text
    assert "no-store" in missing.headers["Cache-Control"]
    health = app.test_client().get("/healthz")
    assert health.get_json() == {"status": "unavailable", "checks": {"database": "unavailable", "session_store": "ok"}}


def test_a_mistake_in_sql_stays_a_500_and_a_database_file_that_cannot_be_opened_is_an_outage(app, tmp_path):
    """What counts as the database being down: not a bug (a missing table on
    SQLite is an OperationalError too), but a file that cannot be opened."""
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError

    from portal.outages import component_of

    with pytest.raises(DBAPIError) as mistake:
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
    db.session.rollback()
    assert component_of(mistake.value) is None
    engine = sa.create_engine(f"sqlite:///{tmp_path}/no-such-folder/portal.sqlite")
    with pytest.raises(DBAPIError) as unopenable:
        engine.connect()
    engine.dispose()
    assert component_of(unopenable.value) == "database"
