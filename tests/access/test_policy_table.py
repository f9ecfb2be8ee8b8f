"""The policy table against a copy written out by hand: any change to who may
read or edit what must be made in both places, deliberately."""

import pytest

from portal.access import policy, transitions

R, E, N = "read", "edit", None

EXPECTED = {
    #                  clinician primary_care caregiver young_person school_contact school_staff
    "care_team":        (E, R, R, R, R, R),
    "school_plan":      (E, R, R, R, E, R),
    "adjustments":      (R, R, R, R, E, R),
    "return_to_school": (E, R, R, R, E, R),
    "safety_plan":      (E, R, E, E, N, N),
    "home_safety":      (E, R, E, N, N, N),
    "clinical":         (E, R, N, N, N, N),
    "follow_ups":       (E, R, R, R, E, N),
    "episodes":         (R, N, R, N, E, E),
    "events":           (E, R, E, E, N, N),
    "setback_reviews":  (E, N, R, N, N, N),
    "progress":         (E, N, E, E, N, N),
}
ROLE_ORDER = ("clinician", "primary_care", "caregiver", "young_person", "school_contact", "school_staff")


def test_roles_and_sections_are_the_designed_ones():
    assert set(policy.ROLES) == set(ROLE_ORDER)
    assert set(policy.SECTIONS) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_table_matches_the_hand_written_copy(kind):
    for role, expected in zip(ROLE_ORDER, EXPECTED[kind], strict=True):
        assert policy.role_mode(role, kind) == expected, (kind, role)


def test_field_rules_are_the_designed_ones():
    assert policy.HIDDEN_FIELDS == {
        ("school_plan", "staff_notes"): frozenset({"school_staff"}),
        ("adjustments", "reason"): frozenset({"school_staff"}),
        ("care_team", "responsibilities"): frozenset({"school_staff"}),
        # The direct question about thoughts of suicide, even in a progress share.
        ("progress", "suicidal_thoughts"): frozenset({"school_contact", "school_staff"}),
    }
    assert policy.FIELD_EDITORS == {
        ("home_safety", "medication_safety"): frozenset({"clinician"}),
        ("care_team", "responsibilities"): frozenset({"clinician"}),
        ("return_to_school", "ready_from"): frozenset({"clinician"}),
    }
    assert {key: (scope.field, scope.value) for key, scope in policy.ROW_SCOPES.items()} == {
        ("follow_ups", "school_contact"): ("kind", "school_review"),
        ("episodes", "school_staff"): ("recorded_by_id", policy.SELF),
    }


def test_school_roles_never_read_clinical_notes():
    for role in ("school_contact", "school_staff"):
        assert not policy.can(role, "clinical", "read")
        assert not policy.can(role, "home_safety", "read")
        assert not policy.can(role, "setback_reviews", "read")
        assert not policy.can(role, "events", "read")


@pytest.mark.parametrize(
    "call",
    [
        lambda: policy.can("headteacher", "clinical", "read"),
        lambda: policy.can("clinician", "diary", "read"),
        lambda: policy.can("clinician", "clinical", "delete"),
        lambda: policy.can_act("clinician", "launch"),
        lambda: transitions.decide("add", "clinician", "not_member", "principal"),
        lambda: transitions.decide("promote", "clinician", "not_member", "caregiver"),
        lambda: transitions.decide("add", "clinician", "suspended", "caregiver"),
        lambda: transitions.decide("add", "headteacher", "not_member", "caregiver"),
        lambda: policy.row_scope("clinician", "diary"),
    ],
)
def test_unknown_names_raise(call):
    with pytest.raises(policy.UnknownName):
        call()


# Every allowed membership change, written out by hand: (action, acting role)
# -> {(target state now, state asked for)}. Whatever is not here is refused.
C, PC, CG, YP, SC, ST = "clinician", "primary_care", "caregiver", "young_person", "school_contact", "school_staff"
NONE, GONE = "not_member", "removed"
ADULTS = (C, PC, CG, SC, ST)
EVERYONE = (C, PC, CG, YP, SC, ST)
# A clinician brings in, changes, removes and restores the family doctor like
# any other adult; the school never does, and primary care itself manages nobody.
EXPECTED_TRANSITIONS = {
    ("add", C): {(NONE, r) for r in EVERYONE},
    ("add", SC): {(NONE, SC), (NONE, ST)},
    ("invite", C): {(NONE, r) for r in EVERYONE},
    ("invite", SC): {(NONE, SC), (NONE, ST)},
    ("invite", CG): {(NONE, CG)},
    ("change_role", C): {(a, b) for a in ADULTS for b in ADULTS if a != b},
    ("change_role", SC): {(SC, ST), (ST, SC)},
    ("remove", C): {(r, GONE) for r in EVERYONE},
    ("remove", SC): {(SC, GONE), (ST, GONE)},
    ("restore", C): {(GONE, r) for r in EVERYONE},
    ("restore", SC): {(GONE, SC), (GONE, ST)},
    ("hand_over", SC): {(NONE, SC), (ST, SC)},
    ("create", C): {(NONE, C)},
    ("create", SC): {(NONE, SC)},
    # A safeguarding limit on a caregiver, placed or lifted by a clinician or
    # the school contact; the caregiver stays a caregiver.
    ("limit", C): {(CG, CG)},
    ("limit", SC): {(CG, CG)},
    ("lift_limit", C): {(CG, CG)},
    ("lift_limit", SC): {(CG, CG)},
}


# Allowed only while the circle has nobody in the role asked for.
EXPECTED_WHILE_NONE = {("invite", SC): {CG, YP}}


def test_the_membership_transitions_are_the_designed_ones():
    actual = {
        (action, role): set(pairs) for action, by_role in transitions.TRANSITIONS.items() for role, pairs in by_role.items()
    }
    assert actual == EXPECTED_TRANSITIONS
    assert {key: set(roles) for key, roles in transitions.WHILE_NONE.items()} == EXPECTED_WHILE_NONE


@pytest.mark.parametrize("action", transitions.ACTIONS)
def test_decide_follows_the_table_for_every_case(action):
    for role in policy.ROLES:
        for state in transitions.STATES:
            for requested in transitions.STATES:
                expected = (state, requested) in EXPECTED_TRANSITIONS.get((action, role), set()) or (
                    state == NONE and requested in EXPECTED_WHILE_NONE.get((action, role), set())
                )
                # Another clinician is in, and no young person or caregiver yet: the
                # circle's make-up (test_what_the_circle_holds_decides_too) changes nothing here.
                facts = transitions.CircleFacts(roles_present=frozenset({C}))
                found = transitions.decide(action, role, state, requested, facts=facts).allowed
                assert found is expected, (role, state, requested)
                # Nobody changes their own place, whatever the table says (joining one's own new circle aside).
                own = transitions.decide(action, role, state, requested, self_target=True, facts=facts).allowed
                assert own is (expected and action == "create")
        assert not transitions.decide(action, None, transitions.NOT_MEMBER, policy.CAREGIVER).allowed


def test_what_the_circle_holds_decides_too():
    facts = transitions.CircleFacts
    # One young person a circle.
    with_yp = facts(roles_present=frozenset({C, YP}))
    assert not transitions.decide("add", C, NONE, YP, facts=with_yp).allowed
    assert not transitions.decide("change_role", C, CG, YP, facts=with_yp).allowed
    assert not transitions.decide("restore", C, GONE, YP, previous_role=YP, facts=with_yp).allowed
    assert transitions.decide("add", C, NONE, YP, facts=facts(roles_present=frozenset({C}))).allowed
    # The school brings the family into a circle it started, only while it has none.
    assert transitions.decide("invite", SC, NONE, CG, facts=facts(roles_present=frozenset({SC}))).allowed
    assert not transitions.decide("invite", SC, NONE, CG, facts=facts(roles_present=frozenset({SC, CG}))).allowed
    assert not transitions.decide("invite", SC, NONE, C, facts=facts(roles_present=frozenset({SC}))).allowed
    # Never the last clinician away.
    alone = facts(roles_present=frozenset({CG}))
    assert not transitions.decide("remove", C, C, GONE, facts=alone).allowed
    assert not transitions.decide("change_role", C, C, CG, facts=alone).allowed
    assert transitions.decide("remove", C, C, GONE, facts=facts(roles_present=frozenset({C}))).allowed
    # A school acts only on accounts of the circle's current school (removing aside).
    elsewhere = facts(roles_present=frozenset({C, SC}), outside_school=True)
    for action, state, requested, previous in (("add", NONE, ST, None), ("restore", GONE, ST, ST),
                                               ("change_role", ST, SC, None)):
        assert not transitions.decide(action, SC, state, requested, previous_role=previous, facts=elsewhere).allowed
        assert transitions.decide(action, C, state, requested, previous_role=previous, facts=elsewhere).allowed
    assert transitions.decide("remove", SC, ST, GONE, facts=elsewhere).allowed


def test_no_school_role_reaches_a_family_or_clinical_role():
    for action in transitions.ACTIONS:
        if action in transitions.LIMIT_ACTIONS:
            # A limit narrows what a caregiver is told: it grants nobody anything and changes no role.
            assert all(old == new for pairs in transitions.TRANSITIONS[action].values() for old, new in pairs)
            continue
        for role in policy.SCHOOL_ROLES:
            for _state, requested in transitions.TRANSITIONS[action].get(role, ()):
                assert requested in policy.SCHOOL_ROLES | {transitions.REMOVED}, (action, role, requested)
        for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF, policy.CAREGIVER, policy.YOUNG_PERSON):
            for state, _requested in transitions.TRANSITIONS[action].get(role, ()):
                assert state not in (policy.CLINICIAN, policy.PRIMARY_CARE, policy.CAREGIVER, policy.YOUNG_PERSON), (
                    action, role, state,
                )


def test_sharing_rules_are_the_designed_ones():
    assert policy.SHAREABLE == {
        ("safety_plan", "school_contact"): "read",
        ("progress", "school_contact"): "read",
        ("progress", "primary_care"): "read",
        ("setback_reviews", "primary_care"): "read",
    }
    shared = frozenset({("safety_plan", "school_contact"), ("clinical", "school_contact"), ("clinical", "school_staff")})
    assert policy.can("school_contact", "safety_plan", "read", shared)
    assert not policy.can("school_contact", "safety_plan", "edit", shared)
    assert not policy.can("school_contact", "safety_plan", "read")
    # Clinical notes stay with clinicians whatever is recorded.
    assert not policy.can("school_contact", "clinical", "read", shared)
    assert not policy.can("school_staff", "clinical", "read", shared)
    assert not policy.can("school_staff", "safety_plan", "read", shared)
    # Events outside school stay away from the school whatever is recorded, like clinical notes.
    assert policy.NEVER_SHARED_WITH_SCHOOL == {"clinical", "events"}
    everything = frozenset((kind, role) for kind in policy.SECTIONS for role in ("school_contact", "school_staff"))
    for role in ("school_contact", "school_staff"):
        assert not policy.can(role, "events", "read", everything)
        assert not policy.field_visible(role, "progress", "suicidal_thoughts", everything)


def test_progress_shared_with_school_is_the_minimum_that_helps_school_act():
    from portal.plan.sections import SPECS

    shared = frozenset({("progress", "school_contact"), ("progress", "primary_care")})
    shown = {f.name for f in SPECS["progress"].fields if policy.field_visible("school_contact", "progress", f.name, shared)}
    assert shown == {"checked_on", "sleep_hours", "sought_help_sooner"}
    for never in ("episodes", "severity", "urges", "urge_to_action", "suicidal_thoughts", "what_helped", "notes"):
        assert not policy.field_visible("school_contact", "progress", never, shared)
    # The family doctor, under an agreement, reads the whole log; the family reads it by default.
    assert all(policy.field_visible("primary_care", "progress", f.name, shared) for f in SPECS["progress"].fields)
    assert policy.field_visible("caregiver", "progress", "episodes")
    assert policy.SHARED_FIELDS == {("progress", "school_contact"): {"checked_on", "sleep_hours", "sought_help_sooner"}}


def test_when_the_young_person_decides_only_their_word_shares():
    assert policy.AGREED_BY_WHEN_THEY_DECIDE == {
        "young_person": ("young_person", "both"),
        "clinician": ("young_person", "both"),
    }
    assert policy.agreed_by_choices("caregiver", they_decide=True) == ()
    assert policy.agreed_by_choices("caregiver") == ("guardian", "both")
    assert policy.agreement_refusal("caregiver", "guardian", they_decide=True) == "they_decide"
    assert policy.agreement_refusal("caregiver", "both", they_decide=True) == "they_decide"
    assert policy.agreement_refusal("clinician", "guardian", they_decide=True) == "they_decide"
    assert policy.agreement_refusal("caregiver", "guardian", they_decide=False) is None
    assert policy.agreement_refusal("young_person", "young_person", they_decide=True) is None
    assert policy.agreement_refusal("school_contact", "guardian", they_decide=False) == "not_yours_to_record"
    with pytest.raises(policy.UnknownName):
        policy.agreement_refusal("caregiver", "the neighbour", they_decide=False)


def test_a_safeguarding_limit_is_decided_by_the_policy():
    assert policy.LIMITABLE_ROLES == {"caregiver"}
    assert policy.LIMIT_REMOVES_ACTIONS == {"view_audit"}
    assert policy.LIMIT_NOT_AT_ONCE == {"event_recorded", "episode_recorded"}
    assert policy.LIMIT_REASON_READERS == {"clinician"}
    assert policy.TOLD_OF_LIMITS == {"clinician", "school_contact"}
    shared = frozenset({("safety_plan", "school_contact")})
    limited = policy.Standing(shared, hidden={"events", "home_safety"}, limited=True)
    # What it hides is hidden for reading and editing; the rest stays as the role has it.
    for mode in ("read", "edit"):
        assert not policy.can("caregiver", "events", mode, limited)
        assert not policy.can("caregiver", "home_safety", mode, limited)
    assert policy.can("caregiver", "safety_plan", "edit", limited)
    assert "events" not in policy.readable_sections("caregiver", limited)
    assert not policy.field_visible("caregiver", "events", "what_happened", limited)
    # Who has seen the plan, and the notices that would reach them at once.
    assert not policy.can_act("caregiver", "view_audit", limited)
    assert policy.can_act("caregiver", "view_audit", policy.Standing(shared))
    assert policy.can_act("caregiver", "view_sharing", limited)
    assert not policy.at_once("event_recorded", "caregiver", limited)
    assert not policy.at_once("episode_recorded", "caregiver", limited)
    assert policy.at_once("event_recorded", "caregiver", policy.Standing(shared))
    assert policy.at_once("event_recorded", "caregiver")
    # A limit that hides nothing still holds back what comes at once, and who has looked.
    quiet = policy.Standing(limited=True)
    assert not policy.at_once("episode_recorded", "caregiver", quiet)
    assert not policy.can_act("caregiver", "view_audit", quiet)
    assert policy.can("caregiver", "events", "read", quiet)
    with pytest.raises(policy.UnknownName):
        policy.Standing(hidden={"diary"})


def test_the_young_persons_say_is_the_designed_one():
    actions = {action: set(roles) for action, roles in policy.CIRCLE_ACTIONS.items()}
    assert actions["view_your_say"] == set(policy.ROLES)
    assert actions["record_deciding"] == {"clinician"}
    assert actions["record_disagreement"] == {"young_person"}
    assert actions["view_disagreements"] == {"clinician", "young_person"}
    assert actions["answer_disagreements"] == {"clinician"}
    assert actions["record_disclosure"] == {"clinician", "school_contact"}
    assert actions["view_disclosures"] == {"clinician", "school_contact", "young_person"}
    assert actions["view_limits"] == {"clinician", "school_contact"}
    assert actions["set_limits"] == {"clinician", "school_contact"}


def test_section_titles_are_the_ones_the_plan_shows():
    from portal.plan.sections import SPECS

    assert {kind: SPECS[kind].short_title for kind in policy.SECTIONS} == policy.SECTION_TITLES


def test_role_rules_moved_into_the_policy_are_the_designed_ones():
    assert policy.AGREED_BY_FOR_ROLE == {
        "young_person": ("young_person", "both"),
        "caregiver": ("guardian", "both"),
        "clinician": ("young_person", "guardian", "both"),
    }
    assert policy.ORGANISATION_ROLES == {"clinician", "primary_care", "school_contact", "school_staff"}
    assert policy.STAFF_ROLES_BY_ORGANISATION == {
        "clinic": {"clinician", "primary_care"},
        "school": {"school_contact", "school_staff"},
    }
    assert policy.SCHOOL_CASELOAD_ROLE == "school_contact"
    assert policy.TOLD_OF_ROLE_CHANGES == {"clinician", "caregiver"}
    assert policy.RIGHT_NOW_ON_HOME_PAGE == {"young_person", "caregiver"}
    assert policy.ALWAYS_AT_ONCE == {
        ("episode_recorded", "caregiver"),
        ("episode_recorded", "clinician"),
        ("event_recorded", "caregiver"),
        ("event_recorded", "clinician"),
        ("event_recorded", "primary_care"),
        ("aftercare_due", "clinician"),
        ("contact_soon", "clinician"),
        ("return_to_plan", "school_contact"),
    }
    assert [role for role in ROLE_ORDER if policy.creates_circles(role)] == ["clinician", "school_contact"]
    assert not policy.creates_circles(None)
