"""THE access policy: who may read or edit which part of a young person's plan.

Everything here is declarative and pure (no database). The route guard, the
scoped queries, print views, history, the dashboard and (later) exports and
notifications all ask these functions; nothing else in the code compares
roles. Anything not listed is denied. An unknown role, section, field or
action raises, so a typo cannot quietly grant or hide access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CAREGIVER = "caregiver"
SCHOOL_CONTACT = "school_contact"
SCHOOL_STAFF = "school_staff"
CLINICIAN = "clinician"
YOUNG_PERSON = "young_person"

ROLES: tuple[str, ...] = (CLINICIAN, CAREGIVER, YOUNG_PERSON, SCHOOL_CONTACT, SCHOOL_STAFF)

ROLE_LABELS = {
    CLINICIAN: "Clinician",
    CAREGIVER: "Caregiver",
    YOUNG_PERSON: "Young person",
    SCHOOL_CONTACT: "School contact",
    SCHOOL_STAFF: "Teacher / school staff",
}

SECTIONS: tuple[str, ...] = (
    "care_team",
    "school_plan",
    "adjustments",
    "safety_plan",
    "home_safety",
    "clinical",
    "follow_ups",
    "episodes",
    "setback_reviews",
    "progress",
)

Mode = Literal["read", "edit"]
READ: Mode = "read"
EDIT: Mode = "edit"

# Role by section. "edit" includes "read". What is absent is denied.
POLICY: dict[str, dict[str, Mode]] = {
    "care_team": {
        CLINICIAN: EDIT,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
        SCHOOL_CONTACT: READ,
        SCHOOL_STAFF: READ,
    },
    "school_plan": {
        CLINICIAN: EDIT,
        SCHOOL_CONTACT: EDIT,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
        SCHOOL_STAFF: READ,
    },
    "adjustments": {
        SCHOOL_CONTACT: EDIT,
        CLINICIAN: READ,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
        SCHOOL_STAFF: READ,
    },
    "safety_plan": {
        CLINICIAN: EDIT,
        YOUNG_PERSON: EDIT,
        CAREGIVER: EDIT,
    },
    "home_safety": {
        CAREGIVER: EDIT,
        CLINICIAN: EDIT,
    },
    "clinical": {
        CLINICIAN: EDIT,
    },
    "follow_ups": {
        CLINICIAN: EDIT,
        SCHOOL_CONTACT: EDIT,  # school reviews only: see ROW_SCOPES
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
    },
    "episodes": {
        SCHOOL_CONTACT: EDIT,
        SCHOOL_STAFF: EDIT,  # only the episodes they recorded: see ROW_SCOPES
        CAREGIVER: READ,
        CLINICIAN: READ,
    },
    "setback_reviews": {
        CLINICIAN: EDIT,
        CAREGIVER: READ,
    },
    "progress": {
        CLINICIAN: EDIT,
        CAREGIVER: EDIT,
        YOUNG_PERSON: EDIT,
    },
}

# Fields inside a section that some roles who read the section may not see.
# School staff act on the steps; the reasons and notes behind them stay with
# the named contact and the clinical team (DESIGN.md, principle 2).
HIDDEN_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("school_plan", "staff_notes"): frozenset({SCHOOL_STAFF}),
    ("adjustments", "reason"): frozenset({SCHOOL_STAFF}),
    ("care_team", "responsibilities"): frozenset({SCHOOL_STAFF}),
}

# Fields that only some of the section's editors may change.
FIELD_EDITORS: dict[tuple[str, str], frozenset[str]] = {
    # The prescriber's medication-safety instructions.
    ("home_safety", "medication_safety"): frozenset({CLINICIAN}),
    # Clinicians assign who is responsible for what.
    ("care_team", "responsibilities"): frozenset({CLINICIAN}),
}


@dataclass(frozen=True)
class RowScope:
    """Limits which rows of a list section a role reaches, for reading and writing.

    ``field`` is a column of the section's model; the row is reachable when it
    equals ``value``, or the acting user's id when ``value`` is SELF. New rows
    written under the scope take that value.
    """

    field: str
    value: object


SELF = object()

ROW_SCOPES: dict[tuple[str, str], RowScope] = {
    # The school sees and books only school reviews, never clinical appointments.
    ("follow_ups", SCHOOL_CONTACT): RowScope("kind", "school_review"),
    # A teacher sees only the episodes they recorded.
    ("episodes", SCHOOL_STAFF): RowScope("recorded_by_id", SELF),
}

# Actions on the circle itself, by role.
CIRCLE_ACTIONS: dict[str, frozenset[str]] = {
    "view_circle": frozenset(ROLES),
    "view_members": frozenset(ROLES),
    "manage_members": frozenset({CLINICIAN, SCHOOL_CONTACT}),
    # Removing a list item is reversible by a clinician (DESIGN.md, principle 6).
    "restore_items": frozenset({CLINICIAN}),
    # Each member keeps their own entry in the care team up to date.
    "edit_own_contact": frozenset(ROLES),
}

# Which roles a member may give (or take away) when managing the circle.
# Only a clinician can give the clinician role, which opens clinical notes.
ROLE_GRANTS: dict[str, frozenset[str]] = {
    CLINICIAN: frozenset(ROLES),
    SCHOOL_CONTACT: frozenset(set(ROLES) - {CLINICIAN}),
}

# Accounts whose organisation role lets them start a circle, and the circle
# role they take in it.
CIRCLE_CREATOR_ROLES = frozenset({CLINICIAN, SCHOOL_CONTACT})


class UnknownName(LookupError):
    """A role, section, field or action that the policy does not know."""


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UnknownName(f"unknown role {role!r}")
    return role


def check_section(kind: str) -> str:
    if kind not in SECTIONS:
        raise UnknownName(f"unknown section {kind!r}")
    return kind


def role_mode(role: str, kind: str) -> Mode | None:
    return POLICY[check_section(kind)].get(check_role(role))


def can(role: str, kind: str, mode: str) -> bool:
    granted = role_mode(role, kind)
    if mode == READ:
        return granted is not None
    if mode == EDIT:
        return granted == EDIT
    raise UnknownName(f"unknown mode {mode!r}")


def readable_sections(role: str) -> tuple[str, ...]:
    return tuple(kind for kind in SECTIONS if can(role, kind, READ))


def field_visible(role: str, kind: str, field: str) -> bool:
    if not can(role, kind, READ):
        return False
    return role not in HIDDEN_FIELDS.get((kind, field), frozenset())


def field_editable(role: str, kind: str, field: str) -> bool:
    if not (can(role, kind, EDIT) and field_visible(role, kind, field)):
        return False
    editors = FIELD_EDITORS.get((kind, field))
    return editors is None or role in editors


def row_scope(role: str, kind: str) -> RowScope | None:
    check_role(role)
    check_section(kind)
    return ROW_SCOPES.get((kind, role))


def can_act(role: str, action: str) -> bool:
    try:
        allowed = CIRCLE_ACTIONS[action]
    except KeyError:
        raise UnknownName(f"unknown circle action {action!r}") from None
    return check_role(role) in allowed


def may_grant(role: str, granted_role: str) -> bool:
    check_role(granted_role)
    return granted_role in ROLE_GRANTS.get(check_role(role), frozenset())
