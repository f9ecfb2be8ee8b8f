"""Reading the plan, always through a member: scoped rows, filtered fields."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.access.guard import in_circle_or_404
from portal.access.queries import row_condition
from portal.auth.models import User
from portal.extensions import db
from portal.plan.models import SectionVersion


def document(circle_id: int, spec):
    return db.session.scalars(select(spec.model).where(spec.model.circle_id == circle_id)).first()


def _item_order(spec):
    model = spec.model
    if spec.order_by == "position":
        return (model.position, model.id)
    return (getattr(model, spec.order_by).desc(), model.id.desc())


def items(circle_id: int, spec, membership, *, removed: bool = False) -> list:
    model = spec.model
    stmt = select(model).where(model.circle_id == circle_id)
    stmt = stmt.where(model.removed_at.is_not(None) if removed else model.removed_at.is_(None))
    condition = row_condition(spec.kind, membership, model)
    if condition is not None:
        stmt = stmt.where(condition)
    return list(db.session.scalars(stmt.order_by(*_item_order(spec))))


def item_or_404(circle_id: int, spec, membership, item_id: int):
    """A list item of this circle that the member's scope reaches; else 404."""
    condition = row_condition(spec.kind, membership, spec.model)
    return in_circle_or_404(
        spec.model, item_id, circle_id, section=spec.kind, where=() if condition is None else (condition,)
    )


def versions(circle_id: int, spec, membership) -> list[tuple[SectionVersion, str]]:
    """Saved states of the section the member may read, newest first, with the author's name."""
    stmt = (
        select(SectionVersion, User.name)
        .outerjoin(User, User.id == SectionVersion.changed_by_id)
        .where(SectionVersion.circle_id == circle_id, SectionVersion.kind == spec.kind)
    )
    if spec.is_list:
        condition = row_condition(spec.kind, membership, spec.model)
        if condition is not None:
            stmt = stmt.where(SectionVersion.item_id.in_(select(spec.model.id).where(condition)))
    stmt = stmt.order_by(SectionVersion.changed_at.desc(), SectionVersion.id.desc())
    return [(version, name or _nobody(version)) for version, name in db.session.execute(stmt)]


# A version without an author was made by the passing of time (a follow-up
# nobody marked attended becomes missed: portal/followup/schedule.py).
BY_SCHEDULE = _l("Support Circle, automatically,")


def _nobody(version) -> str:
    return str(BY_SCHEDULE) if version.changed_by_id is None else _("Someone no longer in Support Circle")


def next_position(circle_id: int, spec) -> int:
    model = spec.model
    highest = db.session.scalar(select(func.max(model.position)).where(model.circle_id == circle_id))
    return (highest or 0) + 1
