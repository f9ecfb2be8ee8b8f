"""Placing a safeguarding limit against bad and hostile input (SECURITY.md,
figure 11): the form comes back with a message and what was typed (the
reason most of all), and no limit is placed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.safeguarding.models import SafeguardingLimit
from tests.bad_input import HOSTILE, typed_value_shown


def _limits() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SafeguardingLimit))


def test_a_refused_limit_keeps_the_reason_and_places_nothing(app, world, login_as, poster):
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    url = f"/circles/{world.circle.id}/members/{world.memberships[policy.CAREGIVER].id}/limit"
    reason = "Told us at the appointment; see the notes " + HOSTILE["attribute"]
    future = (clock.today() + timedelta(days=30)).isoformat()
    valid = {"hidden": "events", "reason": reason, "review_on": future}
    cases = [
        ("reason", ""),
        ("review_on", ""),
        ("review_on", clock.today().isoformat()),
        ("review_on", "2001-01-01"),
        ("review_on", "30/12/2030"),
        ("review_on", HOSTILE["sql"]),
        ("hidden", "clinical"),  # not a part the caregiver reads
        ("hidden", "no_such_section"),
        ("hidden", HOSTILE["script"]),
    ]
    for name, value in cases:
        data = dict(valid, **{name: value})
        label = f"safeguarding.set_limit {name}={value!r:.30}"
        response = poster.send(client, url, data, label)
        assert response.status_code == 422, label
        assert 'class="error-summary"' in response.text, label
        if name != "reason":
            assert typed_value_shown(reason, response.text), f"{label}: the reason was lost"
        assert _limits() == 0, label
    accepted = poster.send(client, url, valid, "safeguarding.set_limit, valid")
    assert accepted.status_code == 302 and _limits() == 1
