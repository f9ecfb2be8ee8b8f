"""Who may change whose place in a circle: the review's findings, each as it
was reproduced, and the role change as its own confirmed, audited, told action."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.audit.models import AuditEvent
from portal.circles import services as circle_services
from portal.circles.models import Membership, MembershipChange
from portal.extensions import db
from portal.notify.models import Notification
from tests import factories
from tests.web import without_tokens

C, CG, YP, SC, ST = policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF
FAMILY_AND_CLINICAL = ("setback_reviews", "home_safety", "safety_plan", "progress")


def role_of(circle_id: int, user) -> str | None:
    db.session.expire_all()
    membership = circle_services.active_membership(circle_id, user.id)
    return membership.role if membership else None


@pytest.fixture
def counselor(app, world, login_as):
    return login_as(world.users[SC], app.test_client())


@pytest.fixture
def psychiatrist(world):
    account = factories.user("Dr Psych", staff_role=C, org=world.clinic)
    factories.member(world.circle, account, C, world.users[C])
    return account


def test_a_school_contact_cannot_make_themselves_a_caregiver(app, world, counselor):
    circle = world.circle.id
    email = world.users[SC].email
    response = counselor.post(f"/circles/{circle}/members", data={"email": email, "role": CG})
    assert response.status_code in (403, 409, 422)
    assert role_of(circle, world.users[SC]) == SC
    for kind in FAMILY_AND_CLINICAL:
        assert counselor.get(f"/circles/{circle}/plan/{kind}").status_code == 403, kind


@pytest.mark.parametrize("route", ["members", "school/teachers"])
def test_a_school_contact_cannot_demote_a_clinician_by_adding_them_again(app, world, counselor, psychiatrist, route):
    field = "teacher_email" if route == "school/teachers" else "email"
    response = counselor.post(f"/circles/{world.circle.id}/{route}", data={field: psychiatrist.email, "role": ST})
    assert response.status_code in (403, 409, 422)
    assert role_of(world.circle.id, psychiatrist) == C
    assert db.session.scalars(select(MembershipChange).where(MembershipChange.action == "change_role")).all() == []


def test_adding_never_changes_an_existing_members_role_even_for_a_clinician(app, world, login_as):
    clinician = login_as(world.users[C], app.test_client())
    teacher = world.users[ST]
    teacher.email = "lee.park@example.org"  # one the form's email check takes
    db.session.commit()
    response = clinician.post(f"/circles/{world.circle.id}/members", data={"email": teacher.email, "role": SC})
    assert response.status_code == 409
    assert "Change role" in response.text
    assert role_of(world.circle.id, teacher) == ST


def test_a_school_contact_cannot_invite_a_caregiver_or_a_clinician(app, world, counselor):
    page = counselor.get(f"/circles/{world.circle.id}/invitations")
    roles = re.search(r'<select[^>]*name="role".*?</select>', page.text, re.S).group(0)  # not the language's
    offered = set(re.findall(r'<option[^>]*value="(\w+)"', roles))
    assert offered == {SC, ST}
    for role in (CG, C, YP):
        data = {"email": "second-address@example.org", "role": role}
        assert counselor.post(f"/circles/{world.circle.id}/invitations", data=data).status_code == 422


@pytest.mark.parametrize("role", [CG, YP, C])
def test_removing_the_young_person_a_caregiver_or_a_clinician_needs_a_clinician(app, world, counselor, role):
    membership = world.memberships[role]
    response = counselor.post(f"/circles/{world.circle.id}/members/{membership.id}/remove", data={})
    assert response.status_code == 403
    assert role_of(world.circle.id, world.users[role]) == role
    assert "Remove from circle" not in _row_of(counselor.get(f"/circles/{world.circle.id}/members").text, world.users[role].name)


def _row_of(page: str, name: str) -> str:
    return next(row for row in page.split("<tr>") if name in row)


def test_nobody_changes_their_own_role(app, world, login_as):
    for role in (C, SC):
        client = login_as(world.users[role], app.test_client())
        own = world.memberships[role]
        for requested in policy.ROLES:
            response = client.post(
                f"/circles/{world.circle.id}/members/{own.id}/role", data={"role": requested, "confirmed": "yes"}
            )
            assert response.status_code == 403, (role, requested)
        assert role_of(world.circle.id, world.users[role]) == role


def test_a_role_change_is_shown_confirmed_audited_and_told(app, world, login_as):
    clinician = login_as(world.users[C], app.test_client())
    teacher = world.memberships[ST]
    path = f"/circles/{world.circle.id}/members/{teacher.id}/role"
    form = clinician.get(path)
    assert form.status_code == 200
    # No role is chosen for them: the first choice asks.
    assert re.findall(r"<option[^>]*>([^<]*)</option>", form.text)[0] == "Choose a role"
    assert "selected" not in form.text.split("<select", 1)[1].split("</select>", 1)[0]

    # First step: what the new role would see, and nothing has changed yet.
    step = clinician.post(path, data={"role": CG})
    assert step.status_code == 200
    assert "Yes, make them caregiver" in step.text
    assert "Safety plan" in step.text and "start to see" in step.text
    assert role_of(world.circle.id, world.users[ST]) == ST

    done = clinician.post(path, data={"role": CG, "confirmed": "yes"})
    assert done.status_code == 302
    assert role_of(world.circle.id, world.users[ST]) == CG
    change = db.session.scalars(select(MembershipChange)).all()[-1]
    assert (change.action, change.from_state, change.to_state, change.by_id) == ("change_role", ST, CG, world.users[C].id)
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "role_changed")).one()
    assert entry.subject_user_id == world.users[ST].id and entry.user_id == world.users[C].id

    notices = {
        n.user_id: n.text
        for n in db.session.scalars(select(Notification).where(Notification.kind == "membership_changed"))
        if "role" in n.text
    }
    assert "Your role" in notices[world.users[ST].id] and "caregiver" in notices[world.users[ST].id]
    assert world.users[CG].id in notices  # the caregivers are told
    assert world.users[C].id not in notices  # the one who made it needs no notice
    assert world.users[SC].id not in notices and world.users[YP].id not in notices
    page = html.unescape(clinician.get(f"/circles/{world.circle.id}/members").text)
    assert "Recent changes to who is in the circle" in page and "changed Lee Park's role from teacher / school staff to caregiver" in page


def test_a_school_contact_may_make_a_teacher_the_named_contact_but_not_a_caregiver(app, world, counselor):
    teacher = world.memberships[ST]
    path = f"/circles/{world.circle.id}/members/{teacher.id}/role"
    offered = set(re.findall(r'<option[^>]*value="(\w+)"', counselor.get(path).text))
    assert offered == {SC}
    assert counselor.post(path, data={"role": CG, "confirmed": "yes"}).status_code == 422
    assert role_of(world.circle.id, world.users[ST]) == ST
    assert counselor.post(path, data={"role": SC, "confirmed": "yes"}).status_code == 302
    assert role_of(world.circle.id, world.users[ST]) == SC


def test_a_removed_member_is_listed_and_a_clinician_brings_them_back(app, world, login_as):
    clinician = login_as(world.users[C], app.test_client())
    removed = db.session.scalars(select(Membership).where(Membership.user_id == world.removed.id)).one()
    page = clinician.get(f"/circles/{world.circle.id}/members").text
    assert "No longer in the circle" in page and world.removed.name in page
    counselor = login_as(world.users[SC], app.test_client())
    assert counselor.post(f"/circles/{world.circle.id}/members/{removed.id}/restore", data={}).status_code == 403
    assert clinician.post(f"/circles/{world.circle.id}/members/{removed.id}/restore", data={}).status_code == 302
    assert role_of(world.circle.id, world.removed) == CG


def test_the_add_form_reveals_no_account_outside_the_organisation(app, world, login_as):
    clinician = login_as(world.users[C], app.test_client())
    elsewhere = factories.user("Hidden Person", email="exists-elsewhere@example.org", org=factories.organisation("Other Clinic", "clinic"))
    answers = []
    for email in (elsewhere.email, "nobody-at-all@example.org"):
        response = clinician.post(f"/circles/{world.circle.id}/members", data={"email": email, "role": CG})
        answers.append((response.status_code, without_tokens(response.text.replace(email, "EMAIL"))))
    assert answers[0] == answers[1]
    assert answers[0][0] == 422 and "Hidden Person" not in answers[0][1]
    assert "send them an invitation" in answers[0][1]
    assert circle_services.membership_of(world.circle.id, elsewhere.id) is None


def test_the_add_form_asks_for_a_role_and_keeps_what_was_typed(app, world, login_as):
    clinician = login_as(world.users[C], app.test_client())
    page = clinician.get(f"/circles/{world.circle.id}/members").text
    options = re.findall(r"<option[^>]*>([^<]*)</option>", page)
    assert options[0] == "Choose a role"
    response = clinician.post(
        f"/circles/{world.circle.id}/members", data={"email": "colleague@example.org", "relationship_label": "Nurse"}
    )
    assert response.status_code == 422
    assert "Please choose the role" in response.text
    assert 'value="colleague@example.org"' in response.text and 'value="Nurse"' in response.text


def test_a_membership_written_outside_the_policy_function_fails_loudly(app, world):
    membership = world.memberships[ST]
    with app.test_request_context("/"):
        membership.role = CG
        with pytest.raises(RuntimeError, match="outside circles.services.change_membership"):
            db.session.flush()
        db.session.rollback()
    assert role_of(world.circle.id, world.users[ST]) == ST


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"role": ""},
        {"role": "principal", "confirmed": "yes"},
        {"role": "<script>alert(1)</script>"},
        {"role": "x" * 100_000},
        {"role": CG, "confirmed": "maybe"},
        {"role": CG, "confirmed": ["maybe", "yes"]},
        {"role": "caregiver' OR '1'='1", "confirmed": "yes"},
    ],
)
def test_bad_input_on_circles_change_role_comes_back_as_the_form(app, world, login_as, data):
    clinician = login_as(world.users[C], app.test_client())
    teacher = world.memberships[ST]
    response = clinician.post(f"/circles/{world.circle.id}/members/{teacher.id}/role", data=data)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text
    assert 'name="role"' in response.text
    assert role_of(world.circle.id, world.users[ST]) == ST


def test_the_family_doctor_is_offered_to_a_clinician_and_never_by_the_school(app, world, login_as):
    """A clinician adds, invites and moves the family doctor like any other adult;
    the school contact's forms never offer the role; the family doctor manages nobody."""
    pc = world.memberships[policy.PRIMARY_CARE]
    members, invitations = f"/circles/{world.circle.id}/members", f"/circles/{world.circle.id}/invitations"
    role_path = f"{members}/{pc.id}/role"
    clinician = login_as(world.users[C], app.test_client())
    for path in (members, invitations):
        assert '<option value="primary_care">Family doctor (primary care)</option>' in clinician.get(path).text, path
    assert {CG, SC, ST} <= set(re.findall(r'<option[^>]*value="(\w+)"', clinician.get(role_path).text))
    counselor = login_as(world.users[SC], app.test_client())
    for path in (members, invitations):
        assert "primary_care" not in counselor.get(path).text, path
    assert counselor.post(role_path, data={"role": ST, "confirmed": "yes"}).status_code == 403
    doctor = login_as(world.users[policy.PRIMARY_CARE], app.test_client())
    assert "Family doctor (primary care)" in doctor.get(members).text  # they see who is in the circle
    assert doctor.post(members, data={"email": "x@example.org", "role": CG}).status_code == 403
    assert doctor.get(invitations).status_code == 403
    assert clinician.post(role_path, data={"role": CG, "confirmed": "yes"}).status_code == 302
    assert role_of(world.circle.id, world.users[policy.PRIMARY_CARE]) == CG
