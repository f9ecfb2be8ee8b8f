"""Issue 4, part 1 and 2: a teacher records an in-school episode from their
own page in a few clicks; caregivers and clinicians are told at once; each
sees what the policy lets them; the school contact is prompted, not forced,
to look at deadline flexibility again."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notify.models import Notification, OutboxMessage
from portal.plan.models import Episode
from portal.timezone import local_naive
from tests import factories
from tests.school.conftest import add_adjustment
from tests.web import as_post_data, section_form

OBSERVED = "Head down during the test, pulling at sleeves TEACHEROBS1"


def _links(html: str, pattern: str) -> list[str]:
    return re.findall(rf'href="({pattern})"', html)


def test_the_teacher_records_an_episode_and_everyone_sees_what_they_may(app, school_world, login_as):
    world = school_world
    users = world.users
    circle_id = world.circle.id
    teacher = login_as(users[policy.SCHOOL_STAFF], app.test_client())
    contact = login_as(users[policy.SCHOOL_CONTACT], app.test_client())
    caregiver = login_as(users[policy.CAREGIVER], app.test_client())
    clinician = login_as(users[policy.CLINICIAN], app.test_client())
    # An earlier episode the school contact recorded: not the teacher's to see.
    factories.write_section(world.circle, "episodes", users[policy.SCHOOL_CONTACT], "CONTACTEP")
    db.session.execute(Notification.__table__.delete())
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()

    # One click from the teacher's own page to the form.
    week = teacher.get("/school/this-week")
    assert week.status_code == 200
    new_episode = f"/circles/{circle_id}/plan/episodes/new"
    assert new_episode in _links(week.text, re.escape(new_episode))
    page = teacher.get(new_episode)
    assert page.status_code == 200
    # "When" is now; the plan's steps and whom to call sit beside the form, in their own section block.
    form = section_form(page.text)
    fields = dict(form["fields"])
    when = datetime.strptime(fields["occurred_at"], "%Y-%m-%dT%H:%M")
    assert abs(when - local_naive(clock.now()).replace(tzinfo=None)) < timedelta(minutes=2)
    assert 'class="reminder" data-section="school_plan"' in page.text
    assert "PLAN-staff_steps" in page.text and "PLAN-who_to_call" in page.text
    assert "PLAN-staff_notes" not in page.text
    # Quoting the plan there is a view of it, for "who has seen this plan".
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.user_id == users[policy.SCHOOL_STAFF].id, AuditEvent.action == "view",
                                    AuditEvent.section == "school_plan", AuditEvent.endpoint == "plan.new_item")
    ) is not None
    # Only what staff saw is needed; the rest may wait.
    required = set(re.findall(r'<(?:input|textarea|select)[^>]*\bid="(\w+)"[^>]*\brequired\b', page.text))
    assert required <= {"occurred_at", "observed", "outcome"}

    data = as_post_data(form["fields"])
    data["observed"] = OBSERVED
    response = teacher.post(new_episode, data=data)
    assert response.status_code == 302, response.text
    episode = db.session.scalars(select(Episode).where(Episode.observed == OBSERVED)).one()
    assert episode.recorded_by_id == users[policy.SCHOOL_STAFF].id

    # Caregivers and clinicians are told at once, in the portal and by an email that says nothing.
    for role in (policy.CAREGIVER, policy.CLINICIAN):
        user = users[role]
        notices = db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == "episode_recorded")
        ).all()
        assert len(notices) == 1 and notices[0].email_state == "immediate", role
        assert "TEACHEROBS" not in notices[0].text
        emails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == user.email)).all()
        assert emails and all("TEACHEROBS" not in m.body and "Jordan" not in m.body for m in emails)
    for client in (caregiver, clinician):
        assert "TEACHEROBS1" in client.get(f"/circles/{circle_id}/plan/episodes").text
    # The teacher sees their own episode only; the school contact sees every one.
    mine = teacher.get(f"/circles/{circle_id}/plan/episodes").text
    assert "TEACHEROBS1" in mine and "CONTACTEP" not in mine
    everything = contact.get(f"/circles/{circle_id}/plan/episodes").text
    assert "TEACHEROBS1" in everything and "CONTACTEP" in everything
    # A young person does not read episodes at all.
    young = login_as(users[policy.YOUNG_PERSON], app.test_client())
    assert young.get(f"/circles/{circle_id}/plan/episodes").status_code == 403


def test_after_an_episode_the_contact_is_prompted_to_review_flexibility(app, school_world, login_as):
    world = school_world
    users = world.users
    circle_id = world.circle.id
    prompt = "Review deadline flexibility for Jordan"
    contact = login_as(users[policy.SCHOOL_CONTACT], app.test_client())
    teacher = login_as(users[policy.SCHOOL_STAFF], app.test_client())
    caregiver = login_as(users[policy.CAREGIVER], app.test_client())
    assert prompt not in contact.get("/dashboard").text

    factories.write_section(world.circle, "episodes", users[policy.SCHOOL_STAFF], "EPISODE")
    dashboard = contact.get("/dashboard").text
    assert prompt in dashboard
    assert f'href="/circles/{circle_id}/plan/adjustments"' in dashboard
    # The next steps the plan sets out, for those who act in school.
    assert "PLAN-call_caregivers_when" in dashboard and "PLAN-return_to_class" in dashboard
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.user_id == users[policy.SCHOOL_CONTACT].id, AuditEvent.action == "view",
                                    AuditEvent.section == "school_plan", AuditEvent.endpoint == "dashboard.index")
    ) is not None
    assert f'href="/circles/{circle_id}/plan/episodes/new"' in dashboard
    assert prompt in contact.get("/school/caseload").text
    assert prompt in contact.get(f"/circles/{circle_id}/plan/episodes").text
    # The teacher who recorded it sees the next steps, not the prompt; a caregiver neither.
    teacher_dashboard = teacher.get("/dashboard").text
    assert "PLAN-return_to_class" in teacher_dashboard and prompt not in teacher_dashboard
    caregiver_dashboard = caregiver.get("/dashboard").text
    assert prompt not in caregiver_dashboard and "PLAN-return_to_class" not in caregiver_dashboard
    assert teacher.post(f"/circles/{circle_id}/school/flexibility-reviewed").status_code == 403
    assert caregiver.post(f"/circles/{circle_id}/school/flexibility-reviewed").status_code == 403

    # Not forced: "they still fit" rests the prompt until the next episode.
    response = contact.post(f"/circles/{circle_id}/school/flexibility-reviewed")
    assert response.status_code == 302
    for url in ("/dashboard", "/school/caseload", f"/circles/{circle_id}/plan/episodes"):
        assert prompt not in contact.get(url).text, url

    # The next episode asks again; changing the adjustments answers it too.
    factories.write_section(world.circle, "episodes", users[policy.SCHOOL_CONTACT], "EPISODE2")
    assert prompt in contact.get("/dashboard").text
    add_adjustment(world.circle, users[policy.SCHOOL_CONTACT], "AFTER")
    assert prompt not in contact.get("/dashboard").text
