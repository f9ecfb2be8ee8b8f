"""THE policy for changes to who is in a circle, and in which role.

Reading and editing the plan are decided in policy.py; this module decides
every change of membership: adding an account, inviting by email, accepting
an invitation, changing a role, removing, restoring, and a school handover.
Each rule names the acting role, the target's state *now* (not a member, an
active role, or removed) and the state asked for. What is not listed is
refused; an unknown action, role or state raises.

Why the target's current state matters: a rule that only asked "may this
role grant caregiver?" let a school contact "add" a clinician again as a
teacher (a demotion) or add themselves as a caregiver (reading setback
reviews). Here, adding never touches an existing member, and a role change
is its own action with its own rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.access.policy import (
    CAREGIVER,
    CIRCLE_CREATOR_ROLES,
    CLINICIAN,
    LIMITABLE_ROLES,
    ROLES,
    SCHOOL_CONTACT,
    SCHOOL_ROLES,
    SCHOOL_STAFF,
    YOUNG_PERSON,
    UnknownName,
    check_role,
)

# Target states besides the roles themselves.
NOT_MEMBER = "not_member"
REMOVED = "removed"
STATES: tuple[str, ...] = (NOT_MEMBER, *ROLES, REMOVED)

ADD = "add"  # an existing account, added directly
INVITE = "invite"  # an invitation by email; decided again when it is accepted
CHANGE_ROLE = "change_role"
REMOVE = "remove"
RESTORE = "restore"  # a removed member back, in the role they had
HAND_OVER = "hand_over"  # the new school's contact takes over the school's part
CREATE = "create"  # the person who starts a circle joins it
# A safeguarding limit on a caregiver's membership (policy.LIMITABLE_ROLES):
# placed or changed, and lifted. The target keeps their role; what the limit
# hides is the policy's to apply (policy.Standing).
LIMIT = "limit"
LIFT_LIMIT = "lift_limit"
LIMIT_ACTIONS = frozenset({LIMIT, LIFT_LIMIT})
ACTIONS: tuple[str, ...] = (ADD, INVITE, CHANGE_ROLE, REMOVE, RESTORE, HAND_OVER, CREATE, LIMIT, LIFT_LIMIT)

# Adults whose role a clinician may change among each other. The young
# person's place is not a role to swap: nobody becomes, or stops being, the
# young person by a role change.
ADULT_ROLES = frozenset(ROLES) - {YOUNG_PERSON}

Pair = tuple[str, str]  # (target state now, state asked for)


def _joining(roles) -> frozenset[Pair]:
    return frozenset((NOT_MEMBER, role) for role in roles)


def _restoring(roles) -> frozenset[Pair]:
    return frozenset((REMOVED, role) for role in roles)


def _removing(roles) -> frozenset[Pair]:
    return frozenset((role, REMOVED) for role in roles)


def _keeping(roles) -> frozenset[Pair]:
    return frozenset((role, role) for role in roles)


def _changing(roles) -> frozenset[Pair]:
    return frozenset((old, new) for old in roles for new in roles if old != new)


# action -> acting role -> the (state now, state asked for) pairs allowed.
TRANSITIONS: dict[str, dict[str, frozenset[Pair]]] = {
    ADD: {
        CLINICIAN: _joining(ROLES),
        # The school brings in its own people, never a family member or a clinician.
        SCHOOL_CONTACT: _joining(SCHOOL_ROLES),
    },
    INVITE: {
        CLINICIAN: _joining(ROLES),
        SCHOOL_CONTACT: _joining(SCHOOL_ROLES),
        # A parent may bring in the other parent. Not the young person: a
        # second address of the parent's own, joined as "the young person",
        # could then agree to sharing in the young person's name.
        CAREGIVER: _joining({CAREGIVER}),
    },
    CHANGE_ROLE: {
        CLINICIAN: _changing(ADULT_ROLES),
        # A teacher may become the named contact, and back.
        SCHOOL_CONTACT: _changing(SCHOOL_ROLES),
    },
    REMOVE: {
        CLINICIAN: _removing(ROLES),
        # Removing the young person or a caregiver needs a clinician.
        SCHOOL_CONTACT: _removing(SCHOOL_ROLES),
    },
    # Removing is reversible by a clinician (DESIGN.md, principle 6); the
    # school may bring back its own people.
    RESTORE: {
        CLINICIAN: _restoring(ROLES),
        SCHOOL_CONTACT: _restoring(SCHOOL_ROLES),
    },
    # The new school's contact joins (or, already a teacher here, becomes the
    # contact); the old school's people leave in the same step. Someone once
    # removed comes back only by a restore.
    HAND_OVER: {
        SCHOOL_CONTACT: frozenset({(NOT_MEMBER, SCHOOL_CONTACT), (SCHOOL_STAFF, SCHOOL_CONTACT)}),
    },
    # The acting role here is the account's staff role, not a circle role.
    CREATE: {role: frozenset({(NOT_MEMBER, role)}) for role in CIRCLE_CREATOR_ROLES},
    # A clinician or the school contact, when it is not safe to tell a
    # caregiver everything (DESIGN.md, principle 11). The caregiver stays a
    # caregiver: the pair is their role now and after.
    LIMIT: {
        CLINICIAN: _keeping(LIMITABLE_ROLES),
        SCHOOL_CONTACT: _keeping(LIMITABLE_ROLES),
    },
    LIFT_LIMIT: {
        CLINICIAN: _keeping(LIMITABLE_ROLES),
        SCHOOL_CONTACT: _keeping(LIMITABLE_ROLES),
    },
}

# A circle the school starts has no clinician and no family yet: its school
# contact may invite the family in, but only while the circle has nobody in
# that role (so a second address of their own cannot join beside the real
# caregivers and read what only the family reads).
WHILE_NONE: dict[tuple[str, str], frozenset[str]] = {
    (INVITE, SCHOOL_CONTACT): frozenset({CAREGIVER, YOUNG_PERSON}),
}

# A school's people act only on accounts of the circle's current school:
# after a move of school, the new school cannot bring the old school's
# people back (a clinician can). Removing reduces access and is not limited.
WITHIN_SCHOOL = frozenset({ADD, RESTORE, CHANGE_ROLE})


@dataclass(frozen=True)
class CircleFacts:
    """What the decision needs to know about the circle besides the target's state.

    ``roles_present``: the roles of the circle's active members other than the
    target. ``outside_school``: the target's account is not one of the
    circle's current school.
    """

    roles_present: frozenset[str] = frozenset()
    outside_school: bool = False


NO_FACTS = CircleFacts()

# Invitations are decided twice: when sent (the address is never looked up,
# so the target counts as not a member) and when accepted, against the
# state of the account that accepts. Accepting as a removed member is a
# restore, and needs the inviter to be allowed to restore.
ACCEPT_AS = {NOT_MEMBER: INVITE, REMOVED: RESTORE}

# Why a change was refused, in words for the person who tried (lazy; a
# Decision's message is read in the page's language, as a plain str).
REASONS = {
    "self": _l("You cannot change your own place in the circle. Ask the circle's clinician."),
    "already_member": _l("They are already in the circle. To give them another role, use 'Change role' beside their name."),
    "removed": _l("They were in this circle before and were removed. Only someone who may bring them back can do that."),
    "not_allowed": _l("Your role in this circle does not include this change. Ask the circle's clinician."),
    "changed_meanwhile": _l("Someone changed this person's place in the circle a moment ago. Please look again."),
    "one_young_person": _l("A circle is about one young person, and this one already has them."),
    "last_clinician": _l("They are the circle's only clinician. Add another clinician first, so someone can still restore what is removed."),
    "other_school": _l("They are not at the student's current school. Ask the circle's clinician."),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | None = None  # a key of REASONS when refused

    @property
    def message(self) -> str | None:
        return str(REASONS[self.reason]) if self.reason else None


ALLOWED = Decision(True)


class ChangeRefused(Exception):
    """The policy refused a change of membership or of a limit; nothing was written."""

    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision

    @property
    def message(self) -> str:
        return self.decision.message or str(REASONS["not_allowed"])


def check_state(state: str) -> str:
    if state not in STATES:
        raise UnknownName(f"unknown membership state {state!r}")
    return state


def check_action(action: str) -> str:
    if action not in ACTIONS:
        raise UnknownName(f"unknown membership action {action!r}")
    return action


def decide(
    action: str,
    actor_role: str | None,
    target_state: str,
    requested: str,
    *,
    self_target: bool = False,
    previous_role: str | None = None,
    facts: CircleFacts = NO_FACTS,
) -> Decision:
    """May someone acting in ``actor_role`` take the target from ``target_state`` to ``requested``?

    ``requested`` is a role, or REMOVED for a removal. ``actor_role`` None
    (someone with no role to act from) is always refused. For a removed
    target, ``previous_role`` is the role they had: bringing them back in
    another role is a restore and a role change in one, and needs both.
    """
    check_action(action)
    check_state(target_state)
    check_state(requested)
    if actor_role is not None:
        check_role(actor_role)
    if previous_role is not None:
        check_role(previous_role)
    if action in (ADD, INVITE) and target_state in ROLES:
        return Decision(False, "already_member")
    if self_target and action != CREATE:
        return Decision(False, "self")
    if requested == YOUNG_PERSON and YOUNG_PERSON in facts.roles_present:
        return Decision(False, "one_young_person")
    if target_state == CLINICIAN and requested != CLINICIAN and CLINICIAN not in facts.roles_present:
        return Decision(False, "last_clinician")
    if actor_role in SCHOOL_ROLES and action in WITHIN_SCHOOL and facts.outside_school:
        return Decision(False, "other_school")
    allowed = TRANSITIONS[action].get(actor_role, frozenset()) if actor_role else frozenset()
    while_none = WHILE_NONE.get((action, actor_role), frozenset())
    if target_state == NOT_MEMBER and requested in while_none and requested not in facts.roles_present:
        return ALLOWED
    if action == RESTORE and previous_role is not None:
        restorable = (REMOVED, previous_role) in allowed
        as_asked = requested == previous_role or (previous_role, requested) in TRANSITIONS[CHANGE_ROLE].get(
            actor_role, frozenset()
        )
        return ALLOWED if restorable and as_asked else Decision(False, "not_allowed")
    if (target_state, requested) in allowed:
        return ALLOWED
    if action in (ADD, INVITE) and target_state in ROLES:
        return Decision(False, "already_member")
    if action in (ADD, INVITE) and target_state == REMOVED:
        return Decision(False, "removed")
    return Decision(False, "not_allowed")


def roles_for(action: str, actor_role: str, from_state: str = NOT_MEMBER, facts: CircleFacts = NO_FACTS) -> tuple[str, ...]:
    """The roles this actor could ask for from ``from_state``: the choices a form offers."""
    return tuple(role for role in ROLES if decide(action, actor_role, from_state, role, facts=facts).allowed)


def previous_role_of(membership) -> str | None:
    """The role a removed member had; None for anyone else."""
    return membership.role if membership is not None and membership.removed_at is not None else None


def state_of(membership) -> str:
    """A membership row (or None) as a target state."""
    if membership is None:
        return NOT_MEMBER
    if membership.removed_at is not None:
        return REMOVED
    return check_role(membership.role)
