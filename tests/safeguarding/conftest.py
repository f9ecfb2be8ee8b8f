from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.safeguarding.models import SafeguardingLimit
from tests.notify.conftest import frozen_clock, mail_server  # noqa: F401 - the real SMTP server and a clock


def limit_rows(membership_id: int | None = None) -> list[SafeguardingLimit]:
    db.session.expire_all()
    rows = db.session.query(SafeguardingLimit).order_by(SafeguardingLimit.id)
    if membership_id is not None:
        rows = rows.filter(SafeguardingLimit.membership_id == membership_id)
    return rows.all()


def form_for(hidden=policy.LIMIT_SUGGESTS_HIDING, *, reason="Told us she shares everything with him", days=30, current=""):
    return {
        "hidden": list(hidden),
        "reason": reason,
        "review_on": (clock.today() + timedelta(days=days)).isoformat(),
        "current": current,
    }


@pytest.fixture
def place(app, world, login_as):
    """Place (or change) a limit on the world's caregiver through the route, as ``role``."""

    def placing(hidden=policy.LIMIT_SUGGESTS_HIDING, *, role=policy.CLINICIAN, **kwargs):
        actor = login_as(world.users[role], app.test_client())
        membership = world.memberships[policy.CAREGIVER]
        current = limit_rows(membership.id)
        live = [row for row in current if row.in_force]
        data = form_for(hidden, current=str(live[0].id) if live else "", **kwargs)
        response = actor.post(f"/circles/{world.circle.id}/members/{membership.id}/limit", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return placing
