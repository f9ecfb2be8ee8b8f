"""The policy table against a copy written out by hand: any change to who may
read or edit what must be made in both places, deliberately."""

import pytest

from portal.access import policy

R, E, N = "read", "edit", None

EXPECTED = {
    #                 clinician caregiver young_person school_contact school_staff
    "care_team":       (E, R, R, R, R),
    "school_plan":     (E, R, R, E, R),
    "adjustments":     (R, R, R, E, R),
    "safety_plan":     (E, E, E, N, N),
    "home_safety":     (E, E, N, N, N),
    "clinical":        (E, N, N, N, N),
    "follow_ups":      (E, R, R, E, N),
    "episodes":        (R, R, N, E, E),
    "setback_reviews": (E, R, N, N, N),
    "progress":        (E, E, E, N, N),
}
ROLE_ORDER = ("clinician", "caregiver", "young_person", "school_contact", "school_staff")


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
    }
    assert policy.FIELD_EDITORS == {
        ("home_safety", "medication_safety"): frozenset({"clinician"}),
        ("care_team", "responsibilities"): frozenset({"clinician"}),
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


@pytest.mark.parametrize(
    "call",
    [
        lambda: policy.can("headteacher", "clinical", "read"),
        lambda: policy.can("clinician", "diary", "read"),
        lambda: policy.can("clinician", "clinical", "delete"),
        lambda: policy.can_act("clinician", "launch"),
        lambda: policy.may_grant("clinician", "principal"),
        lambda: policy.row_scope("clinician", "diary"),
    ],
)
def test_unknown_names_raise(call):
    with pytest.raises(policy.UnknownName):
        call()


def test_only_a_clinician_can_grant_the_clinician_role():
    assert policy.may_grant("clinician", "clinician")
    assert not policy.may_grant("school_contact", "clinician")
    assert policy.may_grant("school_contact", "school_staff")
    # A caregiver may invite another caregiver and the young person, no one else.
    assert {r for r in policy.ROLES if policy.may_grant("caregiver", r)} == {"caregiver", "young_person"}
    assert not policy.may_grant("young_person", "caregiver")


def test_sharing_rules_are_the_designed_ones():
    assert policy.SHAREABLE == {("safety_plan", "school_contact"): "read", ("progress", "school_contact"): "read"}
    shared = frozenset({("safety_plan", "school_contact"), ("clinical", "school_contact"), ("clinical", "school_staff")})
    assert policy.can("school_contact", "safety_plan", "read", shared)
    assert not policy.can("school_contact", "safety_plan", "edit", shared)
    assert not policy.can("school_contact", "safety_plan", "read")
    # Clinical notes stay with clinicians whatever is recorded.
    assert not policy.can("school_contact", "clinical", "read", shared)
    assert not policy.can("school_staff", "clinical", "read", shared)
    assert not policy.can("school_staff", "safety_plan", "read", shared)
