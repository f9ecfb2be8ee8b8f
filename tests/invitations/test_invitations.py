"""Invitations by email (SECURITY.md: "no way to learn whether an account
exists (sign-in, reset, invitations)"; "nothing sensitive in URLs, emails").

The email names nothing (not the young person, not who invites, not their
organisation); the page behind the link says who invites by role and
organisation; a link works once, for a limited time, for the invited address
only; every link that cannot be used gets the same page; and no page or
email differs with whether the address already has an account.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from portal import clock, create_app
from portal.access import policy
from portal.auth.models import User
from portal.circles import services as circle_services
from portal.circles.models import Membership
from portal.extensions import db
from portal.invitations import services
from portal.invitations.models import Invitation
from portal.notify.models import OutboxMessage
from portal.timezone import to_local
from tests import factories
from tests.web import counting_statements, escaped, forms_in, without_tokens

CLINICIAN, CAREGIVER, YOUNG_PERSON = policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON
SCHOOL_CONTACT, SCHOOL_STAFF = policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF
NEW_PASSWORD = "a long and unusual passphrase 42"
TOKEN_IN_LINK = re.compile(r"/invitations/([A-Za-z0-9_-]{43})")
UNAVAILABLE = "This invitation link cannot be used"

# Scripts load from static files only; the CSP allows no inline script.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")


# -- helpers -------------------------------------------------------------------


def invite(client, circle_id: int, email: str, role: str, label: str = ""):
    return client.post(
        f"/circles/{circle_id}/invitations", data={"email": email, "role": role, "relationship_label": label}
    )


def outbox() -> list[OutboxMessage]:
    """Invitation emails only: joining a circle may queue other messages."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject == str(services.SUBJECT)).order_by(OutboxMessage.id)
        )
    )


def last_token() -> str:
    return TOKEN_IN_LINK.search(outbox()[-1].body).group(1)


def invitation_for(token: str) -> Invitation:
    db.session.expire_all()
    return db.session.scalars(
        select(Invitation).where(Invitation.token_hash == hashlib.sha256(token.encode()).hexdigest())
    ).one()


def memberships_of(email: str, circle_id: int) -> list[Membership]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.circle_id == circle_id, func.lower(User.email) == email.lower())
        )
    )


def accounts_with(email: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(func.lower(User.email) == email.lower()))


def give_typeable_email(user: User) -> str:
    """The factories' addresses end in .test, which the email check refuses to
    take as typed; give the account one that a person could type."""
    user.email = f"user{user.id}@example.org"
    db.session.commit()
    return user.email


def new_account(client, token: str, name: str = "Robin Lopez", password: str = NEW_PASSWORD, **extra):
    return client.post(
        f"/invitations/{token}", data={"name": name, "password": password, "password_again": password, **extra}
    )


def main_text(response) -> str:
    """The page between <main> and </main>: what the page says, not the site's frame."""
    return response.text.split('<main id="main"', 1)[1].split("</main>", 1)[0]


@pytest.fixture
def clinician_client(app, world, login_as):
    return login_as(world.users[CLINICIAN], app.test_client())


@pytest.fixture
def frozen(monkeypatch, world):
    """Time that a test moves on by hand; services read it through portal.clock.
    It starts after the world is built, as an invitation needs its sender to
    have been in the circle when they sent it."""
    moment = {"now": clock.now()}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    return moment


# -- the email -------------------------------------------------------------------


def test_the_email_names_nothing_not_even_who_invites_or_from_where(app, world, clinician_client):
    factories.write_section(world.circle, "safety_plan", world.users[CLINICIAN], "PLAN-CANARY")
    factories.write_section(world.circle, "clinical", world.users[CLINICIAN], "CLINICAL-CANARY")
    response = invite(clinician_client, world.circle.id, "  Grandma@Example.ORG ", CAREGIVER, "Grandmother")
    assert response.status_code == 302
    (message,) = outbox()
    assert message.to_address == "grandma@example.org"
    assert message.subject == "You are invited to Support Circle"
    body = message.body
    assert "You have been invited to join Support Circle." in body
    token = last_token()
    assert f"{app.config['BASE_URL']}/invitations/{token}" in body
    invitation = invitation_for(token)
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert to_local(invitation.expires_at).strftime("%d %B %Y") in body
    # Nothing about the young person, the plan, the inviter (as a person, by
    # role or by organisation: a mental-health service's name says there is a
    # plan), or what the reader is invited as.
    for forbidden in (
        "Jordan",
        world.circle.young_person_name,
        "Ana",
        "Rivera",
        world.users[CLINICIAN].email,
        world.clinic.name,
        "Riverside",
        "Mental Health",
        "clinician",
        "Clinician",
        "Grandmother",
        "PLAN-CANARY",
        "CLINICAL-CANARY",
        "caregiver",
        "Caregiver",
        "self-harm",
        "safety",
    ):
        assert forbidden not in body and forbidden not in message.subject, forbidden


def test_every_invitation_email_says_the_same_whoever_invites(app, world, login_as):
    """Only the link and its expiry differ: not the inviter's role, organisation or circle."""
    parent = factories.user("Dr Parent", staff_role="clinician", org=world.clinic)
    factories.member(world.circle, parent, CAREGIVER, world.users[CLINICIAN])
    senders = [
        (world.users[CLINICIAN], world.circle.id, CAREGIVER),
        (world.users[SCHOOL_CONTACT], world.circle.id, SCHOOL_STAFF),
        (parent, world.circle.id, CAREGIVER),
        (world.outsider, world.other_circle.id, YOUNG_PERSON),
    ]
    for n, (sender, circle_id, role) in enumerate(senders):
        assert invite(login_as(sender, app.test_client()), circle_id, f"person{n}@example.org", role).status_code == 302
    words = set()
    for message in outbox():
        invitation = invitation_for(TOKEN_IN_LINK.search(message.body).group(1))
        expiry = to_local(invitation.expires_at).strftime("%d %B %Y, %H:%M %Z")
        words.add((message.subject, TOKEN_IN_LINK.sub("/invitations/LINK", message.body).replace(expiry, "EXPIRY")))
    assert len(outbox()) == len(senders) and len(words) == 1


def test_the_page_behind_the_link_names_the_inviters_role_and_organisation(app, world, login_as):
    contact = login_as(world.users[SCHOOL_CONTACT], app.test_client())
    invite(contact, world.circle.id, "teacher@example.org", SCHOOL_STAFF)
    page = main_text(app.test_client().get(f"/invitations/{last_token()}"))
    assert "A school contact at Lakeview High School has invited you to join a support circle" in page
    assert "Sam Okafor" not in page and "Jordan" not in page
    # A caregiver whose account belongs to an organisation (a clinician who is
    # also a parent) is introduced only as a caregiver.
    parent = factories.user("Dr Parent", staff_role="clinician", org=world.clinic)
    factories.member(world.circle, parent, CAREGIVER, world.users[CLINICIAN])
    caregiver = login_as(parent, app.test_client())
    invite(caregiver, world.circle.id, "uncle@example.org", CAREGIVER)
    page = main_text(app.test_client().get(f"/invitations/{last_token()}"))
    assert "A caregiver has invited you to join a support circle in Support Circle." in page
    assert world.clinic.name not in page and "Dr Parent" not in page


def test_only_a_hash_of_the_token_is_stored(world, clinician_client):
    invite(clinician_client, world.circle.id, "someone@example.org", CAREGIVER)
    token = last_token()
    invitation = invitation_for(token)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = db.session.execute(select(Invitation.__table__).where(Invitation.id == invitation.id)).one()
    assert not any(token in str(value) for value in row)


def test_the_expiry_is_configurable(app, world, clinician_client, frozen):
    app.config["INVITATION_DAYS"] = 2
    invite(clinician_client, world.circle.id, "someone@example.org", CAREGIVER)
    token = last_token()
    assert invitation_for(token).expires_at == frozen["now"] + timedelta(days=2)
    frozen["now"] += timedelta(days=2, seconds=1)
    assert app.test_client().get(f"/invitations/{token}").status_code == 410


# -- accepting ---------------------------------------------------------------------


def test_a_new_person_creates_an_account_and_joins_with_the_invited_role(app, world, clinician_client):
    invite(clinician_client, world.circle.id, "Robin@Example.org", CAREGIVER, "Stepfather")
    token = last_token()
    visitor = app.test_client()
    page = visitor.get(f"/invitations/{token}")
    assert page.status_code == 200
    text = main_text(page)
    assert "A clinician at Riverside Child and Adolescent Mental Health has invited you" in text
    assert "robin@example.org" in text
    assert "Jordan" not in page.text  # not before they have joined
    assert f"/login?next=%2Finvitations%2F{token}" in text or f"/login?next=/invitations/{token}" in text
    # The email is shown, not a field: the account always takes the invited address.
    (form,) = [f for f in forms_in(page.text) if f["action"] == f"/invitations/{token}"]
    assert {name for name, _ in form["fields"]} - {"csrf_token"} == {"name", "password", "password_again"}

    response = new_account(visitor, token, email="someone-else@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/circles/{world.circle.id}"
    (membership,) = memberships_of("robin@example.org", world.circle.id)
    assert membership.role == CAREGIVER and membership.active
    assert membership.relationship_label == "Stepfather"
    assert membership.added_by_id == world.users[CLINICIAN].id
    assert accounts_with("someone-else@example.org") == 0
    invitation = invitation_for(token)
    assert invitation.accepted_at is not None and invitation.accepted_by_id == membership.user_id
    # Signed in, and seeing what caregivers see.
    overview = visitor.get(f"/circles/{world.circle.id}")
    assert overview.status_code == 200 and "Jordan" in overview.text


def test_the_new_password_follows_the_password_rules(app, world, clinician_client):
    invite(clinician_client, world.circle.id, "robin@example.org", CAREGIVER)
    token = last_token()
    visitor = app.test_client()
    for password, problem in (("short", "at least 12"), ("123456qwerty", "most common")):
        response = new_account(visitor, token, password=password)
        assert response.status_code == 422 and problem in response.text
        assert password not in response.text
    mismatched = visitor.post(
        f"/invitations/{token}", data={"name": "Robin", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"}
    )
    assert mismatched.status_code == 422 and "not the same" in mismatched.text
    assert accounts_with("robin@example.org") == 0
    assert invitation_for(token).accepted_at is None


def test_someone_with_an_account_signs_in_and_then_joins(app, world, clinician_client):
    existing = factories.user("Robin Existing", email="robin@example.org")
    invite(clinician_client, world.circle.id, "ROBIN@example.org", CAREGIVER)
    token = last_token()
    visitor = app.test_client()
    signed_in = visitor.post(
        "/login", data={"email": existing.email, "password": factories.PASSWORD, "next": f"/invitations/{token}"}
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == f"/invitations/{token}"
    page = visitor.get(f"/invitations/{token}")
    assert page.status_code == 200 and "Join the circle" in page.text
    assert "Jordan" not in main_text(page)
    response = visitor.post(f"/invitations/{token}", data={})
    assert response.status_code == 302 and response.headers["Location"] == f"/circles/{world.circle.id}"
    (membership,) = memberships_of(existing.email, world.circle.id)
    assert membership.role == CAREGIVER and membership.user_id == existing.id
    assert accounts_with(existing.email) == 1


def test_creating_an_account_for_an_address_that_has_one_asks_to_sign_in_and_creates_nothing(
    app, world, clinician_client
):
    factories.user("Robin Existing", email="robin@example.org")
    invite(clinician_client, world.circle.id, "robin@example.org", CAREGIVER)
    token = last_token()
    response = new_account(app.test_client(), token, name="Someone Else")
    assert response.status_code == 409
    assert "If you already have an account, please" in response.text and "sign in to accept" in response.text
    assert accounts_with("robin@example.org") == 1
    assert memberships_of("robin@example.org", world.circle.id) == []
    assert invitation_for(token).accepted_at is None


def test_only_the_invited_address_may_accept(app, world, clinician_client, login_as):
    """Someone else signed in (a shared family computer, a forwarded email) is
    asked to sign in with the invited address; nothing says whether it has an account."""
    invite(clinician_client, world.circle.id, "robin@example.org", CAREGIVER)
    token = last_token()
    other = login_as(world.outsider, app.test_client())
    for method in ("GET", "POST"):
        response = other.open(f"/invitations/{token}", method=method, data={})
        assert response.status_code == 403
        assert "sign out" in response.text and "robin@example.org" in response.text
    assert memberships_of(world.outsider.email, world.circle.id) == []
    assert invitation_for(token).accepted_at is None
    # The right person can still use the link afterwards.
    assert new_account(app.test_client(), token).status_code == 302


def test_an_invitation_never_changes_the_role_of_someone_already_in_the_circle(app, world, login_as):
    """Otherwise a caregiver could "invite" the clinician as a caregiver and one
    click would take the clinician's clinical access away."""
    caregiver = login_as(world.users[CAREGIVER], app.test_client())
    invite(caregiver, world.circle.id, give_typeable_email(world.users[CLINICIAN]), CAREGIVER)
    token = last_token()
    clinician = login_as(world.users[CLINICIAN], app.test_client())
    page = clinician.get(f"/invitations/{token}")
    assert page.status_code == 409 and "already in this circle" in page.get_data(as_text=True)
    assert clinician.post(f"/invitations/{token}", data={}).status_code == 409
    (membership,) = memberships_of(world.users[CLINICIAN].email, world.circle.id)
    assert membership.role == CLINICIAN
    # Refused, so nothing was used up either.
    assert db.session.scalars(select(Invitation)).one().accepted_at is None


def test_a_removed_member_invited_again_by_a_clinician_comes_back(app, world, login_as):
    clinician = login_as(world.users[CLINICIAN], app.test_client())
    invite(clinician, world.circle.id, give_typeable_email(world.removed), SCHOOL_STAFF)
    token = last_token()
    # Back as caregiver and made a teacher: a restore and a role change, both a clinician's to make.
    assert login_as(world.removed, app.test_client()).post(f"/invitations/{token}", data={}).status_code == 302
    (membership,) = memberships_of(world.removed.email, world.circle.id)
    assert membership.active and membership.role == SCHOOL_STAFF


def test_a_removed_caregiver_never_comes_back_as_the_young_person(app, world, login_as):
    clinician = login_as(world.users[CLINICIAN], app.test_client())
    # With the young person's own place empty, so only the role change is in question.
    circle_services.remove_member(world.memberships[YOUNG_PERSON], world.users[CLINICIAN])
    invite(clinician, world.circle.id, give_typeable_email(world.removed), YOUNG_PERSON)
    token = last_token()
    assert login_as(world.removed, app.test_client()).post(f"/invitations/{token}", data={}).status_code == 403
    (membership,) = memberships_of(world.removed.email, world.circle.id)
    assert not membership.active and membership.role == CAREGIVER


def test_a_caregivers_invitation_cannot_bring_back_someone_a_clinician_removed(app, world, login_as):
    caregiver = login_as(world.users[CAREGIVER], app.test_client())
    invite(caregiver, world.circle.id, give_typeable_email(world.removed), CAREGIVER)
    token = last_token()
    removed = login_as(world.removed, app.test_client())
    page = removed.get(f"/invitations/{token}")
    assert page.status_code == 403 and "cannot bring you back" in page.text
    assert removed.post(f"/invitations/{token}", data={}).status_code == 403
    (membership,) = memberships_of(world.removed.email, world.circle.id)
    assert not membership.active


# -- who may invite whom ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may_invite"),
    [
        # The circle has its young person already: a circle is about one.
        (CLINICIAN, set(policy.ROLES) - {YOUNG_PERSON}),
        # The school brings in its own people only (portal/access/transitions.py).
        (SCHOOL_CONTACT, set(policy.SCHOOL_ROLES)),
        # Not the young person: a parent's second address could then agree in their name.
        (CAREGIVER, {CAREGIVER}),
    ],
)
def test_each_inviter_is_offered_and_allowed_only_the_roles_they_may_give(app, world, login_as, role, may_invite):
    client = login_as(world.users[role], app.test_client())
    page = client.get(f"/circles/{world.circle.id}/invitations")
    assert page.status_code == 200
    roles = re.search(r'<select[^>]*name="role".*?</select>', page.text, re.S).group(0)
    offered = set(re.findall(r'<option[^>]*value="(\w+)"', roles))
    assert offered == may_invite
    for n, invited_role in enumerate(policy.ROLES):
        email = f"person{n}@example.org"
        response = invite(client, world.circle.id, email, invited_role)
        stored = db.session.scalar(select(func.count(Invitation.id)).where(Invitation.email == email))
        if invited_role in may_invite:
            assert response.status_code == 302 and stored == 1, invited_role
        else:
            assert response.status_code == 422 and stored == 0, invited_role
    assert len(outbox()) == len(may_invite)


@pytest.mark.parametrize("role", [YOUNG_PERSON, SCHOOL_STAFF])
def test_members_who_may_not_invite_are_refused(app, world, login_as, role):
    client = login_as(world.users[role], app.test_client())
    assert client.get(f"/circles/{world.circle.id}/invitations").status_code == 403
    assert invite(client, world.circle.id, "x@example.org", CAREGIVER).status_code == 403
    members = client.get(f"/circles/{world.circle.id}/members")
    assert "Invite someone by email" not in members.text
    assert outbox() == []


@pytest.mark.parametrize("role", [CLINICIAN, SCHOOL_CONTACT, CAREGIVER])
def test_the_members_page_links_to_invitations_for_those_who_may_invite(app, world, login_as, role):
    page = login_as(world.users[role], app.test_client()).get(f"/circles/{world.circle.id}/members")
    assert f'href="/circles/{world.circle.id}/invitations"' in page.text
    assert "Invite someone by email" in page.text


def test_the_service_refuses_a_role_the_inviter_may_not_give(world):
    with pytest.raises(PermissionError):
        services.create_invitation(world.circle, world.memberships[CAREGIVER], "x@example.org", CLINICIAN)


# -- links that cannot be used ------------------------------------------------------------


def _refused_tokens(app, world, clinician_client, frozen) -> dict[str, tuple[str, int]]:
    """One token of each kind that must be refused, with the expected status."""
    tokens = {}
    for n, kind in enumerate(("reused", "expired", "revoked", "tampered")):
        invite(clinician_client, world.circle.id, f"{kind}{n}@example.org", CAREGIVER)
        tokens[kind] = last_token()
    assert new_account(app.test_client(), tokens["reused"], name="First User").status_code == 302
    invitation = invitation_for(tokens["revoked"])
    assert clinician_client.post(f"/circles/{world.circle.id}/invitations/{invitation.id}/revoke").status_code == 302
    original = tokens["tampered"]
    tokens["tampered"] = original[:-1] + ("A" if original[-1] != "A" else "B")
    frozen["now"] += timedelta(days=7, seconds=1)  # only "expired" was still pending
    return {
        "reused": (tokens["reused"], 410),
        "expired": (tokens["expired"], 410),
        "revoked": (tokens["revoked"], 410),
        "tampered": (tokens["tampered"], 404),
        "malformed": ("not-a-real-token", 404),
        "over-long": ("A" * 2000, 404),
    }


def test_reused_expired_revoked_and_tampered_links_get_one_clear_page_and_change_nothing(
    app, world, clinician_client, login_as, frozen
):
    refused = _refused_tokens(app, world, clinician_client, frozen)
    members_before = db.session.scalar(select(func.count(Membership.id)))
    accounts_before = db.session.scalar(select(func.count(User.id)))
    pages = set()
    for kind, (token, status) in refused.items():
        for label, client in (
            ("anonymous", app.test_client()),
            ("signed in", login_as(world.outsider, app.test_client())),
        ):
            for method in ("GET", "POST"):
                if method == "POST" and label == "anonymous":
                    response = new_account(client, token, name=f"Intruder {kind}")
                else:
                    response = client.open(f"/invitations/{token}", method=method, data={})
                where = f"{kind} {label} {method}"
                assert response.status_code == status, where
                text = main_text(response)
                assert UNAVAILABLE in text and "ask the person who invited you" in text, where
                assert "account" not in text.lower(), where
                assert "Jordan" not in response.text, where
                pages.add(text)
    assert len(pages) == 1, "the refusals can be told apart"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Membership.id))) == members_before
    assert db.session.scalar(select(func.count(User.id))) == accounts_before
    assert memberships_of(world.outsider.email, world.circle.id) == []


def test_a_link_from_someone_since_removed_from_the_circle_no_longer_works(app, world, login_as):
    caregiver = login_as(world.users[CAREGIVER], app.test_client())
    invite(caregiver, world.circle.id, "cousin@example.org", CAREGIVER)
    token = last_token()
    circle_services.remove_member(world.memberships[CAREGIVER], world.users[CLINICIAN])
    response = new_account(app.test_client(), token)
    assert response.status_code == 410 and UNAVAILABLE in response.text
    assert accounts_with("cousin@example.org") == 0
    # Adding them back records a new decision; it does not revive the old link.
    factories.member(world.circle, world.users[CAREGIVER], CAREGIVER, world.users[CLINICIAN])
    assert app.test_client().get(f"/invitations/{token}").status_code == 410
    clinician = login_as(world.users[CLINICIAN], app.test_client())
    assert "cousin@example.org" not in clinician.get(f"/circles/{world.circle.id}/invitations").text


def test_accepting_twice_joins_once_and_the_second_sees_the_used_page(app, world, clinician_client, login_as):
    existing = factories.user(email="robin@example.org")
    invite(clinician_client, world.circle.id, existing.email, CAREGIVER)
    token = last_token()
    client = login_as(existing, app.test_client())
    first, second = client.post(f"/invitations/{token}", data={}), client.post(f"/invitations/{token}", data={})
    assert first.status_code == 302
    assert second.status_code == 410 and UNAVAILABLE in second.text
    assert len(memberships_of(existing.email, world.circle.id)) == 1


def test_two_new_account_posts_create_one_account(app, world, clinician_client):
    invite(clinician_client, world.circle.id, "robin@example.org", CAREGIVER)
    token = last_token()
    first = new_account(app.test_client(), token)
    second = new_account(app.test_client(), token, name="Second Try")
    assert first.status_code == 302
    assert second.status_code == 410 and UNAVAILABLE in second.text
    assert accounts_with("robin@example.org") == 1
    assert len(memberships_of("robin@example.org", world.circle.id)) == 1


def test_the_claim_is_single_use_even_for_requests_that_both_saw_it_pending(world, clinician_client):
    """Two requests that both loaded the invitation before either saved: the
    conditional UPDATE lets exactly one through."""
    account = factories.user(email="robin@example.org")
    invite(clinician_client, world.circle.id, account.email, CAREGIVER)
    invitation = invitation_for(last_token())
    assert services.usable(invitation)
    assert services._claim(invitation, accepted_at=clock.now(), accepted_by_id=account.id) is True
    db.session.commit()
    assert services._claim(invitation, accepted_at=clock.now(), accepted_by_id=account.id) is False
    assert services.accept(invitation, account) is None
    assert memberships_of(account.email, world.circle.id) == []


# -- nothing tells whether an address has an account ----------------------------------------


def test_inviting_and_opening_the_link_look_the_same_whether_or_not_the_address_has_an_account(
    app, world, clinician_client, frozen
):
    with_account = factories.user(email="has-account@example.org").email
    without_account = "no-account@example.org"
    after_invite, bodies, link_pages = {}, {}, {}
    for email in (with_account, without_account):
        response = invite(clinician_client, world.circle.id, email, CAREGIVER)
        assert response.status_code == 302
        page = clinician_client.get(response.headers["Location"])
        invitation = db.session.scalars(select(Invitation).where(Invitation.email == email)).one()
        text = page.text.replace(escaped(email), "EMAIL").replace(f"/invitations/{invitation.id}/", "/invitations/ID/")
        text = without_tokens(text)
        after_invite[email] = (response.status_code, response.headers["Location"], page.status_code, text)
        token = last_token()
        bodies[email] = (outbox()[-1].subject, outbox()[-1].body.replace(token, "TOKEN"))
        opened = app.test_client().get(f"/invitations/{token}")
        link_pages[email] = (opened.status_code, opened.text.replace(email, "EMAIL").replace(token, "TOKEN"))
        # Withdrawn, so the second page lists only its own invitation.
        services.revoke(invitation, world.users[CLINICIAN])
    assert after_invite[with_account] == after_invite[without_account]
    assert "EMAIL" in after_invite[with_account][3]
    assert bodies[with_account] == bodies[without_account]
    assert link_pages[with_account] == link_pages[without_account]


def test_inviting_does_the_same_work_whether_or_not_the_address_has_an_account(app, world, clinician_client):
    """Statement for statement, not only the same page: the time it takes
    cannot tell the inviter whether the address has an account."""
    stopped = factories.user(email="stopped@example.org")
    stopped.active = False
    db.session.commit()
    addresses = [factories.user(email="has-account@example.org").email, "no-account@example.org", stopped.email,
                 "  HAS-ACCOUNT@example.org"]
    invite(clinician_client, world.circle.id, "warming-up@example.org", CAREGIVER)
    work = []
    for email in addresses:
        with counting_statements() as statements:
            assert invite(clinician_client, world.circle.id, email, CAREGIVER).status_code == 302
        work.append(tuple(statements))
    assert len(set(work)) == 1
    assert not any(re.search(r'FROM "?user"? ', statement) and "lower(" in statement for statement in work[0])


# -- the pending list and withdrawing ------------------------------------------------------------


def test_pending_invitations_are_listed_with_role_inviter_and_expiry(app, world, clinician_client, frozen):
    invite(clinician_client, world.circle.id, "aunt@example.org", CAREGIVER)
    invite(clinician_client, world.circle.id, "teacher@example.org", SCHOOL_STAFF)
    used = factories.user(email="used@example.org")
    invite(clinician_client, world.circle.id, used.email, CAREGIVER)
    services.accept(invitation_for(last_token()), used)
    page = clinician_client.get(f"/circles/{world.circle.id}/invitations")
    text = page.text.split("<table", 1)[1].split("</table>", 1)[0]
    assert "aunt@example.org" in text and "teacher@example.org" in text
    assert "used@example.org" not in text
    assert "Teacher / school staff" in text and "Dr Ana Rivera" in text
    assert to_local(frozen["now"] + timedelta(days=7)).strftime("%d %b %Y") in text
    assert not INLINE_SCRIPT.search(page.text) and "style=" not in page.text
    frozen["now"] += timedelta(days=8)
    assert "aunt@example.org" not in clinician_client.get(f"/circles/{world.circle.id}/invitations").text


def test_the_inviter_or_someone_who_may_give_the_role_withdraws_an_invitation(app, world, login_as):
    caregiver = login_as(world.users[CAREGIVER], app.test_client())
    clinician = login_as(world.users[CLINICIAN], app.test_client())
    contact = login_as(world.users[SCHOOL_CONTACT], app.test_client())
    invite(clinician, world.circle.id, "psychiatrist@example.org", CLINICIAN)
    psychiatrist = invitation_for(last_token())
    invite(caregiver, world.circle.id, "cousin@example.org", CAREGIVER)
    cousin_token = last_token()
    cousin = invitation_for(cousin_token)
    base = f"/circles/{world.circle.id}/invitations"
    # Neither sent it nor may give the clinician role.
    assert caregiver.post(f"{base}/{psychiatrist.id}/revoke").status_code == 403
    assert contact.post(f"{base}/{psychiatrist.id}/revoke").status_code == 403
    assert "Withdraw invitation" in main_text(caregiver.get(base))
    assert invitation_for(TOKEN_IN_LINK.search(outbox()[0].body).group(1)).revoked_at is None
    # The school contact may not bring in a caregiver, so may not withdraw that invitation either.
    assert contact.post(f"{base}/{cousin.id}/revoke").status_code == 403
    # The clinician may invite a caregiver, so may withdraw it.
    response = clinician.post(f"{base}/{cousin.id}/revoke")
    assert response.status_code == 302
    assert "is withdrawn" in clinician.get(response.headers["Location"]).text
    cousin = invitation_for(cousin_token)
    assert cousin.revoked_at is not None and cousin.revoked_by_id == world.users[CLINICIAN].id
    assert "cousin@example.org" not in main_text(clinician.get(base))
    # Withdrawing again changes nothing and says so.
    again = caregiver.post(f"{base}/{cousin.id}/revoke")
    assert again.status_code == 302 and "had already been" in caregiver.get(again.headers["Location"]).text
    assert invitation_for(cousin_token).revoked_by_id == world.users[CLINICIAN].id
    # The inviter withdraws their own.
    assert clinician.post(f"{base}/{psychiatrist.id}/revoke").status_code == 302


def test_another_circles_invitation_is_hidden_and_unchanged(app, world, login_as):
    outsider = login_as(world.outsider, app.test_client())
    invite(outsider, world.other_circle.id, "alex-parent@example.org", CAREGIVER)
    token = last_token()
    theirs = invitation_for(token)
    clinician = login_as(world.users[CLINICIAN], app.test_client())
    assert clinician.post(f"/circles/{world.circle.id}/invitations/{theirs.id}/revoke").status_code == 404
    assert clinician.post(f"/circles/{world.other_circle.id}/invitations/{theirs.id}/revoke").status_code == 404
    assert clinician.get(f"/circles/{world.other_circle.id}/invitations").status_code == 404
    assert "alex-parent@example.org" not in clinician.get(f"/circles/{world.circle.id}/invitations").text
    assert invitation_for(token).revoked_at is None


# -- throttling -------------------------------------------------------------------------


class ThrottledConfig(TestingConfig):
    RATELIMIT_ENABLED = True
    INVITATION_LIMIT = "3 per 15 minutes"


def test_posts_to_invitation_links_are_throttled_per_address():
    throttled = create_app(ThrottledConfig)
    try:
        client = throttled.test_client()
        # A malformed token is refused before any database work, so this
        # app needs no tables.
        answers = [client.post("/invitations/guess", data={}).status_code for _ in range(4)]
        assert answers == [404, 404, 404, 429]
        assert client.get("/invitations/guess").status_code == 404  # reading the page is not limited
    finally:
        # The limiter is one object for every app: switch it off again, as
        # apps made from configurations that do not mention it would inherit it.
        for made in (throttled, create_app(TestingConfig)):
            with made.app_context():
                db.engine.dispose()


# -- hostile input and page hygiene ----------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR 1=1 --", "x" * 5000, "before\x00after"]


@pytest.mark.parametrize("value", HOSTILE, ids=["script", "attribute", "sql", "huge", "nul"])
def test_hostile_input_comes_back_escaped_and_never_breaks_a_page(app, world, clinician_client, value):
    manage = invite(clinician_client, world.circle.id, value, value, value)
    assert manage.status_code == 422 and 'class="error-summary"' in manage.text
    assert "<script>alert" not in manage.text and "<img src=x" not in manage.text
    invite(clinician_client, world.circle.id, "robin@example.org", CAREGIVER)
    token = last_token()
    response = app.test_client().post(
        f"/invitations/{token}", data={"name": value, "password": value, "password_again": value, "email": value}
    )
    assert response.status_code in (302, 422), response.status_code
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    if response.status_code == 422:
        assert accounts_with("robin@example.org") == 0
    else:
        # A name is free text: kept as typed (without NUL), shown escaped wherever it appears.
        name = db.session.scalar(select(User.name).where(User.email == "robin@example.org"))
        assert name == value.replace("\x00", "")
    revoke_junk = clinician_client.post(
        f"/circles/{world.circle.id}/invitations/{invitation_for(token).id}/revoke", data={"junk": value}
    )
    assert revoke_junk.status_code == 302


def test_every_invitation_page_has_no_inline_script_or_style_and_labels_its_fields(app, world, login_as, frozen):
    clinician = login_as(world.users[CLINICIAN], app.test_client())
    invite(clinician, world.circle.id, "robin@example.org", CAREGIVER)
    token = last_token()
    robin = factories.user(email="robin@example.org")
    pages = [
        clinician.get(f"/circles/{world.circle.id}/invitations"),
        invite(clinician, world.circle.id, "", CAREGIVER),
        app.test_client().get(f"/invitations/{token}"),
        new_account(app.test_client(), token, password="short"),
        login_as(robin, app.test_client()).get(f"/invitations/{token}"),
        login_as(world.outsider, app.test_client()).get(f"/invitations/{token}"),
        app.test_client().get("/invitations/not-a-real-token"),
    ]
    for page in pages:
        assert not INLINE_SCRIPT.search(page.text) and "style=" not in page.text and "<style" not in page.text
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page.text):
            assert f'for="{field_id}"' in page.text, field_id
        assert page.headers["Cache-Control"] == "no-store"


def test_sending_accepting_and_withdrawing_are_audited_without_the_address(app, world, clinician_client):
    from portal.audit.models import AuditEvent

    invite(clinician_client, world.circle.id, "robin@example.org", CAREGIVER)
    accepted = last_token()
    invite(clinician_client, world.circle.id, "withdrawn@example.org", CAREGIVER)
    withdrawn = invitation_for(last_token())
    assert new_account(app.test_client(), accepted).status_code == 302
    clinician_client.post(f"/circles/{world.circle.id}/invitations/{withdrawn.id}/revoke")
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("invitation_%"))).all()
    robin = db.session.scalars(select(User).where(User.email == "robin@example.org")).one()
    by_action = {(event.action, event.user_id, event.role) for event in events}
    assert ("invitation_sent", world.users[CLINICIAN].id, CLINICIAN) in by_action
    assert ("invitation_accepted", robin.id, CAREGIVER) in by_action
    assert ("invitation_revoked", world.users[CLINICIAN].id, CLINICIAN) in by_action
    assert all(event.circle_id == world.circle.id for event in events)
    for event in events:
        assert not any("example.org" in str(value) for value in vars(event).values())
