"""Sessions the server can end: a new one at sign-in, ended by sign-out,
account removal and the idle and absolute timeouts (checked on a frozen
clock), with nothing typed lost when one ends mid-form."""

from __future__ import annotations

from sqlalchemy import select

from portal.access import policy
from portal.extensions import db
from portal.plan.models import SchoolPlan
from portal.sessions import services as sessions
from portal.sessions.models import KeptDraft
from tests import signing_in
from tests.notify.conftest import Clock


def sign_in(client, user):
    return signing_in.sign_in(client, user.email)


def test_cookie_flags(app, world):
    client = app.test_client()
    response = sign_in(client, world.users[policy.CAREGIVER])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # development and tests run over http
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_a_new_session_at_sign_in_and_the_old_cookie_refused_after_sign_out(app, world):
    caregiver = world.users[policy.CAREGIVER]
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie("session")
    sign_in(client, caregiver)
    after = client.get_cookie("session").value
    assert before is None or before.value != after
    assert [s.ended_at for s in sessions.session_history(caregiver)] == [None]
    # A second browser has its own session; signing out here leaves it alone.
    other = app.test_client()
    sign_in(other, caregiver)
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", after)
    assert replay.get("/dashboard").status_code == 302
    assert other.get("/dashboard").status_code == 200
    reasons = sorted(s.end_reason or "live" for s in sessions.session_history(caregiver))
    assert reasons == ["live", "signed_out"]


def test_stopping_an_account_ends_its_sessions(app, world, login_as):
    caregiver = world.users[policy.CAREGIVER]
    client = app.test_client()
    sign_in(client, caregiver)
    assert client.get("/dashboard").status_code == 200
    admin = login_as(world.org_admin, app.test_client())
    caregiver.organisation_id = world.school.id
    db.session.commit()
    assert admin.post(f"/admin/accounts/{caregiver.id}/deactivate").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_idle_timeout_on_a_frozen_clock(app, world, monkeypatch):
    clock = Clock(monkeypatch)
    client = app.test_client()
    sign_in(client, world.users[policy.CAREGIVER])
    clock.advance(minutes=29)
    assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=29)  # active 29 minutes ago: still fine
    assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get("/login")
    assert "signed out after 30 minutes without activity" in page.text
    (ended,) = sessions.session_history(world.users[policy.CAREGIVER])
    assert ended.end_reason == "idle"


def test_absolute_timeout_on_a_frozen_clock(app, world, monkeypatch):
    clock = Clock(monkeypatch)
    client = app.test_client()
    sign_in(client, world.users[policy.CAREGIVER])
    for _ in range(35):  # active every 20 minutes for 11 hours 40 minutes
        clock.advance(minutes=20)
        assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=25)
    assert client.get("/dashboard").status_code == 302
    assert "signed in for 12 hours" in client.get("/login").text


def test_the_idle_warning_can_keep_the_session(app, world, monkeypatch):
    clock = Clock(monkeypatch)
    client = app.test_client()
    sign_in(client, world.users[policy.CAREGIVER])
    page = client.get("/dashboard").text
    assert 'data-idle-seconds="1800"' in page and 'id="idle-warning"' in page and "session.js" in page
    for _ in range(3):
        clock.advance(minutes=25)
        assert client.post("/session/ping").status_code == 204
    assert client.get("/dashboard").status_code == 200
    assert client.get("/session/ping").status_code == 405


def test_text_typed_when_the_session_ends_is_kept_and_offered_back(app, world, monkeypatch):
    contact = signing_in.enrol(world.users[policy.SCHOOL_CONTACT])
    clock = Clock(monkeypatch)
    client = app.test_client()
    sign_in(client, contact)
    path = f"/circles/{world.circle.id}/plan/school_plan/edit"
    assert client.get(path).status_code == 200
    clock.advance(minutes=45)
    typed = {"base_version": "0", "staff_steps": "1. KEPT-TEXT stay with the student", "who_to_call": "KEPT-CALL the counselor"}
    response = client.post(path, data=typed)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(SchoolPlan.id)) is None  # nothing saved without a live session
    draft = db.session.scalars(select(KeptDraft)).one()
    assert draft.user_id == contact.id and draft.path == path
    login_page = client.get("/login")
    assert "What you were typing is kept" in login_page.text
    response = signing_in.sign_in(client, contact.email, next_url=path)
    assert response.headers["Location"] == f"{path}?draft={draft.id}"
    form = client.get(response.headers["Location"])
    assert "KEPT-TEXT stay with the student" in form.text and "KEPT-CALL the counselor" in form.text
    # Offered once, and only to its author.
    assert "KEPT-TEXT" not in client.get(f"{path}?draft={draft.id}").text
    assert client.post(path, data=typed).status_code == 302
    assert "KEPT-TEXT" in db.session.scalar(select(SchoolPlan.staff_steps))


def test_someone_elses_draft_is_never_shown(app, world, login_as):
    contact = world.users[policy.SCHOOL_CONTACT]
    path = f"/circles/{world.circle.id}/plan/school_plan/edit"
    db.session.add(KeptDraft(user_id=contact.id, path=path, fields={"staff_steps": ["PRIVATE-DRAFT"]}))
    db.session.commit()
    draft_id = db.session.scalar(select(KeptDraft.id))
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    assert "PRIVATE-DRAFT" not in clinician.get(f"{path}?draft={draft_id}").text
