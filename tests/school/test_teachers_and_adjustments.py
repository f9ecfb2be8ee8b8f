"""Issue 4, parts 3 and 4: the school contact adds and removes a student's
teachers; a teacher sees the steps and the adjustments of their own students
only; adjustments are shown by where they are in time, and ended ones stay."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.circles.models import Membership
from portal.extensions import db
from portal.school.sheet import this_week
from tests import factories
from tests.school.conftest import add_adjustment


def _member(circle_id: int, user_id: int) -> Membership | None:
    db.session.expire_all()
    return db.session.scalars(
        select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == user_id)
    ).first()


def test_the_school_contact_adds_and_removes_teachers(app, school_world, login_as):
    world = school_world
    users = world.users
    circle_id = world.circle.id
    base = f"/circles/{circle_id}/school"
    art = factories.user("Rae Art", email="rae.art@lakeview.example.com", staff_role="school_staff", org=world.school)
    contact = login_as(users[policy.SCHOOL_CONTACT], app.test_client())

    page = contact.get(base).text
    assert 'id="teachers"' in page and "Lee Park" in page and "Add the teacher" in page
    # The members page points to it.
    assert f'href="{base}#teachers"' in contact.get(f"/circles/{circle_id}/members").text

    response = contact.post(f"{base}/teachers", data={"teacher_email": art.email, "relationship_label": "Art teacher"})
    assert response.status_code == 302
    added = _member(circle_id, art.id)
    assert added.role == policy.SCHOOL_STAFF and added.relationship_label == "Art teacher" and added.active
    page = contact.get(base).text
    assert "Rae Art" in page and "Art teacher" in page

    # Remove is for teachers only, of this circle.
    remove = f"{base}/teachers/{added.id}/remove"
    for role in (policy.SCHOOL_STAFF, policy.CAREGIVER, policy.YOUNG_PERSON):
        client = login_as(users[role], app.test_client())
        assert client.post(remove).status_code == 403, role
        assert client.post(f"{base}/teachers", data={"teacher_email": art.email}).status_code == 403, role
    caregiver_membership = world.memberships[policy.CAREGIVER].id
    assert contact.post(f"{base}/teachers/{caregiver_membership}/remove").status_code == 404
    other_teacher = factories.member(world.other_circle, art, policy.SCHOOL_STAFF, world.outsider)
    assert contact.post(f"{base}/teachers/{other_teacher.id}/remove").status_code == 404
    assert _member(world.other_circle.id, art.id).active
    assert contact.post(remove).status_code == 302
    assert not _member(circle_id, art.id).active
    # Removed: refused at once.
    art_client = login_as(art, app.test_client())
    assert art_client.get(f"/circles/{circle_id}/plan/school_plan").status_code == 404
    # A clinician manages members too.
    clinician = login_as(users[policy.CLINICIAN], app.test_client())
    assert clinician.post(f"{base}/teachers", data={"teacher_email": art.email, "relationship_label": "Art"}).status_code == 302
    assert _member(circle_id, art.id).active


def test_a_teacher_sees_the_steps_and_adjustments_of_their_own_students_only(app, school_world, login_as):
    world = school_world
    users = world.users
    teacher = login_as(users[policy.SCHOOL_STAFF], app.test_client())
    add_adjustment(world.circle, users[policy.SCHOOL_CONTACT], "OWNADJ")
    # Another student's circle at the same school, where this teacher is not a member.
    other = factories.circle(users[policy.SCHOOL_CONTACT], "Casey")
    factories.write_section(other, "school_plan", users[policy.SCHOOL_CONTACT], "CASEYPLAN")
    add_adjustment(other, users[policy.SCHOOL_CONTACT], "CASEYADJ")

    plan = teacher.get(f"/circles/{world.circle.id}/plan/school_plan").text
    assert "PLAN-staff_steps" in plan and "PLAN-return_to_class" in plan and "PLAN-staff_notes" not in plan
    adjustments = teacher.get(f"/circles/{world.circle.id}/plan/adjustments").text
    assert "OWNADJ-details" in adjustments and "OWNADJ-reason" not in adjustments
    for path in ("", "/plan/school_plan", "/plan/adjustments", "/school"):
        assert teacher.get(f"/circles/{other.id}{path}").status_code == 404
    week = teacher.get("/school/this-week").text
    assert "OWNADJ-details" in week and "CASEY" not in week and "Casey" not in week


def test_adjustments_are_shown_apart_by_where_they_are_in_time(app, school_world, login_as):
    world = school_world
    users = world.users
    contact_user = users[policy.SCHOOL_CONTACT]
    soon = app.config["ADJUSTMENT_ENDING_SOON_DAYS"]
    add_adjustment(world.circle, contact_user, "OPENENDED", starts=-30, ends=None)
    add_adjustment(world.circle, contact_user, "ENDINGSOON", starts=-10, ends=soon - 1)
    add_adjustment(world.circle, contact_user, "ENDINGLATER", starts=-10, ends=soon + 10)
    add_adjustment(world.circle, contact_user, "ENDEDLONGAGO", starts=-60, ends=-40)
    add_adjustment(world.circle, contact_user, "ENDEDRECENTLY", starts=-20, ends=-2)
    add_adjustment(world.circle, contact_user, "STARTSLATER", starts=20, ends=40)
    url = f"/circles/{world.circle.id}/plan/adjustments"

    contact = login_as(contact_user, app.test_client()).get(url).text
    groups = re.findall(r'<h2 class="item-group group-(\w+)"', contact)
    assert groups == ["ending_soon", "active", "upcoming", "ended"]
    order = [marker for marker in re.findall(r"([A-Z]{6,})-details", contact)]
    assert order == ["ENDINGSOON", "ENDINGLATER", "OPENENDED", "STARTSLATER", "ENDEDRECENTLY", "ENDEDLONGAGO"]
    assert "extend it by changing its end date" in contact
    # The teacher sees the same groups, ended ones included, and never a reason.
    teacher = login_as(users[policy.SCHOOL_STAFF], app.test_client()).get(url).text
    assert re.findall(r'<h2 class="item-group group-(\w+)"', teacher) == groups
    assert "ENDEDLONGAGO-details" in teacher and "-reason" not in teacher
    assert "extend it by changing its end date" not in teacher

    # The ending one is flagged to the school contact ahead of time, on the dashboard and the caseload.
    dashboard = login_as(contact_user, app.test_client()).get("/dashboard").text
    assert "ends soon" in dashboard
    caseload = login_as(contact_user, app.test_client()).get("/school/caseload").text
    ends = clock.today() + timedelta(days=soon - 1)
    assert f"Ends soon: {ends:%a} {ends.day} {ends:%b}" in caseload

    # The weekly sheet: only what is in force at some point this week.
    week = login_as(users[policy.SCHOOL_STAFF], app.test_client()).get("/school/this-week").text
    monday, sunday = this_week()
    for marker, starts, ends in (("OPENENDED", -30, None), ("ENDINGSOON", -10, soon - 1),
                                 ("ENDINGLATER", -10, soon + 10), ("ENDEDLONGAGO", -60, -40),
                                 ("ENDEDRECENTLY", -20, -2), ("STARTSLATER", 20, 40)):
        start = clock.today() + timedelta(days=starts)
        end = None if ends is None else clock.today() + timedelta(days=ends)
        expected = start <= sunday and (end is None or end >= monday)
        assert (f"{marker}-details" in week) == expected, marker
