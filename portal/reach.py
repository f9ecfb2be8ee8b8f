"""Which of the reach periods (school hours, evenings, nights, weekends) a
moment falls in, in the deployment's time zone.

Each person and service in the care team says when they can be reached, in
the codes of portal/plan/sections.REACHABLE; the "right now" page shows
first those whose hours include the period it is now. A moment falls in one
period: Saturday and Sunday are weekends all day; on a weekday, school hours
(SCHOOL_HOURS, "08:00-15:30") are followed by the evening until
EVENING_ENDS ("22:00"), and the night runs from then until school hours
begin again. Friday night is a night; Sunday evening is the weekend.
Public holidays are not known here: they count as the weekday they fall on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flask import current_app

from config import ConfigError
from portal import clock
from portal.timezone import to_local

SCHOOL_HOURS = "school_hours"
EVENINGS = "evenings"
NIGHTS = "nights"
WEEKENDS = "weekends"
PERIODS = (SCHOOL_HOURS, EVENINGS, NIGHTS, WEEKENDS)

SATURDAY = 5


class BadHours(ConfigError, ValueError):
    """A SCHOOL_HOURS or EVENING_ENDS setting that cannot be read."""


@dataclass(frozen=True)
class Hours:
    school_starts: time
    school_ends: time
    evening_ends: time


def _clock_time(text: str, setting: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise BadHours(f"{setting} must be a time such as 22:00, not {text!r}") from None


def parse_hours(school_hours: str, evening_ends: str) -> Hours:
    """The settings as times; raises BadHours for a setting that is wrong."""
    start, sep, end = school_hours.partition("-")
    if not sep:
        raise BadHours(f"SCHOOL_HOURS must be two times such as 08:00-15:30, not {school_hours!r}")
    hours = Hours(
        _clock_time(start, "SCHOOL_HOURS"), _clock_time(end, "SCHOOL_HOURS"), _clock_time(evening_ends, "EVENING_ENDS")
    )
    if not hours.school_starts < hours.school_ends <= hours.evening_ends:
        raise BadHours("SCHOOL_HOURS must start before it ends, and EVENING_ENDS come after school hours end")
    return hours


def period_at(local: datetime, hours: Hours) -> str:
    """The period a local (wall-clock) moment falls in."""
    if local.weekday() >= SATURDAY:
        return WEEKENDS
    now = local.time()
    if hours.school_starts <= now < hours.school_ends:
        return SCHOOL_HOURS
    if hours.school_ends <= now < hours.evening_ends:
        return EVENINGS
    return NIGHTS


def configured_hours() -> Hours:
    config = current_app.config
    return parse_hours(config["SCHOOL_HOURS"], config["EVENING_ENDS"])


def period_now() -> str:
    """The period it is now where the people are (config TIMEZONE)."""
    return period_at(to_local(clock.now()), configured_hours())


def reachable_codes(stored: str) -> frozenset[str]:
    """A contact's stored hours ("evenings,weekends") as a set of codes."""
    return frozenset(code for code in (part.strip() for part in (stored or "").split(",")) if code in PERIODS)


def check_settings(config) -> None:
    """At start-up: unreadable hours would break the page meant for a bad moment."""
    parse_hours(config["SCHOOL_HOURS"], config["EVENING_ENDS"])
