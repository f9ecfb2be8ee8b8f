"""Every change to who is in a circle, and in which role, goes through
``change_membership``: it reads the target's state now, asks the policy
(portal/access/transitions.py) and only then writes, audits and notifies.
Adding, accepting an invitation, changing a role, removing, restoring and a
school handover are all calls of it; nothing else in the application writes
a membership (``_guard_membership_writes`` refuses it during a request)."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload

from portal import clock, touched
from portal.access import policy, transitions
from portal.access.transitions import Decision
from portal.audit.services import record as audit
from portal.auth import mfa
from portal.auth.models import User
from portal.auth.services import end_sessions, find_user, normalise_email
from portal.circles.models import Circle, Membership, MembershipChange
from portal.extensions import db
from portal.invitations.models import Invitation
from portal.notify import services as notify
from portal.plan.services import create_own_contact
from portal.sessions import services as sessions

MembershipRefused = transitions.ChangeRefused


_applying = contextvars.ContextVar("applying_membership_change", default=False)


@event.listens_for(Session, "before_flush")
def _guard_membership_writes(session, flush_context, instances):
    """Within a request, a membership is written only by change_membership.

    A new route that set ``membership.role`` itself would bypass the policy;
    this makes it fail loudly instead. The demo loader and the tests' builders
    run outside requests and go through change_membership anyway.
    """
    if _applying.get() or not has_request_context():
        return
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Membership) and (obj in session.new or session.is_modified(obj)):
            raise RuntimeError("a membership was written outside circles.services.change_membership")


def membership_of(circle_id: int, user_id: int) -> Membership | None:
    """The account's row in the circle, active or removed."""
    return db.session.scalars(
        select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == user_id)
    ).first()


def active_membership(circle_id: int, user_id: int) -> Membership | None:
    membership = membership_of(circle_id, user_id)
    return membership if membership is not None and membership.active else None


def facts_for(circle: Circle, target: User | None, members: list[Membership] | None = None) -> transitions.CircleFacts:
    """What the policy needs to know of the circle besides the target's own
    state; from ``members`` (the circle's active members) when the caller has
    them already, so a page of members costs no query a row."""
    target_id = target.id if target is not None else None
    if members is None:
        roles = db.session.scalars(
            select(Membership.role)
            .where(Membership.circle_id == circle.id, Membership.removed_at.is_(None), Membership.user_id != target_id)
            .distinct()
        )
    else:
        roles = [m.role for m in members if m.active and m.user_id != target_id]
    school = circle.school_organisation_id
    if target is None:
        return transitions.CircleFacts(roles_present=frozenset(roles))
    # With no school recorded yet, the add form's colleague rule is the limit.
    return transitions.CircleFacts(
        roles_present=frozenset(roles),
        outside_school=school is not None and target.organisation_id != school,
    )


def decide(circle: Circle, actor_user: User, actor_role: str | None, target: User, action: str, requested: str) -> Decision:
    """The policy's answer for this target as it stands now; nothing is written."""
    membership = membership_of(circle.id, target.id)
    return transitions.decide(
        action,
        actor_role,
        transitions.state_of(membership),
        requested,
        self_target=target.id == actor_user.id,
        previous_role=transitions.previous_role_of(membership),
        facts=facts_for(circle, target),
    )


def change_membership(
    circle: Circle,
    actor_user: User,
    actor_role: str | None,
    target: User,
    action: str,
    requested: str,
    *,
    relationship_label: str | None = None,
) -> Membership:
    """Apply one change the policy allows, in the caller's transaction; raises
    MembershipRefused (writing nothing) when it does not.

    ``actor_role`` is the role the actor acts from: their role in this circle,
    the inviter's role when an invitation is accepted, or the account's staff
    role when they start the circle (CREATE). Outside CREATE, the actor must
    still hold that role when the change is written: their row is held
    (locked) with the target's, so two people removing each other at once
    cannot both succeed.
    """
    membership = membership_of(circle.id, target.id)
    before = transitions.state_of(membership)
    if action != transitions.CREATE:
        _hold_actor(circle.id, actor_user, actor_role, membership)
    decision = decide(circle, actor_user, actor_role, target, action, requested)
    if not decision.allowed:
        raise MembershipRefused(decision)
    code_was_required = requested != transitions.REMOVED and mfa.required_for(target)
    token = _applying.set(True)
    try:
        if requested == transitions.REMOVED:
            _leave(membership, actor_user)
        elif before in policy.ROLES:
            _change_role(membership, requested, actor_user)
        else:
            membership = _enter(circle, membership, target, requested, relationship_label, actor_user)
        db.session.add(
            MembershipChange(
                circle_id=circle.id,
                membership_id=membership.id,
                action=action,
                from_state=before,
                to_state=requested,
                by_id=actor_user.id,
                at=clock.now(),
            )
        )
        db.session.flush()
    finally:
        _applying.reset(token)
    if requested != transitions.REMOVED and not code_was_required and mfa.required_for(target):
        # The new role needs a second factor this account has not been asked
        # for: its sessions end, and the next sign-in asks for the code (or
        # sets an app up) before the role's pages open.
        end_sessions(target)
        sessions.end_all(target, "second_factor_needed")
    return membership


def _hold_actor(circle_id: int, actor_user: User, actor_role: str | None, target_row: Membership | None) -> None:
    """Lock the actor's row, still in ``actor_role``, before anything is decided.

    A conditional UPDATE that changes nothing takes the row's write lock on
    PostgreSQL (re-reading it once a concurrent change commits) and the
    database's write lock on SQLite, so of two members removing each other
    at once the second sees that the first removed them. Rows are taken in id
    order, the target's first when it is the lower, so two such changes
    cannot deadlock.
    """
    acting = active_membership(circle_id, actor_user.id) if actor_role is not None else None
    if acting is None or acting.role != actor_role:
        raise MembershipRefused(Decision(False, "not_allowed"))
    rows = [acting]
    if target_row is not None and target_row.id != acting.id:
        rows.append(target_row)
    for row in sorted(rows, key=lambda r: r.id):
        result = db.session.execute(
            update(Membership)
            .where(Membership.id == row.id, Membership.role == row.role, _removed_is(row.removed_at))
            .values(role=Membership.role)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise MembershipRefused(Decision(False, "changed_meanwhile"))


def _removed_is(value):
    return Membership.removed_at.is_(None) if value is None else Membership.removed_at == value


def _conditional_update(membership: Membership, expected: dict, values: dict) -> None:
    """Write only if the row is still as it was read: of two changes at once
    (a removal racing a role change), the second is refused, never merged."""
    conditions = [Membership.id == membership.id]
    for column, value in expected.items():
        attribute = getattr(Membership, column)
        conditions.append(attribute.is_(None) if value is None else attribute == value)
    result = db.session.execute(
        update(Membership).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    touched.changed(membership.circle_id)
    db.session.expire(membership)
    if result.rowcount != 1:
        raise MembershipRefused(Decision(False, "changed_meanwhile"))


def _enter(circle: Circle, membership, user: User, role: str, relationship_label, actor: User) -> Membership:
    now = clock.now()
    label = (relationship_label or "").strip()
    if membership is None:
        membership = Membership(
            circle_id=circle.id, user_id=user.id, role=role, relationship_label=label, added_by_id=actor.id, added_at=now
        )
        db.session.add(membership)
        try:
            db.session.flush()
        except IntegrityError:
            # The same account joined a moment ago through another request.
            raise MembershipRefused(Decision(False, "changed_meanwhile")) from None
    else:
        values = {"role": role, "added_by_id": actor.id, "added_at": now, "removed_at": None, "removed_by_id": None}
        if relationship_label is not None:
            values["relationship_label"] = label
        _conditional_update(membership, {"removed_at": membership.removed_at, "role": membership.role}, values)
    create_own_contact(circle.id, membership, user, actor)
    audit("member_added", circle_id=circle.id, user=actor, subject=user)
    notify.circle_entered(user.id, circle.id)
    if user.id != actor.id:
        notify.membership_changed(circle.id, user, added=True)
    return membership


def _change_role(membership: Membership, new_role: str, actor: User) -> None:
    old_role = membership.role
    # added_at moves too: invitations sent from the old role no longer speak
    # for this person (invitations.services.usable).
    _conditional_update(
        membership, {"role": old_role, "removed_at": None}, {"role": new_role, "added_at": clock.now()}
    )
    audit("role_changed", circle_id=membership.circle_id, user=actor, subject=membership.user)
    notify.role_changed(membership.circle_id, membership.user, old_role, new_role, actor)


def _leave(membership: Membership, actor: User) -> None:
    """Remove in the caller's transaction, so several removals (a move of school) stand or fall together."""
    _conditional_update(
        membership, {"removed_at": None, "role": membership.role}, {"removed_at": clock.now(), "removed_by_id": actor.id}
    )
    _revoke_invitations_to(membership, actor)
    audit("member_removed", circle_id=membership.circle_id, user=actor, subject=membership.user)
    notify.circle_left(membership.user_id, membership.circle_id)
    notify.membership_changed(membership.circle_id, membership.user, added=False)


def _revoke_invitations_to(membership: Membership, actor: User) -> None:
    """A removal also ends the open invitations to that person's address, so
    an older link cannot let them back in."""
    now = clock.now()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.circle_id == membership.circle_id,
            Invitation.email == normalise_email(membership.user.email),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )


# --- The use cases -----------------------------------------------------------------------------------


def create_circle(creator: User, young_person_name: str, relationship_label: str = "") -> Circle:
    school = creator.organisation if creator.organisation and creator.organisation.kind == "school" else None
    circle = Circle(young_person_name=young_person_name.strip(), created_by_id=creator.id, school=school)
    db.session.add(circle)
    db.session.flush()
    change_membership(
        circle, creator, creator.staff_role, creator, transitions.CREATE, creator.staff_role,
        relationship_label=relationship_label,
    )
    db.session.commit()
    return circle


@dataclass(frozen=True)
class AddResult:
    membership: Membership | None = None
    # Set when nobody was added: "not_colleague" (no account of the actor's
    # organisation has this address), or a policy reason.
    problem: str | None = None
    message: str | None = None


NOT_COLLEAGUE = "not_colleague"
def not_a_colleague_message(email: str) -> str:
    return _(
        "We could not add %(email)s directly: only people with an account at your own organisation can be added here. "
        "To bring in anyone else, send them an invitation by email.",
        email=email,
    )


def add_colleague(circle: Circle, actor: Membership, email: str, role: str, relationship_label: str) -> AddResult:
    """Add an account of the actor's own organisation, directly.

    Anyone else is invited by email instead. The answer for an address that
    has no account, an inactive one, or one of another organisation is the
    same, so this form tells nobody whether an address has an account or
    whose it is: it only finds the people the actor already works with.
    Someone already in (or once removed from) this circle is listed on the
    page already, so the policy's reason can be said.
    """
    user = find_user(email)
    if user is not None:
        existing = membership_of(circle.id, user.id)
        if existing is not None:
            return _add(circle, actor, user, role, relationship_label)
    colleague = (
        user is not None
        and user.active
        and actor.user.organisation_id is not None
        and user.organisation_id == actor.user.organisation_id
    )
    if not colleague:
        return AddResult(problem=NOT_COLLEAGUE)
    return _add(circle, actor, user, role, relationship_label)


def _add(circle: Circle, actor: Membership, user: User, role: str, relationship_label: str) -> AddResult:
    action = transitions.ADD
    current = membership_of(circle.id, user.id)
    if current is not None and not current.active:
        action = transitions.RESTORE
    try:
        membership = change_membership(
            circle, actor.user, actor.role, user, action, role, relationship_label=relationship_label
        )
    except MembershipRefused as refused:
        db.session.rollback()
        return AddResult(problem=refused.decision.reason, message=refused.message)
    db.session.commit()
    return AddResult(membership=membership)


def add_member(circle: Circle, email: str, role: str, relationship_label: str, actor: User) -> bool:
    """Add an existing active account, as ``actor`` acting from their role in
    the circle; False (and nothing changes) when none matches. For the demo
    loader and other trusted callers: the policy still decides."""
    user = find_user(email)
    if user is None or not user.active:
        return False
    acting = active_membership(circle.id, actor.id)
    change_membership(
        circle, actor, acting.role if acting else None, user, transitions.ADD, role, relationship_label=relationship_label
    )
    db.session.commit()
    return True


def set_role(membership: Membership, new_role: str, actor: Membership) -> None:
    change_membership(membership.circle, actor.user, actor.role, membership.user, transitions.CHANGE_ROLE, new_role)
    db.session.commit()


def remove_member(membership: Membership, actor: User, actor_role: str | None = None) -> None:
    """The person loses access to the circle on their very next request."""
    if actor_role is None:
        acting = active_membership(membership.circle_id, actor.id)
        actor_role = acting.role if acting else None
    change_membership(membership.circle, actor, actor_role, membership.user, transitions.REMOVE, transitions.REMOVED)
    db.session.commit()


def restore_member(membership: Membership, actor: Membership) -> None:
    change_membership(membership.circle, actor.user, actor.role, membership.user, transitions.RESTORE, membership.role)
    db.session.commit()


def hand_over_school(circle: Circle, actor: Membership, new_contact: User) -> None:
    """The new school's contact in, every school member out, in the caller's transaction."""
    label = new_contact.title or "School contact"  # stored: the member's relationship label, in the school's words
    change_membership(
        circle, actor.user, actor.role, new_contact, transitions.HAND_OVER, policy.SCHOOL_CONTACT,
        relationship_label=label,
    )
    leaving = db.session.scalars(
        select(Membership).where(
            Membership.circle_id == circle.id,
            Membership.removed_at.is_(None),
            Membership.role.in_(policy.SCHOOL_ROLES),
            Membership.user_id != new_contact.id,
        )
    ).all()
    token = _applying.set(True)
    try:
        for membership in leaving:
            # Part of the handover the policy allowed: the old school leaves, its contact included.
            before = membership.role
            _leave(membership, actor.user)
            db.session.add(
                MembershipChange(
                    circle_id=circle.id, membership_id=membership.id, action=transitions.HAND_OVER,
                    from_state=before, to_state=transitions.REMOVED, by_id=actor.user_id, at=clock.now(),
                )
            )
        db.session.flush()
    finally:
        _applying.reset(token)


# --- Reading -----------------------------------------------------------------------------------------


def active_members(circle_id: int) -> list[Membership]:
    # The page shows each member's name: load the accounts in the same query.
    stmt = (
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.circle_id == circle_id, Membership.removed_at.is_(None))
        .order_by(Membership.role, User.name)
    )
    return list(db.session.scalars(stmt))


def removed_members(circle_id: int) -> list[Membership]:
    stmt = (
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.circle_id == circle_id, Membership.removed_at.is_not(None))
        .order_by(Membership.removed_at.desc())
    )
    return list(db.session.scalars(stmt))


CHANGE_PHRASES = {
    transitions.CREATE: _l("%(by)s started the circle, as %(to)s"),
    transitions.ADD: _l("%(by)s added %(who)s as %(to)s"),
    transitions.INVITE: _l("%(who)s accepted %(by)s's invitation and joined as %(to)s"),
    transitions.CHANGE_ROLE: _l("%(by)s changed %(who)s's role from %(from_)s to %(to)s"),
    transitions.REMOVE: _l("%(by)s removed %(who)s (%(from_)s) from the circle"),
    transitions.RESTORE: _l("%(by)s brought %(who)s back into the circle, as %(to)s"),
    transitions.HAND_OVER: _l("%(by)s handed the school's part over; %(who)s is now %(to)s"),
}
# A safeguarding limit is not in the circle's history, which every member
# reads: its own rows keep its history, for those who may see limits
# (portal/safeguarding/), and the limited caregiver meets no accusation.
if set(CHANGE_PHRASES) != set(transitions.ACTIONS) - transitions.LIMIT_ACTIONS:
    raise RuntimeError("every membership action needs words for the circle's history")


def describe_change(change: MembershipChange) -> str:
    def label(state: str) -> str:
        return str(policy.ROLE_LABELS[state]).lower() if state in policy.ROLES else _("no longer in the circle")

    phrase = CHANGE_PHRASES[change.action]
    if change.action == transitions.HAND_OVER and change.to_state == transitions.REMOVED:
        phrase = _l("%(by)s handed the school's part over; %(who)s (%(from_)s) left the circle")
    # Each phrase uses only some of the names: the translation is chosen, then filled in.
    return str(phrase) % {
        "by": change.by.name, "who": change.membership.user.name,
        "from_": label(change.from_state), "to": label(change.to_state),
    }


def recent_changes(circle_id: int, limit: int = 20) -> list[tuple[MembershipChange, str]]:
    """The latest changes to who is in the circle, each with its sentence."""
    stmt = (
        select(MembershipChange)
        .options(joinedload(MembershipChange.by), joinedload(MembershipChange.membership).joinedload(Membership.user))
        .where(MembershipChange.circle_id == circle_id)
        .order_by(MembershipChange.at.desc(), MembershipChange.id.desc())
        .limit(limit)
    )
    return [(change, describe_change(change)) for change in db.session.scalars(stmt)]
