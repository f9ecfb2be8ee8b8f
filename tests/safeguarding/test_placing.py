"""Placing, changing and lifting a safeguarding limit: decided by the
transitions policy, audited without the reason, told without reason or
sections to those the policy names and never to the caregiver."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notify.models import Notification
from portal.safeguarding import services
from tests import factories
from tests.safeguarding.conftest import form_for, limit_rows

C, PC, CG, YP, SC, ST = (
    policy.CLINICIAN, policy.PRIMARY_CARE, policy.CAREGIVER, policy.YOUNG_PERSON, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF,
)
REASON = "Told us she shares everything with him"


def limit_url(world, role=CG, suffix=""):
    return f"/circles/{world.circle.id}/members/{world.memberships[role].id}/limit{suffix}"


def notices(user, kind="limit_changed"):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)))


def test_a_new_limit_form_suggests_the_policys_sections_among_those_the_caregiver_reads(app, world, login_as):
    page = login_as(world.users[C]).get(limit_url(world)).get_data(as_text=True)
    boxes = {re.search(r'value="(\w+)"', tag).group(1): " checked" in tag for tag in re.findall(r"<input[^>]*checkbox[^>]*>", page)}
    assert set(boxes) == set(policy.readable_sections(CG))
    for kind, checked in boxes.items():
        assert checked == (kind in policy.LIMIT_SUGGESTS_HIDING), kind


@pytest.mark.parametrize("role", [C, SC])
def test_a_clinician_or_the_school_contact_places_a_limit(app, world, place, role):
    place(("events", "home_safety"), role=role)
    (limit,) = limit_rows()
    assert limit.membership_id == world.memberships[CG].id
    assert limit.hidden_sections == ("home_safety", "events")
    assert limit.reason == REASON and limit.placed_by_id == world.users[role].id and limit.in_force
    assert limit.review_on == clock.today() + timedelta(days=30)


def test_changing_lifts_the_old_limit_and_places_a_new_one(app, world, place):
    place(("events",))
    place(("events", "progress"), reason="Still not safe")
    old, new = limit_rows()
    assert old.lifted_at is not None and old.lifted_by_id == world.users[C].id
    assert new.in_force and new.hidden_sections == ("events", "progress") and new.reason == "Still not safe"


def test_a_change_drawn_from_a_limit_changed_meanwhile_is_refused(app, world, place, login_as):
    place(("events",))
    stale = form_for(("progress",), current="")  # drawn before the first limit existed
    response = login_as(world.users[SC]).post(limit_url(world), data=stale)
    assert response.status_code == 302
    assert [row.hidden_sections for row in limit_rows() if row.in_force] == [("events",)]


def test_lifting_asks_first_then_lifts(app, world, place, login_as):
    place()
    client = login_as(world.users[SC])
    page = client.get(limit_url(world, suffix="/lift")).get_data(as_text=True)
    assert "Yes, lift the limit" in page
    assert all(row.in_force for row in limit_rows())  # asking changed nothing
    (limit,) = limit_rows()
    response = client.post(limit_url(world, suffix="/lift"), data={"limit": limit.id})
    assert response.status_code == 302
    (limit,) = limit_rows()
    assert limit.lifted_at is not None and limit.lifted_by_id == world.users[SC].id


@pytest.mark.parametrize("role", [PC, CG, YP, ST])
def test_other_roles_cannot_place_or_lift(app, world, login_as, place, role):
    place()
    client = login_as(world.users[role])
    assert client.get(limit_url(world)).status_code == 403
    assert client.post(limit_url(world), data=form_for()).status_code == 403
    assert client.post(limit_url(world, suffix="/lift"), data={"limit": limit_rows()[0].id}).status_code == 403
    assert len(limit_rows()) == 1 and limit_rows()[0].in_force


@pytest.mark.parametrize("target", [C, PC, YP, SC, ST])
def test_only_a_caregiver_can_be_limited(app, world, login_as, target):
    client = login_as(world.users[C])
    assert client.get(limit_url(world, target)).status_code == 403
    assert client.post(limit_url(world, target), data=form_for()).status_code == 403
    assert limit_rows() == []


def test_nobody_limits_themselves_or_a_removed_caregiver(app, world, login_as):
    from portal.circles import services as circle_services

    removed = circle_services.membership_of(world.circle.id, world.removed.id)
    client = login_as(world.users[C])
    url = f"/circles/{world.circle.id}/members/{removed.id}/limit"
    assert client.post(url, data=form_for()).status_code == 404
    own = f"/circles/{world.circle.id}/members/{world.memberships[C].id}/limit"
    assert client.post(own, data=form_for()).status_code == 403
    assert limit_rows() == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"reason": "  "}, "Please say why the limit is needed."),
        ({"review_on": ""}, "Please choose a date to look at the limit again."),
        ({"review_on": "not a date"}, "Not a valid date value"),
        ({"days": 0}, "Please choose a date after today."),
        ({"days": -3}, "Please choose a date after today."),
        ({"hidden": ["clinical_notes"]}, "is not a valid choice"),
    ],
)
def test_bad_input_keeps_what_was_typed_and_places_nothing(app, world, login_as, change, message):
    typed = "He reads her phone <b>every night</b>"
    days = change.pop("days", 30)
    data = form_for(reason=typed, days=days)
    data.update(change)
    response = login_as(world.users[C]).post(limit_url(world), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html.unescape(page)
    if "reason" not in change:
        assert html.escape(typed) in page and "<b>every night</b>" not in page
    assert limit_rows() == []


def test_every_change_is_audited_without_the_reason(app, world, place, login_as):
    place()
    place(("events",))
    limit = [row for row in limit_rows() if row.in_force][0]
    login_as(world.users[C]).post(limit_url(world, suffix="/lift"), data={"limit": limit.id})
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("limit_%")).order_by(AuditEvent.id)))
    assert [event.action for event in events] == ["limit_placed", "limit_changed", "limit_lifted"]
    for event in events:
        assert event.subject_user_id == world.users[CG].id and event.user_id == world.users[C].id
        assert REASON not in repr(vars(event))


def test_the_care_team_is_told_without_reason_or_sections_and_the_caregiver_never(app, world, place):
    place(("events", "home_safety"))
    told = {role for role in policy.ROLES if notices(world.users[role])}
    # Those the policy names, but the one who placed it.
    assert told == set(policy.TOLD_OF_LIMITS) - {C}
    assert notices(world.users[CG], kind=None) == [] or not any(
        n.kind == "limit_changed" for n in notices(world.users[CG], kind=None)
    )
    (notice,) = notices(world.users[SC])
    assert "limit" in notice.text and notice.link == f"/circles/{world.circle.id}/members"
    assert REASON not in notice.text
    for kind in ("events", "home_safety"):
        assert policy.SECTION_TITLES[kind].lower() not in notice.text.lower()
    assert notice.section is None


def test_a_second_clinician_is_told_too(app, world, place):
    colleague = factories.user("Dr Second", staff_role=C, org=world.clinic)
    factories.member(world.circle, colleague, C, world.users[C])
    place(role=SC)
    assert len(notices(colleague)) == 1 and len(notices(world.users[C])) == 1
    assert notices(world.users[SC]) == []


def test_the_limited_caregivers_members_page_says_nothing_of_it(app, world, place, login_as):
    place()
    page = login_as(world.users[CG]).get(f"/circles/{world.circle.id}/members").get_data(as_text=True)
    assert "data-limited" not in page and "limit" not in page.lower() and REASON not in page


def test_the_members_page_shows_the_limit_and_the_reason_only_to_clinicians(app, world, place, login_as):
    place(("events",))
    members = f"/circles/{world.circle.id}/members"
    clinician_page = login_as(world.users[C], app.test_client()).get(members).get_data(as_text=True)
    contact_page = login_as(world.users[SC], app.test_client()).get(members).get_data(as_text=True)
    for page in (clinician_page, contact_page):
        assert "data-limited" in page and "Safeguarding limit" in page
        assert str(policy.SECTION_TITLES["events"]) in page and "Dr Ana Rivera" in page
        assert "Change the limit" in page and "Lift the limit" in page
    assert html.escape(REASON) in clinician_page
    assert html.escape(REASON) not in contact_page and REASON not in contact_page
    for role in (PC, YP, ST):
        page = login_as(world.users[role], app.test_client()).get(members)
        assert page.status_code in (200, 403)
        assert "data-limited" not in page.get_data(as_text=True)


def test_the_history_of_limits_is_for_those_who_see_them(app, world, place, login_as):
    place(("events",))
    place(("progress",), reason="Second reason")
    url = f"/circles/{world.circle.id}/limits"
    clinician_page = login_as(world.users[C], app.test_client()).get(url).get_data(as_text=True)
    contact_page = login_as(world.users[SC], app.test_client()).get(url).get_data(as_text=True)
    assert clinician_page.count('class="limit-entry"') == 2 and contact_page.count('class="limit-entry"') == 2
    assert "Second reason" in clinician_page and html.escape(REASON) in clinician_page
    assert "Second reason" not in contact_page and REASON not in contact_page
    assert "Lifted" in contact_page
    for role in (PC, CG, YP, ST):
        assert login_as(world.users[role], app.test_client()).get(url).status_code == 403


def test_a_limit_due_for_review_shows_on_the_dashboards_of_those_who_may_change_it(app, world, place, login_as):
    place(days=10)
    # Other things on the same dashboards, sorted among the limit's review: a review coming up, one overdue.
    for days in (2, -2):
        factories.write_section(world.circle, "follow_ups", world.users[C], f"FU{days}", kind="plan_review",
                                status="scheduled", due_at=clock.now() + timedelta(days=days))
    for role in (C, SC):
        page = login_as(world.users[role], app.test_client()).get("/dashboard").get_data(as_text=True)
        assert "due for review" not in page, role
    limit = limit_rows()[0]
    limit.review_on = clock.today() + timedelta(days=services.REVIEW_SOON_DAYS)
    db.session.commit()
    for role in policy.ROLES:
        response = login_as(world.users[role], app.test_client()).get("/dashboard")
        page = response.get_data(as_text=True)
        assert response.status_code == 200, role
        assert ("A safeguarding limit on a caregiver is due for review" in page) == (role in (C, SC)), role
    limit.review_on = clock.today() - timedelta(days=1)
    db.session.commit()
    response = login_as(world.users[C], app.test_client()).get("/dashboard")
    assert response.status_code == 200 and "was due for review" in response.get_data(as_text=True)


def test_the_scheduler_tells_them_once_when_the_review_falls_due(app, world, place, frozen_clock):
    from portal.notify.scheduler import run_scheduled

    place(days=3)
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    with app.test_request_context():
        assert run_scheduled()["limits due for review"] == 0
    frozen_clock.advance(days=3)
    with app.test_request_context():
        assert run_scheduled()["limits due for review"] == 1
        assert run_scheduled()["limits due for review"] == 0
    told = {role for role in policy.ROLES if notices(world.users[role])}
    assert told == {C, SC}
    assert all(len(notices(world.users[role])) == 1 for role in told)
    assert "due for review" in notices(world.users[C])[0].text


def test_two_first_limits_placed_at_once_leave_one_in_force(app, world, place, monkeypatch):
    """Two people open the form for a caregiver with no limit and send it at
    once: both read "no limit" before either commits. The database keeps one
    limit in force per caregiver; the second is told it changed meanwhile."""
    place(("events",))
    monkeypatch.setattr(services, "limit_on", lambda target: None)  # read before the first committed
    actor = world.memberships[SC]
    target = world.memberships[CG]
    with pytest.raises(services.LimitRefused) as refused:
        services.place_limit(actor, target, ("home_safety",), "Also worried", clock.today() + timedelta(days=7))
    assert refused.value.decision.reason == "changed_meanwhile"
    live = [row for row in limit_rows(target.id) if row.in_force]
    assert [row.hidden_sections for row in live] == [("events",)]
