"""Every write an organisation admin makes to their organisation's accounts,
each audited with the account it concerns (never its address or password)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from portal.access import accounts as account_rules
from portal.audit.services import record
from portal.auth import services as accounts
from portal.auth import setup
from portal.auth.models import User
from portal.extensions import db
from portal.sessions import services as sessions


def create_account(admin: User, *, email: str, name: str, title: str, staff_role: str | None,
                   is_org_admin: bool) -> User | None:
    """The new account in the admin's organisation, or None when the address
    cannot be used. Which account holds it, and where, is never returned: an
    admin manages their own organisation and learns nothing of the others.
    It has no password: an email brings the person a link to choose one."""
    if accounts.find_user(email) is not None:
        return _refused(admin)
    user = accounts.create_user(
        email=email,
        name=name,
        title=title,
        password=None,
        organisation=admin.organisation,
        staff_role=staff_role,
        is_org_admin=is_org_admin,
    )
    try:
        db.session.flush()
    except IntegrityError:
        # Taken a moment ago by another request: the same answer as above.
        db.session.rollback()
        return _refused(admin)
    record("account_created", user=admin, subject=user)
    setup.invite(user)
    db.session.commit()
    return user


def _refused(admin: User) -> None:
    # Recorded without the address, so that an admin trying many addresses shows.
    record("account_created", user=admin, outcome="refused")
    db.session.commit()
    return None


class StaffRoleRefused(PermissionError):
    """The policy refuses this change (a key of account_rules.STAFF_ROLE_REFUSALS)."""


def change_staff_role(admin: User, user: User, staff_role: str | None) -> None:
    """The one way an admin changes an account's staff role: the policy
    decides (never their own, never another admin's, only their
    organisation's accounts and roles), and the person is told by email
    (unless their access is stopped).
    Composes: the caller audits the account's change and commits."""
    refusal = account_rules.staff_role_refusal(admin, user, staff_role)
    if refusal is not None:
        raise StaffRoleRefused(refusal)
    if user.staff_role == staff_role:
        return
    user.staff_role = staff_role
    if user.active:  # a stopped account cannot sign in to see it
        accounts.tell_staff_role_changed(user)


def deactivate(admin: User, user: User) -> None:
    user.active = False
    accounts.end_sessions(user)
    sessions.end_all(user, "account_stopped")
    record("account_deactivated", user=admin, subject=user)
    db.session.commit()


def reactivate(admin: User, user: User) -> None:
    user.active = True
    record("account_reactivated", user=admin, subject=user)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign someone out everywhere, as their organisation's admin."""
    sessions.end_all(user, "ended_by_admin")
    accounts.end_sessions(user)
    record("sessions_ended_by_admin", subject=user)
    db.session.commit()
