"""The movable clock of the notify tests, and builders for follow-through."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from tests import factories
from tests.notify.conftest import frozen_clock  # noqa: F401


def add(world, section: str, role: str = policy.CLINICIAN, /, **values):
    """One list item written by the member in ``role``, through the plan's services.
    Positional, because follow-ups and adjustments have a field called ``kind``."""
    author = world.users[role]
    merged = factories.section_values(section, f"T-{section}")
    merged.update(values)
    if section == "episodes":
        merged.setdefault("recorded_by_id", author.id)
    return plan_services.add_item(world.circle.id, SPECS[section], merged, author)


def episode(world, at=None, role=policy.SCHOOL_CONTACT):
    return add(world, "episodes", role, occurred_at=at or clock.now())


def appointment(world, at, *, kind="appointment", status="scheduled", role=policy.CLINICIAN, **values):
    return add(world, "follow_ups", role, kind=kind, due_at=at, status=status, **values)


def give_monitoring(world, role: str) -> None:
    """A clinician names the member in ``role`` as responsible for monitoring."""
    model = SPECS["care_team"].model
    entry = db.session.scalars(
        select(model).where(model.membership_id == world.memberships[role].id)
    ).one()
    plan_services.update_item(
        entry, SPECS["care_team"], {"responsibilities": "monitoring"}, entry.version, world.users[policy.CLINICIAN]
    )


ATTENTION = re.compile(r'<li class="attention-(?P<kind>[\w-]+)" data-section="(?P<section>\w+)"><a href="(?P<href>[^"]*)">(?P<text>[^<]*)</a>')


def attention(client, circle_id: int) -> list[tuple[str, str]]:
    """The dashboard's items for one circle, in order, as (kind, text)."""
    response = client.get("/dashboard")
    assert response.status_code == 200, "signed out: sessions end when the frozen clock moves far"
    page = response.get_data(as_text=True)
    found = []
    for card in page.split('<article class="circle-card">')[1:]:
        if f'href="/circles/{circle_id}"' not in card:
            continue
        found += [(m["kind"], unescape(m["text"])) for m in ATTENTION.finditer(card)]
    return found
