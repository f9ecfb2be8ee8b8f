from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.audit.services import record as audit
from portal.auth.models import User
from portal.auth.services import find_user
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.notify import services as notify
from portal.plan.services import create_own_contact


def create_circle(creator: User, young_person_name: str, relationship_label: str = "") -> Circle:
    school = creator.organisation if creator.organisation and creator.organisation.kind == "school" else None
    circle = Circle(young_person_name=young_person_name.strip(), created_by_id=creator.id, school=school)
    db.session.add(circle)
    db.session.flush()
    _join(circle, creator, creator.staff_role, relationship_label, creator)
    db.session.commit()
    return circle


def _join(circle: Circle, user: User, role: str, relationship_label: str, actor: User) -> Membership:
    membership = db.session.scalars(
        select(Membership).where(Membership.circle_id == circle.id, Membership.user_id == user.id)
    ).first()
    if membership is None:
        membership = Membership(circle_id=circle.id, user_id=user.id)
        db.session.add(membership)
    membership.role = role
    membership.relationship_label = relationship_label.strip()
    membership.added_by_id = actor.id
    membership.added_at = clock.now()
    membership.removed_at = None
    membership.removed_by_id = None
    db.session.flush()
    create_own_contact(circle.id, membership, user, actor)
    audit("member_added", circle_id=circle.id, user=actor, subject=user)
    if user.id != actor.id:
        notify.membership_changed(circle.id, user, added=True)
    return membership


def add_member(circle: Circle, email: str, role: str, relationship_label: str, actor: User) -> bool:
    """Add an existing active account; False (and nothing changes) when none matches."""
    user = find_user(email)
    if user is None or not user.active:
        return False
    _join(circle, user, role, relationship_label, actor)
    db.session.commit()
    return True


def remove_member(membership: Membership, actor: User) -> None:
    """The person loses access to the circle on their very next request."""
    _leave(membership, actor)
    db.session.commit()


def _leave(membership: Membership, actor: User) -> None:
    """Remove in the caller's transaction, so several removals (a move of school) stand or fall together."""
    membership.removed_at = clock.now()
    membership.removed_by_id = actor.id
    audit("member_removed", circle_id=membership.circle_id, user=actor, subject=membership.user)
    notify.membership_changed(membership.circle_id, membership.user, added=False)


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
