"""A form sent with a CSRF token that no longer works loses nothing typed
(DESIGN.md, principle 6), with CSRF on as in production:

(a) signed in, the token from an earlier session (a tab left open across a
    sign-out and sign-in): the same page again, the text offered back, a
    fresh token that works;
(b) signed out in another tab: the text kept on the server for this browser
    and for the account that opened the form, the person sent to sign in,
    and the text offered back on that page afterwards; never to another
    account signing in on the same (family) computer, never on another
    browser;
(c) the public forms: the same form again with what is not secret filled in,
    a fresh token, a clear message; passwords and codes never echoed.

Nothing is kept for a token that was never issued (garbage, none at all),
for a post from another site, or for a request that is not a page's form."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.extensions import db
from portal.plan.models import SafetyPlan
from portal.sessions.models import KeptDraft
from tests import factories, signing_in

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SAME_SITE = {"Origin": "http://localhost"}
TYPED = {"base_version": "0", "warning_signs": "KEPT-SIGNS pacing at night", "coping_steps": "KEPT-STEPS music, a walk"}


@pytest.fixture
def csrf(app):
    """CSRF on, as in production; sign_in() turns it off for the sign-in itself."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def sign_in(app, client, user, next_url=None):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        return signing_in.sign_in(client, user.email, next_url=next_url)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def token_in(page) -> str:
    return TOKEN.search(page.text).group(1)


def edit_path(world) -> str:
    return f"/circles/{world.circle.id}/plan/safety_plan/edit"


def drafts() -> list[KeptDraft]:
    db.session.expire_all()
    return list(db.session.scalars(select(KeptDraft).order_by(KeptDraft.id)))


def saved_signs() -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(SafetyPlan.warning_signs))


def open_form_then_sign_out(app, world, client, user):
    """The form open in one tab; signed out in another (same cookie)."""
    sign_in(app, client, user)
    form = client.get(edit_path(world))
    assert form.status_code == 200
    old_token = token_in(form)
    assert client.post("/logout", data={"csrf_token": old_token}).status_code == 302
    return old_token


# --- (a) signed in, the token of an earlier session --------------------------------------------------


def test_a_form_from_an_earlier_session_comes_back_with_the_text(csrf, world):
    app, caregiver, path = csrf, world.users[policy.CAREGIVER], edit_path(world)
    client = app.test_client()
    old_token = open_form_then_sign_out(app, world, client, caregiver)
    sign_in(app, client, caregiver)  # signed in again, in another tab
    response = client.post(path, data={**TYPED, "csrf_token": old_token}, headers=SAME_SITE)
    assert response.status_code == 303
    (draft,) = drafts()
    assert draft.user_id == caregiver.id and draft.path == path
    assert "csrf_token" not in draft.fields
    assert response.headers["Location"] == f"{path}?draft={draft.id}"
    assert saved_signs() is None
    page = client.get(response.headers["Location"])
    assert "That form had expired, so nothing was sent" in page.text
    assert "KEPT-SIGNS pacing at night" in page.text and "KEPT-STEPS music, a walk" in page.text
    fresh = token_in(page)
    assert fresh != old_token
    saved = client.post(path, data={**TYPED, "csrf_token": fresh}, headers=SAME_SITE)
    assert saved.status_code == 302 and saved_signs() == TYPED["warning_signs"]


def test_a_signed_in_form_with_a_token_never_issued_keeps_nothing(csrf, world):
    app, caregiver, path = csrf, world.users[policy.CAREGIVER], edit_path(world)
    client = app.test_client()
    sign_in(app, client, caregiver)
    client.get(path)
    for token in ("x" * 40, None):
        data = {**TYPED} if token is None else {**TYPED, "csrf_token": token}
        response = client.post(path, data=data, headers=SAME_SITE)
        assert response.status_code == 303 and response.headers["Location"] == path
        assert "That form had expired" in client.get(path).text
    assert drafts() == [] and saved_signs() is None


def test_a_post_from_another_site_keeps_nothing(csrf, world):
    app, caregiver, path = csrf, world.users[policy.CAREGIVER], edit_path(world)
    client = app.test_client()
    old_token = open_form_then_sign_out(app, world, client, caregiver)
    sign_in(app, client, caregiver)
    for headers in ({"Origin": "https://elsewhere.example"}, {"Origin": "null"}, {},
                    {"Referer": "https://elsewhere.example/form"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post(path, data={**TYPED, "csrf_token": old_token}, headers=headers)
        assert response.status_code == 303 and response.headers["Location"] == path
    assert drafts() == [] and saved_signs() is None


def test_a_request_that_is_not_a_page_form_gets_the_plain_refusal(csrf, world):
    """The idle warning's "stay signed in" is a fetch: a redirect would look
    like success to it."""
    app, caregiver = csrf, world.users[policy.CAREGIVER]
    client = app.test_client()
    sign_in(app, client, caregiver)
    client.get("/dashboard")
    response = client.post("/session/ping", data={"csrf_token": "x" * 40},
                           headers={**SAME_SITE, "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"})
    assert response.status_code == 400 and "This form had expired" in response.text


def test_a_button_on_a_page_that_had_expired_goes_back_to_that_page(csrf, world):
    app, caregiver = csrf, world.users[policy.CAREGIVER]
    client = app.test_client()
    sign_in(app, client, caregiver)
    page = f"/circles/{world.circle.id}/plan/safety_plan"
    response = client.post("/logout", data={"csrf_token": "x" * 40}, headers={**SAME_SITE, "Referer": f"http://localhost{page}"})
    assert response.status_code == 303 and response.headers["Location"] == page
    assert "That form had expired" in client.get(page).text
    # Still signed in: the sign-out did not happen, and the page says so plainly.
    assert client.get("/dashboard").status_code == 200


# --- (b) signed out in another tab -------------------------------------------------------------------


def test_text_sent_after_signing_out_in_another_tab_is_kept_for_this_browser_and_this_account(csrf, world, caplog):
    caplog.set_level(logging.DEBUG)
    app, path = csrf, edit_path(world)
    caregiver, young_person = world.users[policy.CAREGIVER], world.users[policy.YOUNG_PERSON]
    family_computer = app.test_client()
    old_token = open_form_then_sign_out(app, world, family_computer, caregiver)

    response = family_computer.post(path, data={**TYPED, "password": "not kept", "csrf_token": old_token}, headers=SAME_SITE)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/login?next={path}"
    (draft,) = drafts()
    assert draft.user_id == caregiver.id and draft.path == path and draft.browser_key_hash
    assert set(draft.fields) == {"base_version", "warning_signs", "coping_steps"}
    assert saved_signs() is None
    login = family_computer.get(response.headers["Location"])
    assert "What you typed is kept" in login.text
    # Kept on the server only: not in a cookie, not in the logs.
    cookies = {cookie.key: cookie.value for cookie in family_computer._cookies.values()}
    assert "KEPT-SIGNS" not in repr(cookies)
    with family_computer.session_transaction() as session:
        assert "KEPT-SIGNS" not in repr(dict(session))
    assert "KEPT-SIGNS" not in caplog.text and "KEPT-STEPS" not in caplog.text

    # The young person signs in on the same computer: nothing of it reaches them.
    arrived = sign_in(app, family_computer, young_person, next_url=path)
    assert arrived.headers["Location"] == path
    assert "KEPT-SIGNS" not in family_computer.get(path).text
    assert "KEPT-SIGNS" not in family_computer.get(f"{path}?draft={draft.id}").text
    family_computer.post("/logout", data={"csrf_token": token_in(family_computer.get("/dashboard"))})

    # On another browser the caregiver is not offered it either.
    phone = app.test_client()
    assert sign_in(app, phone, caregiver, next_url=path).headers["Location"] == path
    assert "KEPT-SIGNS" not in phone.get(f"{path}?draft={draft.id}").text

    # Back on the family computer, the caregiver gets it back on that page.
    back = sign_in(app, family_computer, caregiver, next_url=path)
    assert back.headers["Location"] == f"{path}?draft={draft.id}"
    page = family_computer.get(back.headers["Location"])
    assert "KEPT-SIGNS pacing at night" in page.text and "KEPT-STEPS music, a walk" in page.text
    assert "not kept" not in page.text
    # Offered once; the text itself is not kept once it has been offered.
    assert "KEPT-SIGNS" not in family_computer.get(f"{path}?draft={draft.id}").text
    assert "KEPT-SIGNS" not in repr(drafts()[0].fields)
    saved = family_computer.post(path, data={**TYPED, "csrf_token": token_in(page)}, headers=SAME_SITE)
    assert saved.status_code == 302 and saved_signs() == TYPED["warning_signs"]


def test_a_form_opened_by_someone_else_on_this_browser_is_kept_for_them_not_for_who_is_signed_in(csrf, world):
    """The caregiver's tab, left open; the young person signed in since, in
    another tab. What the caregiver typed is not sent as the young person's,
    not shown to them, and waits for the caregiver on this browser."""
    app, path = csrf, edit_path(world)
    caregiver, young_person = world.users[policy.CAREGIVER], world.users[policy.YOUNG_PERSON]
    family_computer = app.test_client()
    old_token = open_form_then_sign_out(app, world, family_computer, caregiver)
    sign_in(app, family_computer, young_person)
    response = family_computer.post(path, data={**TYPED, "csrf_token": old_token}, headers=SAME_SITE)
    assert response.status_code == 303 and response.headers["Location"] == path
    page = family_computer.get(path)
    assert "KEPT-SIGNS" not in page.text
    assert "opened under another sign-in" in page.text
    (draft,) = drafts()
    assert draft.user_id == caregiver.id
    family_computer.post("/logout", data={"csrf_token": token_in(page)})
    back = sign_in(app, family_computer, caregiver)
    assert back.headers["Location"] == f"{path}?draft={draft.id}"
    assert "KEPT-SIGNS pacing at night" in family_computer.get(back.headers["Location"]).text


def test_nothing_is_kept_after_signing_out_for_a_token_never_issued(csrf, world):
    app, path = csrf, edit_path(world)
    client = app.test_client()
    open_form_then_sign_out(app, world, client, world.users[policy.CAREGIVER])
    for data in ({**TYPED, "csrf_token": "x" * 40}, TYPED):
        response = client.post(path, data=data, headers=SAME_SITE)
        assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert drafts() == []


# --- (c) the public forms ----------------------------------------------------------------------------


def test_the_sign_in_form_comes_back_filled_in_with_a_fresh_token(csrf, world):
    app, caregiver = csrf, world.users[policy.CAREGIVER]
    client = app.test_client()
    response = client.post("/login", data={"email": caregiver.email, "password": factories.PASSWORD, "csrf_token": "x" * 40},
                           headers=SAME_SITE)
    assert response.status_code == 400
    assert "This form had expired" in response.text
    assert f'value="{caregiver.email}"' in response.text
    assert factories.PASSWORD not in response.text
    again = client.post("/login", data={"email": caregiver.email, "password": factories.PASSWORD, "csrf_token": token_in(response)})
    assert again.status_code == 302 and client.get("/dashboard").status_code == 200


def test_the_sign_in_form_keeps_where_it_was_going(csrf, world):
    app = csrf
    path = edit_path(world)
    response = app.test_client().post("/login", data={"email": "a@example.org", "password": "x" * 12, "next": path})
    assert response.status_code == 400 and f'value="{path}"' in response.text


def test_the_reset_request_comes_back_with_the_address(csrf):
    client = csrf.test_client()
    response = client.post("/reset-password", data={"email": "robin@example.org", "csrf_token": "stale"})
    assert response.status_code == 400 and "This form had expired" in response.text
    assert 'value="robin@example.org"' in response.text
    again = client.post("/reset-password", data={"email": "robin@example.org", "csrf_token": token_in(response)})
    assert again.status_code == 200


def test_the_new_password_form_never_echoes_a_password(csrf, world):
    from datetime import timedelta

    from portal import clock
    from portal.auth import services as auth_services
    from portal.auth.models import PasswordReset
    from portal.extensions import db

    app = csrf
    # A usable link, as the reset email would carry (the email itself is composed by the worker).
    link = "expired-form-test-reset-link".ljust(43, "x")
    db.session.add(PasswordReset(user_id=world.users[policy.CAREGIVER].id, token_hash=auth_services.token_hash(link),
                                 expires_at=clock.now() + timedelta(hours=1)))
    db.session.commit()
    assert auth_services.usable_reset(link) is not None
    client = app.test_client()
    typed = "a brand new long password"
    response = client.post(f"/reset-password/{link}", data={"new_password": typed, "confirm_password": typed})
    assert response.status_code == 400 and "This form had expired" in response.text
    assert typed not in response.text
    fresh = token_in(response)
    done = client.post(f"/reset-password/{link}", data={"new_password": typed, "confirm_password": typed, "csrf_token": fresh})
    assert done.status_code == 302


def test_the_code_form_never_echoes_a_code(csrf, world):
    app = csrf
    contact = signing_in.enrol(world.users[policy.SCHOOL_CONTACT])
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": contact.email, "password": factories.PASSWORD}).headers["Location"] == "/login/code"
    app.config["WTF_CSRF_ENABLED"] = True
    code = signing_in.fresh_code(contact.id, signing_in.TEST_TOTP_SECRET)
    response = client.post("/login/code", data={"code": code, "csrf_token": "stale"})
    assert response.status_code == 400 and "This form had expired" in response.text
    assert f'value="{code}"' not in response.text
    done = client.post("/login/code", data={"code": code, "csrf_token": token_in(response)})
    assert done.status_code == 302 and client.get("/dashboard").status_code == 200


def test_the_browser_key_cookie_holds_no_text_and_is_host_only_over_https(csrf, world):
    app, path = csrf, edit_path(world)
    client = app.test_client()
    old_token = open_form_then_sign_out(app, world, client, world.users[policy.CAREGIVER])
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = client.post(path, data={**TYPED, "csrf_token": old_token}, headers=SAME_SITE)
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    (cookie,) = [header for header in response.headers.getlist("Set-Cookie") if "kept_drafts" in header]
    name, _, rest = cookie.partition("=")
    value = rest.split(";", 1)[0]
    assert name == "__Host-kept_drafts" and re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
    attributes = cookie.lower()
    assert "secure" in attributes and "httponly" in attributes and "path=/" in attributes
    assert "samesite=lax" in attributes and "domain" not in attributes


# --- hostile paths and referrers ---------------------------------------------------------------------

HOSTILE = ["%0d%0a", "%0a", "%0d", "%09", "//evil.example", "/\\evil.example", "%2F%2Fevil.example", "%5Cevil"]


def _on_site(app, response) -> None:
    """Never a server error, and any Location a path of this site (or the
    router's own absolute redirect to this site), with no control character
    a browser would drop (or a header would refuse), nor a backslash."""
    assert response.status_code < 500, response.status_code
    location = response.headers.get("Location")
    if location is None:
        return
    assert not any(ord(c) < 0x21 or c in "\\\x7f" for c in location), repr(location)
    parts = urlsplit(location)
    if parts.netloc:
        assert parts.netloc in {"localhost", urlsplit(app.config["BASE_URL"]).netloc}, repr(location)
    else:
        assert location.startswith("/") and not location.startswith("//"), repr(location)


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_a_hostile_path_on_an_expired_form_never_breaks_or_leaves_the_site(csrf, world, hostile, signed_in):
    app = csrf
    client = app.test_client()
    if signed_in:
        sign_in(app, client, world.users[policy.CAREGIVER])
        client.get("/dashboard")
    for path in (f"/invitations/abc{hostile}X", f"/invitations/{hostile}", f"/invitations/abc{hostile}"):
        response = client.post(path, data={"name": "Robin", "csrf_token": "x" * 40}, headers=SAME_SITE)
        _on_site(app, response)
        if response.headers.get("Location", "").startswith("/invitations/"):
            # The page itself, rebuilt: what was in the path comes back encoded.
            assert client.get(response.headers["Location"]).status_code < 500


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_referrer_on_an_expired_signed_in_form_never_leaves_the_site(csrf, world, hostile):
    app = csrf
    client = app.test_client()
    sign_in(app, client, world.users[policy.CAREGIVER])
    for page in (f"/invitations/abc{hostile}X", f"{hostile}", f"/{hostile}"):
        response = client.post("/logout", data={"csrf_token": "x" * 40},
                               headers={**SAME_SITE, "Referer": f"http://localhost{page}"})
        _on_site(app, response)
    assert client.get("/dashboard").status_code == 200
