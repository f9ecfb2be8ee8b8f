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

from flask_babel import lazy_gettext as _l

CAREGIVER = "caregiver"
SCHOOL_CONTACT = "school_contact"
SCHOOL_STAFF = "school_staff"
CLINICIAN = "clinician"
YOUNG_PERSON = "young_person"
# The family doctor or paediatrician: physical health, wound care, a review
# of medicines. Told of events outside school; never of school matters' why.
PRIMARY_CARE = "primary_care"

ROLES: tuple[str, ...] = (CLINICIAN, PRIMARY_CARE, CAREGIVER, YOUNG_PERSON, SCHOOL_CONTACT, SCHOOL_STAFF)

# Words for people (lazy: each is read in the page's language when it is shown;
# a caller that lowers, joins or stores one gets a plain str at that moment).
ROLE_LABELS = {
    CLINICIAN: _l("Clinician"),
    PRIMARY_CARE: _l("Family doctor (primary care)"),
    CAREGIVER: _l("Caregiver"),
    YOUNG_PERSON: _l("Young person"),
    SCHOOL_CONTACT: _l("School contact"),
    SCHOOL_STAFF: _l("Teacher / school staff"),
}

SECTIONS: tuple[str, ...] = (
    "care_team",
    "school_plan",
    "adjustments",
    "return_to_school",
    "safety_plan",
    "home_safety",
    "clinical",
    "follow_ups",
    "episodes",
    "events",
    "setback_reviews",
    "progress",
)

# Each section's short name, for sentences that name it ("the safety plan in
# Sam's plan"). Kept with the list of sections, below the features, because
# notices, the audit page and sharing name sections as well as the plan does;
# portal/plan/sections.py gives the same names to its specs (a test keeps
# them equal).
SECTION_TITLES: dict[str, str] = {
    "care_team": _l("Care team"),
    "school_plan": _l("In-school plan"),
    "adjustments": _l("Adjustments"),
    "return_to_school": _l("Return to school"),
    "safety_plan": _l("Safety plan"),
    "home_safety": _l("Home safety"),
    "clinical": _l("Assessment and treatment"),
    "follow_ups": _l("Follow-ups"),
    "episodes": _l("Uses of the school plan"),
    "events": _l("Events outside school"),
    "setback_reviews": _l("Setback reviews"),
    "progress": _l("Progress"),
}
if set(SECTION_TITLES) != set(SECTIONS):
    raise RuntimeError("SECTION_TITLES must name every section, and only those")

Mode = Literal["read", "edit"]
READ: Mode = "read"
EDIT: Mode = "edit"

# Role by section. "edit" includes "read". What is absent is denied.
POLICY: dict[str, dict[str, Mode]] = {
    "care_team": {
        CLINICIAN: EDIT,
        PRIMARY_CARE: READ,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
        SCHOOL_CONTACT: READ,
        SCHOOL_STAFF: READ,
    },
    "school_plan": {
        CLINICIAN: EDIT,
        SCHOOL_CONTACT: EDIT,
        PRIMARY_CARE: READ,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
        SCHOOL_STAFF: READ,
    },
    "adjustments": {
        SCHOOL_CONTACT: EDIT,
        CLINICIAN: READ,
        PRIMARY_CARE: READ,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
        SCHOOL_STAFF: READ,
    },
    # After hospital or a long absence: how the student comes back. It says
    # what happens and what to allow, never why (DESIGN.md, principle 2).
    "return_to_school": {
        SCHOOL_CONTACT: EDIT,
        CLINICIAN: EDIT,
        PRIMARY_CARE: READ,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
        SCHOOL_STAFF: READ,
    },
    "safety_plan": {
        CLINICIAN: EDIT,
        YOUNG_PERSON: EDIT,
        CAREGIVER: EDIT,
        PRIMARY_CARE: READ,
    },
    "home_safety": {
        CAREGIVER: EDIT,
        CLINICIAN: EDIT,
        PRIMARY_CARE: READ,
    },
    # Primary care reviews medicines and physical health, so reads what is
    # prescribed and why; only the treating clinicians write it.
    "clinical": {
        CLINICIAN: EDIT,
        PRIMARY_CARE: READ,
    },
    "follow_ups": {
        CLINICIAN: EDIT,
        SCHOOL_CONTACT: EDIT,  # school reviews only: see ROW_SCOPES
        PRIMARY_CARE: READ,
        CAREGIVER: READ,
        YOUNG_PERSON: READ,
    },
    "episodes": {
        SCHOOL_CONTACT: EDIT,
        SCHOOL_STAFF: EDIT,  # only the episodes they recorded: see ROW_SCOPES
        CAREGIVER: READ,
        CLINICIAN: READ,
    },
    # What happened at home, in hospital or on a crisis line. School roles
    # never read these, by any route or agreement (DESIGN.md, principle 2):
    # see NEVER_SHARED_WITH_SCHOOL and the check below.
    "events": {
        CLINICIAN: EDIT,
        CAREGIVER: EDIT,
        YOUNG_PERSON: EDIT,
        PRIMARY_CARE: READ,
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
    # The direct question about thoughts of suicide is asked for the family
    # and the clinicians; a progress share with school never carries it.
    ("progress", "suicidal_thoughts"): frozenset({SCHOOL_CONTACT, SCHOOL_STAFF}),
}

# Fields that only some of the section's editors may change.
FIELD_EDITORS: dict[tuple[str, str], frozenset[str]] = {
    # The prescriber's medication-safety instructions.
    ("home_safety", "medication_safety"): frozenset({CLINICIAN}),
    # Clinicians assign who is responsible for what.
    ("care_team", "responsibilities"): frozenset({CLINICIAN}),
    # The care team says when the young person is ready to go back; the
    # school plans how.
    ("return_to_school", "ready_from"): frozenset({CLINICIAN}),
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
    # What of the section the role reaches, in words, for the lines that say
    # who sees what (portal/access/audience.py); lazy, read when shown.
    meaning: object


SELF = object()

ROW_SCOPES: dict[tuple[str, str], RowScope] = {
    # The school sees and books only school reviews, never clinical appointments.
    ("follow_ups", SCHOOL_CONTACT): RowScope("kind", "school_review", _l("school reviews only")),
    # A teacher sees only the episodes they recorded.
    ("episodes", SCHOOL_STAFF): RowScope("recorded_by_id", SELF, _l("only those they recorded")),
}

# Records that belong to the school they were made at (FERPA: that school's
# education records; DESIGN.md, principle 2). Each row keeps the school the
# circle was at when it was recorded (SCHOOL_RECORD_FIELD), and a school role
# reaches only the rows made at the circle's current school: after a move of
# school, the previous school's episodes stay with the family and the
# clinicians. The in-school plan and the adjustments are not among them: a
# move hands those over (portal/school/services.hand_over).
SCHOOL_RECORDS: frozenset[str] = frozenset({"episodes"})
SCHOOL_RECORD_FIELD = "school_organisation_id"
# What that leaves a school role, in words (portal/access/audience.py).
SCHOOL_RECORDS_MEANING = _l("none from a previous school")

# Sections that may be shared beyond their default audience, with whom, and
# how far, but only while a recorded agreement is in force (DESIGN.md,
# principle 4). Clinical notes are never among them: see the check below.
SHAREABLE: dict[tuple[str, str], Mode] = {
    ("safety_plan", SCHOOL_CONTACT): READ,
    ("progress", SCHOOL_CONTACT): READ,
    # The family doctor, for the physical side of getting better (sleep) and
    # to know what the setback reviews changed.
    ("progress", PRIMARY_CARE): READ,
    ("setback_reviews", PRIMARY_CARE): READ,
}

# What a role reads of a section that reaches it only under an agreement,
# when that is less than the whole section: the minimum that helps them act
# (DESIGN.md, principle 2). Progress shared with school shows how sleep is
# going and whether help is asked for sooner, never counts of self-harm, how
# severe, urges, the time from urge to action, or the question about
# thoughts of suicide.
SHARED_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("progress", SCHOOL_CONTACT): frozenset({"checked_on", "sleep_hours", "sought_help_sooner"}),
}

SCHOOL_ROLES = frozenset({SCHOOL_CONTACT, SCHOOL_STAFF})
NEVER_SHARED_WITH_SCHOOL = frozenset({"clinical", "events"})

for _kind in SCHOOL_RECORDS:
    if _kind not in SECTIONS:
        raise RuntimeError(f"SCHOOL_RECORDS names {_kind!r}, which is not a section")

for _kind in NEVER_SHARED_WITH_SCHOOL:
    if SCHOOL_ROLES & set(POLICY[_kind]):
        raise RuntimeError(f"{_kind} is never for school roles, yet the policy gives them some")

for _kind, _role in SHAREABLE:
    if _kind in NEVER_SHARED_WITH_SCHOOL and _role in SCHOOL_ROLES:
        raise RuntimeError(f"{_kind} can never be shared with {_role}")
    if _role in POLICY[_kind]:
        raise RuntimeError(f"{_role} reads {_kind} already: sharing it with them would mean nothing")

for _pair in SHARED_FIELDS:
    if _pair not in SHAREABLE:
        raise RuntimeError(f"SHARED_FIELDS names {_pair!r}, which cannot be shared")

# Who agreed to a share: the young person, a guardian, or both.
AGREED_BY = ("young_person", "guardian", "both")

# Who may say who agreed: a young person speaks for themselves; a caregiver as
# a guardian (or with the young person); a clinician records either.
AGREED_BY_FOR_ROLE: dict[str, tuple[str, ...]] = {
    YOUNG_PERSON: ("young_person", "both"),
    CAREGIVER: ("guardian", "both"),
    CLINICIAN: AGREED_BY,
}

# When a clinician has recorded that the young person decides about sharing
# for themselves (mature enough to decide: Gillick competence), only their
# agreement counts: they record it themselves, or a clinician records it for
# them. A guardian's agreement alone is refused, and a caregiver cannot
# record the young person's word (DESIGN.md, principle 10).
AGREED_BY_WHEN_THEY_DECIDE: dict[str, tuple[str, ...]] = {
    YOUNG_PERSON: ("young_person", "both"),
    CLINICIAN: ("young_person", "both"),
}

# Why an agreement was refused, in words for the person who tried. ``{name}``
# is filled with str.format by the caller (portal/sharing/services.py), after
# the words are read in the page's language.
AGREEMENT_REFUSALS = {
    "they_decide": _l(
        "{name} decides about sharing for themselves, as their clinician recorded. "
        "Only {name} can agree to share this: ask them, or their clinician."
    ),
    "not_yours_to_record": _l("Your role in this circle cannot record this agreement."),
}

# Actions on the circle itself, by role.
CIRCLE_ACTIONS: dict[str, frozenset[str]] = {
    "view_circle": frozenset(ROLES),
    "view_members": frozenset(ROLES),
    "manage_members": frozenset({CLINICIAN, SCHOOL_CONTACT}),
    # Whom each role may add, invite, remove or restore: transitions.py.
    "invite": frozenset({CLINICIAN, SCHOOL_CONTACT, CAREGIVER}),
    # Everyone sees with whom the parts they read are shared.
    "view_sharing": frozenset(ROLES),
    "record_agreement": frozenset({CLINICIAN, CAREGIVER, YOUNG_PERSON}),
    # "Who has seen this plan" (DESIGN.md, principle 7).
    "view_audit": frozenset({CLINICIAN, CAREGIVER, YOUNG_PERSON}),
    # Removing a list item is reversible by a clinician (DESIGN.md, principle 6).
    "restore_items": frozenset({CLINICIAN}),
    # Each member keeps their own entry in the care team up to date.
    "edit_own_contact": frozenset(ROLES),
    # Moving school: a caregiver's word comes first, then the school contact
    # hands the school's part of the plan to the new school (portal/school/).
    "agree_school_move": frozenset({CAREGIVER}),
    "hand_over_school": frozenset({SCHOOL_CONTACT}),
    # Which school the student attends, recorded once while none is (a
    # clinician's circle starts without one); after that only a move changes it,
    "record_school": frozenset({CLINICIAN, SCHOOL_CONTACT}),
    # or, while nothing at it depends on it yet, a correction (portal/school/schools.py).
    "correct_school": frozenset({CLINICIAN, SCHOOL_CONTACT}),
    # A plan review: confirming, section by section, that the plan still fits.
    "record_review": frozenset({CLINICIAN}),
    "export_fhir": frozenset({CLINICIAN}),  # the circle as FHIR R4, for the clinic's record (portal/export/)
    # What the young person is told about sharing: for everyone to read, so
    # the adults know what the young person has been told.
    "view_your_say": frozenset(ROLES),
    # Whether the young person decides about sharing for themselves is a
    # clinician's judgement (DESIGN.md, principle 10).
    "record_deciding": frozenset({CLINICIAN}),
    # The young person can always say they disagree with a sharing choice;
    # the clinicians read it, and are told.
    "record_disagreement": frozenset({YOUNG_PERSON}),
    "view_disagreements": frozenset({CLINICIAN, YOUNG_PERSON}),
    # A clinician marks a disagreement as talked over with the young person.
    "answer_disagreements": frozenset({CLINICIAN}),
    # Sharing without agreement, when there is a serious risk to safety, is
    # recorded so the young person is told what was shared, with whom and why.
    "record_disclosure": frozenset({CLINICIAN, SCHOOL_CONTACT}),
    "view_disclosures": frozenset({CLINICIAN, SCHOOL_CONTACT, YOUNG_PERSON}),
    # Safeguarding limits on a caregiver: placed, changed and lifted through
    # transitions.py (LIMIT, LIFT_LIMIT); seen by those who may place them.
    "view_limits": frozenset({CLINICIAN, SCHOOL_CONTACT}),
    # The routes that place, change or lift one; each change is then decided
    # by transitions.decide with the target's current role in view.
    "set_limits": frozenset({CLINICIAN, SCHOOL_CONTACT}),

    # The circles listed together on a clinician's caseload.
    "caseload": frozenset({CLINICIAN}),
}

# Who answers for follow-up happening after an in-school episode or a setback:
# the clinicians, and whoever the care team names for "monitoring" (a
# responsibility a clinician gives a person, whatever their role).
FOLLOW_UP_RESPONSIBLE_ROLES = frozenset({CLINICIAN})

# Accounts whose organisation role lets them start a circle, and the circle
# role they take in it.
CIRCLE_CREATOR_ROLES = frozenset({CLINICIAN, SCHOOL_CONTACT})

# Circle roles held in the capacity of one's organisation (a clinic, a
# school). A caregiver's account may belong to an organisation too (a
# clinician who is also a parent), but they are in the circle as a parent.
ORGANISATION_ROLES = frozenset({CLINICIAN, PRIMARY_CARE, SCHOOL_CONTACT, SCHOOL_STAFF})

# The staff roles an organisation of each kind may give its accounts.
STAFF_ROLES_BY_ORGANISATION: dict[str, frozenset[str]] = {
    "clinic": frozenset({CLINICIAN, PRIMARY_CARE}),
    "school": frozenset({SCHOOL_CONTACT, SCHOOL_STAFF}),
}

# Whose home page opens with "right now" (portal/rightnow/): the young person
# and the people at home, at the hours the rest of the team is not there.
RIGHT_NOW_ON_HOME_PAGE = frozenset({YOUNG_PERSON, CAREGIVER})

# The member a school's caseload lists circles for.
SCHOOL_CASELOAD_ROLE = SCHOOL_CONTACT

# Who answers for who sees the plan, and so hears when a member's role in the
# circle changes.
TOLD_OF_ROLE_CHANGES = frozenset({CLINICIAN, CAREGIVER})

# Notices that reach these roles by email at once, whatever their settings:
# caregivers and clinicians hear of an in-school episode at once, always; of
# an event outside school too, with primary care; the clinicians hear at once
# that aftercare is due and that a check-in asks for contact soon, and the
# school contact that a return to school needs planning.
ALWAYS_AT_ONCE: frozenset[tuple[str, str]] = frozenset({
    ("episode_recorded", CAREGIVER),
    ("episode_recorded", CLINICIAN),
    ("event_recorded", CAREGIVER),
    ("event_recorded", CLINICIAN),
    ("event_recorded", PRIMARY_CARE),
    ("aftercare_due", CLINICIAN),
    ("contact_soon", CLINICIAN),
    ("return_to_plan", SCHOOL_CONTACT),
})


# Safeguarding limits (DESIGN.md, principle 11). Not every caregiver is safe
# to tell everything: a clinician or the school contact may place a limit on
# one caregiver's membership (transitions.LIMIT). Under it, the sections it
# names are hidden from them by every route, the notices that would reach
# them at once (an event, a use of the in-school plan) wait for their
# ordinary settings instead, and they do not see who has looked at the plan.
LIMITABLE_ROLES = frozenset({CAREGIVER})
LIMIT_REMOVES_ACTIONS = frozenset({"view_audit"})
LIMIT_NOT_AT_ONCE = frozenset({"event_recorded", "episode_recorded"})
# What the form suggests hiding; the person placing the limit chooses.
LIMIT_SUGGESTS_HIDING = ("events", "setback_reviews", "progress")
# The reason for a limit is for the clinicians alone, whoever placed it.
LIMIT_REASON_READERS = frozenset({CLINICIAN})
# Who is told that a limit was placed, changed or lifted: those who may place one.
TOLD_OF_LIMITS = frozenset({CLINICIAN, SCHOOL_CONTACT})


class Standing(frozenset):
    """What one member's access rests on besides their role.

    The set itself holds the (section, role) pairs shared under agreements in
    force in their circle, so it goes wherever ``Shared`` does; ``hidden`` is
    what a safeguarding limit on this member hides, and ``limited`` says a
    limit is in force. Built by portal/access/queries.standing_for."""

    hidden: frozenset[str]
    limited: bool

    def __new__(cls, pairs=(), *, hidden=frozenset(), limited=False):
        standing = super().__new__(cls, pairs)
        standing.hidden = frozenset(check_section(kind) for kind in hidden)
        standing.limited = limited or bool(standing.hidden)
        return standing


def limit_hides(shared, kind: str) -> bool:
    return isinstance(shared, Standing) and kind in shared.hidden


def is_limited(shared) -> bool:
    return isinstance(shared, Standing) and shared.limited


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


def section_title(kind: str) -> str:
    """The section's short name inside a sentence: "the safety plan"."""
    # Read now, in the language of the page or notice being written.
    return str(SECTION_TITLES[check_section(kind)]).lower()


def role_mode(role: str, kind: str) -> Mode | None:
    return POLICY[check_section(kind)].get(check_role(role))


Shared = frozenset  # of (section, role) pairs under an agreement in force


def shared_mode(role: str, kind: str, shared: Shared) -> Mode | None:
    """What an agreement in force adds for this role; never more than SHAREABLE allows."""
    if (kind, role) not in shared:
        return None
    if role in SCHOOL_ROLES and kind in NEVER_SHARED_WITH_SCHOOL:
        return None
    return SHAREABLE.get((kind, role))


def can(role: str, kind: str, mode: str, shared: Shared = frozenset()) -> bool:
    granted = role_mode(role, kind) or shared_mode(role, kind, shared)
    if limit_hides(shared, kind):
        granted = None
    if mode == READ:
        return granted is not None
    if mode == EDIT:
        return granted == EDIT
    raise UnknownName(f"unknown mode {mode!r}")


def readable_sections(role: str, shared: Shared = frozenset()) -> tuple[str, ...]:
    return tuple(kind for kind in SECTIONS if can(role, kind, READ, shared))


def field_visible(role: str, kind: str, field: str, shared: Shared = frozenset()) -> bool:
    if not can(role, kind, READ, shared):
        return False
    if role in HIDDEN_FIELDS.get((kind, field), frozenset()):
        return False
    only = SHARED_FIELDS.get((kind, role))
    if only is not None and role_mode(role, kind) is None:
        return field in only
    return True


def field_editable(role: str, kind: str, field: str, shared: Shared = frozenset()) -> bool:
    if not (can(role, kind, EDIT, shared) and field_visible(role, kind, field, shared)):
        return False
    editors = FIELD_EDITORS.get((kind, field))
    return editors is None or role in editors


def row_scope(role: str, kind: str) -> RowScope | None:
    check_role(role)
    check_section(kind)
    return ROW_SCOPES.get((kind, role))


def held_to_current_school(role: str, kind: str) -> bool:
    """Whether this role reaches only the rows of ``kind`` made at the circle's current school."""
    return check_role(role) in SCHOOL_ROLES and check_section(kind) in SCHOOL_RECORDS


def can_act(role: str, action: str, shared: Shared = frozenset()) -> bool:
    try:
        allowed = CIRCLE_ACTIONS[action]
    except KeyError:
        raise UnknownName(f"unknown circle action {action!r}") from None
    if action in LIMIT_REMOVES_ACTIONS and is_limited(shared):
        return False
    return check_role(role) in allowed


def at_once(notice: str, role: str | None, shared: Shared = frozenset()) -> bool:
    """Whether this notice reaches this member by email at once, whatever their settings."""
    if role is None or (notice, check_role(role)) not in ALWAYS_AT_ONCE:
        return False
    return not (notice in LIMIT_NOT_AT_ONCE and is_limited(shared))


def may_be_limited(role: str) -> bool:
    return check_role(role) in LIMITABLE_ROLES


def reads_limit_reason(role: str) -> bool:
    return check_role(role) in LIMIT_REASON_READERS


def told_of_limits(role: str) -> bool:
    return check_role(role) in TOLD_OF_LIMITS


def creates_circles(staff_role: str | None) -> bool:
    """Whether an account's staff role lets it start a circle (CIRCLE_CREATOR_ROLES)."""
    return staff_role in CIRCLE_CREATOR_ROLES


def agreed_by_choices(role: str, they_decide: bool = False) -> tuple[str, ...]:
    """Whom this role may record as having agreed to a share; none for most
    roles, and only the young person's word when they decide for themselves."""
    table = AGREED_BY_WHEN_THEY_DECIDE if they_decide else AGREED_BY_FOR_ROLE
    return table.get(check_role(role), ())


def agreement_refusal(role: str, agreed_by: str, they_decide: bool) -> str | None:
    """Why this role may not record this agreement now (a key of
    AGREEMENT_REFUSALS), or None when it may."""
    if agreed_by not in AGREED_BY:
        raise UnknownName(f"unknown agreement {agreed_by!r}")
    if agreed_by in agreed_by_choices(role, they_decide):
        return None
    if they_decide and agreed_by in agreed_by_choices(role):
        return "they_decide"
    return "not_yours_to_record"


def right_now_on_home_page(role: str) -> bool:
    return check_role(role) in RIGHT_NOW_ON_HOME_PAGE


def told_of_role_changes(role: str) -> bool:
    return check_role(role) in TOLD_OF_ROLE_CHANGES


def answers_for_follow_ups(role: str, holds_monitoring: bool) -> bool:
    """Whether this member is told that a follow-up is due, or was missed.

    Only someone who reads every follow-up can tell whether one is booked: a
    member whose row scope hides appointments (the school contact) is not
    asked to answer for them, even when named for monitoring.
    """
    if not (check_role(role) in FOLLOW_UP_RESPONSIBLE_ROLES or holds_monitoring):
        return False
    return can(role, "follow_ups", READ) and row_scope(role, "follow_ups") is None
