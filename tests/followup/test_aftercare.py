"""Aftercare after an emergency visit or a discharge (issue 15, part 2), on a
frozen clock: a parent records the visit from the events page; aftercare is
due within AFTERCARE_HOURS on the clinicians' dashboards at once and overdue
after, told once; booking it clears it; the family sees who arranges it; the
school sees nothing of any of it. Any other event starts the ordinary
follow-up clock, primary care is told without a word of what happened, and a
medication review date books its follow-up."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.followup import services as followup_services
from portal.followup.ical import upcoming_follow_ups_for
from portal.notify.delivery import send_pending
from portal.notify.models import Notification, NotificationPreference, OutboxMessage
from portal.notify.scheduler import run_scheduled
from portal.plan import services as plan_services
from portal.plan.models import FollowUp, OutsideEvent, SectionVersion
from portal.plan.sections import SPECS
from portal.timezone import local_naive, to_local, to_utc
from tests import factories
from tests.followup.conftest import add, appointment, attention, give_monitoring
from tests.notify.conftest import mail_server  # noqa: F401 - the real SMTP server of the email tests
from tests.web import as_post_data, section_form

WHAT_WAS_DONE = "AFTERCANARY1 stitches at the emergency department, home by 2am"
PLACE = "AFTERCANARY2 St Luke's"
WHO_KNOWS = "AFTERCANARY3 mum and dad"
CANARY = re.compile(r"AFTERCANARY\d")
SCHOOL = (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF)


def _when(moment: datetime) -> str:
    local = to_local(moment)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def _primary_care(world):
    """The family doctor, in the circle (the shared world may not hold one yet)."""
    if policy.PRIMARY_CARE in world.users:
        return world.users[policy.PRIMARY_CARE]
    doctor = factories.user("Dr Pat Green", staff_role=policy.PRIMARY_CARE, org=world.clinic)
    world.memberships[policy.PRIMARY_CARE] = factories.member(world.circle, doctor, policy.PRIMARY_CARE,
                                                              world.users[policy.CLINICIAN])
    world.users[policy.PRIMARY_CARE] = doctor
    return doctor


def _quiet():
    """Forget the notices and emails of building the world."""
    db.session.execute(Notification.__table__.delete())
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()


def _look(app, world, login_as, role):
    """A fresh sign-in for every look: moving the clock by days ends sessions."""
    return login_as(world.users[role], app.test_client())


def _notices(user, kind=None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def _event(world, kind="emergency_visit", role=policy.CAREGIVER, at=None, **values):
    values.setdefault("what_was_done", WHAT_WAS_DONE)
    values.setdefault("place", PLACE)
    values.setdefault("who_knows", WHO_KNOWS)
    return add(world, "events", role, kind=kind, occurred_at=at or clock.now() - timedelta(hours=2), **values)


def _aftercare(world) -> list[FollowUp]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.circle_id == world.circle.id, FollowUp.kind == "aftercare").order_by(FollowUp.id)
    ))


def _book(world, follow_up, at, role=policy.CLINICIAN):
    return plan_services.update_item(
        follow_up, SPECS["follow_ups"], {"status": "scheduled", "due_at": at, "with_whom": "Dr Ana Rivera"},
        follow_up.version, world.users[role],
    )


def test_a_parent_records_an_emergency_visit_and_aftercare_is_due_within_48_hours(app, world, login_as, frozen_clock):
    circle_id = world.circle.id
    doctor = _primary_care(world)
    _quiet()
    assert app.config["AFTERCARE_HOURS"] == 48

    # The parent, at night, from the events page.
    parent = _look(app, world, login_as, policy.CAREGIVER)
    url = f"/circles/{circle_id}/plan/events/new"
    data = as_post_data(section_form(parent.get(url).get_data(as_text=True))["fields"])
    occurred = clock.now() - timedelta(hours=3)
    data.update(kind=["emergency_visit"], occurred_at=[local_naive(occurred).strftime("%Y-%m-%dT%H:%M")],
                place=[PLACE], what_was_done=[WHAT_WAS_DONE], medical_care=["yes"], who_knows=[WHO_KNOWS])
    response = parent.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalars(select(OutsideEvent).where(OutsideEvent.circle_id == circle_id)).one()

    # Aftercare, started in the same save: being arranged, due 48 hours after the visit.
    (aftercare,) = _aftercare(world)
    assert aftercare.status == "to_arrange" and aftercare.outside_event_id == event.id
    due = event.occurred_at + timedelta(hours=48)
    assert aftercare.due_at == due
    assert not CANARY.search(aftercare.details)
    # Versioned and audited like any follow-up.
    assert db.session.scalar(select(SectionVersion.id).where(
        SectionVersion.kind == "follow_ups", SectionVersion.item_id == aftercare.id, SectionVersion.action == "created"
    )) is not None
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.section == "follow_ups", AuditEvent.item_id == aftercare.id, AuditEvent.action == "create"
    )) is not None

    # On the clinician's dashboard at once, with its time in the deployment's zone; it
    # takes the place of the ordinary follow-up clock, which other events start.
    items = attention(_look(app, world, login_as, policy.CLINICIAN), circle_id)
    assert ("aftercare_due", f"Aftercare due by {_when(due)}") in items
    assert not any(kind.startswith("follow_up") for kind, _ in items), items
    # The family sees that it is being arranged, by whom, and by when.
    arranged = f"Aftercare after the emergency visit is being arranged by Dr Ana Rivera; due by {_when(due)}"
    assert ("aftercare_arranged", arranged) in attention(_look(app, world, login_as, policy.CAREGIVER), circle_id)
    page = _look(app, world, login_as, policy.CAREGIVER).get(f"/circles/{circle_id}/plan/follow_ups").get_data(as_text=True)
    assert arranged in page
    young = _look(app, world, login_as, policy.YOUNG_PERSON).get(f"/circles/{circle_id}/plan/follow_ups").get_data(as_text=True)
    assert "Aftercare after your emergency visit is being arranged by Dr Ana Rivera" in young

    # Told at once, without a word of what happened, and never the school.
    text = "Maria Lopez recorded something that happened outside school in Jordan's plan."
    for user in (world.users[policy.CLINICIAN], doctor, world.users[policy.YOUNG_PERSON]):
        (notice,) = _notices(user, "event_recorded")
        assert notice.text == text and notice.link == f"/circles/{circle_id}/plan/events"
    for user in (world.users[policy.CLINICIAN], doctor):
        assert _notices(user, "event_recorded")[0].email_state == "immediate"
    assert _notices(world.users[policy.CAREGIVER], "event_recorded") == []
    for role in SCHOOL:
        assert _notices(world.users[role]) == [], role

    # Not overdue a minute early; overdue after, and the clinicians told once.
    frozen_clock.current = due - timedelta(minutes=1)
    assert run_scheduled()["aftercare overdue"] == 0
    frozen_clock.current = due + timedelta(minutes=1)
    items = attention(_look(app, world, login_as, policy.CLINICIAN), circle_id)
    assert items[0] == ("aftercare_overdue", f"Aftercare was due by {_when(due)}"), items
    assert not any(kind == "aftercare_due" for kind, _ in items)
    assert run_scheduled()["aftercare overdue"] == 1
    assert run_scheduled()["aftercare overdue"] == 0
    (told,) = _notices(world.users[policy.CLINICIAN], "aftercare_due")
    assert told.text == f"Aftercare in Jordan's plan was due by {_when(due)}, and it is not booked yet."
    assert told.email_state == "immediate" and told.link == f"/circles/{circle_id}/plan/follow_ups"
    for role in (policy.CAREGIVER, policy.YOUNG_PERSON, *SCHOOL):
        assert _notices(world.users[role], "aftercare_due") == [], role
    caregiver_items = attention(_look(app, world, login_as, policy.CAREGIVER), circle_id)
    assert ("aftercare_arranged", "Aftercare after the emergency visit is being arranged by Dr Ana Rivera; "
            f"it was due by {_when(due)}, and they have been reminded") in caregiver_items

    # A clinician books it: it clears from every dashboard, and is an appointment like any other.
    _book(world, aftercare, clock.now() + timedelta(hours=4))
    for role in (policy.CLINICIAN, policy.CAREGIVER):
        items = attention(_look(app, world, login_as, role), circle_id)
        assert not any(kind.startswith("aftercare") or kind.startswith("follow_up") for kind, _ in items), (role, items)
    assert "is being arranged" not in _look(app, world, login_as, policy.CAREGIVER).get(
        f"/circles/{circle_id}/plan/follow_ups").get_data(as_text=True)
    # Past its date and nobody marked it attended: overdue, as any booked follow-up,
    # on the dashboard from the scheduler's next pass (nothing showed it coming).
    frozen_clock.advance(hours=5)
    run_scheduled()
    assert ("overdue", "Aftercare after an emergency visit or a discharge is overdue: mark it attended, missed or rebook it") in [
        (kind, text) for kind, text in attention(_look(app, world, login_as, policy.CLINICIAN), circle_id)
    ]


def test_whoever_holds_monitoring_answers_for_aftercare_too(app, world, login_as, frozen_clock):
    give_monitoring(world, policy.CAREGIVER)
    _event(world, kind="discharge", role=policy.CLINICIAN)
    (aftercare,) = _aftercare(world)
    items = attention(_look(app, world, login_as, policy.CAREGIVER), world.circle.id)
    assert ("aftercare_due", f"Aftercare due by {_when(aftercare.due_at)}") in items
    # The young person is told who arranges it: the clinician and the parent named for monitoring.
    young = attention(_look(app, world, login_as, policy.YOUNG_PERSON), world.circle.id)
    assert ("aftercare_arranged", "Aftercare after your discharge from hospital is being arranged by "
            f"Dr Ana Rivera and Maria Lopez; due by {_when(aftercare.due_at)}") in young
    # The clinician's caseload puts the circle first, with the aftercare, beside an in-school episode.
    add(world, "episodes", policy.SCHOOL_CONTACT, occurred_at=clock.now() - timedelta(hours=1))
    caseload = _look(app, world, login_as, policy.CLINICIAN).get("/clinician/caseload").get_data(as_text=True)
    assert 'class="caseload-entry tier-0"' in caseload and "Aftercare is due by" in caseload
    assert _look(app, world, login_as, policy.CAREGIVER).get("/dashboard").status_code == 200
    frozen_clock.current = aftercare.due_at + timedelta(hours=1)
    caseload = _look(app, world, login_as, policy.CLINICIAN).get("/clinician/caseload").get_data(as_text=True)
    assert "Aftercare was due by" in caseload and 'class="attention-aftercare_overdue"' in caseload
    assert run_scheduled()["aftercare overdue"] == 1
    assert len(_notices(world.users[policy.CAREGIVER], "aftercare_due")) == 1
    assert len(_notices(world.users[policy.CLINICIAN], "aftercare_due")) == 1


def test_the_school_sees_nothing_of_the_event_or_its_aftercare(app, world, login_as, frozen_clock, mail_server):  # noqa: F811
    circle_id = world.circle.id
    _primary_care(world)
    tokens = {role: followup_services.renew_feed(world.users[role]) for role in SCHOOL}
    # A school review the counselor may see, so their follow-ups page is not empty by chance.
    appointment(world, clock.now() + timedelta(days=3), kind="school_review", role=policy.SCHOOL_CONTACT)
    event = _event(world)
    frozen_clock.advance(hours=49)
    run_scheduled()
    (aftercare,) = _aftercare(world)
    # The school is told of none of it: no notice, no email.
    for role in SCHOOL:
        assert _notices(world.users[role]) == [], role

    def look_everywhere():
        for role in SCHOOL:
            client = _look(app, world, login_as, role)
            base = f"/circles/{circle_id}"
            pages = ["/dashboard", base, f"{base}/plan/follow_ups", f"{base}/plan/follow_ups/history",
                     "/notifications", "/calendar", f"/calendar/{tokens[role]}.ics", "/school/caseload",
                     *(f"{base}/plan/{kind}" for kind in SPECS), *(f"{base}/plan/{kind}/print" for kind in SPECS)]
            for url in pages:
                response = client.get(url)
                assert response.status_code < 500, (role, url)
                html = response.get_data(as_text=True)
                for word in ("ftercare", "being arranged", "outside school", "emergency visit", "Emergency visit"):
                    assert word not in html, (role, url, word)
                assert not CANARY.search(html), (role, url)
            # The events and the aftercare item are refused outright.
            assert client.get(f"{base}/plan/events").status_code in (403, 404), role
            assert client.get(f"{base}/plan/events/{event.id}/edit").status_code in (403, 404), role
            assert client.get(f"{base}/plan/follow_ups/{aftercare.id}/edit").status_code in (403, 404), role

    look_everywhere()
    # Booked, it is on the calendars of those who read it, never the school's.
    _book(world, aftercare, clock.now() + timedelta(days=1))
    look_everywhere()
    assert aftercare.id in [row.id for row in upcoming_follow_ups_for(world.users[policy.CAREGIVER])]
    for role in SCHOOL:
        assert aftercare.id not in [row.id for row in upcoming_follow_ups_for(world.users[role])]

    # The emails: to the family and the care team, saying only that there is something to see.
    send_pending()
    school_addresses = {world.users[role].email for role in SCHOOL}
    sent_to = {re.search(r"^To: (.+?)\r?$", m, re.M).group(1) for m in mail_server.messages}
    assert world.users[policy.CLINICIAN].email in sent_to
    assert not sent_to & school_addresses
    for message in mail_server.messages:
        assert not CANARY.search(message) and "Jordan" not in message and "ftercare" not in message


def test_a_crisis_call_starts_the_ordinary_follow_up_clock(app, world, login_as, frozen_clock):
    circle_id = world.circle.id
    event = _event(world, kind="crisis_call")
    assert _aftercare(world) == []
    due_by = to_local(event.occurred_at + timedelta(days=app.config["FOLLOW_UP_DUE_DAYS"]))
    items = attention(_look(app, world, login_as, policy.CLINICIAN), circle_id)
    assert ("follow_up_due", f"A follow-up is due by {due_by:%a} {due_by.day} {due_by:%b %Y}") in items
    # Nobody but those who answer for follow-up, and never the school.
    for role in (policy.CAREGIVER, *SCHOOL):
        assert all(not kind.startswith("follow_up") for kind, _ in attention(_look(app, world, login_as, role), circle_id)), role
    # Not booked in time: told once, as after an episode.
    frozen_clock.advance(days=app.config["FOLLOW_UP_DUE_DAYS"], hours=1)
    assert run_scheduled()["follow-ups due"] == 1
    assert run_scheduled()["follow-ups due"] == 0
    # A booked appointment answers it; so does booked aftercare after an emergency visit.
    appointment(world, clock.now() + timedelta(days=1))
    assert all(not kind.startswith("follow_up") for kind, _ in attention(_look(app, world, login_as, policy.CLINICIAN), circle_id))
    frozen_clock.advance(days=3)
    _event(world, kind="self_harm")
    _event(world, kind="emergency_visit")
    (aftercare,) = _aftercare(world)
    items = attention(_look(app, world, login_as, policy.CLINICIAN), circle_id)
    assert {"follow_up_due", "aftercare_due"} <= {kind for kind, _ in items}, items
    _book(world, aftercare, clock.now() + timedelta(hours=20))
    items = attention(_look(app, world, login_as, policy.CLINICIAN), circle_id)
    assert not any(kind.startswith("follow_up") or kind.startswith("aftercare") for kind, _ in items), items


def test_primary_care_is_told_of_an_event_without_a_word_of_it(app, world, mail_server):  # noqa: F811
    doctor = _primary_care(world)
    # Even asking for the portal only, the family doctor hears of it by email at once.
    db.session.add(NotificationPreference(user_id=doctor.id, kind="event_recorded", mode="portal"))
    db.session.commit()
    _quiet()
    _event(world, kind="self_harm", role=policy.YOUNG_PERSON)
    (notice,) = _notices(doctor, "event_recorded")
    assert notice.email_state == "immediate"
    assert notice.text == "Jordan Lopez recorded something that happened outside school in Jordan's plan."
    assert not CANARY.search(notice.text)
    send_pending()
    to_doctor = [m for m in mail_server.messages if doctor.email in m]
    assert len(to_doctor) == 1
    assert not CANARY.search(to_doctor[0]) and "Jordan" not in to_doctor[0] and "outside school" not in to_doctor[0]
    assert "There is something new for you to see" in to_doctor[0].replace("=\r\n", "").replace("=\n", "")


def test_moving_or_removing_the_event(app, world, login_as, frozen_clock):
    circle_id = world.circle.id
    spec = SPECS["events"]
    caregiver = world.users[policy.CAREGIVER]
    event = _event(world)
    (aftercare,) = _aftercare(world)

    # A corrected time moves aftercare still being arranged.
    earlier = event.occurred_at - timedelta(hours=5)
    plan_services.update_item(event, spec, {"occurred_at": earlier}, event.version, caregiver)
    (aftercare,) = _aftercare(world)
    assert aftercare.due_at == earlier + timedelta(hours=48)
    assert aftercare.version == 2  # a version of its own, like any change

    # Another change of the event leaves it where it is.
    event = db.session.get(OutsideEvent, event.id)
    plan_services.update_item(event, spec, {"who_knows": "AFTERCANARY4 the grandparents"}, event.version, caregiver)
    assert _aftercare(world)[0].version == 2

    # Removing the event leaves the aftercare, and the page says its event was removed.
    event = db.session.get(OutsideEvent, event.id)
    plan_services.set_removed(event, spec, caregiver, True)
    (aftercare,) = _aftercare(world)
    assert aftercare.removed_at is None and aftercare.status == "to_arrange"
    page = _look(app, world, login_as, policy.CAREGIVER).get(f"/circles/{circle_id}/plan/follow_ups").get_data(as_text=True)
    assert "The event it follows was removed from the plan" in page
    assert any(kind == "aftercare_due" for kind, _ in attention(_look(app, world, login_as, policy.CLINICIAN), circle_id))

    # Once booked, a corrected time of the event keeps the booked date.
    plan_services.set_removed(db.session.get(OutsideEvent, event.id), spec, caregiver, False)
    booked_at = clock.now() + timedelta(hours=6)
    _book(world, aftercare, booked_at)
    event = db.session.get(OutsideEvent, event.id)
    plan_services.update_item(event, spec, {"occurred_at": earlier + timedelta(hours=1)}, event.version, caregiver)
    assert _aftercare(world)[0].due_at == booked_at

    # An event corrected to an emergency visit starts aftercare then; once.
    call = _event(world, kind="crisis_call")
    assert len(_aftercare(world)) == 1
    plan_services.update_item(call, spec, {"kind": "emergency_visit"}, call.version, caregiver)
    assert len(_aftercare(world)) == 2
    call = db.session.get(OutsideEvent, call.id)
    plan_services.update_item(call, spec, {"place": "AFTERCANARY5"}, call.version, caregiver)
    assert len(_aftercare(world)) == 2


def test_a_medication_review_date_books_a_follow_up_with_the_prescriber(app, world, login_as, frozen_clock):
    clinician = world.users[policy.CLINICIAN]
    circle_id = world.circle.id
    spec = SPECS["clinical"]
    # The care team names who prescribes.
    model = SPECS["care_team"].model
    entry = db.session.scalars(select(model).where(model.membership_id == world.memberships[policy.CLINICIAN].id)).one()
    plan_services.update_item(entry, SPECS["care_team"], {"responsibilities": "medication", "name": "MEDCANARY Ana"},
                              entry.version, clinician)
    day = clock.today() + timedelta(days=14)

    def reviews():
        db.session.expire_all()
        return list(db.session.scalars(select(FollowUp).where(
            FollowUp.circle_id == circle_id, FollowUp.details == "Medication review", FollowUp.removed_at.is_(None)
        ).order_by(FollowUp.id)))

    def save(**values):
        row = plan_services.queries.document(circle_id, spec)
        merged = factories.section_values("clinical", "MEDCANARY", **values) if row is None else values
        plan_services.save_document(circle_id, spec, merged, row.version if row else 0, clinician)

    save(medication_review_on=day, prescriber="MEDCANARY Dr Prescriber")
    (review,) = reviews()
    assert review.kind == "appointment" and review.status == "scheduled"
    assert review.due_at == to_utc(datetime.combine(day, time(9, 0)))
    assert to_local(review.due_at).hour == 9
    # Named as the care team names them, by their account: no text of the plan is copied.
    assert review.with_whom == "Dr Ana Rivera" and "MEDCANARY" not in review.with_whom
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.section == "follow_ups", AuditEvent.item_id == review.id, AuditEvent.action == "create"
    )) is not None
    # An answer to any follow-up due: an appointment is booked.
    caregiver_page = _look(app, world, login_as, policy.CAREGIVER).get(f"/circles/{circle_id}/plan/follow_ups").get_data(as_text=True)
    assert "Medication review" in caregiver_page and "MEDCANARY" not in caregiver_page

    # Saving again, with the same day, books nothing more.
    save(medication="MEDCANARY a new dose")
    assert len(reviews()) == 1
    # A new day books a new review; a day already booked (by hand) books none.
    save(medication_review_on=day + timedelta(days=28))
    assert [to_local(r.due_at).date() for r in reviews()] == [day, day + timedelta(days=28)]
    save(medication_review_on=day)
    assert len(reviews()) == 2
    # A day already past is a record, not an appointment to come.
    save(medication_review_on=clock.today() - timedelta(days=3))
    assert len(reviews()) == 2
    # The school never sees it.
    contact = _look(app, world, login_as, policy.SCHOOL_CONTACT).get(f"/circles/{circle_id}/plan/follow_ups").get_data(as_text=True)
    assert "Medication review" not in contact
