"""Nobody is signed in without a live server-side session (SECURITY.md,
Sessions): not by a remember-me cookie (the portal issues none, so a forged
one, signed correctly with the app's key, must open nothing), not by a
cookie holding an account id and no session, not by the session of another
account, and not on the static paths either."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import func, select

from portal.access import policy
from portal.auth.services import load_session_user
from portal.extensions import db
from portal.plan.models import ClinicalRecord
from portal.sessions import services as sessions
from portal.sessions.services import SESSION_KEY
from tests import factories, signing_in

SIGNED_IN_MARK = "Sign out"


def forged_remember_cookie(app, user) -> str:
    """Flask-Login's remember cookie, exactly as flask_login.utils.encode_cookie
    makes it: the account id, a bar, and HMAC-SHA512 of it under SECRET_KEY."""
    payload = user.get_id()
    digest = hmac.new(app.config["SECRET_KEY"].encode(), payload.encode(), hashlib.sha512).hexdigest()
    return f"{payload}|{digest}"


def test_the_forged_cookie_is_the_one_flask_login_would_accept(app, world):
    from flask_login.utils import decode_cookie

    clinician = world.users[policy.CLINICIAN]
    with app.test_request_context():
        assert decode_cookie(forged_remember_cookie(app, clinician)) == clinician.get_id()


def _clinical_note_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ClinicalRecord))


def _assert_signed_out_everywhere(app, world, client) -> None:
    """A section page, a form post, a POST endpoint and a static 404 all treat
    the request as signed out."""
    c = world.circle.id
    factories.write_section(world.circle, "clinical", world.users[policy.CLINICIAN], "FORGED-CANARY")
    page = client.get(f"/circles/{c}/plan/clinical")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    notes = _clinical_note_count()
    saved = client.post(f"/circles/{c}/plan/clinical/edit", data={"base_version": "1", "medication": "FORGED-WRITE"})
    assert saved.status_code == 302 and saved.headers["Location"].startswith("/login")
    assert _clinical_note_count() == notes
    assert "FORGED-WRITE" not in (db.session.scalar(select(ClinicalRecord.medication)) or "")
    assert client.post("/session/ping").status_code == 302
    missing = client.get("/static/css/no-such-file.css")
    assert missing.status_code == 404
    assert SIGNED_IN_MARK not in missing.text and "FORGED-CANARY" not in missing.text
    assert 'data-ping-url' not in missing.text


def test_a_forged_remember_cookie_never_signs_in(app, world):
    clinician = world.users[policy.CLINICIAN]
    client = app.test_client()
    client.set_cookie("remember_token", forged_remember_cookie(app, clinician))
    _assert_signed_out_everywhere(app, world, client)
    # Nor does it leave an account id in the session for a later request.
    client.get("/urgent-help")
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie


def test_a_forged_remember_cookie_with_a_live_session_of_someone_else_opens_nothing_of_theirs(app, world, login_as):
    """The remember cookie names the clinician, the session is the caregiver's:
    the request is the caregiver's, never the clinician's."""
    client = login_as(world.users[policy.CAREGIVER], app.test_client())
    client.set_cookie("remember_token", forged_remember_cookie(app, world.users[policy.CLINICIAN]))
    assert client.get(f"/circles/{world.circle.id}/plan/clinical").status_code == 403


def test_an_account_id_without_a_session_never_signs_in(app, world):
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = world.users[policy.CLINICIAN].get_id()
        cookie["_fresh"] = True
    _assert_signed_out_everywhere(app, world, client)


def test_the_session_of_another_account_never_signs_in(app, world):
    clinician, caregiver = world.users[policy.CLINICIAN], world.users[policy.CAREGIVER]
    token = sessions.issue(caregiver)
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = clinician.get_id()
        cookie[SESSION_KEY] = token
    _assert_signed_out_everywhere(app, world, client)


def test_a_made_up_session_token_never_signs_in(app, world):
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = world.users[policy.CLINICIAN].get_id()
        cookie[SESSION_KEY] = "not-a-session-the-server-knows"
    _assert_signed_out_everywhere(app, world, client)


def test_an_ended_session_is_signed_out_on_static_paths_too(app, world):
    caregiver = world.users[policy.CAREGIVER]
    client = app.test_client()
    signing_in.sign_in(client, caregiver.email)
    assert SIGNED_IN_MARK in client.get("/static/css/no-such-file.css").text
    old_cookie = client.get_cookie("session").value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    missing = replay.get("/static/css/no-such-file.css")
    assert missing.status_code == 404 and SIGNED_IN_MARK not in missing.text
    # The static file itself is still served; the cookie is signed out by it.
    served = replay.get("/static/css/app.css")
    assert served.status_code == 200
    served.close()
    with replay.session_transaction() as cookie:
        assert "_user_id" not in cookie and SESSION_KEY not in cookie


def test_a_session_past_its_idle_limit_is_ended_by_a_static_request(app, world, monkeypatch):
    from tests.notify.conftest import Clock

    clock = Clock(monkeypatch)
    caregiver = world.users[policy.CAREGIVER]
    client = app.test_client()
    signing_in.sign_in(client, caregiver.email)
    clock.advance(minutes=31)
    missing = client.get("/static/css/no-such-file.css")
    assert SIGNED_IN_MARK not in missing.text
    (ended,) = sessions.session_history(caregiver)
    assert ended.end_reason == "idle"


@pytest.mark.parametrize("how", ["nothing", "another account's session", "an ended session"])
def test_the_user_loader_itself_needs_the_live_session_of_that_account(app, world, how):
    """Whatever calls Flask-Login's loader (the remember-me path, a request
    loader, code that runs before the session check), it answers with an
    account only for the live session this request carries."""
    clinician, caregiver = world.users[policy.CLINICIAN], world.users[policy.CAREGIVER]
    tokens = {"nothing": None, "another account's session": sessions.issue(caregiver)}
    if how == "an ended session":
        token = sessions.issue(clinician)
        record = sessions.get_store().find(token)
        sessions.end(record, "signed_out")
        tokens[how] = token
    with app.app_context(), app.test_request_context("/dashboard"):
        from flask import session

        session["_user_id"] = clinician.get_id()
        if tokens[how] is not None:
            session[SESSION_KEY] = tokens[how]
        assert load_session_user(clinician.get_id()) is None
    live = sessions.issue(clinician)
    with app.app_context(), app.test_request_context("/dashboard"):
        from flask import session

        session["_user_id"], session[SESSION_KEY] = clinician.get_id(), live
        assert load_session_user(clinician.get_id()) == clinician
        assert load_session_user(caregiver.get_id()) is None
