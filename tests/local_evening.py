"""A New York evening, when the UTC date is already tomorrow: the trap for
anything that takes "today" from UTC (tests/test_today.py, tests/dashboard)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import clock

# 23:30 on Tuesday 10 March 2026 in New York (EDT, UTC-4 since 8 March) is
# 03:30 on Wednesday 11 March in UTC.
NEW_YORK_EVENING = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)
LOCAL_TODAY = date(2026, 3, 10)
LOCAL_TOMORROW = date(2026, 3, 11)


@pytest.fixture
def new_york_evening(app, monkeypatch):
    app.config["TIMEZONE"] = "America/New_York"
    monkeypatch.setattr(clock, "now", lambda: NEW_YORK_EVENING)
    return NEW_YORK_EVENING
