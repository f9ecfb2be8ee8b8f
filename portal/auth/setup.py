"""A new account chooses its own password.

An account an organisation admin creates, one by one or from a staff list,
has no password: an email brings a link to choose one (an account-setup
link, kept like a reset link: only its hash, in PasswordReset). The email is
written when it is sent, as a reset is, so the link is never stored in the
outbox, and it goes only while the account still has no password. Asking for
a reset from an account with no password yet sends this email again
(services.reset_email), so an expired link is never a dead end.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from portal import clock
from portal.audit.services import record
from portal.auth import services
from portal.auth.models import PasswordReset, User
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.notify.outbox import Composed, composer, queue_composed
from portal.tokens import new_token, token_hash
from portal.urls import absolute_url

SETUP_KIND = "account_setup"
SETUP_SUBJECT = _l("Choose your password for Support Circle")


def has_password(user: User) -> bool:
    return bool(user.password_hash)


def invite(user: User) -> None:
    """Queue the email that brings a link to choose a password; the caller commits."""
    queue_composed(SETUP_KIND, user.email)
    record("account_setup_sent", subject=user)


def setup_email_body(token: str) -> str:
    """The link and what to do; no name, no organisation, nothing about any plan."""
    days = current_app.config["ACCOUNT_SETUP_DAYS"]
    return (
        _("Hello,")
        + "\n\n"
        + _("A Support Circle account was made for this email address by the organisation you work with.")
        + "\n\n"
        + ngettext(
            "To choose your password, open this link within %(num)d day:",
            "To choose your password, open this link within %(num)d days:",
            days,
        )
        + "\n"
        + absolute_url("auth.set_password", token=token)
        + "\n\n"
        + _("The link works once. If it has expired, the page it opens lets you ask for a new one.")
        + "\n\n"
        + _("If you were not expecting this, you can ignore this email, or ask your organisation about it.")
        + "\n"
    )


def compose_setup(user: User) -> Composed:
    """A new setup link for an account with no password yet; only its hash is kept."""
    token = new_token()
    now = clock.now()
    expires = now + timedelta(days=current_app.config["ACCOUNT_SETUP_DAYS"])
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=expires))
    return Composed(str(SETUP_SUBJECT), setup_email_body(token))


@composer(SETUP_KIND)
def setup_email(address: str) -> Composed | None:
    """At sending time, and only while the account still has no password."""
    user = services.find_user(address)
    if user is None or not user.active or has_password(user):
        return None
    return compose_setup(user)


def with_open_invitation(users: list[User]) -> set[int]:
    """Which of these accounts, none with a password yet, still have a setup
    link that works or an invitation email waiting to go: two queries, however
    many accounts."""
    if not users:
        return set()
    now = clock.now()
    ids = {user.id for user in users}
    open_links = set(
        db.session.scalars(
            select(PasswordReset.user_id).where(
                PasswordReset.user_id.in_(ids), PasswordReset.used_at.is_(None), PasswordReset.expires_at > now
            )
        )
    )
    by_address = {user.email: user.id for user in users}
    waiting = db.session.scalars(
        select(OutboxMessage.to_address).where(
            OutboxMessage.kind == SETUP_KIND,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.to_address.in_(list(by_address)),
        )
    )
    return open_links | {by_address[address] for address in waiting if address in by_address}


def choose_first_password(reset: PasswordReset, password: str) -> User | None:
    """Set the password the person chose, from their setup (or reset) link;
    None when another request used the link first. Signs nobody in."""
    first_time = not has_password(db.session.get(User, reset.user_id))
    user = services.set_password_from_link(reset, password)
    if user is None:
        return None
    record("password_set" if first_time else "password_reset", user=user)
    if not first_time:
        services.tell_owner(user, "password_reset")
    db.session.commit()
    return user
