"""Follow-ups that cannot slip (issue 5, part 1), with a frozen clock: an
in-school episode or a setback review makes a follow-up due; booking one
clears it; a follow-up nobody marks attended becomes missed and heads the
dashboards of the people responsible."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.followup import schedule as followup
from portal.notify.models import Notification
from portal.notify.scheduler import run_scheduled
from portal.plan import services as plan_services
from portal.plan.models import FollowUp, SectionVersion
from portal.plan.sections import SPECS
from portal.timezone import to_local
from tests.followup.conftest import add, appointment, attention, episode, give_monitoring

DUE = "follow_up_due"


class _Clients(dict):
    """A fresh sign-in for every look: moving the clock by days ends sessions."""

    def __init__(self, app, world, login_as, roles):
        super().__init__()
        self.app, self.world, self.login_as = app, world, login_as
        self.roles = roles

    def __getitem__(self, role):
        return self.login_as(self.world.users[role], self.app.test_client())

    def values(self):
        return [self[role] for role in self.roles]


def _clients(app, world, login_as, *roles):
    return _Clients(app, world, login_as, roles)


def _notices(user, kind="follow_up_overdue") -> list[str]:
    return list(db.session.scalars(select(Notification.text).where(Notification.user_id == user.id, Notification.kind == kind)))


def test_an_episode_makes_a_follow_up_due_and_booking_one_clears_it(app, world, login_as, frozen_clock):
    clients = _clients(app, world, login_as, policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON, policy.SCHOOL_CONTACT)
    circle_id = world.circle.id
    for client in clients.values():
        assert all(kind != DUE for kind, _ in attention(client, circle_id))

    episode(world)
    # Shown on its day where the people are, not in UTC.
    due_by = to_local(frozen_clock.current + timedelta(days=app.config["FOLLOW_UP_DUE_DAYS"]))
    items = attention(clients[policy.CLINICIAN], circle_id)
    assert (DUE, f"A follow-up is due by {due_by:%a} {due_by.day} {due_by:%b %Y}") in items
    # Only those who answer for follow-up see it; a caregiver reads the
    # episode, but is not responsible for booking until named for monitoring.
    for role in (policy.CAREGIVER, policy.YOUNG_PERSON, policy.SCHOOL_CONTACT):
        assert all(kind != DUE for kind, _ in attention(clients[role], circle_id)), role
    give_monitoring(world, policy.CAREGIVER)
    assert any(kind == DUE for kind, _ in attention(clients[policy.CAREGIVER], circle_id))

    # A school review is not clinical follow-up, and an appointment dated
    # before the episode does not answer it.
    appointment(world, clock.now() + timedelta(days=2), kind="school_review", role=policy.SCHOOL_CONTACT)
    appointment(world, clock.now() - timedelta(days=2), status="attended")
    assert any(kind == DUE for kind, _ in attention(clients[policy.CLINICIAN], circle_id)), attention(clients[policy.CLINICIAN], circle_id)

    frozen_clock.advance(days=1)
    appointment(world, clock.now() + timedelta(days=3))
    for role in (policy.CLINICIAN, policy.CAREGIVER):
        assert all(kind != DUE for kind, _ in attention(clients[role], circle_id)), role

    # A new episode after the booked appointment makes one due again.
    frozen_clock.advance(days=5)
    episode(world)
    assert any(kind == DUE for kind, _ in attention(clients[policy.CLINICIAN], circle_id)), attention(clients[policy.CLINICIAN], circle_id)


def test_a_setback_review_makes_a_follow_up_due(app, world, login_as, frozen_clock):
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    add(world, "setback_reviews", setback_on=clock.today() - timedelta(days=3))
    assert any(kind == DUE for kind, _ in attention(client, world.circle.id))
    appointment(world, clock.now() + timedelta(days=1))
    assert all(kind != DUE for kind, _ in attention(client, world.circle.id))


def test_a_follow_up_not_booked_in_time_is_told_once_to_those_responsible(app, world, frozen_clock):
    give_monitoring(world, policy.CAREGIVER)
    episode(world)
    frozen_clock.advance(days=app.config["FOLLOW_UP_DUE_DAYS"] - 1)
    assert run_scheduled()["follow-ups due"] == 0
    frozen_clock.advance(days=2)
    assert run_scheduled()["follow-ups due"] == 2
    assert run_scheduled()["follow-ups due"] == 0
    for role in (policy.CLINICIAN, policy.CAREGIVER):
        (text,) = _notices(world.users[role])
        assert "was due by" in text and "none is booked yet" in text
    for role in (policy.YOUNG_PERSON, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        assert _notices(world.users[role]) == [], role


def test_passing_the_date_without_attendance_marks_it_missed_at_the_top_of_dashboards(app, world, login_as, frozen_clock):
    give_monitoring(world, policy.CAREGIVER)
    clients = _clients(app, world, login_as, policy.CLINICIAN, policy.CAREGIVER, policy.SCHOOL_CONTACT)
    circle_id = world.circle.id
    episode(world)
    booked = appointment(world, clock.now() + timedelta(days=2), with_whom="Dr Rivera")
    school = appointment(world, clock.now() + timedelta(days=2), kind="school_review", role=policy.SCHOOL_CONTACT)
    # Something less urgent on the same dashboards, to be outranked.
    add(world, "adjustments", policy.SCHOOL_CONTACT, end_date=clock.today() + timedelta(days=5))
    grace = app.config["FOLLOW_UP_MISSED_AFTER_HOURS"]

    frozen_clock.advance(days=2, hours=grace - 1)
    assert run_scheduled()["missed follow-ups"] == 0
    assert db.session.get(FollowUp, booked.id).status == "scheduled"

    frozen_clock.advance(hours=2)
    made = run_scheduled()
    assert made["missed follow-ups"] == 2
    assert db.session.get(FollowUp, booked.id).status == "missed"
    assert db.session.get(FollowUp, school.id).status == "missed"
    assert run_scheduled()["missed follow-ups"] == 0

    for role in (policy.CLINICIAN, policy.CAREGIVER):
        items = attention(clients[role], circle_id)
        assert items[0][0] == "missed", (role, items)
        # The missed appointment no longer answers the episode.
        assert any(kind in ("follow_up_due", "follow_up_overdue") for kind, _ in items), role
    # The school contact sees the missed school review first, never the appointment.
    items = attention(clients[policy.SCHOOL_CONTACT], circle_id)
    assert items[0] == ("missed", "School review was missed")
    assert not any("Appointment" in text for _, text in items)

    # Told once: clinicians and monitoring about both, the school contact about the school review only.
    assert len([t for t in _notices(world.users[policy.CLINICIAN]) if "missed" in t]) == 2
    assert len([t for t in _notices(world.users[policy.CAREGIVER]) if "missed" in t]) == 2
    assert [t for t in _notices(world.users[policy.SCHOOL_CONTACT]) if "missed" in t] == [
        "A school review in Jordan's plan was missed: nobody marked it attended."
    ]
    assert _notices(world.users[policy.YOUNG_PERSON]) == []

    # Kept as a version and in the history, by nobody at the keyboard.
    version = db.session.scalars(
        select(SectionVersion).where(SectionVersion.item_id == booked.id, SectionVersion.kind == "follow_ups")
        .order_by(SectionVersion.id.desc())
    ).first()
    assert version.snapshot["status"] == "missed" and version.changed_by_id is None
    history = clients[policy.CLINICIAN].get(f"/circles/{circle_id}/plan/follow_ups/history").get_data(as_text=True)
    assert "Support Circle, automatically," in history
    seen = clients[policy.CAREGIVER].get(f"/circles/{circle_id}/who-has-seen").get_data(as_text=True)
    # Who has seen words it plainly (portal/who_has_seen/words.py): the portal, not a person, made the change.
    assert "Support Circle, automatically," in seen and "follow-ups" in seen


def test_an_attended_follow_up_is_never_marked_missed(app, world, frozen_clock):
    booked = appointment(world, clock.now() + timedelta(hours=1))
    frozen_clock.advance(hours=2)
    plan_services.update_item(booked, SPECS["follow_ups"], {"status": "attended"}, booked.version, world.users[policy.CLINICIAN])
    frozen_clock.advance(days=3)
    assert followup.mark_missed_follow_ups() == 0
    assert db.session.get(FollowUp, booked.id).status == "attended"
