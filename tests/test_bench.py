"""The benchmark's floor (bench/floor.py), the hand-written page the plan page is
measured against: it must keep doing the plan page's work, or the ratio to it
means nothing. Signed in by a session of the portal's session table, it shows
the circle's safety plan and writes one audit entry onto the chain; it shows
nothing to people the policy keeps out, and sets no cookie."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, update

from bench import floor
from portal.access import policy
from portal.audit import chain
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.sessions.models import UserSession
from tests import factories

MARKER = "floor-check"


@pytest.fixture
def plan(world):
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], MARKER)
    db.session.commit()
    return world


@pytest.fixture
def floor_client(app):
    return floor.create_floor_app(db.engine, app.config["SECRET_KEY"]).test_client()


def _views():
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view").order_by(AuditEvent.seq)).all()


def _get(client, circle_id, token):
    client.set_cookie(floor.COOKIE, token)
    db.session.rollback()  # the floor's transaction is the only one on the test's connection
    return client.get(f"/circles/{circle_id}/plan/safety_plan")


def test_the_floor_shows_the_section_and_writes_one_chained_audit_entry(plan, floor_client):
    clinician_id, circle_id = plan.users[policy.CLINICIAN].id, plan.circle.id
    token = floor.open_session(db.engine, plan.users[policy.CLINICIAN].email)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = _get(floor_client, circle_id, token)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"{MARKER}-warning_signs" in page and f"{MARKER}-what_helped" in page
    assert "Set-Cookie" not in response.headers
    # The session, the membership, the section; the chain's head locked, the entry, the head moved.
    assert len(statements) == 6, statements
    views = _views()
    assert [(v.user_id, v.circle_id, v.section, v.role, v.endpoint) for v in views] == [
        (clinician_id, circle_id, "safety_plan", policy.CLINICIAN, "plan.section")
    ]
    verdict = chain.verify(db.session.connection())
    assert verdict.whole and verdict.sealed and verdict.checked == db.session.scalar(select(func.count(AuditEvent.id)))


def test_the_portal_chains_its_next_entry_after_the_floors(plan, floor_client, client, login_as):
    clinician = plan.users[policy.CLINICIAN]
    assert _get(floor_client, plan.circle.id, floor.open_session(db.engine, clinician.email)).status_code == 200
    login_as(clinician)
    assert client.get(f"/circles/{plan.circle.id}/plan/safety_plan").status_code == 200
    assert [v.endpoint for v in _views()] == ["plan.section", "plan.section"]
    assert chain.verify(db.session.connection()).whole


@pytest.mark.parametrize("role", [policy.SCHOOL_STAFF, policy.SCHOOL_CONTACT])
def test_the_floor_shows_nothing_to_a_role_the_policy_keeps_out(plan, floor_client, role):
    response = _get(floor_client, plan.circle.id, floor.open_session(db.engine, plan.users[role].email))
    assert response.status_code == 404
    assert MARKER not in response.get_data(as_text=True)
    assert _views() == []


def test_the_floor_shows_nothing_outside_the_circle_or_without_a_live_session(plan, floor_client):
    assert _get(floor_client, plan.circle.id, floor.open_session(db.engine, plan.outsider.email)).status_code == 404
    token = floor.open_session(db.engine, plan.users[policy.CLINICIAN].email)
    db.session.execute(update(UserSession).where(UserSession.ended_at.is_(None)).values(ended_at=func.now()))
    db.session.commit()
    assert _get(floor_client, plan.circle.id, token).status_code == 401
    assert _get(floor_client, plan.circle.id, "not-a-session").status_code == 401
    assert _views() == []
