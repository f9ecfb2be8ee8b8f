"""The sign-in, reset and account forms against empty, oversized, malformed
and hostile input (SECURITY.md, figure 11): never a 5xx; an invalid post comes
back as the form (422) with a message and what was typed, except passwords
and codes that were tried, which are never sent back; markup is never echoed unescaped.
Hypothesis fuzzes the typed fields of each form."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.access import policy
from portal.auth import mfa
from portal.auth.models import User
from portal.auth.services import RESET_SUBJECT
from portal.extensions import db
from tests import bad_input, factories, signing_in
from tests.mailbox import deliver_now
from tests.signing_in import TEST_TOTP_SECRET, code_at
from tests.web import escaped

HOSTILE = {
    **bad_input.HOSTILE,
    "digits of another script": "١٢٣٤٥٦",
    "full-width digits": "１２３４５６",
}
MARKUP = set("<>\"'")
NEW_PASSWORD = "a brand new and unusual passphrase"
_unique = itertools.count(1)


@dataclass
class Form:
    """One form: a client in the state it needs, and a valid post for it."""

    endpoint: str
    url: Callable[[], str]
    client: Callable[[], object]
    valid: Callable[[], dict]
    fields: dict[str, str]  # name -> "password", "code", "email" or "choice"
    limits: dict[str, int]
    ok: frozenset[int]  # statuses of a valid post


def _pending_client(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
    return client


def _signed_in_client(app, user):
    client = app.test_client()
    signing_in.sign_in(client, user.email)
    return client


def _fresh_code(user) -> dict:
    return {"code": signing_in.fresh_code(user.id, TEST_TOTP_SECRET)}


def build_forms(app, world) -> dict[str, Form]:
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    contact = world.users[policy.SCHOOL_CONTACT]
    caregiver = world.users[policy.CAREGIVER]

    def enrolling_client():
        mfa.reset(contact)
        db.session.commit()
        return _pending_client(app, contact)

    def enrol_code():
        return {"code": code_at(signing_in.pending_secret(contact.email))}

    def reset_url():
        app.test_client().post("/reset-password", data={"email": caregiver.email})
        (email,) = [email for email in deliver_now() if email["Subject"] == RESET_SUBJECT]
        return "/reset-password/" + email.get_content().split("/reset-password/")[1].split()[0]

    reset_links = {}

    def reset_form_url():
        if "current" not in reset_links:
            reset_links["current"] = reset_url()
        return reset_links["current"]

    def reset_valid():
        data = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
        reset_links.pop("current", None)  # a valid post uses the link up
        return data

    setup_links = {}

    def setup_form_url():
        # A new account with no password, and the link its setup email brings (auth.set_password).
        if "current" not in setup_links:
            from portal.auth import setup

            person = factories.user(email=f"new{next(_unique)}@example.org", password=None)
            setup.invite(person)
            db.session.commit()
            (email,) = [email for email in deliver_now() if email["To"] == person.email]
            setup_links["current"] = "/set-password/" + email.get_content().split("/set-password/")[1].split()[0]
        return setup_links["current"]

    def setup_password_valid():
        setup_links.pop("current", None)  # a valid post uses the link up
        return {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}

    def account_client():
        return _signed_in_client(app, caregiver)

    def setup_client():
        client = _signed_in_client(app, caregiver)
        client.post("/account/two-factor/start")
        return client

    def setup_valid():
        db.session.expire_all()
        return {"code": code_at(mfa.pending_secret(db.session.get(User, caregiver.id))),
                "current_password": factories.PASSWORD}

    def codes_client():
        return _signed_in_client(app, clinician)

    return {
        "auth.login_code": Form("auth.login_code", lambda: "/login/code", lambda: _pending_client(app, clinician),
                                lambda: _fresh_code(clinician), {"code": "code"}, {"code": 40}, frozenset({302})),
        "auth.login_enrol": Form("auth.login_enrol", lambda: "/login/enrol", enrolling_client, enrol_code,
                                 {"code": "code"}, {"code": 40}, frozenset({200})),
        "auth.reset_request": Form("auth.reset_request", lambda: "/reset-password", app.test_client,
                                   lambda: {"email": f"someone{next(_unique)}@example.test"},
                                   {"email": "email"}, {"email": 254}, frozenset({200})),
        "auth.reset_password": Form("auth.reset_password", reset_form_url, app.test_client, reset_valid,
                                    {"new_password": "password", "confirm_password": "password"},
                                    {"new_password": 128, "confirm_password": 128}, frozenset({302})),
        "auth.set_password": Form("auth.set_password", setup_form_url, app.test_client, setup_password_valid,
                                  {"new_password": "password", "confirm_password": "password"},
                                  {"new_password": 128, "confirm_password": 128}, frozenset({302})),
        "account.change_password": Form("account.change_password", lambda: "/account/password", account_client,
                                        lambda: {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD,
                                                 "confirm_password": NEW_PASSWORD},
                                        {"current_password": "password", "new_password": "password",
                                         "confirm_password": "password"},
                                        {"current_password": 128, "new_password": 128, "confirm_password": 128},
                                        frozenset({302})),
        "account.two_factor": Form("account.two_factor", lambda: "/account/two-factor", setup_client, setup_valid,
                                   {"code": "code", "current_password": "password"},
                                   {"code": 40, "current_password": 128}, frozenset({200})),
        "account.recovery_codes": Form("account.recovery_codes", lambda: "/account/recovery-codes", codes_client,
                                       lambda: _fresh_code(clinician), {"code": "code"}, {"code": 40}, frozenset({200})),
        "account.language": Form("account.language", lambda: "/account/language", account_client,
                                 lambda: {"language": "es"}, {"language": "choice"}, {"language": 8}, frozenset({302})),
    }


FORM_ENDPOINTS = ["auth.login_code", "auth.login_enrol", "auth.reset_request", "auth.reset_password", "auth.set_password",
                  "account.change_password", "account.two_factor", "account.recovery_codes", "account.language"]
BUTTON_ENDPOINTS = ["account.start_two_factor", "account.end_other_sessions", "admin.end_sessions",
                    "admin.reset_two_factor"]


def test_every_new_post_route_is_tried_here(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert set(FORM_ENDPOINTS) | set(BUTTON_ENDPOINTS) <= posting
    assert {e for e in posting if e.startswith("account.")} <= set(FORM_ENDPOINTS) | set(BUTTON_ENDPOINTS)


def check(response, sent: dict, label: str):
    assert response.status_code < 500, f"{label}: {response.status_code}"
    for value in sent.values():
        if isinstance(value, str) and len(value) >= 6 and MARKUP & set(value):
            assert value not in response.text, f"{label}: markup echoed unescaped"


def assert_form_back(response, form: Form, data: dict, invalid: set[str], label: str):
    assert response.status_code == 422, f"{label}: {response.status_code}"
    assert 'class="error-summary"' in response.text, label
    for name in invalid:
        assert f'href="#{name}"' in response.text, f"{label}: no message for {name}"
    for name, kind in form.fields.items():
        value = data.get(name)
        if not isinstance(value, str) or len(value) < 8:
            continue
        if kind == "email":
            assert escaped(value.strip().replace("\x00", "")) in response.text, f"{label}: the typed email is gone"
        if kind == "password":
            assert escaped(value) not in response.text, f"{label}: a password was sent back"


@pytest.fixture
def forms(app, world):
    return build_forms(app, world)


@pytest.mark.parametrize("endpoint", FORM_ENDPOINTS)
def test_bad_input_comes_back_as_the_form_and_never_as_a_5xx(forms, endpoint):
    form = forms[endpoint]
    client = form.client()

    def post(data, label):
        response = client.post(form.url(), data=data)
        check(response, data, f"{endpoint} {label}")
        return response

    # (a) Nothing at all.
    assert_form_back(post({}, "empty"), form, {}, set(form.fields), f"{endpoint} empty")

    # (b) Ten times each limit, then each field alone over its limit.
    data = {**form.valid(), **{name: (f"<b>{name} 'long'</b> " * 400)[: limit * 10] for name, limit in form.limits.items()}}
    assert_form_back(post(data, "oversized"), form, data, set(form.limits), f"{endpoint} oversized")
    for name, limit in form.limits.items():
        data = {**form.valid(), name: "9" * (limit + 1)}
        assert_form_back(post(data, f"{name} over"), form, data, {name}, f"{endpoint} {name} over its limit")

    # (c) Malformed values, one field at a time: refused, never accepted.
    for name, kind in form.fields.items():
        malformed = {
            "email": ["not-an-email", "a@", "@example.test", "two@at@signs.example", "spaces in@example.test"],
            "code": ["12345", "1234567", "abcdef", "0000-0000", "１２３４５６", "١٢٣٤٥٦", "-1", "9" * 40],
            "password": ["short", "q1w2e3r4t5y6"],
            "choice": ["xx", "ES", "es-MX", " es", "english", "en,es"],
        }[kind]
        for value in malformed:
            data = {**form.valid(), name: value}
            response = post(data, f"{name}={value!r}")
            assert response.status_code in (401, 422), f"{endpoint} {name}={value!r}: {response.status_code}"
            if response.status_code == 422:
                assert_form_back(response, form, data, {name}, f"{endpoint} {name}={value!r}")

    # (d) Hostile text in every field: refused or harmless, shown escaped if at all.
    for hostile_name, hostile in HOSTILE.items():
        data = {name: f"{hostile} {name}" for name in form.fields}
        response = post(data, f"hostile {hostile_name}")
        assert response.status_code in (200, 401, 422), f"{endpoint} hostile {hostile_name}: {response.status_code}"
        if form.fields.get("email"):
            assert response.status_code in (200, 422)

    # A valid post still works afterwards: nothing above broke the form's state.
    client = form.client()
    assert post(form.valid(), "valid").status_code in form.ok


FUZZ_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80) | st.sampled_from(list(HOSTILE.values()))


@pytest.mark.parametrize("endpoint", FORM_ENDPOINTS)
def test_fuzzed_text_never_breaks_a_form(forms, endpoint):
    form = forms[endpoint]
    client = form.client()
    url = form.url()

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def fuzz(data):
        values = {name: data.draw(FUZZ_TEXT, label=name) for name in form.fields}
        response = client.post(url, data=values)
        check(response, values, f"{endpoint} fuzzed")
        # 404 once a fuzzed pair of equal, acceptable passwords has used a reset link up.
        assert response.status_code in (200, 302, 401, 404, 422), (values, response.status_code)

    fuzz()


def test_buttons_take_junk_without_breaking(app, world, login_as):
    junk = {"csrf_token": HOSTILE["attribute"], "extra": HOSTILE["script"], "user_id": "1", "nul": "\x00" * 10}
    contact = world.users[policy.SCHOOL_CONTACT]
    caregiver_client = login_as(world.users[policy.CAREGIVER], app.test_client())
    admin = login_as(world.org_admin, app.test_client())
    anonymous = app.test_client()
    cases = [
        (caregiver_client, "/account/two-factor/start", {302}),
        (caregiver_client, "/account/sessions/end-others", {302}),
        (anonymous, "/account/two-factor/start", {302}),
        (anonymous, "/account/sessions/end-others", {302}),
        (admin, f"/admin/accounts/{contact.id}/end-sessions", {302}),
        (admin, f"/admin/accounts/{contact.id}/reset-two-factor", {302}),
        (admin, "/admin/accounts/0/end-sessions", {404}),
        (admin, "/admin/accounts/abc/reset-two-factor", {404}),
        (admin, f"/admin/accounts/{2**63}/end-sessions", {404}),
        (admin, f"/admin/accounts/{world.users[policy.CLINICIAN].id}/reset-two-factor", {404}),
    ]
    for client, url, expected in cases:
        for data in ({}, junk):
            response = client.post(url, data=data)
            check(response, data, url)
            assert response.status_code in expected, (url, response.status_code)
            assert HOSTILE["script"] not in response.text


def test_a_reset_link_of_any_shape_gets_the_one_page(app):
    client = app.test_client()
    for token in ("x", "x" * 43, "x" * 2000, "%00" * 20, "..%2F..%2Fetc", "' OR 1=1 --", "ÿ" * 43, HOSTILE["attribute"]):
        for method in ("get", "post"):
            response = getattr(client, method)(f"/reset-password/{token}", data={"new_password": NEW_PASSWORD,
                                                                                   "confirm_password": NEW_PASSWORD})
            assert response.status_code == 404, (token, method, response.status_code)
            check(response, {"token": token}, f"reset link {token!r}")
