"""Two-factor sign-in (SECURITY.md, "Sign-in"; ASVS 6.3.3, 6.5.1): required
roles set up an app before any session exists, a code works once, recovery
codes work once, code entry is throttled, and the secret is encrypted at rest.
Codes are computed with pyotp on a frozen portal.clock."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

import pyotp
import pytest
from sqlalchemy import select

from config import TestingConfig
from portal import create_app
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.auth import mfa
from portal.auth.mfa import UnknownRole
from portal.auth.models import RecoveryCode, User
from portal.auth.services import end_sessions
from portal.circles.services import remove_member
from portal.extensions import db, limiter
from portal.invitations import services as invitations
from portal.notify.models import OutboxMessage
from portal.sessions import services as sessions
from tests import factories, signing_in
from tests.notify.conftest import Clock
from tests.signing_in import TEST_TOTP_SECRET, code_at, wrong_code

RECOVERY_CODE = re.compile(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>")


@pytest.fixture
def frozen(monkeypatch):
    return Clock(monkeypatch)


def password_step(client, user, password=factories.PASSWORD, next_url=None):
    data = {"email": user.email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data)


def live_sessions(user) -> int:
    return len(sessions.active_sessions(user))


def reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


SIGN_IN_ACTIONS = ("sign_in", "sign_out", "mfa_ok", "mfa_failed", "mfa_enrolled", "recovery_code_used")


def actions(user) -> list[tuple[str, str]]:
    """The account's sign-in steps in the audit, in order."""
    db.session.expire_all()
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == user.id, AuditEvent.action.in_(SIGN_IN_ACTIONS))
        .order_by(AuditEvent.id)
    )
    return [(row.action, row.outcome) for row in rows]


def enrol_through_pages(client, user, next_url=None) -> tuple[str, list[str]]:
    """The first sign-in of a required role: the app's secret and the recovery codes shown."""
    assert password_step(client, user, next_url=next_url).headers["Location"] == "/login/enrol"
    secret = signing_in.pending_secret(user.email)
    page = client.post("/login/enrol", data={"code": code_at(secret)})
    assert page.status_code == 200
    return secret, RECOVERY_CODE.findall(page.text)


# --- Who must use it ---------------------------------------------------------------------------------


def test_a_clinician_sets_up_an_app_before_any_session_exists(app, world, frozen, caplog):
    caplog.set_level(logging.DEBUG)
    clinician = world.users[policy.CLINICIAN]
    client = app.test_client()
    response = password_step(client, clinician)
    assert response.status_code == 302 and response.headers["Location"] == "/login/enrol"
    assert live_sessions(clinician) == 0

    # Every page, with or without a circle, sends them back to sign in until the app is set up.
    for url in ("/dashboard", "/circles", f"/circles/{world.circle.id}/plan/clinical", "/account/", "/notifications"):
        refused = client.get(url)
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/login"), url
    assert client.get("/login/code").headers["Location"] == "/login/enrol"

    page = client.get("/login/enrol")
    assert page.status_code == 200
    secret = signing_in.pending_secret(clinician.email)
    assert mfa.grouped(secret) in page.text
    # The QR code is an image from a data: URI (the CSP allows img-src data:, nothing inline).
    src = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', page.text).group(1)
    expected = mfa.qr_data_uri(mfa.provisioning_uri(reload(clinician), secret))
    assert src == expected
    assert "<svg" in unquote(src)
    assert "<script>" not in page.text and " style=" not in page.text
    assert "otpauth://" in pyotp.TOTP(secret).provisioning_uri(name=clinician.email, issuer_name="Support Circle")

    wrong = client.post("/login/enrol", data={"code": wrong_code(secret)})
    assert wrong.status_code == 401 and "That code did not work" in wrong.text
    assert live_sessions(clinician) == 0 and not mfa.enrolled(reload(clinician))

    done = client.post("/login/enrol", data={"code": code_at(secret)})
    assert done.status_code == 200
    codes = RECOVERY_CODE.findall(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "This is the only time they are shown" in done.text
    assert 'href="/dashboard"' in done.text
    assert live_sessions(clinician) == 1
    assert client.get("/dashboard").status_code == 200

    stored = reload(clinician)
    assert mfa.enrolled(stored) and stored.totp_pending_secret is None
    # Encrypted at rest; recovery codes only as hashes.
    assert secret not in stored.totp_secret and mfa.decrypt(stored.totp_secret) == secret
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == clinician.id)))
    assert len(hashes) == 10 and not any(code.replace("-", "") in h for code in codes for h in hashes)

    assert actions(clinician) == [
        ("sign_in", "setup_needed"),
        ("mfa_failed", "ok"),
        ("mfa_enrolled", "ok"),
        ("sign_in", "ok"),
    ]
    # Neither the codes nor the secret reach the audit table or the logs.
    secrets_shown = [secret, *codes, *(c.replace("-", "") for c in codes), code_at(secret)]
    for entry in db.session.scalars(select(AuditEvent)):
        assert not any(s in repr(vars(entry)) for s in secrets_shown)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(s in logged for s in secrets_shown)


def test_the_same_qr_code_works_on_a_second_try(app, world):
    contact = world.users[policy.SCHOOL_CONTACT]
    first = app.test_client()
    password_step(first, contact)
    secret = signing_in.pending_secret(contact.email)
    # Gave up, came back later in another browser: the app scanned the first time still works.
    second = app.test_client()
    assert password_step(second, contact).headers["Location"] == "/login/enrol"
    assert signing_in.pending_secret(contact.email) == secret
    assert second.post("/login/enrol", data={"code": code_at(secret)}).status_code == 200


@pytest.mark.parametrize(
    ("staff_role", "circle_role", "required"),
    [
        ("clinician", None, True),
        ("school_contact", None, True),
        ("school_staff", None, False),
        (None, policy.SCHOOL_CONTACT, True),
        (None, policy.CLINICIAN, True),
        (None, policy.CAREGIVER, False),
        (None, policy.YOUNG_PERSON, False),
        (None, None, False),
    ],
)
def test_who_must_use_a_second_factor(app, world, staff_role, circle_role, required):
    person = factories.user("Someone New", staff_role=staff_role, org=world.school if staff_role else None)
    if circle_role:
        # A circle of their own: the world's circle has its one young person already.
        circle = factories.circle(world.users[policy.CLINICIAN], "Robin")
        factories.member(circle, person, circle_role, world.users[policy.CLINICIAN])
    response = password_step(app.test_client(), person)
    assert mfa.required_for(person) is required
    assert response.headers["Location"] == ("/login/enrol" if required else "/dashboard")
    assert live_sessions(person) == (0 if required else 1)


def test_a_role_in_a_circle_one_has_left_no_longer_requires_it(app, world):
    person = factories.user("Former Contact")
    membership = factories.member(world.circle, person, policy.SCHOOL_CONTACT, world.users[policy.CLINICIAN])
    assert mfa.required_for(person)
    remove_member(membership, world.users[policy.CLINICIAN])
    assert not mfa.required_for(person)


def test_the_required_roles_are_configurable(app, world):
    app.config["MFA_REQUIRED_ROLES"] = frozenset({policy.CAREGIVER})
    assert password_step(app.test_client(), world.users[policy.CLINICIAN]).headers["Location"] == "/dashboard"
    assert password_step(app.test_client(), world.users[policy.CAREGIVER]).headers["Location"] == "/login/enrol"
    app.config["MFA_REQUIRED_ROLES"] = frozenset()
    assert password_step(app.test_client(), world.users[policy.SCHOOL_CONTACT]).headers["Location"] == "/dashboard"


def test_an_unknown_required_role_stops_start_up(monkeypatch):
    class Misspelt(TestingConfig):
        MFA_REQUIRED_ROLES = frozenset({"clincian"})

    with pytest.raises(UnknownRole, match="clincian"):
        create_app(Misspelt)


def test_the_default_required_roles():
    # The family doctor reads the assessment and treatment, so signs in with a code like the clinicians.
    assert TestingConfig.MFA_REQUIRED_ROLES == frozenset({"clinician", "primary_care", "school_contact"})


def test_an_invited_clinician_sets_up_an_app_before_their_first_session(app, world, login_as):
    inviter = login_as(world.users[policy.CLINICIAN], app.test_client())
    inviter.post(f"/circles/{world.circle.id}/invitations", data={"email": "newdoc@example.org", "role": policy.CLINICIAN})
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    token = re.search(r"/invitations/([A-Za-z0-9_-]{43})", body).group(1)
    assert invitations.find_by_token(token) is not None
    client = app.test_client()
    response = client.post(f"/invitations/{token}", data={"name": "Dr New", "password": "a long and unusual passphrase",
                                                          "password_again": "a long and unusual passphrase"})
    assert response.status_code == 302 and response.headers["Location"] == "/login/enrol"
    newdoc = db.session.scalars(select(User).where(User.email == "newdoc@example.org")).one()
    assert live_sessions(newdoc) == 0
    assert client.get(f"/circles/{world.circle.id}").status_code == 302
    secret = signing_in.pending_secret(newdoc.email)
    page = client.post("/login/enrol", data={"code": code_at(secret)})
    assert page.status_code == 200 and f'href="/circles/{world.circle.id}"' in page.text
    assert client.get(f"/circles/{world.circle.id}").status_code == 200


# --- Codes at sign-in --------------------------------------------------------------------------------


def test_an_enrolled_account_signs_in_with_a_code_and_a_code_works_once(app, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    client = app.test_client()
    response = password_step(client, clinician, next_url="/circles")
    assert response.headers["Location"] == "/login/code"
    assert live_sessions(clinician) == 0
    assert client.get("/dashboard").status_code == 302
    page = client.get("/login/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    assert "recovery codes" in page.text

    code = code_at(TEST_TOTP_SECRET)
    response = client.post("/login/code", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/circles"
    assert live_sessions(clinician) == 1
    client.post("/logout")

    # The same code again, in the same 30 seconds: refused (ASVS 6.5.1).
    again = app.test_client()
    assert password_step(again, clinician).headers["Location"] == "/login/code"
    refused = again.post("/login/code", data={"code": code})
    assert refused.status_code == 401 and "That code did not work" in refused.text
    # So is the previous step's code, though still inside the window.
    assert again.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET, -1)}).status_code == 401
    assert live_sessions(clinician) == 0
    # The next code, 30 seconds later, works.
    frozen.advance(seconds=30)
    assert again.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).status_code == 302
    outcomes = actions(clinician)
    assert outcomes.count(("mfa_ok", "ok")) == 2 and outcomes.count(("mfa_failed", "ok")) == 2
    assert outcomes.count(("sign_in", "code_needed")) == 2


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_one_step_of_clock_drift_is_allowed_either_way(app, world, frozen, steps, accepted):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    client = app.test_client()
    password_step(client, clinician)
    response = client.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET, steps)})
    assert response.status_code == (302 if accepted else 401)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "<script>alert(1)</script>", " 1 2 3 "])
def test_codes_of_the_wrong_shape_are_refused(app, world, typed):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    client = app.test_client()
    password_step(client, clinician)
    response = client.post("/login/code", data={"code": typed})
    assert response.status_code in (401, 422)
    assert live_sessions(clinician) == 0
    assert "<script>alert(1)" not in response.text


def test_spaces_in_a_code_do_not_matter(app, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    client = app.test_client()
    password_step(client, clinician)
    code = code_at(TEST_TOTP_SECRET)
    assert client.post("/login/code", data={"code": f" {code[:3]} {code[3:]} "}).status_code == 302


def test_a_recovery_code_works_once(app, world, frozen):
    contact = world.users[policy.SCHOOL_CONTACT]
    enrolling = app.test_client()
    _, codes = enrol_through_pages(enrolling, contact)
    enrolling.post("/logout")
    client = app.test_client()
    password_step(client, contact)
    # Typed as people copy them: upper case, without the dashes.
    response = client.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert "You have 9 recovery codes left" in client.get("/dashboard").text
    client.post("/logout")

    again = app.test_client()
    password_step(again, contact)
    assert again.post("/login/code", data={"code": codes[3]}).status_code == 401
    assert live_sessions(contact) == 0
    assert again.post("/login/code", data={"code": codes[4]}).status_code == 302
    assert mfa.recovery_codes_left(reload(contact)) == 8
    assert actions(contact).count(("recovery_code_used", "ok")) == 2


def test_another_accounts_recovery_code_does_not_work(app, world):
    _, clinician_codes = enrol_through_pages(app.test_client(), world.users[policy.CLINICIAN])
    contact = signing_in.enrol(world.users[policy.SCHOOL_CONTACT])
    client = app.test_client()
    password_step(client, contact)
    assert client.post("/login/code", data={"code": clinician_codes[0]}).status_code == 401


def test_the_code_step_expires_after_five_minutes(app, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    client = app.test_client()
    password_step(client, clinician)
    frozen.advance(minutes=4, seconds=59)
    assert client.get("/login/code").status_code == 200
    frozen.advance(seconds=2)
    response = client.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "within 5 minutes" in client.get("/login").text
    assert live_sessions(clinician) == 0
    # The password step has to be done again.
    assert client.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).headers["Location"] == "/login"


def test_the_code_page_without_a_password_first_sends_to_sign_in(app, world):
    client = app.test_client()
    for url in ("/login/code", "/login/enrol"):
        for method in ("get", "post"):
            response = getattr(client, method)(url, data={"code": "123456"})
            assert response.status_code == 302 and response.headers["Location"] == "/login", (url, method)


def test_ending_the_account_voids_a_pending_code_step(app, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    client = app.test_client()
    password_step(client, clinician)
    end_sessions(clinician)  # what a password reset or an admin does
    db.session.commit()
    assert client.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).headers["Location"] == "/login"
    assert live_sessions(clinician) == 0


def test_the_secret_is_unreadable_with_another_key_and_readable_with_a_fallback(app, world):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    stored = reload(clinician).totp_secret
    app.config["SECRET_KEY"] = "a-new-key-after-rotation-0123456789"
    assert mfa.decrypt(stored) is None
    app.config["SECRET_KEY_FALLBACKS"] = [TestingConfig.SECRET_KEY]
    assert mfa.decrypt(stored) == TEST_TOTP_SECRET


# --- Throttling --------------------------------------------------------------------------------------


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


def test_wrong_codes_are_throttled_per_account(limiting, world, frozen):
    app = limiting
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    limit = int(app.config["CODE_LIMIT"].split()[0])
    assert app.config["CODE_LIMIT"] == "5 per 5 minutes"
    client = app.test_client()
    password_step(client, clinician)
    wrong = wrong_code(TEST_TOTP_SECRET)
    for _ in range(limit):
        assert client.post("/login/code", data={"code": wrong}).status_code == 401
    # The next one is refused even when right, so guessing stops here.
    refused = client.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)})
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    assert live_sessions(clinician) == 0
    # A fresh browser does not reset the count: it is per account.
    other_browser = app.test_client()
    password_step(other_browser, clinician)
    assert other_browser.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).status_code == 429
    # Another account from the same address is not held up.
    contact = signing_in.enrol(world.users[policy.SCHOOL_CONTACT])
    third = app.test_client()
    password_step(third, contact)
    assert third.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).status_code == 302


def test_right_codes_are_not_counted(limiting, world, frozen):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    for _ in range(8):
        frozen.advance(seconds=30)
        client = limiting.test_client()
        password_step(client, clinician)
        assert client.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).status_code == 302


def test_wrong_codes_are_throttled_per_address(limiting, world):
    app = limiting
    app.config["CODE_LIMIT_PER_IP"] = "3 per 15 minutes"
    accounts = [signing_in.enrol(factories.user(staff_role="clinician", org=world.clinic)) for _ in range(4)]
    for account in accounts[:3]:
        client = app.test_client()
        password_step(client, account)
        assert client.post("/login/code", data={"code": wrong_code(TEST_TOTP_SECRET)}).status_code == 401
    client = app.test_client()
    password_step(client, accounts[3])
    assert client.post("/login/code", data={"code": code_at(TEST_TOTP_SECRET)}).status_code == 429


def test_setting_up_an_app_is_throttled_too(limiting, world):
    app = limiting
    clinician = world.users[policy.CLINICIAN]
    client = app.test_client()
    password_step(client, clinician)
    secret = signing_in.pending_secret(clinician.email)
    for _ in range(5):
        assert client.post("/login/enrol", data={"code": wrong_code(secret)}).status_code == 401
    assert client.post("/login/enrol", data={"code": code_at(secret)}).status_code == 429
    assert not mfa.enrolled(reload(clinician))
