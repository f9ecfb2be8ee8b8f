"""The session store switch of the suite (a pytest plugin, loaded by
tests/conftest.py).

Every test under tests/sessions, tests/auth, tests/security, tests/account
and tests/admin that builds an app runs twice: with sessions in the
database, and with sessions and rate limits in Redis (TEST_REDIS_URL, default
redis://127.0.0.1:6379/0). The Redis runs use a key prefix unique to this run
and to the test, and delete their keys afterwards, so several runs (and a
deployment) can share one Redis. When Redis is not reachable the Redis runs
are skipped, saying so.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from config import TestingConfig

TESTS = Path(__file__).resolve().parent.parent
# account and admin were part of tests/auth: their sessions are tried in both stores still.
BOTH_STORES = tuple(TESTS / name for name in ("sessions", "auth", "security", "account", "admin"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Set by .ci/run: Redis must be there, and its absence is a failure, not a skip.
REDIS_REQUIRED = bool(os.environ.get("TEST_REDIS_URL"))
RUN_PREFIX = f"support-circle-test:{uuid.uuid4().hex[:12]}:"
_reachable: bool | None = None


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=1)


def redis_reachable() -> bool:
    global _reachable
    if _reachable is None:
        try:
            with redis_client() as client:
                _reachable = bool(client.ping())
        except Exception:  # noqa: BLE001 - any failure means: not here
            _reachable = False
    return _reachable


def delete_prefix(prefix: str) -> int:
    deleted = 0
    with redis_client() as client:
        batch = []
        for key in client.scan_iter(match=prefix + "*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
    return deleted


def pytest_generate_tests(metafunc):
    path = Path(metafunc.definition.path).resolve()
    if "app" in metafunc.fixturenames and any(path.is_relative_to(folder) for folder in BOTH_STORES):
        metafunc.parametrize("session_store", ["database", "redis"], indirect=True)


@pytest.fixture(autouse=True)
def session_store(request, monkeypatch):
    """Which store this test's app uses; autouse fixtures come before ``app``."""
    name = getattr(request, "param", "database")
    if name != "redis":
        yield name
        return
    if not redis_reachable():
        if REDIS_REQUIRED:
            pytest.fail(f"TEST_REDIS_URL is set but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (Debian: redis-server): the Redis session-store run is skipped")
    prefix = f"{RUN_PREFIX}{uuid.uuid4().hex[:8]}:"
    for setting, value in {
        "SESSION_STORE": "redis",
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": prefix + "limits"},
    }.items():
        monkeypatch.setattr(TestingConfig, setting, value)
    yield name
    delete_prefix(prefix)


def pytest_sessionfinish(session):
    if _reachable:
        delete_prefix(RUN_PREFIX)
