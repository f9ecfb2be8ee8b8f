"""Which school a circle's student attends, and the school's staff a teacher
is chosen from: the queries behind both, and recording the school.

The school is recorded here only while none is: once a circle has a school,
it changes only by a move of school (services.hand_over), with a
caregiver's agreement and the new school's contact."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update

from portal.access import policy
from portal.access import schools as school_access
from portal.audit.services import record as audit
from portal.auth.models import Organisation, User
from portal.circles.models import Circle, Membership
from portal.extensions import db

# A list longer than this asks for a narrower search instead of a longer page.
SHOWN = 20
LONGEST_SEARCH = 100


@dataclass(frozen=True)
class Found:
    """One page of choices and whether more matched than are shown."""

    rows: list
    more: bool


def _name_matches(column, search: str):
    words = search.strip()
    if not words:
        return True
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _found(stmt) -> Found:
    rows = list(db.session.scalars(stmt.limit(SHOWN + 1)))
    return Found(rows[:SHOWN], len(rows) > SHOWN)


# --- The school a circle records --------------------------------------------------------------------


def _schools_for(actor: Membership):
    """The schools this member may name: a school's own people name only their
    own school; a clinician any school in Support Circle."""
    stmt = select(Organisation).where(Organisation.kind == "school")
    if school_access.names_only_own_school(actor.role):
        stmt = stmt.where(Organisation.id == actor.user.organisation_id)
    return stmt


def school_choices(actor: Membership, search: str) -> Found:
    return _found(
        _schools_for(actor).where(_name_matches(Organisation.name, search)).order_by(Organisation.name, Organisation.id)
    )


def choosable_school(actor: Membership, organisation_id: int) -> Organisation | None:
    return db.session.scalars(_schools_for(actor).where(Organisation.id == organisation_id)).first()


class AlreadyRecorded(Exception):
    """The circle has a school: it changes only by a move of school."""


ALREADY_RECORDED = _l(
    "A school is already recorded for this circle. When the student changes school, a caregiver agrees to the "
    "move and the school contact hands over, on the school page."
)


def record_school(circle: Circle, school: Organisation, actor: User) -> None:
    """Record the school while none is; a conditional update, so two people
    recording at once cannot both write, and a move is never bypassed."""
    written = db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id, Circle.school_organisation_id.is_(None))
        .values(school_organisation_id=school.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        db.session.rollback()
        raise AlreadyRecorded(str(ALREADY_RECORDED))
    audit("school_recorded", circle_id=circle.id, user=actor)
    db.session.commit()
    db.session.expire(circle)


# --- The school's staff list, for adding a teacher -------------------------------------------------


def staff_list_open(circle: Circle, actor: Membership) -> bool:
    """The staff list is the school's: shown to its own people (the school
    contact who adds teachers), never to another organisation's accounts."""
    return school_access.sees_school_staff_list(actor.user.organisation_id, circle.school_organisation_id)


def _staff_of(circle: Circle, actor: Membership):
    return select(User).where(
        User.organisation_id == circle.school_organisation_id,
        User.organisation_id == actor.user.organisation_id,
        User.staff_role == policy.SCHOOL_STAFF,
        User.active.is_(True),
    )


def staff_choices(circle: Circle, actor: Membership, search: str) -> Found:
    """The school's teachers whose name matches, not yet in the circle; names
    and titles only (the page never shows their addresses)."""
    if not staff_list_open(circle, actor):
        return Found([], False)
    in_circle = exists().where(
        Membership.circle_id == circle.id, Membership.user_id == User.id, Membership.removed_at.is_(None)
    )
    stmt = _staff_of(circle, actor).where(_name_matches(User.name, search), ~in_circle).order_by(User.name, User.id)
    return _found(stmt)


def staff_member(circle: Circle, actor: Membership, user_id: int) -> User | None:
    """The teacher with this id, if they are on the list this member may choose from."""
    if not staff_list_open(circle, actor):
        return None
    return db.session.scalars(_staff_of(circle, actor).where(User.id == user_id)).first()
