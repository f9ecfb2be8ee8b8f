"""Rate limits as `make serve` keeps them (SECURITY.md figure 15): gunicorn
with two workers that are recycled every two requests, then stopped and
started again. The per-account sign-in limit must hold across both workers
and across the restart, with the limits in the database (no Redis at all)
and in Redis.

The database is a SQLite file in the SQLite pass of `make test` and a
PostgreSQL database of its own in the PostgreSQL pass.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import pytest

from tests.serving.servers import ROOT, Browser, free_port, gunicorn
from tests.sessions.backends import REDIS_REQUIRED, REDIS_URL, delete_prefix, redis_reachable

ACTIVE = os.environ.get("TEST_DATABASE_URL_ACTIVE", "")
PASSWORD = "limits that outlive a worker"
EMAIL = "robin@workers.example.test"
LIMIT = 4

PREPARE = """
import sys
from flask_migrate import upgrade
from portal import create_app
from portal.auth.services import create_user
from portal.extensions import db

app = create_app()
with app.app_context():
    upgrade()
    create_user(email=sys.argv[1], name="Robin Workers", password=sys.argv[2])
    db.session.commit()
"""


@pytest.fixture
def database_url(tmp_path):
    if not ACTIVE.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'workers.sqlite'}"
        return
    import psycopg

    parts = urlsplit(ACTIVE.replace("postgresql+psycopg://", "postgresql://"))
    name = f"workers_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield parts._replace(path=f"/{name}").geturl()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["database", "redis"])
def server_env(request, database_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SESSION_", "RATELIMIT_", "REDIS_", "LOG_", "SIGN_IN_", "FLASK_", "GUNICORN_", "WEB_"))
    }
    env.update(
        SUPPORT_CIRCLE_CONFIG="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        BASE_URL="http://127.0.0.1:8000",
        SIGN_IN_LIMIT_PER_ACCOUNT=f"{LIMIT} per 15 minutes",
        WEB_CONCURRENCY="2",
        # Each worker is replaced after two requests: a limit kept in a
        # worker's memory would start again with every new one.
        GUNICORN_MAX_REQUESTS="2",
        GUNICORN_MAX_REQUESTS_JITTER="0",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1",
        MAIL_BACKEND="smtp",
    )
    prefix = None
    if request.param == "redis":
        if not redis_reachable():
            if REDIS_REQUIRED:
                pytest.fail(f"TEST_REDIS_URL is set but Redis does not answer at {REDIS_URL}")
            pytest.skip(f"Redis is not reachable at {REDIS_URL} (Debian: redis-server)")
        prefix = f"support-circle-workers:{uuid.uuid4().hex[:12]}:"
        env.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PREPARE, EMAIL, PASSWORD],
        env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, check=True, capture_output=True, timeout=180,
    )
    yield env
    if prefix:
        delete_prefix(prefix)


def test_the_sign_in_limit_holds_across_workers_and_a_restart(server_env, tmp_path):
    log = tmp_path / "gunicorn.log"
    port = free_port()
    with gunicorn(server_env, port, log):
        answers = [Browser().sign_in(port, EMAIL, "not the password at all")[0] for _ in range(LIMIT)]
        assert answers == [401] * LIMIT
        # The next attempt is refused, even with the right password, on whichever worker takes it.
        for _ in range(3):
            assert Browser().sign_in(port, EMAIL, PASSWORD)[0] == 429
    booted = set(re.findall(r"Booting worker with pid: (\d+)", log.read_text()))
    # Two at start, each replaced after two requests: the attempts met several processes.
    assert len(booted) >= 4, log.read_text()[-3000:]

    # Stopped and started again: the limit is still there.
    with gunicorn(server_env, port, log):
        assert Browser().sign_in(port, EMAIL, PASSWORD)[0] == 429
        assert Browser().sign_in(port, EMAIL, PASSWORD)[0] == 429
