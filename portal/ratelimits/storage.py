"""A storage for the `limits` library (Flask-Limiter's engine) kept in the
app's own database: `RATELIMIT_STORAGE_URI = "database://"`.

Every worker of every app server shares the counts and they survive a
restart, which per-process memory cannot do; without Redis this is what
production uses. It serves the fixed-window strategy (Config pins it): one
row per window, created or bumped by a single INSERT .. ON CONFLICT DO UPDATE,
which PostgreSQL and SQLite both run atomically, so concurrent workers never
lose or double a hit. The statements run on a connection of their own and
commit at once, apart from the request's session and its transaction.
"""

from __future__ import annotations

import hashlib
import threading

from limits.storage import Storage
from sqlalchemy import case, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal import clock
from portal.extensions import db
from portal.ratelimits.models import RateLimitCounter

# Ended windows are deleted by a write at most this often per process, in the
# same short transaction: the table holds about one row per live window.
PRUNE_EVERY_SECONDS = 60
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_table = RateLimitCounter.__table__


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _now_ms() -> int:
    # portal.clock, so that tests move limits through time with everything else.
    return int(clock.now().timestamp() * 1000)


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        # Options meant for other storages (the Redis key prefix) do not apply:
        # the table holds nothing else.
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._pruned_at_ms = 0
        self._prune_lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @property
    def storage(self) -> str:
        # What `flask limiter config` shows as the backend.
        return f"table {_table.name}"

    @staticmethod
    def _engine():
        # The current app's engine: its pool, its settings, its database.
        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = _now_ms()
        engine = self._engine()
        try:
            insert = _INSERTS[engine.dialect.name]
        except KeyError:
            raise NotImplementedError(f"rate limits in the database need PostgreSQL or SQLite, not {engine.dialect.name}") from None
        fresh = insert(_table).values(key=_hashed(key), count=amount, expires_at_ms=now + int(expiry * 1000))
        ended = _table.c.expires_at_ms <= now
        statement = fresh.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                # Both read the row as it was: a window that has ended starts again.
                "count": case((ended, fresh.excluded.count), else_=_table.c.count + fresh.excluded.count),
                "expires_at_ms": case((ended, fresh.excluded.expires_at_ms), else_=_table.c.expires_at_ms),
            },
        ).returning(_table.c.count)
        with engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if self._prune_due(now):
                connection.execute(delete(_table).where(_table.c.expires_at_ms <= now))
        return count

    def _prune_due(self, now: int) -> bool:
        with self._prune_lock:
            if now - self._pruned_at_ms < PRUNE_EVERY_SECONDS * 1000:
                return False
            self._pruned_at_ms = now
            return True

    def _live(self, column, key: str):
        with self._engine().connect() as connection:
            return connection.scalar(
                select(column).where(_table.c.key == _hashed(key), _table.c.expires_at_ms > _now_ms())
            )

    def get(self, key: str) -> int:
        return self._live(_table.c.count, key) or 0

    def get_expiry(self, key: str) -> float:
        expires_at_ms = self._live(_table.c.expires_at_ms, key)
        return (expires_at_ms if expires_at_ms is not None else _now_ms()) / 1000

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(_table).where(_table.c.key == _hashed(key)))

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            removed = connection.scalar(select(func.count()).select_from(_table))
            connection.execute(delete(_table))
        return removed

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True
