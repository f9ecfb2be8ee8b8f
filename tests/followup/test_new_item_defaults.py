"""A new event starts at this minute and a new check-in at today: one field
less to get right for a parent writing at night on a phone."""

from __future__ import annotations

import re

from portal import clock
from portal.access import policy
from portal.timezone import local_naive


def _value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, name
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def test_a_new_event_starts_now_and_a_new_check_in_today(app, world, login_as):
    client = login_as(world.users[policy.CAREGIVER])
    now = local_naive(clock.now())
    page = client.get(f"/circles/{world.circle.id}/plan/events/new").text
    assert _value(page, "occurred_at")[:10] == f"{now:%Y-%m-%d}"
    page = client.get(f"/circles/{world.circle.id}/plan/progress/new").text
    assert _value(page, "checked_on") == clock.today().isoformat()
    # Other lists start empty, as before.
    page = login_as(world.users[policy.CLINICIAN]).get(f"/circles/{world.circle.id}/plan/setback_reviews/new").text
    assert _value(page, "setback_on") == ""
