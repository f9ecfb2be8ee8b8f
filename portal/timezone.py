"""Times are stored in UTC and shown, and typed, in the reader's zone: their
organisation's when it set one, else the deployment's (portal/zones.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal import zones


def zone() -> ZoneInfo:
    return zones.current()


def to_utc(naive_local: datetime) -> datetime:
    return naive_local.replace(tzinfo=zone()).astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return value.astimezone(zone())


def local_naive(value: datetime) -> datetime:
    """For filling a datetime-local input."""
    return to_local(value).replace(tzinfo=None)


def day_text(day) -> str:
    """A day as the portal writes it in sentences, in the reader's language: "Tue 3 Mar 2026"."""
    from portal.languages import moment

    return moment(day, "day")


def local_day_text(moment: datetime) -> str:
    """The day a stored moment falls on, in the reader's zone, as day_text writes it."""
    return day_text(to_local(moment))
