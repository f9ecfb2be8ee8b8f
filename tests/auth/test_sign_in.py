"""Signing in and out (SECURITY.md, "Sign-in" and "Sessions"): one answer for
every failure, no open redirect, sessions that really end, Argon2id with the
library's production parameters, and the password rules."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from config import Config, TestingConfig
from portal.access import policy
from portal.auth import signin
from portal.auth.models import Organisation, User
from portal.auth.passwords import MAX_LENGTH, MIN_LENGTH, common_passwords, password_problem
from portal.auth.routes import FAILED_SIGN_IN
from portal.extensions import db
from tests import factories, signing_in
from tests.web import escaped, forms_in


def sign_in(test_client, email: str, password: str = factories.PASSWORD, next_url: str | None = None):
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return test_client.post("/login", data=data)


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_sign_in_works(app, world):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    test_client = app.test_client()
    response = sign_in(test_client, clinician.email)
    # A clinician's password opens the code page, not a session.
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert test_client.get("/dashboard").status_code == 302
    response = test_client.post("/login/code", data={"code": signing_in.code_at(signing_in.TEST_TOTP_SECRET)})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    dashboard = test_client.get("/dashboard")
    assert dashboard.status_code == 200 and "Hello, Dr Ana Rivera" in dashboard.text


def test_the_email_is_matched_whatever_its_case_and_spacing(app, world):
    email = world.users[policy.CAREGIVER].email
    assert sign_in(app.test_client(), f"  {email.upper()} ").status_code == 302


def test_every_failed_sign_in_gets_the_same_answer(app, world):
    deactivated = world.users[policy.SCHOOL_STAFF]
    deactivated.active = False
    db.session.commit()
    attempts = {
        "wrong password": (world.users[policy.CLINICIAN].email, "not the password at all"),
        "unknown email": ("nobody-here@example.test", "not the password at all"),
        # The right password: nothing may show that the account exists.
        "deactivated account": (deactivated.email, factories.PASSWORD),
    }
    answers = {}
    for label, (email, password) in attempts.items():
        response = sign_in(app.test_client(), email, password)
        assert response.status_code == 401, label
        assert str(FAILED_SIGN_IN) in response.text, label
        assert escaped(password) not in response.text, label
        # The page is the same apart from the email the person typed.
        answers[label] = (response.status_code, response.text.replace(escaped(email), "EMAIL"))
    assert len(set(answers.values())) == 1, "failed sign-ins can be told apart"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/circles", "/circles"),
        ("/dashboard", "/dashboard"),
        ("http://evil.example", "/dashboard"),
        ("https://evil.example/dashboard", "/dashboard"),
        ("//evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("\\\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("https:evil.example", "/dashboard"),
        (" //evil.example", "/dashboard"),
    ],
)
def test_next_is_followed_only_to_a_page_of_this_site(app, world, next_url, lands_on):
    test_client = app.test_client()
    # The way a browser gets there: the login page carries ?next= into its form.
    login_page = test_client.get("/login", query_string={"next": next_url})
    form = next(form for form in forms_in(login_page.text) if form["action"] == "/login")
    assert ("next", next_url) in form["fields"]
    response = sign_in(test_client, world.users[policy.CAREGIVER].email, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on
    # Through the code step too: the destination waits for the second factor.
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    response = signing_in.sign_in(app.test_client(), clinician.email, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


# Pieces a hostile `next` is made of: what browsers drop or read as a slash,
# what ends a header line, what starts a scheme or a host.
HOSTILE_PIECES = (
    "/", "//", "\\", "/\\", ":", "@", ".", "..", "%", "%2F", "%5C", "%0D%0A", "\r", "\n", "\r\n", "\t", " ",
    "\x00", "\x0b", "\x1f", "\x7f", "\x85", "\u2028", "\u3002", "\ufeff", "\u200b", "?", "#", "&", "=",
    "http:", "https://", "javascript:", "evil.example", "dashboard", "circles", "é",
)
hostile_next = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=8).map("".join),
    st.tuples(
        st.sampled_from(("/", "//", "/\\", "\\", " /", "\t/", "/\t/", "/\r\n/")),
        st.lists(st.sampled_from(HOSTILE_PIECES), max_size=6).map("".join),
    ).map("".join),
)
_BROWSER_TRIMS = "".join(chr(c) for c in range(0x21))


def leaves_the_site(location: str) -> bool:
    """Read the way a browser reads a Location: tabs and newlines dropped,
    leading controls and spaces trimmed, backslashes taken as slashes."""
    seen = re.sub(r"[\t\n\r]", "", location).lstrip(_BROWSER_TRIMS).replace("\\", "/")
    parts = urlsplit(seen)
    return bool(parts.scheme or parts.netloc) or not seen.startswith("/") or seen.startswith("//")


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(next_url=hostile_next)
def test_no_next_breaks_sign_in_or_leads_off_the_site(app, world, next_url):
    """A `next` holding \\r\\n once answered 500 after a right password."""
    page = app.test_client().get("/login", query_string={"next": next_url})
    assert page.status_code == 200
    for email in (world.users[policy.CAREGIVER].email, world.users[policy.CLINICIAN].email):
        # The caregiver goes straight in; the clinician through the code page.
        if email == world.users[policy.CLINICIAN].email:
            signing_in.enrol(db.session.get(User, world.users[policy.CLINICIAN].id))
        response = signing_in.sign_in(app.test_client(), email, next_url=next_url)
        assert response.status_code == 302, (email, next_url, response.status_code)
        location = response.headers["Location"]
        assert not leaves_the_site(location), (next_url, location)
        assert not any(ord(char) < 0x20 or ord(char) == 0x7F for char in location), (next_url, location)


@pytest.mark.parametrize(
    "next_url",
    ["/circles\r\nSet-Cookie: x=1", "/\r\n", "/\t/evil.example", "/\n/evil.example", "\t//evil.example",
     "/ /evil.example", "/%0D%0A/../", "/" + "a" * 5000],
)
def test_a_next_with_control_characters_or_too_long_goes_to_the_dashboard(app, world, next_url):
    response = sign_in(app.test_client(), world.users[policy.CAREGIVER].email, next_url=next_url)
    assert response.status_code == 302
    expected = "/%0D%0A/../" if next_url == "/%0D%0A/../" else "/dashboard"
    assert response.headers["Location"] == expected


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/circles/3/plan/safety_plan", True),
        ("/school/caseload?sort=ending&filter=reviews_due&page=2", True),
        ("/invitations/AbC_-123#top", True),
        ("/%2F%2Fevil.example", True),  # a path of this site, however odd
        ("", False), (None, False), (42, False), ("circles", False), ("./circles", False),
        ("//evil.example", False), ("/\\evil.example", False), ("/circles\\x", False), ("\\\\evil", False),
        ("/circles\x00", False), ("/circles\x7f", False), ("/\x0b/evil.example", False), ("/\u2028", False),
        ("/café", False), ("/a b", False), ("https://evil.example/", False), ("/" + "a" * 2000, False),
    ],
)
def test_only_a_plain_path_of_this_site_is_kept_as_the_place_to_go(target, kept):
    assert signin.safe_next(target) == (target if kept else None)


def test_sign_out_ends_the_session_on_the_server(app, world):
    test_client = app.test_client()
    assert sign_in(test_client, world.users[policy.CAREGIVER].email).status_code == 302
    assert test_client.get("/dashboard").status_code == 200
    old_cookie = test_client.get_cookie("session").value

    response = test_client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert test_client.get("/dashboard").status_code == 302

    # Someone who kept a copy of the cookie gets nothing from it.
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    response = replay.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert replay.get(f"/circles/{world.circle.id}/plan/safety_plan").status_code == 302


def test_signing_out_needs_a_post(app, world, login_as):
    test_client = login_as(world.users[policy.CAREGIVER], app.test_client())
    assert test_client.get("/logout").status_code == 405
    assert test_client.get("/dashboard").status_code == 200


def test_a_removed_member_loses_access_on_their_next_request(app, world, login_as):
    circle_id = world.circle.id
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    assert caregiver.get(f"/circles/{circle_id}/plan/safety_plan").status_code == 200

    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    membership_id = world.memberships[policy.CAREGIVER].id
    assert clinician.post(f"/circles/{circle_id}/members/{membership_id}/remove").status_code == 302

    assert caregiver.get(f"/circles/{circle_id}/plan/safety_plan").status_code == 404
    assert caregiver.get(f"/circles/{circle_id}").status_code == 404
    assert "Jordan" not in caregiver.get("/dashboard").text


def test_passwords_are_hashed_with_argon2id_and_the_testing_profile_is_cheaper(app, world):
    stored = world.users[policy.CLINICIAN].password_hash
    assert stored.startswith("$argon2id$")
    parameters = extract_parameters(stored)
    assert parameters.type is Type.ID
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        TestingConfig.ARGON2_TIME_COST,
        TestingConfig.ARGON2_MEMORY_COST,
        TestingConfig.ARGON2_PARALLELISM,
    )


def test_production_uses_argon2_cffi_defaults():
    library = PasswordHasher()
    assert library.type is Type.ID
    production = (Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_COST, Config.ARGON2_PARALLELISM)
    assert production == (library.time_cost, library.memory_cost, library.parallelism) == (3, 65536, 4)
    testing = (TestingConfig.ARGON2_TIME_COST, TestingConfig.ARGON2_MEMORY_COST, TestingConfig.ARGON2_PARALLELISM)
    assert all(cheap <= real for cheap, real in zip(testing, production, strict=True))
    assert TestingConfig.ARGON2_MEMORY_COST < Config.ARGON2_MEMORY_COST


@pytest.mark.parametrize(
    "old_hasher",
    [
        PasswordHasher(time_cost=1, memory_cost=512, parallelism=1),
        PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1),
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.I),
    ],
    ids=["less-memory", "more-time", "argon2i"],
)
def test_a_hash_with_old_parameters_is_replaced_at_sign_in(app, world, old_hasher):
    user = world.users[policy.CAREGIVER]
    user.password_hash = old_hasher.hash(factories.PASSWORD)
    db.session.commit()
    old_hash = user.password_hash

    assert sign_in(app.test_client(), user.email).status_code == 302
    new_hash = _reload(user).password_hash
    assert new_hash != old_hash
    parameters = extract_parameters(new_hash)
    assert (parameters.type, parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        Type.ID,
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_MEMORY_COST"],
        app.config["ARGON2_PARALLELISM"],
    )
    # The new hash still opens the account, and is not replaced again.
    assert sign_in(app.test_client(), user.email).status_code == 302
    assert _reload(user).password_hash == new_hash


def test_a_current_hash_is_left_alone_at_sign_in(app, world):
    user = world.users[policy.CAREGIVER]
    before = user.password_hash
    assert sign_in(app.test_client(), user.email).status_code == 302
    assert _reload(user).password_hash == before


def test_password_rules():
    assert MIN_LENGTH == 12 and MAX_LENGTH == 128
    assert "12 characters" in password_problem("x" * 11)
    assert password_problem("") is not None
    assert password_problem("unusual words 1") is None
    assert password_problem("a" * 12 + "zq") is None
    assert password_problem("k" * 128) is None
    assert password_problem("k" * 129) is not None
    assert len(common_passwords()) >= 3000
    long_common = sorted(p for p in common_passwords() if len(p) >= MIN_LENGTH)
    assert long_common, "the common list should hold passwords of 12 characters or more"
    for common in long_common[:20]:
        assert "common" in password_problem(common), common
        assert password_problem(common.upper()) is not None, common
    # No composition rules: a long phrase of plain lowercase words is fine.
    assert password_problem("purple kettles sing at dawn") is None


def _create_user(app, *args):
    return app.test_cli_runner().invoke(args=["create-user", *args])


def test_flask_create_user_makes_the_first_admin_of_a_new_organisation(app):
    result = _create_user(
        app, "--email", "Head@NewSchool.example", "--name", "Pat Head", "--org", "Hillside Academy",
        "--org-kind", "school", "--admin", "--password", "a long and unusual passphrase",
    )
    assert result.exit_code == 0, result.output
    assert "Created the account for Pat Head" in result.output
    assert "unusual passphrase" not in result.output

    db.session.expire_all()
    user = db.session.scalars(select(User).where(User.email == "head@newschool.example")).one()
    assert user.is_org_admin and user.active and user.staff_role is None
    assert user.organisation.name == "Hillside Academy" and user.organisation.kind == "school"
    assert user.password_hash.startswith("$argon2id$")

    test_client = app.test_client()
    assert sign_in(test_client, "head@newschool.example", "a long and unusual passphrase").status_code == 302
    assert test_client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--email", "a@b.example", "--name", "A", "--org", "X", "--admin", "--password", "short"], "12 characters"),
        (["--email", "a@b.example", "--name", "A", "--admin", "--password", "a long and unusual passphrase"], "--org"),
    ],
    ids=["weak-password", "admin-without-organisation"],
)
def test_flask_create_user_refuses(app, args, why):
    result = _create_user(app, *args)
    assert result.exit_code != 0
    assert why in result.output
    assert db.session.scalar(select(User).where(User.email == "a@b.example")) is None
    assert db.session.scalar(select(Organisation).where(Organisation.name == "X")) is None


def test_flask_create_user_refuses_an_email_already_in_use(app, world):
    email = world.users[policy.CLINICIAN].email
    result = _create_user(app, "--email", email.upper(), "--name", "Twin", "--password", "a long and unusual passphrase")
    assert result.exit_code != 0 and "already exists" in result.output
    assert db.session.scalar(select(User).where(User.name == "Twin")) is None
