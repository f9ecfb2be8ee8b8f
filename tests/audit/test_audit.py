"""The audit trail: one entry per sensitive view, refusals recorded, never any
plan text, never changed or deleted; shown to the people it concerns in plain words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.audit.models import AuditEvent, AuditRecordIsFinal
from portal.extensions import db
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
        assert "Sam Okafor, school contact, viewed the in-school plan on " in page.text
        assert "CANARY-WHO" not in page.text
    for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        assert login_as(world.users[role], app.test_client()).get(f"/circles/{world.circle.id}/who-has-seen").status_code == 403
