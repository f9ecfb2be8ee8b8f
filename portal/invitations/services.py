"""Every write for invitations, and the words of the invitation email.

The email goes to an inbox that a parent, a partner or an employer may also
read, so it names nothing: not the young person, not the plan, not the role
the recipient is invited to (being invited "as the young person" would itself
say that the reader has a support plan), not who invites and not their
organisation (the name of a mental-health service tells a reader that there
is a plan). It says only that there is an invitation, and the link. Who
invited them is said on the page behind the link, which only the holder of
the link reaches.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from portal import clock, languages
from portal.access import policy, transitions
from portal.audit.services import record as audit
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.auth.services import create_user, find_user, normalise_email
from portal.circles import services as circle_services
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.invitations.models import PENDING, Invitation
from portal.notify.outbox import queue_email
from portal.tokens import TOKEN_SHAPE, new_token, token_hash
from portal.urls import absolute_url, path_for

SUBJECT = _l("You are invited to Support Circle")

# How the invitation page introduces the person who invites, by their role in
# the circle: alone, and (for a role held for an organisation) with it.
INVITER_PHRASES = {
    policy.CLINICIAN: _l("A clinician"),
    policy.SCHOOL_CONTACT: _l("A school contact"),
    policy.CAREGIVER: _l("A caregiver"),
}
INVITER_AT_PHRASES = {
    policy.CLINICIAN: _l("A clinician at %(organisation)s"),
    policy.SCHOOL_CONTACT: _l("A school contact at %(organisation)s"),
    policy.CAREGIVER: _l("A caregiver at %(organisation)s"),
}

_missing = policy.CIRCLE_ACTIONS["invite"] - (set(INVITER_PHRASES) & set(INVITER_AT_PHRASES))
if _missing:
    raise RuntimeError(f"roles that may invite but have no words for the email: {sorted(_missing)}")

def invitation_path(token: str) -> str:
    return path_for("invitations.accept", token=token)


def inviter_phrase(invitation: Invitation) -> str:
    """'A clinician at Riverside CAMHS': a role and an organisation, never a person's name.
    For the page behind the link only, never for the email."""
    role = invitation.invited_as_role
    organisation = invitation.invited_by.organisation
    # Only a role held for an organisation names it: a caregiver whose account
    # belongs to a clinic is a parent here, and naming it would mislead.
    if role in policy.ORGANISATION_ROLES and organisation is not None:
        return str(INVITER_AT_PHRASES[role]) % {"organisation": organisation.name}
    return str(INVITER_PHRASES[role])


def _expiry_words(invitation: Invitation) -> str:
    return languages.moment(invitation.expires_at, "datetime_zone")


def email_body(invitation: Invitation, token: str) -> str:
    """In the current language: create_invitation writes it in the invitation's."""
    link = absolute_url("invitations.accept", token=token)
    # The same words for every invitation: nothing here depends on who invites,
    # from where, to which circle or as what.
    return "\n\n".join((
        _("Hello,"),
        _("You have been invited to join Support Circle."),
        _(
            "To see who invited you, and to accept, open this link before %(expiry)s:\n%(link)s",
            expiry=_expiry_words(invitation), link=link,
        ),
        _("The link works once. If it no longer works, ask the person who invited you for a new one."),
        _("If you were not expecting this email, you can ignore it and nothing will happen."),
    )) + "\n"


def create_invitation(
    circle: Circle, inviter: Membership, email: str, role: str, relationship_label: str = "", language: str | None = None
) -> tuple[Invitation, str]:
    """Store the invitation and queue its email in one transaction. Whether the
    address has an account is never looked up here, so nothing that follows can
    differ with it. ``language``: what the email and the page behind the link
    are written in (one offered; else the inviter's page language)."""
    if not may_invite(inviter.role, role, roles_present(circle.id)):
        raise PermissionError(f"{inviter.role} may not invite a {role}")
    token = new_token()
    now = clock.now()
    invitation = Invitation(
        circle_id=circle.id,
        email=normalise_email(email),
        role=role,
        relationship_label=(relationship_label or "").strip(),
        token_hash=token_hash(token),
        invited_by_id=inviter.user_id,
        invited_as_role=inviter.role,
        language=languages.known(language) or languages.current(),
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    with languages.in_language(invitation.language):
        queue_email(invitation.email, str(SUBJECT), email_body(invitation, token))
    audit("invitation_sent", circle_id=circle.id, user=inviter.user, role=inviter.role)
    db.session.commit()
    return invitation, token


def pending(circle_id: int) -> list[Invitation]:
    """The invitations that could still be accepted (see usable), with their senders."""
    inviter_still_in = (
        select(Membership.id)
        .where(
            Membership.circle_id == Invitation.circle_id,
            Membership.user_id == Invitation.invited_by_id,
            Membership.removed_at.is_(None),
            Membership.added_at <= Invitation.created_at,
        )
        .exists()
    )
    stmt = (
        select(Invitation)
        .join(Invitation.invited_by)
        .options(contains_eager(Invitation.invited_by))
        .where(Invitation.circle_id == circle_id, User.active.is_(True), inviter_still_in, *_pending_condition())
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return list(db.session.scalars(stmt))


def _pending_condition():
    return (Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > clock.now())


def may_invite(role: str, invited_role: str, present=frozenset()) -> bool:
    """Sending is decided with the target as not a member: the address is never looked up."""
    facts = transitions.CircleFacts(roles_present=frozenset(present))
    return policy.can_act(role, "invite") and transitions.decide(
        transitions.INVITE, role, transitions.NOT_MEMBER, invited_role, facts=facts
    ).allowed


def roles_present(circle_id: int) -> frozenset[str]:
    return frozenset(m.role for m in circle_services.active_members(circle_id))


def invitable_roles(role: str, circle_id: int) -> tuple[str, ...]:
    present = roles_present(circle_id)
    return tuple(r for r in policy.ROLES if may_invite(role, r, present))


def may_revoke(membership: Membership, invitation: Invitation) -> bool:
    return invitation.invited_by_id == membership.user_id or may_invite(
        membership.role, invitation.role, roles_present(invitation.circle_id)
    )


def revoke(invitation: Invitation, actor: User) -> bool:
    """False when it was no longer pending (accepted, revoked or expired meanwhile)."""
    done = _claim(invitation, revoked_at=clock.now(), revoked_by_id=actor.id)
    if done:
        audit("invitation_revoked", circle_id=invitation.circle_id, user=actor)
    db.session.commit()
    return done


def _claim(invitation: Invitation, **values) -> bool:
    """Mark a pending invitation in one conditional UPDATE, so that of two
    requests at once (a double click, accept racing revoke) exactly one wins."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, *_pending_condition())
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(invitation)
    return result.rowcount == 1


def find_by_token(token: str) -> Invitation | None:
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    digest = token_hash(token)
    invitation = db.session.scalars(
        select(Invitation).options(joinedload(Invitation.invited_by)).where(Invitation.token_hash == digest)
    ).first()
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    return invitation


def usable(invitation: Invitation) -> bool:
    """Pending, and the inviter still holds the place in the circle they invited from.

    An invitation speaks for the person who sent it. If they have since been
    removed from the circle (a caregiver whose access was ended for the young
    person's safety, say), their invitations end with their access instead of
    letting someone in. Being added back, or given another role, records a new
    decision about them (added_at moves) and does not revive old links.
    """
    if invitation.state(clock.now()) != PENDING:
        return False
    inviter = _active_membership(invitation.circle_id, invitation.invited_by_id)
    return (
        inviter is not None
        and inviter.added_at <= invitation.created_at
        and invitation.invited_by.active
        and may_invite(inviter.role, invitation.role)
    )


def is_for(invitation: Invitation, user: User) -> bool:
    """Only the account with the invited address may accept.

    The link can be forwarded, or read by someone sharing the inbox; someone
    already signed in on a shared family computer may simply click it. Joining
    whoever happens to be signed in could give a parent's or a teacher's access
    to the wrong person, so the account must be the one that was invited.
    """
    return normalise_email(user.email) == invitation.email


def _active_membership(circle_id: int, user_id: int) -> Membership | None:
    return circle_services.active_membership(circle_id, user_id)


def acceptance(invitation: Invitation, user: User) -> transitions.Decision:
    """The policy's answer, now, for this account accepting: the invitation is
    decided again against the account's state in the circle.

    An invitation never changes the role of someone already in the circle:
    otherwise a caregiver could "invite" a clinician as a caregiver and, with
    one click, take their clinical access away. Accepting as someone removed
    from the circle is bringing them back, which the inviter's role must
    allow, and only an invitation sent after the removal can do it.
    """
    membership = circle_services.membership_of(invitation.circle_id, user.id)
    if transitions.state_of(membership) == transitions.REMOVED and invitation.created_at <= membership.removed_at:
        return transitions.Decision(False, "removed")
    circle, inviter_role, action = _as_inviter(invitation, membership)
    return circle_services.decide(circle, invitation.invited_by, inviter_role, user, action, invitation.role)


def _as_inviter(invitation: Invitation, membership: Membership | None):
    """The circle, the role the inviter acts from now, and what accepting is
    for this account's state: joining, or (once removed) coming back."""
    inviter = _active_membership(invitation.circle_id, invitation.invited_by_id)
    action = transitions.ACCEPT_AS.get(transitions.state_of(membership), transitions.INVITE)
    return db.session.get(Circle, invitation.circle_id), inviter.role if inviter else None, action


def _join_invited(invitation: Invitation, user: User) -> Membership:
    circle, inviter_role, action = _as_inviter(invitation, circle_services.membership_of(invitation.circle_id, user.id))
    # The inviter is recorded as the one who added them, as with adding directly.
    membership = circle_services.change_membership(
        circle,
        invitation.invited_by,
        inviter_role,
        user,
        action,
        invitation.role,
        relationship_label=invitation.relationship_label,
    )
    audit("invitation_accepted", circle_id=invitation.circle_id, user=user, role=membership.role)
    return membership


class AcceptRefused(Exception):
    """The policy refused this account joining through the invitation; nothing changed."""

    def __init__(self, decision: transitions.Decision):
        super().__init__(decision.reason)
        self.decision = decision


def accept(invitation: Invitation, user: User) -> Membership | None:
    """Join the signed-in, invited account; None when the invitation was used,
    revoked or expired in the meantime, AcceptRefused when the policy refuses
    (in both cases nothing changes)."""
    if not (usable(invitation) and is_for(invitation, user)):
        return None
    decision = acceptance(invitation, user)
    if not decision.allowed:
        raise AcceptRefused(decision)
    if not _claim(invitation, accepted_at=clock.now(), accepted_by_id=user.id):
        db.session.rollback()
        return None
    try:
        membership = _join_invited(invitation, user)
    except circle_services.MembershipRefused as refused:
        db.session.rollback()
        raise AcceptRefused(refused.decision) from None
    db.session.commit()
    return membership


ACCOUNT_EXISTS, UNAVAILABLE = "account_exists", "unavailable"


@dataclass(frozen=True)
class NewAccountResult:
    user: User | None = None
    problem: str | None = None  # ACCOUNT_EXISTS or UNAVAILABLE


def accept_with_new_account(invitation: Invitation, name: str, password: str) -> NewAccountResult:
    """Create the account for the invited address, join, and mark the invitation used.

    When the address already has an account nothing is created: the person is
    asked to sign in. Only someone holding the link reaches this, and the link
    was sent to that address, so its owner learns nothing they did not know.
    """
    if not usable(invitation):
        return NewAccountResult(problem=UNAVAILABLE)
    if find_user(invitation.email) is not None:
        # As slow as creating the account, so timing does not tell either.
        hash_password(password)
        return NewAccountResult(problem=ACCOUNT_EXISTS)
    user = create_user(email=invitation.email, name=name, password=password)
    # The new account reads the portal in the language it was invited in.
    user.language = languages.known(invitation.language)
    try:
        db.session.flush()
    except IntegrityError:
        # The same address was registered a moment ago by another request.
        db.session.rollback()
        return NewAccountResult(problem=ACCOUNT_EXISTS)
    if not _claim(invitation, accepted_at=clock.now(), accepted_by_id=user.id):
        db.session.rollback()
        return NewAccountResult(problem=UNAVAILABLE)
    try:
        _join_invited(invitation, user)
    except circle_services.MembershipRefused:
        db.session.rollback()
        return NewAccountResult(problem=UNAVAILABLE)
    db.session.commit()
    return NewAccountResult(user=user)
