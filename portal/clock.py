"""The one source of 'now', and of 'today', so that tests can freeze time in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from portal.timezone import zone


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The date where the people are: the deployment's zone (config TIMEZONE).

    The only way to ask for "today" (tests/test_today.py scans for others).
    now().date() would be the UTC date, which on an American evening is
    already tomorrow: an agreement ending "tomorrow" would be refused and the
    dashboard's items would move by a day.
    """
    return now().astimezone(zone()).date()


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no time zone."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
