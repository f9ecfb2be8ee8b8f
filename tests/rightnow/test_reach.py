"""Which reach period a moment falls in: the edges of school hours, of the
evening, and of the week, in the deployment's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config import ConfigError, TestingConfig
from portal import clock, create_app, reach
from portal.plan.sections import REACHABLE

HOURS = reach.parse_hours("08:00-15:30", "22:00")

# Wednesday 2 December 2026; Friday the 4th; Saturday the 5th; Sunday the 6th; Monday the 7th.
WEDNESDAY, FRIDAY, SATURDAY, SUNDAY, MONDAY = 2, 4, 5, 6, 7


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute)


@pytest.mark.parametrize(
    ("moment", "period"),
    [
        (at(WEDNESDAY, 7, 59), reach.NIGHTS),
        (at(WEDNESDAY, 8, 0), reach.SCHOOL_HOURS),
        (at(WEDNESDAY, 15, 29), reach.SCHOOL_HOURS),
        (at(WEDNESDAY, 15, 30), reach.EVENINGS),
        (at(WEDNESDAY, 21, 59), reach.EVENINGS),
        (at(WEDNESDAY, 22, 0), reach.NIGHTS),
        (at(WEDNESDAY, 0, 0), reach.NIGHTS),
        # Friday night is a night; the weekend starts at midnight.
        (at(FRIDAY, 21, 59), reach.EVENINGS),
        (at(FRIDAY, 23, 30), reach.NIGHTS),
        (at(SATURDAY, 0, 0), reach.WEEKENDS),
        (at(SATURDAY, 10, 0), reach.WEEKENDS),
        # Sunday evening is still the weekend, and so is Sunday night until midnight.
        (at(SUNDAY, 20, 0), reach.WEEKENDS),
        (at(SUNDAY, 23, 59), reach.WEEKENDS),
        (at(MONDAY, 0, 0), reach.NIGHTS),
        (at(MONDAY, 8, 0), reach.SCHOOL_HOURS),
    ],
)
def test_the_period_of_a_local_moment(moment, period):
    assert reach.period_at(moment, HOURS) == period


def test_other_hours_move_the_edges():
    hours = reach.parse_hours("09:00-16:00", "21:00")
    assert reach.period_at(at(WEDNESDAY, 8, 30), hours) == reach.NIGHTS
    assert reach.period_at(at(WEDNESDAY, 15, 30), hours) == reach.SCHOOL_HOURS
    assert reach.period_at(at(WEDNESDAY, 21, 0), hours) == reach.NIGHTS


def test_the_periods_are_the_plans_reach_codes():
    assert reach.PERIODS == tuple(code for code, _ in REACHABLE)


def test_stored_hours_are_read_as_codes_and_unknown_ones_dropped():
    assert reach.reachable_codes("evenings, weekends,someday") == {reach.EVENINGS, reach.WEEKENDS}
    assert reach.reachable_codes("") == frozenset()
    assert reach.reachable_codes(None) == frozenset()


def test_now_is_read_in_the_deployments_zone(app, monkeypatch):
    app.config["TIMEZONE"] = "America/New_York"
    # 03:30 UTC on Saturday 5 December is 22:30 on Friday in New York: a night, not yet the weekend.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 5, 3, 30, tzinfo=UTC))
    assert reach.period_now() == reach.NIGHTS
    # 20:00 UTC on Wednesday is 15:00 in New York: school hours, though 20:00 UTC would be evening.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
    assert reach.period_now() == reach.SCHOOL_HOURS


@pytest.mark.parametrize(
    ("school_hours", "evening_ends"),
    [("8-15", "22:00"), ("08:00", "22:00"), ("15:30-08:00", "22:00"), ("08:00-15:30", "14:00"), ("08:00-25:00", "22:00"),
     ("08:00-15:30", "late")],
)
def test_unreadable_hours_stop_start_up(school_hours, evening_ends):
    class Wrong(TestingConfig):
        SCHOOL_HOURS = school_hours
        EVENING_ENDS = evening_ends

    with pytest.raises(ConfigError, match="SCHOOL_HOURS|EVENING_ENDS"):
        create_app(Wrong)
