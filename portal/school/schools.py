"""Which school a circle's student attends, and the school's staff a teacher
is chosen from: the queries behind both, and recording the school.

The school is recorded here only while none is. A school recorded by
mistake is corrected here while nothing at that school depends on it yet;
after that it changes only by a move of school (services.hand_over), with a
caregiver's agreement and the new school's contact."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update

from portal import touched
from portal.access import policy
from portal.access import schools as school_access
from portal.access.queries import made_at_school
from portal.audit.services import record as audit
from portal.auth.models import Organisation, User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.notify import services as notify
from portal.plan.models import Episode
from portal.school.models import FlexibilityReview, SchoolHandover

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
IN_USE = _l(
    "The school recorded can no longer be corrected here: its people have been in the circle, or a move of "
    "school has been agreed. When the student changes school, a caregiver agrees to a move of school and the "
    "school contact hands over, on the school page."
)

# The records that keep the school they were made at (policy.SCHOOL_RECORDS,
# and the flexibility reviews that stand beside the episodes).
SCHOOL_RECORD_MODELS = (Episode, FlexibilityReview)


def _carry_school_records(circle_id: int, was: int | None, now: int) -> None:
    """The records made at the school as it was recorded belong to the school now recorded:
    those made while none was (the student attended it already), or under a school corrected."""
    for model in SCHOOL_RECORD_MODELS:
        db.session.execute(
            update(model)
            .where(model.circle_id == circle_id, made_at_school(getattr(model, policy.SCHOOL_RECORD_FIELD), was))
            .values({policy.SCHOOL_RECORD_FIELD: now})
            .execution_options(synchronize_session=False)
        )


def _switch_school(circle: Circle, was: int | None, school: Organisation, *still_so) -> bool:
    """Record ``school`` for the circle if ``still_so`` holds, in one conditional
    UPDATE (of two people at once only one writes, and a move is never
    bypassed), and carry the records made under ``was`` with it. False, and
    nothing written, when the condition no longer held."""
    written = db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id, *still_so)
        .values(school_organisation_id=school.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        db.session.rollback()
        return False
    _carry_school_records(circle.id, was, school.id)
    # Read afresh from here on: the dashboard's rows are recomputed before the
    # commit, from the circle's school as it now is (portal/touched.py).
    db.session.expire(circle)
    touched.changed(circle.id)
    return True


def record_school(circle: Circle, school: Organisation, actor: User) -> None:
    """Record the school while none is; a conditional update, so two people
    recording at once cannot both write, and a move is never bypassed."""
    if not _switch_school(circle, None, school, Circle.school_organisation_id.is_(None)):
        raise AlreadyRecorded(str(ALREADY_RECORDED))
    audit("school_recorded", circle_id=circle.id, user=actor)
    db.session.commit()


# --- Correcting a school recorded by mistake -----------------------------------------------------------


class InUse(Exception):
    """The school recorded has come into the circle: only a move of school changes it."""


def _in_use(circle_id: int, organisation_id):
    """SQL: something at the recorded school depends on it. Its people have been
    in the circle in a school role (now or earlier: only members write the
    school's plan, adjustments, episodes and reviews, so none of its people
    has written anything while none has been a member), or a move of school
    is agreed or done (it starts from the school recorded)."""
    joined = (
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.circle_id == circle_id,
            Membership.role.in_(policy.SCHOOL_ROLES),
            User.organisation_id == organisation_id,
        )
        .exists()
    )
    moving = (
        select(SchoolHandover.id)
        .where(SchoolHandover.circle_id == circle_id, SchoolHandover.withdrawn_at.is_(None))
        .exists()
    )
    return or_(joined, moving)


def correctable(circle: Circle) -> bool:
    """A school is recorded and nothing at it depends on it yet."""
    if circle.school_organisation_id is None:
        return False
    return not db.session.scalar(select(_in_use(circle.id, circle.school_organisation_id)))


def correct_school(circle: Circle, school: Organisation, actor: User) -> None:
    """Put right a school recorded by mistake. A conditional update: the school
    is still the one read and nothing at it depends on it, so a correction never
    bypasses a move of school, and of two at once only one writes. The school's
    records made under the mistaken school go to the right one."""
    was = circle.school_organisation_id
    if was is None:
        raise InUse(str(IN_USE))  # nothing recorded to correct: the route records one instead
    if not _switch_school(circle, was, school, Circle.school_organisation_id == was, ~_in_use(circle.id, was)):
        raise InUse(str(IN_USE))
    audit("school_corrected", circle_id=circle.id, user=actor)
    notify.school_corrected(circle.id, actor)
    db.session.commit()


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
