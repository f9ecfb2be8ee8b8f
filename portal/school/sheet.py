"""What to allow this week: the teacher's weekly sheet of every student they
teach or look after at school, with the adjustments in force that week and,
around a return to school, its timetable and what staff do and allow. Three
statements, however many students; the sheet is printed, so it shows only
what every school role may see of an adjustment or a return, never the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select

from portal import clock
from portal.access import policy
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.plan.models import Adjustment, ReturnToSchool

# The weekly sheet is for anyone who teaches or looks after the student at school.
SHEET_ROLES = tuple(role for role in (policy.SCHOOL_STAFF, policy.SCHOOL_CONTACT) if policy.can(role, "adjustments", policy.READ))
# What the weekly sheet shows of an adjustment. Never the reason: the sheet is
# printed and left on desks.
SHEET_FIELDS = ("kind", "subjects", "details", "start_date", "end_date")
# What it shows of a return to school: the steps, never why the student was away.
RETURN_FIELDS = ("ready_from", "timetable", "staff_steps")
# A return stays on the sheet from the week it starts until this many days after.
RETURN_SHOWN_DAYS = 14

for _role in SHEET_ROLES:
    for _field in SHEET_FIELDS:
        if not policy.field_visible(_role, "adjustments", _field):
            raise RuntimeError(f"the weekly sheet shows adjustments.{_field}, which {_role} may not see")
    if policy.row_scope(_role, "adjustments") is not None or policy.held_to_current_school(_role, "adjustments"):
        raise RuntimeError("the weekly sheet does not handle a row scope on adjustments")
    for _field in RETURN_FIELDS:
        if not policy.field_visible(_role, "return_to_school", _field):
            raise RuntimeError(f"the weekly sheet shows return_to_school.{_field}, which {_role} may not see")


def this_week(today: date | None = None) -> tuple[date, date]:
    """Monday to Sunday of the school week a teacher is planning for: this
    week, or the coming one from Saturday on."""
    today = today or clock.today()
    monday = today - timedelta(days=today.weekday())
    if today.weekday() >= 5:
        monday += timedelta(days=7)
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class SheetAdjustment:
    id: int
    kind: str
    subjects: str
    details: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class SheetReturn:
    ready_from: date
    timetable: str
    staff_steps: str


@dataclass
class SheetStudent:
    circle_id: int
    name: str
    role: str
    # The reader's own words for how they know the student ("Maths teacher",
    # "Form tutor 9B"): the sheet's classes.
    label: str = ""
    adjustments: list[SheetAdjustment] = field(default_factory=list)
    returning: SheetReturn | None = None


def week_sheet(user, monday: date, sunday: date) -> list[SheetStudent]:
    """Every student the user teaches or looks after at school, with the
    adjustments in force at some point in the week, and a return to school
    that starts this week or started lately. Three statements."""
    memberships = db.session.execute(
        select(Circle.id, Circle.young_person_name, Membership.role, Membership.relationship_label)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(Membership.user_id == user.id, Membership.removed_at.is_(None), Membership.role.in_(SHEET_ROLES))
        .order_by(Circle.young_person_name, Circle.id)
    ).all()
    students = {
        circle_id: SheetStudent(circle_id, name, role, (label or "").strip()) for circle_id, name, role, label in memberships
    }
    if not students:
        return []
    columns = [getattr(Adjustment, name) for name in SHEET_FIELDS]
    rows = db.session.execute(
        select(Adjustment.circle_id, Adjustment.id, *columns)
        .join(Membership, Membership.circle_id == Adjustment.circle_id)
        .where(
            Membership.user_id == user.id,
            Membership.removed_at.is_(None),
            Membership.role.in_(SHEET_ROLES),
            Adjustment.removed_at.is_(None),
            Adjustment.start_date <= sunday,
            or_(Adjustment.end_date.is_(None), Adjustment.end_date >= monday),
        )
        .order_by(Adjustment.circle_id, Adjustment.start_date, Adjustment.id)
    )
    for circle_id, adjustment_id, *values in rows:
        students[circle_id].adjustments.append(SheetAdjustment(adjustment_id, *values))
    returns = db.session.execute(
        select(ReturnToSchool.circle_id, *(getattr(ReturnToSchool, name) for name in RETURN_FIELDS))
        .join(Membership, Membership.circle_id == ReturnToSchool.circle_id)
        .where(
            Membership.user_id == user.id,
            Membership.removed_at.is_(None),
            Membership.role.in_(SHEET_ROLES),
            ReturnToSchool.ready_from <= sunday,
            ReturnToSchool.ready_from >= monday - timedelta(days=RETURN_SHOWN_DAYS),
        )
    )
    for circle_id, *values in returns:
        students[circle_id].returning = SheetReturn(*values)
    return list(students.values())
