"""When a service the portal depends on is down: which one a failure came
from, a short memory of it, and the few views that must work without it.

Redis (sessions, rate limits) and the database can each be down. A page
that needs one then answers a calm 503 (portal/errors.py) rather than a
500. The urgent-help page, static files and the health check need neither:
they are served through an outage, and once an outage is known (from any
request in the last few seconds) they do not even try the session check,
so a person looking for the crisis numbers never waits on a dead server.

A leaf module: it imports no feature, so sessions, errors and the health
check can all use it.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, has_app_context, request
from sqlalchemy import exc as sa_exc

log = logging.getLogger("portal.outages")

DATABASE, REDIS = "database", "redis"
# How long an outage, once seen, is taken as still going on by the views
# that work without the dependency (app.config overrides).
DEFAULT_RETRY_SECONDS = 10


def component_of(error: BaseException) -> str | None:
    """Which dependency a failure shows to be down, or None for any other error
    (a bug stays a 500, with its traceback logged)."""
    import redis.exceptions

    # ConnectionError covers refused, reset and "loading" (BusyLoadingError).
    if isinstance(error, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return REDIS
    if isinstance(error, sa_exc.TimeoutError):  # no connection free in the pool
        return DATABASE
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return DATABASE
        if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return DATABASE if _database_unavailable(error.orig) else None
    return None


# SQLite result codes that mean the file cannot be used now (busy, locked,
# I/O, full, cannot open, locking protocol); "no such table" and its kind
# (SQLITE_ERROR) are bugs and stay 500s.
_SQLITE_UNAVAILABLE = {5, 6, 10, 13, 14, 15}


def _database_unavailable(orig: BaseException | None) -> bool:
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNAVAILABLE
    if type(orig).__module__.startswith("sqlite3"):
        return False
    # psycopg: OperationalError is the server gone, refusing, shutting down,
    # out of connections or cancelling; InterfaceError a connection unusable.
    return True


def log_unavailable(component: str, error: BaseException | None = None) -> None:
    """One line: which part, and the kind of failure. Never the error's text,
    which can hold a host, a user name or a statement."""
    kind = type(error).__name__ if error is not None else "no answer"
    log.warning("dependency unavailable: component=%s (%s)", component, kind)


def _memory() -> dict[str, float]:
    return current_app.extensions.setdefault("outages", {})


def mark_down(component: str) -> None:
    seconds = current_app.config.get("DEPENDENCY_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
    _memory()[component] = time.monotonic() + seconds


def mark_up(component: str) -> None:
    _memory().pop(component, None)


def known_down() -> set[str]:
    """Dependencies seen down in the last few seconds, by this process."""
    if not has_app_context():
        return set()
    now = time.monotonic()
    return {component for component, until in _memory().items() if until > now}


def works_when_down(view):
    """Mark a view that needs neither Redis nor the database (the urgent-help
    page, the health check): the session check never stops it."""
    view.works_when_down = True
    return view


def serves_without_dependencies() -> bool:
    """Whether this request's view works through an outage; static files do."""
    endpoint = request.endpoint
    if endpoint is None:
        return False
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "works_when_down", False))
