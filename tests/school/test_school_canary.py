"""Canaries: an adjustment's reason and the in-school plan's notes for the
named contact never reach a teacher, on any page, print view, history or
weekly sheet; and the weekly sheet never carries a reason, whoever prints it."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.access import policy
from portal.extensions import db
from portal.notify.models import Notification, OutboxMessage
from portal.plan import services
from portal.plan.sections import SPECS
from tests import factories
from tests.school.conftest import add_adjustment

HIDDEN_FROM_TEACHERS = re.compile(r"CANARY\w*-(reason|staff_notes)")
SEEN_BY_TEACHERS = ("CANARYNOW-details", "CANARYPLAN-staff_steps")


def _plant(world):
    """Reasons and notes in every state an adjustment and a plan can be in."""
    users = world.users
    contact = users[policy.SCHOOL_CONTACT]
    plan = factories.write_section(world.circle, "school_plan", contact, "CANARYPLAN")
    services.save_document(world.circle.id, SPECS["school_plan"],
                           factories.section_values("school_plan", "CANARYPLAN2"), plan.version, contact)
    now = add_adjustment(world.circle, contact, "CANARYNOW", starts=-3, ends=3)
    add_adjustment(world.circle, contact, "CANARYENDED", starts=-30, ends=-10)
    add_adjustment(world.circle, contact, "CANARYLATER", starts=30, ends=60)
    # A revision, so that history holds an old reason too.
    services.update_item(now, SPECS["adjustments"], {"reason": "CANARYNOW2-reason again"}, now.version, contact)
    factories.write_section(world.circle, "episodes", users[policy.SCHOOL_STAFF], "CANARYEPISODE")
    return now


def _teacher_pages(circle_id: int, adjustment_id: int) -> list[str]:
    base = f"/circles/{circle_id}"
    pages = ["/dashboard", "/circles", "/notifications", "/school/this-week", "/school/this-week/print",
             "/school/caseload", base, f"{base}/members", f"{base}/school", f"{base}/sharing",
             f"{base}/plan/episodes/new", f"{base}/plan/adjustments/{adjustment_id}/edit",
             f"{base}/plan/school_plan/edit", f"{base}/plan/school_plan/print"]
    for kind in SPECS:
        pages += [f"{base}/plan/{kind}", f"{base}/plan/{kind}/history"]
    return pages


def test_reasons_and_notes_never_reach_a_teacher(app, school_world, login_as):
    world = school_world
    adjustment = _plant(world)
    teacher = world.users[policy.SCHOOL_STAFF]
    # The same teacher is the school contact for another student: the sheet still shows no reason.
    other = factories.circle(world.users[policy.SCHOOL_CONTACT], "Robin")
    factories.member(other, teacher, policy.SCHOOL_CONTACT, world.users[policy.SCHOOL_CONTACT])
    add_adjustment(other, world.users[policy.SCHOOL_CONTACT], "CANARYROBIN", starts=-1, ends=5)
    client = login_as(teacher, app.test_client())
    seen = {}
    for url in _teacher_pages(world.circle.id, adjustment.id):
        response = client.get(url)
        assert response.status_code < 500, url
        leaked = HIDDEN_FROM_TEACHERS.findall(response.text)
        assert not leaked, (url, leaked)
        seen[url] = response.text
    for url in ("/school/this-week", "/school/this-week/print"):
        assert "CANARYNOW-details" in seen[url] and "CANARYROBIN-details" in seen[url], url
        assert "CANARYROBIN-reason" not in seen[url]
    base = f"/circles/{world.circle.id}"
    assert "CANARYPLAN2-staff_steps" in seen[f"{base}/plan/school_plan/print"]
    assert "CANARYPLAN2-staff_steps" in seen[f"{base}/plan/episodes/new"]
    assert "CANARYPLAN2-return_to_class" in seen["/dashboard"]
    # Notices and emails carry no plan text at all.
    texts = db.session.scalars(select(Notification.text).where(Notification.user_id == teacher.id)).all()
    bodies = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_address == teacher.email)).all()
    assert not any("CANARY" in text for text in [*texts, *bodies])


def test_the_weekly_sheet_never_carries_a_reason_even_for_the_contact(app, school_world, login_as):
    world = school_world
    _plant(world)
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    # The contact reads reasons on the adjustments page (a control for the check below)...
    assert "CANARYNOW2-reason" in contact.get(f"/circles/{world.circle.id}/plan/adjustments").text
    # ...and never on the sheet that gets printed and left on desks, nor on the caseload.
    for url in ("/school/this-week", "/school/this-week/print", "/school/caseload"):
        text = contact.get(url).text
        assert not HIDDEN_FROM_TEACHERS.findall(text), url
    assert "CANARYNOW-details" in contact.get("/school/this-week/print").text
