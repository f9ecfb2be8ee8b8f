"""Row scopes written for statements over many circles at once.

portal.access.queries.row_condition says what one member reaches in one
circle; the school's lists (the caseload) read rows of many circles in one
statement, so the same rule is written here against each row's circle.
"""

from __future__ import annotations

from sqlalchemy import and_

from portal.access import policy
from portal.access.queries import made_at_school
from portal.circles.models import Circle
from portal.school.models import FlexibilityReview


def scope_condition(role: str, kind: str, model, user_id: int):
    """What portal.access.queries.row_condition says for one member, for rows of
    many circles at once: the role's row scope, and for a school record the
    school each row's circle is at now (the statement must join Circle)."""
    conditions = []
    scope = policy.row_scope(role, kind)
    if scope is not None:
        value = user_id if scope.value is policy.SELF else scope.value
        conditions.append(getattr(model, scope.field) == value)
    if policy.held_to_current_school(role, kind):
        conditions.append(made_at_school(getattr(model, policy.SCHOOL_RECORD_FIELD), Circle.school_organisation_id))
    return and_(*conditions) if conditions else None


def reviews_of_the_current_school():
    """Flexibility reviews are the school's own records, like its episodes (the statement must join Circle)."""
    return made_at_school(FlexibilityReview.school_organisation_id, Circle.school_organisation_id)


def all_of(*conditions):
    """The conditions given, those that are None (no scope) left out."""
    return and_(*(c for c in conditions if c is not None))
