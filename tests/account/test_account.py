"""One's own account page: password, two-factor sign-in, recovery codes and sessions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.access import policy
from portal.auth import mfa
from portal.auth.models import RecoveryCode
from portal.extensions import db
from portal.sessions import services as sessions
from tests import factories, signing_in
from tests.notify.conftest import Clock
from tests.records import audited, emails_to, reload
from tests.signing_in import TEST_TOTP_SECRET, code_at, wrong_code

NEW_PASSWORD = "a brand new and unusual passphrase"
RECOVERY_CODE = re.compile(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>")


@pytest.fixture
def frozen(monkeypatch):
    return Clock(monkeypatch)


def signed_in(app, user, **kwargs):
    client = app.test_client()
    response = signing_in.sign_in(client, user.email, **kwargs)
    assert response.status_code in (200, 302)
    assert client.get("/dashboard").status_code == 200
    return client




# --- The page ------------------------------------------------------------------------------------------


def test_the_account_page_shows_the_person_their_second_factor_and_their_sessions(app, world):
    caregiver = world.users[policy.CAREGIVER]
    here, elsewhere = signed_in(app, caregiver), signed_in(app, caregiver)
    page = here.get("/account/")
    assert page.status_code == 200
    assert caregiver.name in page.text and caregiver.email in page.text
    assert "Set up two-factor sign-in" in page.text and "Off." in page.text
    assert page.text.count("127.0.0.1") == 2 and "This browser" in page.text
    assert "Sign out everywhere else" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert 'href="/account/"' in here.get("/dashboard").text
    assert elsewhere.get("/account/").status_code == 200
    assert app.test_client().get("/account/").status_code == 302


def test_a_clinician_sees_that_two_factor_is_on_and_how_many_codes_are_left(app, world):
    clinician = world.users[policy.CLINICIAN]
    client = app.test_client()
    signing_in.sign_in(client, clinician.email)  # sets up the app through the pages
    page = client.get("/account/").text
    assert "On: signing in asks for a code" in page
    assert "<strong>10</strong> unused recovery codes" in page
    assert "Move to a new phone or app" in page and "Make new recovery codes" in page


# --- Password ------------------------------------------------------------------------------------------


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, world):
    caregiver = world.users[policy.CAREGIVER]
    here, elsewhere = signed_in(app, caregiver), signed_in(app, caregiver)
    response = here.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert "You were signed out everywhere else" in here.get("/account/").text
    assert here.get("/dashboard").status_code == 200
    refused = elsewhere.get("/dashboard")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")

    reasons = sorted(s.end_reason or "live" for s in sessions.session_history(caregiver))
    assert reasons == ["live", "password_changed"]
    assert app.test_client().post("/login", data={"email": caregiver.email, "password": factories.PASSWORD}).status_code == 401
    assert app.test_client().post("/login", data={"email": caregiver.email, "password": NEW_PASSWORD}).status_code == 302
    assert [e.user_id for e in audited("password_changed")] == [caregiver.id]
    assert any("password of the Support Circle account" in body and "was changed" in body for body in emails_to(caregiver))


def test_the_current_password_is_needed_and_the_new_one_follows_the_rules(app, world):
    caregiver = world.users[policy.CAREGIVER]
    here, elsewhere = signed_in(app, caregiver), signed_in(app, caregiver)
    before = reload(caregiver).password_hash
    wrong = here.post(
        "/account/password",
        data={"current_password": "not my password at all", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401 and "That is not your current password" in wrong.text
    assert NEW_PASSWORD not in wrong.text and "not my password at all" not in wrong.text
    for new, again, why in (("short", "short", "12 characters"), (NEW_PASSWORD, NEW_PASSWORD + "!", "not the same")):
        response = here.post("/account/password", data={"current_password": factories.PASSWORD, "new_password": new, "confirm_password": again})
        assert response.status_code == 422 and why in response.text
    assert reload(caregiver).password_hash == before
    assert elsewhere.get("/dashboard").status_code == 200
    assert [e.outcome for e in audited("reauthentication")] == ["failed"]


# --- Sessions ------------------------------------------------------------------------------------------


def test_signing_out_everywhere_else(app, world):
    caregiver = world.users[policy.CAREGIVER]
    here, second, third = (signed_in(app, caregiver) for _ in range(3))
    response = here.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert "You are signed out everywhere else" in here.get("/account/").text
    assert here.get("/dashboard").status_code == 200
    assert second.get("/dashboard").status_code == 302 and third.get("/dashboard").status_code == 302
    assert "You are signed in only here" in here.get("/account/").text
    assert here.get("/account/sessions/end-others").status_code == 405
    assert [e.user_id for e in audited("sessions_ended")] == [caregiver.id]


# --- Two-factor from the account page --------------------------------------------------------------------


def test_anyone_may_turn_two_factor_on_and_then_signing_in_asks_for_a_code(app, world, frozen):
    caregiver = world.users[policy.CAREGIVER]
    client = signed_in(app, caregiver)
    assert client.get("/account/two-factor").headers["Location"] == "/account/"
    assert client.post("/account/two-factor/start").headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and '<img src="data:image/svg+xml' in page.text
    secret = mfa.pending_secret(reload(caregiver))
    assert mfa.grouped(secret) in page.text

    no_password = client.post("/account/two-factor", data={"code": code_at(secret), "current_password": "wrong password here"})
    assert no_password.status_code == 401 and "That is not your current password" in no_password.text
    wrong = client.post("/account/two-factor", data={"code": wrong_code(secret), "current_password": factories.PASSWORD})
    assert wrong.status_code == 401 and "That code did not work" in wrong.text
    assert not mfa.enrolled(reload(caregiver))

    done = client.post("/account/two-factor", data={"code": code_at(secret), "current_password": factories.PASSWORD})
    assert done.status_code == 200 and len(RECOVERY_CODE.findall(done.text)) == 10
    assert mfa.enrolled(reload(caregiver))
    frozen.advance(seconds=30)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": caregiver.email, "password": factories.PASSWORD}).headers["Location"] == "/login/code"
    assert fresh.post("/login/code", data={"code": code_at(secret)}).headers["Location"] == "/dashboard"


def test_moving_to_a_new_app_replaces_the_old_one_and_its_codes(app, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    old_codes = mfa.new_recovery_codes(clinician)
    db.session.commit()
    client = signed_in(app, clinician)
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor")
    assert "Move to a new phone or app" in page.text
    new_secret = mfa.pending_secret(reload(clinician))
    assert new_secret != TEST_TOTP_SECRET
    frozen.advance(seconds=30)
    done = client.post("/account/two-factor", data={"code": code_at(new_secret), "current_password": factories.PASSWORD})
    assert done.status_code == 200
    assert mfa.decrypt(reload(clinician).totp_secret) == new_secret
    assert any("A new authenticator app was set up" in body for body in emails_to(clinician))
    frozen.advance(seconds=30)
    fresh = app.test_client()
    fresh.post("/login", data={"email": clinician.email, "password": factories.PASSWORD})
    assert fresh.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).status_code == 401
    assert fresh.post("/login/code", data={"code": old_codes[0]}).status_code == 401
    assert fresh.post("/login/code", data={"code": code_at(new_secret)}).status_code == 302


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(app, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    old_codes = mfa.new_recovery_codes(clinician)
    db.session.commit()
    client = signed_in(app, clinician)
    page = client.get("/account/recovery-codes")
    assert page.status_code == 200 and "You have 10 unused recovery codes" in page.text
    # The code just used to sign in does not work twice.
    assert client.post("/account/recovery-codes", data={"code": code_at(TEST_TOTP_SECRET)}).status_code == 401
    assert client.post("/account/recovery-codes", data={"code": old_codes[0]}).status_code == 401
    frozen.advance(seconds=30)
    done = client.post("/account/recovery-codes", data={"code": code_at(TEST_TOTP_SECRET)})
    assert done.status_code == 200
    new_codes = RECOVERY_CODE.findall(done.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert db.session.scalar(select(func.count()).where(RecoveryCode.user_id == clinician.id)) == 10
    fresh = app.test_client()
    fresh.post("/login", data={"email": clinician.email, "password": factories.PASSWORD})
    assert fresh.post("/login/code", data={"code": old_codes[1]}).status_code == 401
    assert fresh.post("/login/code", data={"code": new_codes[1]}).status_code == 302
    assert len(audited("recovery_codes_renewed")) == 1


def test_recovery_codes_page_without_two_factor_goes_back_to_the_account(app, world):
    client = signed_in(app, world.users[policy.CAREGIVER])
    assert client.get("/account/recovery-codes").headers["Location"] == "/account/"
    assert client.post("/account/recovery-codes", data={"code": "123456"}).headers["Location"] == "/account/"


# --- Organisation admins ---------------------------------------------------------------------------------


# --- Language ------------------------------------------------------------------------------------------


def test_the_account_page_offers_the_languages_with_the_current_one_chosen(app, world):
    client = signed_in(app, world.users[policy.CAREGIVER])
    page = client.get("/account/").text
    assert '<select id="language" name="language"' in page
    assert '<option selected value="en">English</option>' in page
    assert '<option value="es">Español</option>' in page


def test_choosing_spanish_stores_it_and_the_next_page_is_in_spanish(app, world):
    caregiver = world.users[policy.CAREGIVER]
    client = signed_in(app, caregiver)
    response = client.post("/account/language", data={"language": "es"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert reload(caregiver).language == "es"
    page = client.get("/account/", headers={"Accept-Language": "en"}).text
    assert '<html lang="es"' in page
    assert "<h1>Su cuenta</h1>" in page
    assert "Sus páginas, avisos y correos electrónicos ahora están en Español." in page
    assert '<option selected value="es">Español</option>' in page
    # And back: the account's choice, not the browser's, decides.
    client.post("/account/language", data={"language": "en"})
    assert reload(caregiver).language == "en"
    back = client.get("/account/", headers={"Accept-Language": "es"}).text
    assert '<html lang="en"' in back and "<h1>Your account</h1>" in back


@pytest.mark.parametrize("code", ["xx", "ES", "es-MX", "", "<b>es</b>"])
def test_a_language_not_offered_is_refused_with_the_form_again(app, world, code):
    caregiver = world.users[policy.CAREGIVER]
    client = signed_in(app, caregiver)
    response = client.post("/account/language", data={"language": code})
    assert response.status_code == 422
    expected = "Please choose a language." if not code else "Please choose one of the languages in the list."
    assert expected in response.text
    assert 'class="error-summary"' in response.text and 'href="#language"' in response.text
    assert '<select aria-describedby="language-error" aria-invalid="true" id="language" name="language"' in response.text
    assert "<b>es</b>" not in response.text
    assert reload(caregiver).language is None
