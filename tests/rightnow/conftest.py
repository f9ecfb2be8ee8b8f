"""A circle with a safety plan and a care team whose hours differ, on a
Wednesday evening in New York."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal import clock
from portal.access import policy
from portal.plan.sections import SPECS
from tests import factories

# 19:00 on Wednesday 2 December 2026 in New York (EST, UTC-5): the evening.
WEDNESDAY_EVENING = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)

FIRST_STEP = "Tell Mum or call 988. Stay where someone is."
COPING = "Hold ice\n\nGo for a walk with the dog\nListen to the playlist\nWrite it down"


@pytest.fixture
def evening(app, monkeypatch):
    app.config["TIMEZONE"] = "America/New_York"
    monkeypatch.setattr(clock, "now", lambda: WEDNESDAY_EVENING)
    return WEDNESDAY_EVENING


@pytest.fixture
def circle(world, evening):
    """The world, with primary care, a safety plan and three contacts."""
    clinician = world.users[policy.CLINICIAN]
    doctor = factories.user("Dr Pat Green", staff_role=policy.PRIMARY_CARE, org=world.clinic)
    world.users[policy.PRIMARY_CARE] = doctor
    world.memberships[policy.PRIMARY_CARE] = factories.member(world.circle, doctor, policy.PRIMARY_CARE, clinician)
    factories.write_section(
        world.circle, "safety_plan", world.users[policy.YOUNG_PERSON], "SAFETY",
        if_suicidal_thoughts=FIRST_STEP, coping_steps=COPING,
    )
    care_team = SPECS["care_team"]
    contacts = [
        ("Maria Lopez, Mum", "555-0102", "evenings,nights,weekends"),
        ("Riverside after-hours line", "(555) 010-2345", "evenings,nights"),
        ("Dr Ana Rivera's office", "+1 555 010 9999", "school_hours"),
    ]
    for name, phone, reachable in contacts:
        values = factories.section_values("care_team", "TEAM", name=name, phone=phone, reachable=reachable,
                                          contact_kind="person", responsibilities="")
        factories.plan_services.add_item(world.circle.id, care_team, values, clinician)
    return world
