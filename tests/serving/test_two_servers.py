"""Two real app servers behind one database and one Redis, as in production
with several servers behind a load balancer.

Two gunicorn processes (production config, one worker each) serve on two
loopback ports, against a PostgreSQL database this test creates and drops
and a Redis key prefix it deletes afterwards. One browser, spoken for with
http.client, moves between them:

- a session signed in on server A works on server B;
- signing out on B ends it on A too (the old cookie is refused there);
- the per-account sign-in limit counts across both: half the attempts on A,
  half on B, and the next one is refused with 429 on either.

It runs in the PostgreSQL pass of `make test` (TEST_DATABASE_URL_ACTIVE set)
and is skipped, saying why, in the SQLite pass or without PostgreSQL or Redis.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest

from tests.serving.servers import BIN, ROOT, Browser, free_port, stop, wait_until_serving
from tests.sessions.backends import REDIS_REQUIRED, REDIS_URL, delete_prefix, redis_client, redis_reachable

ACTIVE = os.environ.get("TEST_DATABASE_URL_ACTIVE", "")
PASSWORD = "two servers share one session store"
SIGN_IN_LIMIT = 4

PREPARE = """
import sys
from flask_migrate import upgrade
from portal import create_app
from portal.auth.services import create_user
from portal.extensions import db

app = create_app()
with app.app_context():
    upgrade()
    for email, name in (("pat@two.example.test", "Pat Two"), ("robin@two.example.test", "Robin Two")):
        create_user(email=email, name=name, password=sys.argv[1])
    db.session.commit()
"""

pytestmark = pytest.mark.skipif(
    not ACTIVE.startswith("postgres"),
    reason="the two-server test runs in the PostgreSQL pass of make test (TEST_DATABASE_URL_ACTIVE); "
    "this is the SQLite pass",
)


@pytest.fixture(scope="module")
def database_url():
    import psycopg

    parts = urlsplit(ACTIVE.replace("postgresql+psycopg://", "postgresql://"))
    admin_url = parts._replace(path="/postgres").geturl()
    name = f"twoserver_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        # Only the PostgreSQL pass gets here: there, no PostgreSQL is a failure.
        pytest.fail(f"PostgreSQL is not reachable at {parts.hostname}:{parts.port}: {type(error).__name__}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield parts._replace(path=f"/{name}").geturl()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_prefix():
    if not redis_reachable():
        if REDIS_REQUIRED:
            pytest.fail(f"TEST_REDIS_URL is set but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (Debian: redis-server): the two-server test needs it")
    prefix = f"support-circle-twoserver:{uuid.uuid4().hex[:12]}:"
    yield prefix
    delete_prefix(prefix)


@pytest.fixture(scope="module")
def server_env(database_url, redis_prefix):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SESSION_", "RATELIMIT_", "REDIS_", "LOG_", "SIGN_IN_", "FLASK_"))
    }
    env.update(
        SUPPORT_CIRCLE_CONFIG="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        # Where people reach the site; the servers are asked for by their loopback address.
        BASE_URL="http://127.0.0.1:8000",
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=redis_prefix,
        SIGN_IN_LIMIT_PER_ACCOUNT=f"{SIGN_IN_LIMIT} per 15 minutes",
        WEB_CONCURRENCY="1",
        # A cheap hash keeps the test quick; the production profile is asserted elsewhere.
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1",
        MAIL_BACKEND="smtp",  # the web servers queue mail; only `flask notify` sends it
    )
    # Migrated with Alembic as a deployment is (`flask db upgrade`), and two
    # accounts without a second factor, in one interpreter to save start-ups.
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PREPARE, PASSWORD], env=env, cwd=ROOT, check=True, capture_output=True, timeout=180
    )
    return env


@pytest.fixture(scope="module")
def servers(server_env, tmp_path_factory):
    """Two gunicorn servers; their ports and their log files."""
    logs = tmp_path_factory.mktemp("two-servers")
    started = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed below
            process = subprocess.Popen(  # noqa: S603 - our own gunicorn and config
                [str(BIN / "gunicorn"), "-c", "python:portal.serving"],
                env={**server_env, "BIND": f"127.0.0.1:{port}"},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started.append((process, log, port, logs / f"{name}.log"))
        for process, _log, port, path in started:
            wait_until_serving(process, port, path)
        yield [(port, path) for _process, _log, port, path in started]
    finally:
        for process, log, _port, _path in started:
            stop(process)
            log.close()


def test_a_session_from_server_a_works_on_b_and_signing_out_on_b_ends_it_on_a(servers, redis_prefix):
    (a, a_log), (b, b_log) = servers
    browser = Browser()
    status, headers, _page = browser.sign_in(a, "pat@two.example.test", PASSWORD)
    assert status == 302 and headers["Location"] == "/dashboard"

    # Signed in on A: the session lives in Redis (not the shared database), and B knows it.
    with redis_client() as redis:
        assert len(list(redis.scan_iter(match=f"{redis_prefix}session:*"))) == 1
    assert browser.request(b, "GET", "/dashboard")[0] == 200
    status, _headers, page = browser.request(b, "GET", "/account/", headers={"X-Request-ID": "two-servers-b-0001"})
    assert status == 200 and "This browser" in page
    signed_in_cookie = dict(browser.cookies)

    # Signed out on B; A refuses the same cookie.
    token = browser.csrf_token(b, "/account/")
    status, headers, _page = browser.request(b, "POST", "/logout", {"csrf_token": token})
    assert status == 302 and headers["Location"] == "/login"
    replay = Browser()
    replay.cookies = signed_in_cookie
    status, headers, _page = replay.request(a, "GET", "/dashboard")
    assert status == 302 and headers["Location"].startswith("/login")
    assert replay.request(b, "GET", "/dashboard")[0] == 302
    with redis_client() as redis:
        (key,) = redis.scan_iter(match=f"{redis_prefix}session:*")
        assert redis.hget(key, "end_reason") == "signed_out"

    # Each server wrote its own JSON request lines, with the id it was given.
    assert '"request_id": "two-servers-b-0001"' in b_log.read_text()
    assert "two-servers-b-0001" not in a_log.read_text()
    assert "pat@two.example.test" not in a_log.read_text() + b_log.read_text()


def test_the_sign_in_limit_counts_across_both_servers(servers):
    (a, _a_log), (b, _b_log) = servers
    email = "robin@two.example.test"
    for attempt in range(SIGN_IN_LIMIT):
        port = a if attempt % 2 == 0 else b
        status, _headers, _page = Browser().sign_in(port, email, "not the password at all")
        assert status == 401, (attempt, port, status)
    # The limit is reached, half on each: the next attempt is refused on either,
    # even with the right password.
    assert Browser().sign_in(a, email, PASSWORD)[0] == 429
    assert Browser().sign_in(b, email, PASSWORD)[0] == 429
    # Another account is not affected.
    assert Browser().sign_in(b, "pat@two.example.test", PASSWORD)[0] == 302
