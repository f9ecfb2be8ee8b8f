"""Password reset by email (SECURITY.md, "Sign-in" and "Data"): one answer
whether or not an account uses the address, an email with the link and
nothing else, a link that works once and for an hour, and a reset that ends
every session and never skips the second factor."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select, update

from portal.access import policy
from portal.audit.models import AuditEvent
from portal.auth.models import PasswordReset, User
from portal.auth.passwords import common_passwords
from portal.auth.services import RESET_SUBJECT
from portal.extensions import db, limiter
from portal.logs import redact
from portal.notify import delivery
from portal.notify.models import OutboxMessage
from portal.sessions import services as sessions
from tests import factories, signing_in
from tests.notify.conftest import Clock
from tests.web import counting_statements

NEW_PASSWORD = "a brand new and unusual passphrase"
LINK = re.compile(r"(http://[^\s]+/reset-password/([A-Za-z0-9_-]{43}))")


@pytest.fixture
def frozen(monkeypatch):
    return Clock(monkeypatch)


# What the sender hands to the mail server, in this test.
_sent: list[EmailMessage] = []


@pytest.fixture(autouse=True)
def mailbox(monkeypatch):
    _sent.clear()
    monkeypatch.setattr(delivery, "_transmit", _sent.append)
    yield _sent
    _sent.clear()


def reset_emails(address: str | None = None) -> list[EmailMessage]:
    """The reset emails sent so far, oldest first; the sender runs first, as
    `flask notify run` would: the link is only made when it sends."""
    drain()
    db.session.expire_all()
    return [
        email for email in _sent if email["Subject"] == RESET_SUBJECT and (address is None or email["To"] == address)
    ]


def drain() -> int:
    """Send what waits, as `flask notify send` would; how many were sent."""
    sent = 0
    while (report := delivery.send_pending()).sent:
        sent += report.sent
    return sent


def ask_for_link(client, email: str):
    return client.post("/reset-password", data={"email": email})


def token_for(app, user: User, client=None) -> str:
    ask_for_link(client or app.test_client(), user.email)
    return LINK.search(reset_emails(user.email)[-1].get_content()).group(2)


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
    sent_to = {email["To"] for email in reset_emails()}
    assert sent_to == {world.users[policy.CAREGIVER].email, world.users[policy.CLINICIAN].email}


def _work_of_asking(app, email: str) -> tuple[int, str, list[str]]:
    """What one request for a link sends to the database, statement by statement."""
    client = app.test_client()
    with counting_statements() as statements:
        response = ask_for_link(client, email)
    return response.status_code, response.text, list(statements)


def test_asking_for_a_link_does_the_same_work_whatever_the_address(app, world):
    """Timing told the addresses apart (an account took twice as long): the
    page only queues the request, the same way for every address, and the
    sender decides later whether there is an account to email."""
    stopped = world.users[policy.SCHOOL_STAFF]
    stopped.active = False
    db.session.commit()
    addresses = {
        "an account": world.users[policy.CAREGIVER].email,
        "no account": "nobody-here@example.test",
        "a stopped account": stopped.email,
        "an account, typed differently": "  " + world.users[policy.CLINICIAN].email.upper(),
    }
    _work_of_asking(app, "warming-up@example.test")  # whatever a first request does once
    work = {label: _work_of_asking(app, email) for label, email in addresses.items()}
    assert {status for status, _, _ in work.values()} == {200}
    assert len({page for _, page, _ in work.values()}) == 1
    statements = {label: tuple(done) for label, (_, _, done) in work.items()}
    assert len(set(statements.values())) == 1, statements
    # The page does not even look the address up.
    assert not any(re.search(r'FROM "?user"?(\s|$)', statement) for statement in statements["an account"])
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0, "no link before the sender runs"

    # The sender then emails the accounts, and nobody else.
    sent = reset_emails()
    assert sorted(email["To"] for email in sent) == sorted(
        [world.users[policy.CAREGIVER].email, world.users[policy.CLINICIAN].email]
    )
    assert all(LINK.search(email.get_content()) for email in sent)
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 2
    # Nothing kept of an address that has no account, and no link kept in the outbox.
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert "nobody-here@example.test" not in {row.to_address for row in rows}
    assert not any(LINK.search(row.body) for row in rows)


def test_the_email_holds_the_link_and_nothing_about_the_person_or_the_plan(app, world):
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], "CANARY-RESET")
    caregiver = world.users[policy.CAREGIVER]
    ask_for_link(app.test_client(), caregiver.email)
    (message,) = reset_emails(caregiver.email)
    text = message["Subject"] + "\n" + message.get_content()
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
        # The same page but for the language switch, which links to this very address.
        pages.add(re.sub(r'<a class="language-switch" href="[^"]*"', "", response.text))
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
