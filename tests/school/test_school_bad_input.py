"""Every new form in portal/school/ against empty, oversized, malformed and
hostile input, through the same checks as tests/plan/test_bad_input.py (tests/bad_input.py):
never a 5xx; an invalid post comes back as the form (422) with a message and
what was typed; markup is never echoed unescaped. Hypothesis fuzzes the text."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, select

from portal import clock
from portal.access import policy
from portal.circles.models import Circle, Membership, MembershipChange
from portal.extensions import db
from portal.plan.models import CareTeamContact
from portal.school.forms import AddTeacherForm, HandoverForm, MoveAgreementForm
from portal.school.models import FlexibilityReview, SchoolHandover
from tests import factories
from tests.bad_input import HOSTILE, Target, check_form, describe

FORMS = ("school.add_teacher", "school.agree_move", "school.hand_over")
_unique = itertools.count(1)

# The POST endpoints these tests try, by name, for tests/plan/test_bad_input.py's coverage check.
ENDPOINTS_TRIED = (
    "school.add_teacher",
    "school.agree_move",
    "school.hand_over",
    "school.remove_teacher",
    "school.withdraw_move",
    "school.flexibility_reviewed",
)


def _described(form_class) -> dict:
    return describe(form_class(formdata=None))


def _handover_target(app, world, login_as) -> Target:
    """A handover can happen once; each valid post starts again from before it."""
    users = world.users
    circle_id = world.circle.id
    world.circle.school = world.school
    db.session.commit()
    hillside = factories.organisation("Hillside Academy", "school")
    kim = factories.user("Kim Lee", email="kim.lee@hillside.example.com", staff_role="school_contact", org=hillside)
    agreement = SchoolHandover(circle_id=circle_id, to_school_name="Hillside", agreed_by_id=users[policy.CAREGIVER].id,
                               from_organisation_id=world.school.id, agreed_at=clock.now())
    db.session.add(agreement)
    db.session.commit()
    agreement_id = agreement.id
    staying = {users[policy.SCHOOL_CONTACT].id, users[policy.SCHOOL_STAFF].id}

    def before_the_handover() -> None:
        db.session.expire_all()
        row = db.session.get(SchoolHandover, agreement_id)
        row.performed_at = row.performed_by_id = row.new_contact_id = row.to_organisation_id = None
        for membership in db.session.scalars(select(Membership).where(Membership.circle_id == circle_id)):
            if membership.user_id in staying:
                membership.removed_at = None
            elif membership.user_id == kim.id:
                # Not in the circle at all, as before the first handover (someone
                # removed would need restoring, which a handover cannot do).
                db.session.execute(delete(MembershipChange).where(MembershipChange.membership_id == membership.id))
                db.session.execute(delete(CareTeamContact).where(CareTeamContact.membership_id == membership.id))
                db.session.delete(membership)
        db.session.get(Circle, circle_id).school_organisation_id = world.school.id
        db.session.commit()

    with app.test_request_context():
        fields = _described(HandoverForm)
    client = ResetBeforeEachPost(login_as(users[policy.SCHOOL_CONTACT], app.test_client()), before_the_handover)
    url = f"/circles/{circle_id}/school/move/{agreement_id}/hand-over"
    return Target("school.hand_over", url, client, fields, lambda: {"new_contact_email": kim.email, "understood": "y"},
                  frozenset({302}), False)


class ResetBeforeEachPost:
    """A test client that puts the world back before every post, for a form that works once."""

    def __init__(self, client, reset):
        self.client, self.reset = client, reset

    def post(self, *args, **kwargs):
        self.reset()
        return self.client.post(*args, **kwargs)

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)


def _target(app, world, login_as, endpoint: str) -> Target:
    users = world.users
    circle_id = world.circle.id
    if endpoint == "school.add_teacher":
        with app.test_request_context():
            fields = _described(AddTeacherForm)
        return Target(endpoint, f"/circles/{circle_id}/school/teachers",
                      login_as(users[policy.SCHOOL_CONTACT], app.test_client()), fields,
                      # A colleague at the same school: only they can be added directly.
                      lambda: {"teacher_email": factories.user(email=f"teacher{next(_unique)}@example.com",
                                                               staff_role="school_staff", org=world.school).email,
                               "relationship_label": "Art teacher"},
                      frozenset({302}), True)
    if endpoint == "school.agree_move":
        with app.test_request_context():
            fields = _described(MoveAgreementForm)
        return Target(endpoint, f"/circles/{circle_id}/school/move",
                      login_as(users[policy.CAREGIVER], app.test_client()), fields,
                      lambda: {"to_school_name": f"Hillside Academy {next(_unique)}", "agreed": "y"},
                      frozenset({302}), True)
    return _handover_target(app, world, login_as)


@pytest.mark.parametrize("endpoint", FORMS)
def test_bad_input_on_school_forms_comes_back_as_the_form(app, world, login_as, poster, request, endpoint):
    def target_for(_case):
        target = _target(app, world, login_as, endpoint)
        target.config = request.config
        return target

    check_form(poster, target_for((endpoint, None, None)))


def test_the_typed_text_is_kept_when_the_handover_is_refused(app, world, login_as):
    """Refusals that come from the service, not the form, keep the typing too."""
    target = _handover_target(app, world, login_as)
    same_school = factories.user(email="same.school@lakeview.example.com", staff_role="school_staff", org=world.school)
    for email in ("nobody@example.com", same_school.email):
        response = target.client.post(target.url, data={"new_contact_email": email, "understood": "y"})
        assert response.status_code == 422
        assert f'value="{email}"' in response.text and 'href="#new_contact_email"' in response.text


def test_school_buttons_take_junk_without_breaking(app, world, login_as, poster):
    users = world.users
    circle_id = world.circle.id
    agreement = SchoolHandover(circle_id=circle_id, to_school_name="Hillside", agreed_by_id=users[policy.CAREGIVER].id)
    db.session.add(agreement)
    db.session.commit()
    junk = {"csrf_token": HOSTILE["attribute"], "extra": HOSTILE["script"], "nul": "\x00" * 10,
            "email": HOSTILE["sql"], "membership_id": "1"}
    teacher_membership = world.memberships[policy.SCHOOL_STAFF].id
    caregiver_membership = world.memberships[policy.CAREGIVER].id
    contact = login_as(users[policy.SCHOOL_CONTACT], app.test_client())
    caregiver = login_as(users[policy.CAREGIVER], app.test_client())
    base = f"/circles/{circle_id}/school"
    posts = [
        (contact, f"{base}/teachers/{caregiver_membership}/remove", {404}),
        (contact, f"{base}/teachers/999999/remove", {404}),
        (contact, f"{base}/teachers/abc/remove", {404}),
        (caregiver, f"{base}/move/999999/withdraw", {404}),
        (contact, f"{base}/move/{agreement.id}/withdraw", {403}),
        (caregiver, f"{base}/flexibility-reviewed", {403}),
        (contact, f"{base}/flexibility-reviewed", {302}),
        (caregiver, f"{base}/move/{agreement.id}/withdraw", {302}),
        # Removed by the first post; the second finds no teacher to remove.
        (contact, f"{base}/teachers/{teacher_membership}/remove", {302, 404}),
    ]
    for client, url, statuses in posts:
        for data in ({}, junk):
            response = client.post(url, data=data)
            poster.check(response, list(junk.values()), url)
            assert response.status_code in statuses, (url, response.status_code)
    db.session.expire_all()
    assert db.session.get(Membership, teacher_membership).removed_at is not None
    assert db.session.get(Membership, caregiver_membership).removed_at is None
    assert not db.session.get(SchoolHandover, agreement.id).pending
    assert len(db.session.scalars(select(FlexibilityReview)).all()) == 2
    # GET never changes anything.
    for url in (f"{base}/flexibility-reviewed", f"{base}/teachers", f"{base}/move"):
        assert contact.get(url).status_code == 405
