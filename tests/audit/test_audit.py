"""The audit trail: one entry per sensitive view, refusals recorded, never any
plan text, never changed or deleted; shown to the people it concerns in plain words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent, AuditRecordIsFinal
from portal.extensions import db
from portal.followup import services as followup_services
from portal.notify.models import Notification
from portal.plan.sections import SPECS
from tests import factories


def events(**where):
    stmt = select(AuditEvent)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def test_each_view_print_and_history_is_one_entry(app, world, login_as):
    factories.write_section(world.circle, "school_plan", world.users[policy.SCHOOL_CONTACT], "CANARY-SP")
    contact = world.users[policy.SCHOOL_CONTACT]
    client = login_as(contact, app.test_client())
    base = f"/circles/{world.circle.id}/plan/school_plan"
    for path, action in ((base, "view"), (base + "/print", "print"), (base + "/history", "history")):
        before = len(events(user_id=contact.id, action=action))
        assert client.get(path).status_code == 200
        after = events(user_id=contact.id, action=action)
        assert len(after) == before + 1
        entry = after[-1]
        assert (entry.role, entry.circle_id, entry.section, entry.outcome) == ("school_contact", world.circle.id, "school_plan", "ok")
        assert entry.at is not None and entry.ip == "127.0.0.1"


def test_refusals_are_recorded(app, world, login_as):
    teacher = world.users[policy.SCHOOL_STAFF]
    client = login_as(teacher, app.test_client())
    assert client.get(f"/circles/{world.circle.id}/plan/clinical").status_code == 403
    refused = events(user_id=teacher.id, action="denied")[-1]
    assert (refused.section, refused.outcome, refused.circle_id) == ("clinical", "refused", world.circle.id)
    assert client.get(f"/circles/{world.other_circle.id}/plan/school_plan").status_code == 404
    hidden = events(user_id=teacher.id, action="denied")[-1]
    assert hidden.outcome == "hidden" and hidden.circle_id is None


def test_sign_ins_are_recorded_without_secrets(app, world):
    client = app.test_client()
    caregiver = world.users[policy.CAREGIVER]
    client.post("/login", data={"email": caregiver.email, "password": "wrong password here"})
    client.post("/login", data={"email": caregiver.email, "password": factories.PASSWORD})
    outcomes = [e.outcome for e in events(user_id=caregiver.id, action="sign_in")]
    assert outcomes == ["failed", "ok"]
    for entry in events():
        assert factories.PASSWORD not in repr(vars(entry))


def test_no_plan_text_reaches_the_audit_table(app, world, login_as):
    markers = []
    for kind in SPECS:
        author = world.users["school_contact"] if kind in ("adjustments", "episodes") else world.users["clinician"]
        markers.append(f"CANARY-AUDIT-{kind}")
        factories.write_section(world.circle, kind, author, markers[-1])
    for _role, user in world.users.items():
        client = login_as(user, app.test_client())
        for kind in SPECS:
            client.get(f"/circles/{world.circle.id}/plan/{kind}")
            client.get(f"/circles/{world.circle.id}/plan/{kind}/history")
    rows = db.session.execute(select(AuditEvent.__table__)).all()
    assert len(rows) > 100
    text = "\n".join(repr(tuple(row)) for row in rows)
    assert [m for m in markers if m in text] == []


def test_the_audit_record_cannot_be_changed_or_deleted(app, world):
    entry = events()[0]
    entry.action = "view"
    with pytest.raises(AuditRecordIsFinal):
        db.session.commit()
    db.session.rollback()
    db.session.delete(events()[0])
    with pytest.raises(AuditRecordIsFinal):
        db.session.commit()
    db.session.rollback()


def test_who_has_seen_speaks_plainly_to_the_people_it_concerns(app, world, login_as):
    factories.write_section(world.circle, "school_plan", world.users[policy.SCHOOL_CONTACT], "CANARY-WHO")
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    contact.get(f"/circles/{world.circle.id}/plan/school_plan")
    for role in (policy.CAREGIVER, policy.YOUNG_PERSON, policy.CLINICIAN):
        page = login_as(world.users[role], app.test_client()).get(f"/circles/{world.circle.id}/who-has-seen")
        assert page.status_code == 200
        owner = "your" if role == policy.YOUNG_PERSON else "the"
        assert f"Sam Okafor, school contact, opened {owner} in-school plan today at " in page.text
        assert "CANARY-WHO" not in page.text
    for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        assert login_as(world.users[role], app.test_client()).get(f"/circles/{world.circle.id}/who-has-seen").status_code == 403


# --- Pages that gather plan content from many circles ---------------------------------------------


def _views_by(user, endpoint: str) -> set[tuple]:
    return {(e.action, e.circle_id, e.role, e.section) for e in events(user_id=user.id, endpoint=endpoint)}


def _something_in_every_summary(world) -> list[str]:
    """An overdue and an upcoming appointment, a school review, a recent
    episode, an adjustment ending soon and an in-school plan: one marker each."""
    now, today = clock.now(), clock.today()
    clinician, contact = world.users[policy.CLINICIAN], world.users[policy.SCHOOL_CONTACT]
    written = [
        ("follow_ups", clinician, {"kind": "appointment", "status": "scheduled", "due_at": now - timedelta(days=1)}),
        ("follow_ups", clinician, {"kind": "appointment", "status": "scheduled", "due_at": now + timedelta(days=2)}),
        ("follow_ups", clinician, {"kind": "school_review", "status": "scheduled", "due_at": now + timedelta(days=3)}),
        ("episodes", contact, {"occurred_at": now - timedelta(hours=1)}),
        ("adjustments", contact, {"start_date": today - timedelta(days=1), "end_date": today + timedelta(days=2)}),
        ("school_plan", contact, {}),
    ]
    markers = []
    for n, (kind, author, values) in enumerate(written):
        markers.append(f"CANARY-SUMMARY-{n}")
        factories.write_section(world.circle, kind, author, markers[-1], **values)
    return markers


def test_pages_that_summarise_many_circles_record_a_view_in_each_circle_they_show(app, world, login_as):
    """The caseloads, the dashboard, the calendar feed and the notifications
    show what is in plans (or that they changed) without opening them: each
    circle's record says who saw which part, as its own pages would."""
    markers = _something_in_every_summary(world)
    circle_id = world.circle.id
    clinician, contact = world.users[policy.CLINICIAN], world.users[policy.SCHOOL_CONTACT]
    caregiver = world.users[policy.CAREGIVER]
    seen = login_as(clinician, app.test_client()).get("/clinician/caseload")
    assert seen.status_code == 200 and "is overdue" in seen.text
    assert _views_by(clinician, "followup.caseload") == {
        ("view", circle_id, policy.CLINICIAN, "follow_ups"),
        ("view", circle_id, policy.CLINICIAN, "episodes"),
    }
    assert login_as(contact, app.test_client()).get("/school/caseload").status_code == 200
    assert _views_by(contact, "school.caseload") == {
        ("view", circle_id, policy.SCHOOL_CONTACT, section)
        for section in ("episodes", "adjustments", "follow_ups", "school_plan")
    }
    assert login_as(clinician, app.test_client()).get("/dashboard").status_code == 200
    assert {("view", circle_id, policy.CLINICIAN, section) for section in ("follow_ups", "episodes", "adjustments")} <= (
        _views_by(clinician, "dashboard.index")
    )
    assert login_as(caregiver, app.test_client()).get("/notifications").status_code == 200
    assert _views_by(caregiver, "notify.index") == {("notifications_viewed", circle_id, policy.CAREGIVER, None)}

    token = followup_services.renew_feed(clinician)
    feed = app.test_client().get(f"/calendar/{token}.ics")  # a calendar app, signed in as no one
    assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.data
    (fetched,) = events(user_id=clinician.id, endpoint="followup.calendar_feed")
    assert (fetched.action, fetched.circle_id, fetched.role, fetched.section) == (
        "calendar_feed", circle_id, policy.CLINICIAN, "follow_ups")
    assert fetched.ip == "127.0.0.1"

    # Each of them reads plainly on "who has seen this plan", and no entry holds a word of the plan.
    page = login_as(caregiver, app.test_client()).get(f"/circles/{circle_id}/who-has-seen").text
    assert "Dr Ana Rivera, clinician, had the dates in the follow-ups and reviews sent to their calendar app today at " in page
    assert "You saw notices about this plan in your notifications today at " in page
    rows = "\n".join(repr(tuple(row)) for row in db.session.execute(select(AuditEvent.__table__)))
    assert [marker for marker in markers if marker in rows] == []


def test_a_summary_that_shows_nothing_of_a_circle_records_nothing_for_it(app, world, login_as):
    """Pages list circles with nothing to show; only what is shown is recorded."""
    clinician = world.users[policy.CLINICIAN]
    assert login_as(clinician, app.test_client()).get("/dashboard").status_code == 200
    assert _views_by(clinician, "dashboard.index") == set()
    caregiver = world.users[policy.CAREGIVER]
    db.session.execute(delete(Notification))
    db.session.commit()
    assert login_as(caregiver, app.test_client()).get("/notifications").status_code == 200
    assert _views_by(caregiver, "notify.index") == set()
