"""Password reset by email (SECURITY.md, "Sign-in" and "Data"): one answer
whether or not an account uses the address, an email with the link and
nothing else, a link that works once and for an hour, and a reset that ends
every session and never skips the second factor."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.access import policy
from portal.audit.models import AuditEvent
from portal.auth.models import PasswordReset, User
from portal.auth.passwords import common_passwords
from portal.auth.services import RESET_SUBJECT
from portal.extensions import db, limiter
from portal.logs import redact
from portal.notify.models import OutboxMessage
from portal.sessions import services as sessions
from tests import factories, signing_in
from tests.notify.conftest import Clock

NEW_PASSWORD = "a brand new and unusual passphrase"
LINK = re.compile(r"(http://[^\s]+/reset-password/([A-Za-z0-9_-]{43}))")


@pytest.fixture
def frozen(monkeypatch):
    return Clock(monkeypatch)


def reset_emails(address: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.subject == RESET_SUBJECT).order_by(OutboxMessage.id)
    if address is not None:
        query = query.where(OutboxMessage.to_address == address)
    return list(db.session.scalars(query))


def ask_for_link(client, email: str):
    return client.post("/reset-password", data={"email": email})


def token_for(app, user: User, client=None) -> str:
    ask_for_link(client or app.test_client(), user.email)
    return LINK.search(reset_emails(user.email)[-1].body).group(2)


def can_sign_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_the_sign_in_page_links_to_the_reset(app):
    page = app.test_client().get("/login")
    assert 'href="/reset-password"' in page.text and "Forgot your password?" in page.text
    form = app.test_client().get("/reset-password")
    assert form.status_code == 200 and 'name="email"' in form.text


def test_the_answer_is_the_same_whether_or_not_an_account_uses_the_address(app, world):
    stopped = world.users[policy.SCHOOL_STAFF]
    stopped.active = False
    db.session.commit()
    addresses = {
        "an account": world.users[policy.CAREGIVER].email,
        "an account, typed differently": "  " + world.users[policy.CLINICIAN].email.upper(),
        "no account": "nobody-here@example.test",
        "a stopped account": stopped.email,
    }
    answers = {}
    for label, email in addresses.items():
        response = ask_for_link(app.test_client(), email)
        assert response.status_code == 200, label
        assert "If an account uses that address, we have sent a link" in response.text, label
        # Nothing of what was typed comes back, so the pages are identical, byte for byte.
        answers[label] = (response.status_code, response.text)
    assert len(set(answers.values())) == 1, "the answers can be told apart"
    sent_to = {message.to_address for message in reset_emails()}
    assert sent_to == {world.users[policy.CAREGIVER].email, world.users[policy.CLINICIAN].email}


def test_the_email_holds_the_link_and_nothing_about_the_person_or_the_plan(app, world):
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], "CANARY-RESET")
    caregiver = world.users[policy.CAREGIVER]
    ask_for_link(app.test_client(), caregiver.email)
    (message,) = reset_emails(caregiver.email)
    text = message.subject + "\n" + message.body
    link, token = LINK.search(text).groups()
    assert link == f"{app.config['BASE_URL']}/reset-password/{token}"
    assert "one hour" in text
    for private in ("CANARY-RESET", "Maria", "Lopez", "Jordan", world.circle.young_person_name, caregiver.name):
        assert private not in text, private
    # Only a hash of the token is kept.
    reset = db.session.scalars(select(PasswordReset)).one()
    assert reset.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(reset))
    for entry in db.session.scalars(select(AuditEvent)):
        assert token not in repr(vars(entry))


def test_a_link_sets_a_new_password_once(app, world):
    caregiver = world.users[policy.CAREGIVER]
    token = token_for(app, caregiver)
    client = app.test_client()
    page = client.get(f"/reset-password/{token}")
    assert page.status_code == 200 and 'name="new_password"' in page.text and 'name="confirm_password"' in page.text

    mismatch = client.post(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    common = next(p for p in sorted(common_passwords()) if len(p) >= 12)
    weak = client.post(f"/reset-password/{token}", data={"new_password": common, "confirm_password": common})
    assert weak.status_code == 422 and "common" in weak.text
    short = client.post(f"/reset-password/{token}", data={"new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422 and "12 characters" in short.text
    assert NEW_PASSWORD not in mismatch.text
    assert can_sign_in(app, caregiver.email, factories.PASSWORD)

    done = client.post(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Your password is changed" in client.get("/login").text
    assert not can_sign_in(app, caregiver.email, factories.PASSWORD)
    assert can_sign_in(app, caregiver.email, NEW_PASSWORD)

    # Used: the one clear page, for a look and for another try.
    for method in ("get", "post"):
        again = getattr(app.test_client(), method)(
            f"/reset-password/{token}", data={"new_password": "yet another long passphrase", "confirm_password": "yet another long passphrase"}
        )
        assert again.status_code == 404 and "This link cannot be used" in again.text
    assert can_sign_in(app, caregiver.email, NEW_PASSWORD)
    audit = db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == caregiver.id)).all()
    assert "password_reset_requested" in audit and "password_reset" in audit
    # The owner is told, in case it was not them.
    notices = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_address == caregiver.email)).all()
    assert any("was reset with an emailed link" in body for body in notices)


def test_an_older_link_stops_working_once_a_newer_one_is_used(app, world):
    caregiver = world.users[policy.CAREGIVER]
    older, newer = token_for(app, caregiver), token_for(app, caregiver)
    assert older != newer
    client = app.test_client()
    assert client.post(f"/reset-password/{newer}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    assert client.get(f"/reset-password/{older}").status_code == 404


def test_a_link_works_for_one_hour(app, world, frozen):
    caregiver = world.users[policy.CAREGIVER]
    token = token_for(app, caregiver)
    frozen.advance(minutes=59)
    assert app.test_client().get(f"/reset-password/{token}").status_code == 200
    frozen.advance(minutes=1)
    expired = app.test_client().post(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert expired.status_code == 404 and "This link cannot be used" in expired.text
    assert can_sign_in(app, caregiver.email, factories.PASSWORD)


def test_used_expired_and_tampered_links_get_one_page(app, world, frozen):
    caregiver = world.users[policy.CAREGIVER]
    used, expired = token_for(app, caregiver), token_for(app, caregiver)
    app.test_client().post(f"/reset-password/{used}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    good = token_for(app, caregiver)
    # Back-date one link past its hour.
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == hashlib.sha256(expired.encode()).hexdigest())
        .values(expires_at=frozen.current - timedelta(seconds=1))
    )
    db.session.commit()
    flipped = ("A" if good[0] != "A" else "B") + good[1:]
    links = {
        "used": used,
        "expired": expired,
        "tampered": flipped,
        "cut short": good[:20],
        "too long": good + "x",
        "odd characters": good[:-1] + "%",
        "markup": '"><img src=x onerror=alert(1)>',
    }
    pages = set()
    for label, token in links.items():
        response = app.test_client().get(f"/reset-password/{token}")
        assert response.status_code == 404, label
        assert "This link cannot be used" in response.text, label
        assert "<img src=x" not in response.text
        pages.add(response.text)
    assert len(pages) == 1
    assert app.test_client().get(f"/reset-password/{good}").status_code == 200


def test_a_reset_ends_every_session_and_the_old_cookie_stops_working(app, world):
    caregiver = world.users[policy.CAREGIVER]
    signed_in = app.test_client()
    assert signing_in.sign_in(signed_in, caregiver.email).status_code == 302
    assert signed_in.get("/dashboard").status_code == 200
    old_cookie = signed_in.get_cookie("session").value
    version = caregiver.session_version

    token = token_for(app, caregiver)
    app.test_client().post(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})

    assert signed_in.get("/dashboard").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    response = replay.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    db.session.expire_all()
    assert db.session.get(User, caregiver.id).session_version == version + 1
    reasons = {s.end_reason for s in sessions.session_history(caregiver)}
    assert reasons == {"password_reset"}


def test_a_reset_from_a_signed_in_browser_signs_it_out_too(app, world):
    caregiver = world.users[policy.CAREGIVER]
    client = app.test_client()
    signing_in.sign_in(client, caregiver.email)
    token = token_for(app, caregiver, client)
    response = client.post(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_a_reset_never_skips_the_second_factor(app, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    token = token_for(app, clinician)
    client = app.test_client()
    response = client.post(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302
    assert client.post("/login", data={"email": clinician.email, "password": NEW_PASSWORD}).headers["Location"] == "/login/code"
    assert client.get("/dashboard").status_code == 302
    assert sessions.active_sessions(clinician) == []
    code = signing_in.code_at(signing_in.TEST_TOTP_SECRET)
    assert client.post("/login/code", data={"code": code}).headers["Location"] == "/dashboard"
    # A required role that has no app yet still sets one up after a reset.
    contact = world.users[policy.SCHOOL_CONTACT]
    token = token_for(app, contact)
    app.test_client().post(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert app.test_client().post("/login", data={"email": contact.email, "password": NEW_PASSWORD}).headers["Location"] == "/login/enrol"


def test_the_token_stays_out_of_the_logs(app, world, caplog):
    caplog.set_level(logging.DEBUG)
    caregiver = world.users[policy.CAREGIVER]
    token = token_for(app, caregiver)
    app.test_client().get(f"/reset-password/{token}")
    app.logger.info("GET /reset-password/%s", token)  # as an access log would write it
    assert redact(f'"GET /reset-password/{token} HTTP/1.1" 200') == '"GET /reset-password/[redacted] HTTP/1.1" 200'
    assert all(token not in record.getMessage() for record in caplog.records)


@pytest.fixture(params=["as-configured", "database"])
def limiting(app, request):
    """Limits on, counted where the run keeps them (memory, or Redis), and
    again in the database, as production without Redis keeps them."""
    app.config["RATELIMIT_ENABLED"] = True
    if request.param == "database":
        app.config["RATELIMIT_STORAGE_URI"] = "database://"
    limiter.init_app(app)
    limiter.reset()
    yield app
    limiter.reset()


def test_reset_requests_are_throttled_per_address_typed(limiting, world):
    app = limiting
    assert app.config["RESET_LIMIT"] == "5 per hour"
    email = world.users[policy.CAREGIVER].email
    for _ in range(5):
        assert ask_for_link(app.test_client(), email).status_code == 200
    refused = ask_for_link(app.test_client(), email.upper())
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    # The same limit for an address without an account: it shows nothing either way.
    for _ in range(5):
        assert ask_for_link(app.test_client(), "nobody@example.test").status_code == 200
    assert ask_for_link(app.test_client(), "nobody@example.test").status_code == 429
    assert len(reset_emails(email)) == 5


def test_reset_requests_are_throttled_per_visitor(limiting, world):
    app = limiting
    app.config["RESET_LIMIT_PER_IP"] = "3 per hour"
    client = app.test_client()
    for n in range(3):
        assert ask_for_link(client, f"someone{n}@example.test").status_code == 200
    assert ask_for_link(client, "someone9@example.test").status_code == 429
