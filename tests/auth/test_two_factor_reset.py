"""Resetting two-factor sign-in for an account no organisation admin can
reach: a caregiver's or a young person's, which belong to no organisation.

An operator runs `flask accounts reset-two-factor EMAIL` once they have
checked, outside Support Circle, that the request comes from the owner. It
does what an organisation admin's reset does, through the same service:
forgets the app and the recovery codes, ends every session, writes an audit
entry and emails the owner; it prints no secret. Nobody in a circle can do
it to another adult: that would hand them the account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.access import policy
from portal.auth import mfa
from portal.auth.models import RecoveryCode
from portal.extensions import db
from portal.notify.models import OutboxMessage
from tests import factories, signing_in
from tests.records import audited, reload
from tests.signing_in import TEST_TOTP_SECRET


def _codes(user) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _emails_to(user) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_address == user.email)))


def _run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["accounts", "reset-two-factor", *args], input=input)


@pytest.fixture
def caregiver(world):
    """A parent with no organisation who turned two-factor sign-in on, and kept recovery codes."""
    user = signing_in.enrol(world.users[policy.CAREGIVER])
    codes = mfa.new_recovery_codes(user)
    db.session.commit()
    assert user.organisation_id is None and mfa.enrolled(user)
    return user, codes


def test_an_operator_resets_two_factor_for_a_caregiver_in_no_organisation(app, world, login_as, caregiver):
    user, codes = caregiver
    here, there = login_as(user, app.test_client()), login_as(user, app.test_client())
    assert here.get("/dashboard").status_code == 200

    result = _run(app, user.email.upper(), "--yes")
    assert result.exit_code == 0, result.output
    assert "Two-factor sign-in is reset for Maria Lopez" in result.output
    # Nothing secret is printed: no key, no recovery code, no link.
    assert TEST_TOTP_SECRET not in result.output and not any(code in result.output for code in codes)
    assert "http" not in result.output

    stored = reload(user)
    assert stored.totp_secret is None and stored.totp_pending_secret is None and stored.totp_last_step is None
    assert not mfa.enrolled(stored) and _codes(user) == 0
    # Every session of the account has ended, on the server.
    for client in (here, there):
        response = client.get("/dashboard")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    (entry,) = audited("mfa_reset_by_operator")
    assert entry.user_id is None and entry.subject_user_id == user.id and entry.circle_id is None
    assert any("reset two-factor sign-in" in body for body in _emails_to(user))
    # A caregiver is not asked for a second factor: the password alone signs in now,
    # and they may set up an app again from their account page.
    fresh = app.test_client()
    response = signing_in.sign_in(fresh, user.email)
    assert response.status_code == 302 and fresh.get("/dashboard").status_code == 200


def test_after_a_reset_a_role_that_needs_two_factor_sets_up_an_app_again(app, world):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])
    db.session.commit()
    assert _run(app, clinician.email, "--yes").exit_code == 0
    response = app.test_client().post("/login", data={"email": clinician.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/login/enrol"


def test_the_operator_is_asked_to_confirm_and_a_no_changes_nothing(app, world, caregiver):
    user, _codes_kept = caregiver
    refused = _run(app, user.email, input="n\n")
    assert refused.exit_code != 0 and "Maria Lopez" in refused.output
    assert mfa.enrolled(reload(user)) and _codes(user) == 10 and audited("mfa_reset_by_operator") == []
    done = _run(app, user.email, input="y\n")
    assert done.exit_code == 0 and not mfa.enrolled(reload(user))


def test_unknown_accounts_and_accounts_without_two_factor_change_nothing(app, world):
    version = world.users[policy.YOUNG_PERSON].session_version
    for email in ("nobody@example.com", world.users[policy.YOUNG_PERSON].email):
        result = _run(app, email, "--yes")
        assert result.exit_code != 0 and "Nothing was changed" in result.output, result.output
    assert reload(world.users[policy.YOUNG_PERSON]).session_version == version
    assert audited("mfa_reset_by_operator") == []


def test_an_admin_reset_goes_through_the_same_service_and_ends_sessions(app, world, login_as):
    contact = signing_in.enrol(world.users[policy.SCHOOL_CONTACT])
    db.session.commit()
    signed_in = login_as(contact, app.test_client())
    admin = login_as(world.org_admin, app.test_client())
    assert admin.post(f"/admin/accounts/{contact.id}/reset-two-factor").status_code == 302
    assert signed_in.get("/dashboard").status_code == 302
    assert not mfa.enrolled(reload(contact))
    (entry,) = audited("mfa_reset_by_admin")
    assert (entry.user_id, entry.subject_user_id) == (world.org_admin.id, contact.id)


def test_nobody_in_the_circle_nor_any_admin_can_reset_a_caregivers_second_factor(app, world, login_as, caregiver):
    user, _ = caregiver
    clinic_admin = factories.user("Clinic Admin", org=world.clinic, is_org_admin=True)
    actors = [world.users[role] for role in policy.ROLES if role != policy.CAREGIVER]
    actors += [world.org_admin, clinic_admin, world.outsider]
    for actor in actors:
        client = login_as(actor, app.test_client())
        response = client.post(f"/admin/accounts/{user.id}/reset-two-factor")
        assert response.status_code in (403, 404), actor.name
    stored = reload(user)
    assert mfa.enrolled(stored) and _codes(user) == 10
    assert audited("mfa_reset_by_admin") == []
