"""What a review of the membership rules found, each reproduced as it was
reported: a handover undone by the new school, a removed member let back in
by an older invitation, a second "young person", a change made by someone
removed a moment before, and a promotion that kept a password-only session."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.access import policy, transitions
from portal.circles import services as circle_services
from portal.circles.models import Membership
from portal.extensions import db
from portal.invitations import services as invitation_services
from portal.invitations.models import Invitation
from portal.school import services as school_services
from portal.sessions.models import UserSession
from tests import factories

C, CG, YP, SC, ST = policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF


def active_role(circle_id, user):
    db.session.expire_all()
    membership = circle_services.active_membership(circle_id, user.id)
    return membership.role if membership else None


@pytest.fixture
def handed_over(app, world):
    """The circle moved from Lakeview (the world's school) to Hillside; Kim is Hillside's contact."""
    world.circle.school = world.school
    db.session.commit()
    hillside = factories.organisation("Hillside Academy", "school")
    kim = factories.user("Kim Lee", email="kim.lee@hillside.example.org", staff_role=SC, org=hillside)
    agreement = school_services.record_move_agreement(world.circle, "Hillside Academy", world.users[CG])
    school_services.hand_over(world.circle, agreement, kim.email, world.users[SC])
    return kim


def test_the_new_school_cannot_bring_back_the_old_schools_people(app, world, login_as, handed_over):
    kim = login_as(handed_over, app.test_client())
    circle = world.circle.id
    for role in (ST, SC):
        old = db.session.scalars(
            select(Membership).where(Membership.circle_id == circle, Membership.user_id == world.users[role].id)
        ).one()
        assert kim.post(f"/circles/{circle}/members/{old.id}/restore", data={}).status_code == 403
        assert active_role(circle, world.users[role]) is None
    # Nor by typing their address into the add forms.
    teacher = world.users[ST]
    teacher.email = "lee.park@lakeview.example.org"
    db.session.commit()
    kim.post(f"/circles/{circle}/members", data={"email": teacher.email, "role": ST})
    kim.post(f"/circles/{circle}/school/teachers", data={"teacher_email": teacher.email})
    assert active_role(circle, teacher) is None
    # A clinician still can, deliberately.
    clinician = login_as(world.users[C], app.test_client())
    old = circle_services.membership_of(circle, teacher.id)
    assert clinician.post(f"/circles/{circle}/members/{old.id}/restore", data={}).status_code == 302
    assert active_role(circle, teacher) == ST


def test_an_older_invitation_cannot_let_a_removed_member_back_in(app, world, login_as):
    circle = world.circle
    uncle = factories.user("Uncle", email="uncle@example.org")
    # Invited twice; joins through one; removed; tries the other.
    first, first_token = invitation_services.create_invitation(circle, world.memberships[C], uncle.email, CG)
    _second, second_token = invitation_services.create_invitation(circle, world.memberships[CG], uncle.email, CG)
    client = login_as(uncle, app.test_client())
    assert client.post(f"/invitations/{second_token}", data={}).status_code == 302
    membership = circle_services.active_membership(circle.id, uncle.id)
    circle_services.remove_member(membership, world.users[C])
    # The removal withdrew the other open invitation.
    db.session.expire_all()
    assert db.session.get(Invitation, first.id).revoked_at is not None
    assert client.post(f"/invitations/{first_token}", data={}).status_code in (403, 410)
    assert active_role(circle.id, uncle) is None


def test_even_an_unrevoked_invitation_older_than_the_removal_is_refused(app, world):
    circle = world.circle
    removed = circle_services.membership_of(circle.id, world.removed.id)
    invitation, _ = invitation_services.create_invitation(circle, world.memberships[C], "someone@example.org", CG)
    invitation.email = world.removed.email
    invitation.created_at = removed.removed_at  # sent no later than the removal
    db.session.commit()
    decision = invitation_services.acceptance(invitation, world.removed)
    assert not decision.allowed and decision.reason == "removed"


def test_a_caregiver_cannot_invite_a_second_young_person(app, world, login_as):
    caregiver = login_as(world.users[CG], app.test_client())
    data = {"email": "parent.second@example.org", "role": YP}
    assert caregiver.post(f"/circles/{world.circle.id}/invitations", data=data).status_code == 422
    # Nor a clinician, while the circle has its young person.
    clinician = login_as(world.users[C], app.test_client())
    assert clinician.post(f"/circles/{world.circle.id}/invitations", data=data).status_code == 422
    assert db.session.scalars(select(Invitation).where(Invitation.role == YP)).all() == []


def test_the_last_clinician_cannot_be_removed_or_demoted(app, world, login_as):
    other = factories.user("Dr Second", staff_role=C, org=world.clinic)
    factories.member(world.circle, other, C, world.users[C])
    client = login_as(other, app.test_client())
    first = world.memberships[C]
    assert client.post(f"/circles/{world.circle.id}/members/{first.id}/remove", data={}).status_code == 302
    # Dr Second is now the only clinician: nobody can take that away, themselves included.
    mine = circle_services.active_membership(world.circle.id, other.id)
    decision = circle_services.decide(world.circle, world.users[C], C, other, transitions.REMOVE, transitions.REMOVED)
    assert not decision.allowed and decision.reason == "last_clinician"
    assert client.post(f"/circles/{world.circle.id}/members/{mine.id}/remove", data={}).status_code == 403


def test_someone_removed_a_moment_ago_cannot_still_make_a_change(app, world):
    """The guard read their role at the start of the request; by the time the
    change is written they have been removed: the change is refused."""
    counselor = world.users[SC]
    stale_role = world.memberships[SC].role
    circle_services.remove_member(world.memberships[SC], world.users[C])
    teacher = circle_services.active_membership(world.circle.id, world.users[ST].id)
    with pytest.raises(circle_services.MembershipRefused):
        circle_services.change_membership(
            world.circle, counselor, stale_role, teacher.user, transitions.REMOVE, transitions.REMOVED
        )
    db.session.rollback()
    assert active_role(world.circle.id, world.users[ST]) == ST


def test_a_promotion_into_a_role_that_needs_a_code_ends_the_password_only_sessions(app, world, login_as):
    teacher = world.users[ST]
    teacher_client = login_as(teacher, app.test_client())
    assert teacher_client.get(f"/circles/{world.circle.id}/plan/school_plan").status_code == 200
    counselor = login_as(world.users[SC], app.test_client())
    path = f"/circles/{world.circle.id}/members/{world.memberships[ST].id}/role"
    assert counselor.post(path, data={"role": SC, "confirmed": "yes"}).status_code == 302
    # The teacher's session, opened without a code, no longer works as the school contact's.
    response = teacher_client.get(f"/circles/{world.circle.id}/plan/follow_ups")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert all(s.ended_at is not None for s in db.session.scalars(select(UserSession).where(UserSession.user_id == teacher.id)))
