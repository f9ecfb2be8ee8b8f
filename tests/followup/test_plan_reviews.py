"""Plan reviews (issue 5, part 2): when each section was last reviewed and by
whom; recording a review confirms sections without a new version; the next
review is the earliest plan review booked among the follow-ups, and an
overdue one is flagged to the people responsible."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.followup.models import SectionReview
from portal.notify.models import Notification
from portal.notify.scheduler import run_scheduled
from portal.plan.models import FollowUp, SectionVersion
from portal.timezone import local_naive
from tests import factories
from tests.followup.conftest import appointment, attention


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(SectionVersion))


def test_recording_a_review_confirms_sections_without_changing_them(app, world, login_as, frozen_clock):
    circle_id = world.circle.id
    clinician = world.users[policy.CLINICIAN]
    factories.write_section(world.circle, "safety_plan", world.users[policy.YOUNG_PERSON], "SAFE")
    factories.write_section(world.circle, "school_plan", world.users[policy.SCHOOL_CONTACT], "SCHOOL")
    client = login_as(clinician, app.test_client())
    page = client.get(f"/circles/{circle_id}/plan/safety_plan").get_data(as_text=True)
    assert "Not reviewed yet." in page

    meeting = appointment(world, clock.now() - timedelta(hours=2), kind="plan_review")
    frozen_clock.advance(minutes=5)
    before = _versions()
    next_at = clock.now() + timedelta(days=56)
    response = client.post(
        f"/circles/{circle_id}/reviews/new",
        data={"sections": ["safety_plan", "school_plan"], "held_at": str(meeting.id),
              "next_review_at": local_naive(next_at).strftime("%Y-%m-%dT%H:%M"), "next_review_with": "Dr Rivera and family"},
    )
    assert response.status_code == 302

    reviews = {r.section: r for r in db.session.scalars(select(SectionReview).where(SectionReview.circle_id == circle_id))}
    assert set(reviews) == {"safety_plan", "school_plan"}
    # Never reviewed before, so each confirms the text as it now stands.
    latest = db.session.scalar(select(func.max(SectionVersion.id)).where(SectionVersion.kind == "safety_plan"))
    assert reviews["safety_plan"].version_id == latest and reviews["safety_plan"].outcome == "changed"
    assert {r.reviewed_by_id for r in reviews.values()} == {clinician.id}
    audited = db.session.scalars(select(AuditEvent.section).where(AuditEvent.action == "review", AuditEvent.circle_id == circle_id))
    assert sorted(audited) == ["safety_plan", "school_plan"]
    # The sections themselves kept their versions: only the follow-ups changed
    # (the meeting marked attended, the next review booked).
    assert _versions() == before + 2
    db.session.expire_all()
    assert db.session.get(FollowUp, meeting.id).status == "attended"
    booked = db.session.scalars(select(FollowUp).where(FollowUp.kind == "plan_review", FollowUp.status == "scheduled")).one()
    assert booked.with_whom == "Dr Rivera and family"

    for role in (policy.CAREGIVER, policy.YOUNG_PERSON):
        page = login_as(world.users[role], app.test_client()).get(f"/circles/{circle_id}/plan/safety_plan").get_data(as_text=True)
        assert "Last reviewed" in page and "by Dr Ana Rivera" in page, role
    teacher = login_as(world.users[policy.SCHOOL_STAFF], app.test_client())
    assert "by Dr Ana Rivera" in teacher.get(f"/circles/{circle_id}/plan/school_plan").get_data(as_text=True)

    # A second review with no change since: "no change needed", no version linked.
    frozen_clock.advance(days=1)
    client = login_as(clinician, app.test_client())  # a day later the old session has ended
    assert client.post(f"/circles/{circle_id}/reviews/new", data={"sections": ["safety_plan"]}).status_code == 302
    again = db.session.scalars(select(SectionReview).order_by(SectionReview.id.desc())).first()
    assert again.outcome == "unchanged" and again.version_id is None
    assert "no change needed" in client.get(f"/circles/{circle_id}/plan/safety_plan").get_data(as_text=True)

    page = client.get(f"/circles/{circle_id}/reviews").get_data(as_text=True)
    assert "The next plan review is booked for" in page and "Dr Rivera and family" in page


def test_only_clinicians_record_reviews(app, world, login_as):
    url = f"/circles/{world.circle.id}/reviews/new"
    for role in policy.ROLES:
        client = login_as(world.users[role], app.test_client())
        expected = 200 if policy.can_act(role, "record_review") else 403
        assert client.get(url).status_code == expected, role
        assert client.get(f"/circles/{world.circle.id}/reviews").status_code == 200, role
    assert login_as(world.outsider, app.test_client()).get(url).status_code == 404


def test_the_reviews_page_shows_a_member_only_their_sections_and_what_they_may_read(app, world, login_as):
    appointment(world, clock.now() + timedelta(days=20), kind="plan_review", with_whom="REVIEWWITH")
    teacher = login_as(world.users[policy.SCHOOL_STAFF], app.test_client())
    page = teacher.get(f"/circles/{world.circle.id}/reviews").get_data(as_text=True)
    assert "Assessment and treatment" not in page and "REVIEWWITH" not in page and "Next review" not in page
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    assert "REVIEWWITH" not in contact.get(f"/circles/{world.circle.id}/reviews").get_data(as_text=True)
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    assert "REVIEWWITH" in caregiver.get(f"/circles/{world.circle.id}/reviews").get_data(as_text=True)


def test_an_overdue_plan_review_is_flagged_on_dashboards_and_told_once(app, world, login_as, frozen_clock):
    appointment(world, clock.now() + timedelta(days=2), kind="plan_review")
    frozen_clock.advance(days=2, hours=1)
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    items = attention(client, world.circle.id)
    assert items[0][0] == "overdue" and items[0][1].startswith("Plan review is overdue")
    assert run_scheduled()["overdue follow-ups"] == 1
    assert run_scheduled()["overdue follow-ups"] == 0
    texts = list(db.session.scalars(select(Notification.text).where(
        Notification.user_id == world.users[policy.CLINICIAN].id, Notification.kind == "follow_up_overdue")))
    assert texts == ["A plan review in Jordan's plan is overdue."]
    # The school contact does not hear of clinical plan reviews.
    assert not list(db.session.scalars(select(Notification.id).where(
        Notification.user_id == world.users[policy.SCHOOL_CONTACT].id, Notification.kind == "follow_up_overdue")))
