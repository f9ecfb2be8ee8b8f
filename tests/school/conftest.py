"""Shared builders for the school tests: a circle whose school is recorded,
with an in-school plan and adjustments at every point in time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.access import policy
from portal.extensions import db
from tests import factories


@pytest.fixture
def school_world(world):
    """The world's circle, at Lakeview High School, with its in-school plan written by the school contact."""
    world.circle.school = world.school
    db.session.commit()
    contact = world.users[policy.SCHOOL_CONTACT]
    world.extra["school_plan"] = factories.write_section(world.circle, "school_plan", contact, "PLAN")
    return world


def add_adjustment(circle, author, marker: str, *, starts: int = -7, ends: int | None = 30, kind: str = "extension"):
    """An adjustment from ``starts`` to ``ends`` days from today (None: open-ended)."""
    today = clock.today()
    return factories.write_section(
        circle,
        "adjustments",
        author,
        marker,
        kind=kind,
        start_date=today + timedelta(days=starts),
        end_date=None if ends is None else today + timedelta(days=ends),
    )
