"""Who may name a student's school, and who sees a school's staff list:
the access rules of recording a school and of adding a teacher from the
staff list (portal/school/schools.py asks them)."""

from __future__ import annotations

from portal.access import policy

# A school's own people name only their own school; a clinician any school
# in Support Circle.
NAMES_ONLY_OWN_SCHOOL = policy.SCHOOL_ROLES


def names_only_own_school(role: str) -> bool:
    policy.check_role(role)
    return role in NAMES_ONLY_OWN_SCHOOL


def sees_school_staff_list(reader_organisation_id: int | None, school_organisation_id: int | None) -> bool:
    """A school's staff list is the school's: shown to its own people only
    (the school contact who adds teachers), never to another organisation's."""
    return school_organisation_id is not None and reader_organisation_id == school_organisation_id
