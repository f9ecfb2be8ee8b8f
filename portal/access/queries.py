"""Loading through the policy: every query for circles starts from the user.

A circle the user has no active membership in does not exist for them (404).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal.access import policy
from portal.circles.models import Circle, Membership
from portal.extensions import db


def memberships_for(user) -> list[Membership]:
    """The user's active memberships, each with its circle, in one query."""
    stmt = (
        select(Membership)
        .join(Membership.circle)
        .options(contains_eager(Membership.circle))
        .where(Membership.user_id == user.id, Membership.removed_at.is_(None))
        .order_by(Circle.young_person_name, Circle.id)
    )
    return list(db.session.scalars(stmt))


def get_membership_or_404(circle_id: int, user) -> Membership:
    if not user.is_authenticated:
        abort(404)
    stmt = (
        select(Membership)
        .join(Membership.circle)
        .options(contains_eager(Membership.circle))
        .where(
            Membership.circle_id == circle_id,
            Membership.user_id == user.id,
            Membership.removed_at.is_(None),
        )
    )
    membership = db.session.scalars(stmt).first()
    if membership is None:
        abort(404)
    return membership


def row_condition(kind: str, membership: Membership, model):
    """The SQL condition limiting a list section's rows for this member, or None."""
    scope = policy.row_scope(membership.role, kind)
    if scope is None:
        return None
    value = membership.user_id if scope.value is policy.SELF else scope.value
    return getattr(model, scope.field) == value


def scoped_values(kind: str, membership: Membership) -> dict[str, object]:
    """Values a new row must carry when this member writes under a row scope."""
    scope = policy.row_scope(membership.role, kind)
    if scope is None:
        return {}
    value = membership.user_id if scope.value is policy.SELF else scope.value
    return {scope.field: value}


def row_in_scope(kind: str, membership: Membership, row) -> bool:
    scope = policy.row_scope(membership.role, kind)
    if scope is None:
        return True
    value = membership.user_id if scope.value is policy.SELF else scope.value
    return getattr(row, scope.field) == value
