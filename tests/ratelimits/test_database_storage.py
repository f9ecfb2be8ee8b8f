"""Rate limits kept in the app's own database (portal/ratelimits): what
Flask-Limiter's fixed window needs from a storage, counted atomically by
concurrent workers, surviving a restart, pruned when expired, and holding no
typed email address."""

from __future__ import annotations

import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from config import TestingConfig, _test_database_url
from portal import clock, create_app
from portal.extensions import db, limiter
from portal.ratelimits.models import RateLimitCounter
from portal.ratelimits.storage import PRUNE_EVERY_SECONDS, DatabaseStorage
from tests import factories
from tests.conftest import ON_POSTGRES, FreshContextClient
from tests.notify.conftest import Clock


@pytest.fixture
def storage(app):
    return storage_from_string("database://")


@pytest.fixture
def frozen(monkeypatch):
    return Clock(monkeypatch)


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(RateLimitCounter))


def test_the_scheme_names_the_database_storage(storage):
    assert isinstance(storage, DatabaseStorage)
    assert storage.check() is True


def test_a_counter_counts_expires_and_clears(storage, frozen):
    assert storage.get("sign-in/pat") == 0
    assert [storage.incr("sign-in/pat", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("sign-in/pat", 60, amount=2) == 5
    assert storage.get("sign-in/pat") == 5 and storage.get("sign-in/robin") == 0
    start = frozen.current.timestamp()
    assert storage.get_expiry("sign-in/pat") == pytest.approx(start + 60)
    # The window is fixed: later hits do not move its end.
    frozen.advance(seconds=30)
    storage.incr("sign-in/pat", 60)
    assert storage.get_expiry("sign-in/pat") == pytest.approx(start + 60)
    storage.clear("sign-in/pat")
    assert storage.get("sign-in/pat") == 0


def test_a_new_window_starts_when_the_old_one_has_ended(storage, frozen):
    for _ in range(4):
        storage.incr("code/7", 300)
    frozen.advance(seconds=300)
    assert storage.get("code/7") == 0
    assert storage.get_expiry("code/7") == pytest.approx(frozen.current.timestamp())
    assert storage.incr("code/7", 300) == 1
    assert storage.get_expiry("code/7") == pytest.approx(frozen.current.timestamp() + 300)


def test_expired_counters_are_pruned_on_write(storage, frozen):
    for n in range(40):
        storage.incr(f"sign-in/person{n}", 60)
    storage.incr("sign-in/long", 3600)
    assert rows() == 41
    frozen.advance(seconds=max(61, PRUNE_EVERY_SECONDS + 1))
    storage.incr("sign-in/new", 60)
    db.session.expire_all()
    assert rows() == 2  # the long window and the new one
    assert storage.get("sign-in/long") == 1


def test_reset_forgets_every_counter(storage):
    for n in range(5):
        storage.incr(f"k{n}", 60)
    assert storage.reset() == 5
    assert rows() == 0


def test_keys_are_stored_hashed(storage):
    storage.incr("LIMITER/account:someone.real@example.org/portal.auth.routes.login/10/15/minute", 900)
    stored = db.session.scalars(select(RateLimitCounter.key)).all()
    assert len(stored) == 1 and "example.org" not in stored[0] and len(stored[0]) == 64


def test_the_fixed_window_strategy_refuses_the_hit_after_the_limit(storage):
    strategy = FixedWindowRateLimiter(storage)
    item = parse("3 per minute")
    assert [strategy.hit(item, "pat") for _ in range(4)] == [True, True, True, False]
    assert strategy.test(item, "robin") is True and strategy.test(item, "pat") is False
    stats = strategy.get_window_stats(item, "pat")
    assert stats.remaining == 0 and stats.reset_time > clock.now().timestamp()


# --- Several processes at once, and a restart -------------------------------------------------------


class SharedConfig(TestingConfig):
    """A database that separate apps (and threads) really share: a file on
    SQLite, the suite's database on PostgreSQL; pooled connections."""

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "database://"
    SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": NullPool}


@pytest.fixture
def shared_config(app, tmp_path):
    url = _test_database_url() if ON_POSTGRES else f"sqlite:///{tmp_path / 'limits.sqlite'}"
    return type("Shared", (SharedConfig,), {"SQLALCHEMY_DATABASE_URI": url})


def _started(config):
    made = create_app(config)
    made.test_client_class = FreshContextClient
    with made.app_context():
        db.create_all()
    return made


def test_concurrent_increments_are_atomic(shared_config):
    shared = _started(shared_config)
    threads, hits = 8, 25
    seen: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def hammer():
        try:
            with shared.app_context():
                counter = storage_from_string("database://")
                start.wait()
                for _ in range(hits):
                    seen.append(counter.incr("busy", 600))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    # Every increment saw a count of its own: none was lost, none counted twice.
    assert sorted(seen) == list(range(1, threads * hits + 1))
    with shared.app_context():
        assert storage_from_string("database://").get("busy") == threads * hits
        db.engine.dispose()


def test_the_sign_in_limit_holds_across_two_apps_and_a_restart(shared_config):
    first, second = _started(shared_config), _started(shared_config)
    with first.app_context():
        person = factories.user("Robin Limit", email="robin.limit@example.org")
        email = person.email
    limit = int(first.config["SIGN_IN_LIMIT_PER_ACCOUNT"].split()[0])
    try:
        answers = [
            (first if attempt % 2 else second).test_client().post(
                "/login", data={"email": email, "password": "not the password at all"}
            ).status_code
            for attempt in range(limit)
        ]
        assert answers == [401] * limit
        # Past the limit on either app, even with the right password...
        for made in (first, second):
            assert made.test_client().post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 429
        # ...and on an app started afresh, as after a restart.
        restarted = _started(shared_config)
        assert restarted.test_client().post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 429
        with restarted.app_context():
            stored = " ".join(db.session.scalars(select(RateLimitCounter.key)).all())
            assert "robin" not in stored and "example.org" not in stored
    finally:
        with first.app_context():
            limiter.reset()
        for made in (first, second):
            with made.app_context():
                db.engine.dispose()


def test_the_window_ends_and_sign_in_works_again(shared_config, frozen):
    made = _started(shared_config)
    with made.app_context():
        person = factories.user("Sam Window", email="sam.window@example.org")
        email = person.email
    client = made.test_client()
    try:
        for _ in range(int(made.config["SIGN_IN_LIMIT_PER_ACCOUNT"].split()[0])):
            client.post("/login", data={"email": email, "password": "not the password at all"})
        assert client.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 429
        frozen.advance(minutes=15, seconds=1)
        assert client.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302
    finally:
        with made.app_context():
            limiter.reset()
            db.engine.dispose()
