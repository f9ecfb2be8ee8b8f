"""Reading the school's view across many students, always from the user.

Every list here starts from the user's own active memberships in a school
role, and costs a fixed number of statements however many students there
are: a counselor with hundreds of students must not wait longer than one
with ten. Which roles and fields are involved is asked of the policy; where
the policy would need a case these queries do not handle, they raise at
import rather than show too much.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from portal import clock
from portal.access import policy
from portal.access.queries import circle_school, made_at_school, row_condition
from portal.auth.models import Organisation, User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.plan.models import Adjustment, Episode, FollowUp, SchoolPlan
from portal.school.models import FlexibilityReview, SchoolHandover
from portal.timezone import zone

# The caseload is the school contact's; the weekly sheet is for anyone who
# teaches or looks after the student at school.
CASELOAD_ROLE = policy.SCHOOL_CONTACT
SHEET_ROLES = tuple(role for role in (policy.SCHOOL_STAFF, policy.SCHOOL_CONTACT) if policy.can(role, "adjustments", policy.READ))
# What the weekly sheet shows of an adjustment. Never the reason: the sheet is
# printed and left on desks.
SHEET_FIELDS = ("kind", "subjects", "details", "start_date", "end_date")

for _kind in ("episodes", "adjustments", "follow_ups", "school_plan"):
    if not policy.can(CASELOAD_ROLE, _kind, policy.READ):
        raise RuntimeError(f"the caseload summarises {_kind}, which the school contact may no longer read")
# Only the episodes' summary joins each row's circle, to know which school it is at now.
for _kind in ("adjustments", "follow_ups", "school_plan"):
    if policy.held_to_current_school(CASELOAD_ROLE, _kind):
        raise RuntimeError(f"the caseload does not hold {_kind} to the current school")
for _role in SHEET_ROLES:
    for _field in SHEET_FIELDS:
        if not policy.field_visible(_role, "adjustments", _field):
            raise RuntimeError(f"the weekly sheet shows adjustments.{_field}, which {_role} may not see")
    if policy.row_scope(_role, "adjustments") is not None or policy.held_to_current_school(_role, "adjustments"):
        raise RuntimeError("the weekly sheet does not handle a row scope on adjustments")


def local_midnight(day: date) -> datetime:
    """The start of a local day, as the aware UTC datetime the columns keep."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


def this_week(today: date | None = None) -> tuple[date, date]:
    """Monday to Sunday of the school week a teacher is planning for: this
    week, or the coming one from Saturday on."""
    today = today or clock.today()
    monday = today - timedelta(days=today.weekday())
    if today.weekday() >= 5:
        monday += timedelta(days=7)
    return monday, monday + timedelta(days=6)


def _scope_condition(role: str, kind: str, model, user_id: int):
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


def _reviews_of_the_current_school():
    """Flexibility reviews are the school's own records, like its episodes (the statement must join Circle)."""
    return made_at_school(FlexibilityReview.school_organisation_id, Circle.school_organisation_id)


def _where(*conditions):
    return and_(*(c for c in conditions if c is not None))


# --- Adjustments over time ---------------------------------------------------

ENDING_SOON, ACTIVE, UPCOMING, ENDED = "ending_soon", "active", "upcoming", "ended"


def adjustment_phase(start_date: date, end_date: date | None, today: date, soon_days: int) -> str:
    if start_date > today:
        return UPCOMING
    if end_date is not None and end_date < today:
        return ENDED
    if end_date is not None and end_date <= today + timedelta(days=soon_days):
        return ENDING_SOON
    return ACTIVE


# --- The counselor's caseload -------------------------------------------------

SORTS = {
    "name": "Name",
    "last_episode": "Last episode",
    "ending": "Adjustments ending",
    "review": "Review due",
}
FILTERS = {
    "episodes_this_week": "Episodes this week",
    "active_adjustments": "Active adjustments",
    "reviews_due": "Reviews due",
    "no_school_plan": "No in-school plan yet",
}
PER_PAGE = 25
# Bounded, so that a huge ?page= cannot overflow the OFFSET.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class CaseloadRow:
    circle_id: int
    name: str
    last_episode: datetime | None
    episodes_this_week: int
    active_adjustments: int
    next_end: date | None
    ending_soon: bool
    next_review: datetime | None
    review_due: bool
    has_school_plan: bool
    review_flexibility: bool

    def sections_shown(self) -> list[str]:
        """The parts of the plan this row shows something of ("None" shows nothing)."""
        shown = {
            "episodes": self.last_episode is not None or self.episodes_this_week > 0,
            "adjustments": self.active_adjustments > 0 or self.next_end is not None,
            "follow_ups": self.next_review is not None,
            "school_plan": self.has_school_plan,
        }
        return [section for section, is_shown in shown.items() if is_shown]


@dataclass
class CaseloadPage:
    rows: list[CaseloadRow]
    total: int
    page: int
    pages: int
    per_page: int = PER_PAGE
    in_caseload: int = 0


def _mine(user_id: int):
    return select(Membership.circle_id).where(
        Membership.user_id == user_id, Membership.role == CASELOAD_ROLE, Membership.removed_at.is_(None)
    )


def caseload(user, *, sort: str = "name", filters: frozenset[str] = frozenset(), page: int = 1) -> CaseloadPage:
    """Every circle where the user is the school contact, summarised, one page at a time.

    Three statements: how many circles are theirs at all, how many match, and
    the page. Each summary is an aggregate joined in, never a query a row.
    """
    if sort not in SORTS or not filters <= set(FILTERS):
        raise policy.UnknownName(f"unknown caseload sort or filter: {sort!r}, {sorted(filters)!r}")
    config = current_app.config
    now = clock.now()
    today = clock.today()
    week_start = local_midnight(today - timedelta(days=today.weekday()))
    ending_horizon = today + timedelta(days=config["ADJUSTMENT_ENDING_SOON_DAYS"])
    review_horizon = now + timedelta(days=config["REVIEW_DUE_SOON_DAYS"])
    recent = now - timedelta(days=config["RECENT_EPISODE_DAYS"])
    mine = _mine(user.id)

    episodes = (
        select(
            Episode.circle_id.label("circle_id"),
            func.max(Episode.occurred_at).label("last_episode"),
            func.count(case((Episode.occurred_at >= week_start, 1))).label("this_week"),
            func.max(Episode.created_at).label("last_recorded"),
        )
        .join(Circle, Circle.id == Episode.circle_id)
        .where(_where(Episode.circle_id.in_(mine), Episode.removed_at.is_(None),
                      _scope_condition(CASELOAD_ROLE, "episodes", Episode, user.id)))
        .group_by(Episode.circle_id)
        .subquery()
    )
    active = and_(
        Adjustment.removed_at.is_(None),
        Adjustment.start_date <= today,
        or_(Adjustment.end_date.is_(None), Adjustment.end_date >= today),
    )
    adjustments = (
        select(
            Adjustment.circle_id.label("circle_id"),
            func.count(case((active, 1))).label("active"),
            func.min(case((and_(active, Adjustment.end_date.is_not(None)), Adjustment.end_date))).label("next_end"),
            # Any change, removals included, counts as having looked at them.
            func.max(Adjustment.updated_at).label("changed"),
        )
        .where(_where(Adjustment.circle_id.in_(mine), _scope_condition(CASELOAD_ROLE, "adjustments", Adjustment, user.id)))
        .group_by(Adjustment.circle_id)
        .subquery()
    )
    reviews = (
        select(FollowUp.circle_id.label("circle_id"), func.min(FollowUp.due_at).label("next_review"))
        .where(
            _where(
                FollowUp.circle_id.in_(mine),
                FollowUp.removed_at.is_(None),
                FollowUp.kind == "school_review",
                FollowUp.status == "scheduled",
                _scope_condition(CASELOAD_ROLE, "follow_ups", FollowUp, user.id),
            )
        )
        .group_by(FollowUp.circle_id)
        .subquery()
    )
    looked = (
        select(FlexibilityReview.circle_id.label("circle_id"), func.max(FlexibilityReview.reviewed_at).label("at"))
        .join(Circle, Circle.id == FlexibilityReview.circle_id)
        .where(FlexibilityReview.circle_id.in_(mine), _reviews_of_the_current_school())
        .group_by(FlexibilityReview.circle_id)
        .subquery()
    )

    conditions = [Circle.id.in_(mine)]
    if "episodes_this_week" in filters:
        conditions.append(episodes.c.this_week > 0)
    if "active_adjustments" in filters:
        conditions.append(adjustments.c.active > 0)
    if "reviews_due" in filters:
        conditions.append(reviews.c.next_review <= review_horizon)
    if "no_school_plan" in filters:
        conditions.append(SchoolPlan.id.is_(None))

    def joined(stmt):
        return (
            stmt.select_from(Circle)
            .outerjoin(episodes, episodes.c.circle_id == Circle.id)
            .outerjoin(adjustments, adjustments.c.circle_id == Circle.id)
            .outerjoin(reviews, reviews.c.circle_id == Circle.id)
            .outerjoin(looked, looked.c.circle_id == Circle.id)
            .outerjoin(SchoolPlan, SchoolPlan.circle_id == Circle.id)
            .where(*conditions)
        )

    in_caseload = db.session.scalar(select(func.count()).select_from(Circle).where(Circle.id.in_(mine))) or 0
    total = db.session.scalar(joined(select(func.count()))) if filters else in_caseload
    total = total or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)

    by_name = (Circle.young_person_name, Circle.id)
    order = {
        "name": by_name,
        "last_episode": (episodes.c.last_episode.is_(None), episodes.c.last_episode.desc(), *by_name),
        "ending": (adjustments.c.next_end.is_(None), adjustments.c.next_end, *by_name),
        "review": (reviews.c.next_review.is_(None), reviews.c.next_review, *by_name),
    }[sort]
    stmt = joined(
        select(
            Circle.id,
            Circle.young_person_name,
            episodes.c.last_episode,
            episodes.c.this_week,
            episodes.c.last_recorded,
            adjustments.c.active,
            adjustments.c.next_end,
            adjustments.c.changed,
            reviews.c.next_review,
            looked.c.at,
            SchoolPlan.id,
        )
    ).order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    rows = []
    for (circle_id, name, last_episode, this_week_count, last_recorded, active_count, next_end, changed,
         next_review, reviewed_at, plan_id) in db.session.execute(stmt):
        rows.append(
            CaseloadRow(
                circle_id=circle_id,
                name=name,
                last_episode=last_episode,
                episodes_this_week=this_week_count or 0,
                active_adjustments=active_count or 0,
                next_end=next_end,
                ending_soon=next_end is not None and next_end <= ending_horizon,
                next_review=next_review,
                review_due=next_review is not None and next_review <= review_horizon,
                has_school_plan=plan_id is not None,
                review_flexibility=needs_flexibility_review(last_recorded, changed, reviewed_at, recent),
            )
        )
    return CaseloadPage(rows, total, page, pages, in_caseload=in_caseload)


def needs_flexibility_review(last_recorded, adjustments_changed, reviewed_at, recent) -> bool:
    """After an episode, until the adjustments change or the contact says they still fit.

    A prompt, never a block: it fades by itself once the episode is no longer recent.
    """
    if last_recorded is None or last_recorded < recent:
        return False
    return all(at is None or at < last_recorded for at in (adjustments_changed, reviewed_at))


# --- One circle at a time --------------------------------------------------------


def flexibility_review_due(membership) -> bool:
    """The same prompt as on the caseload, for the member's circle, in one statement."""
    circle_id = membership.circle_id
    recent = clock.now() - timedelta(days=current_app.config["RECENT_EPISODE_DAYS"])
    episodes = _where(Episode.circle_id == circle_id, Episode.removed_at.is_(None),
                      row_condition("episodes", membership, Episode))
    reviews = _where(FlexibilityReview.circle_id == circle_id,
                     made_at_school(FlexibilityReview.school_organisation_id, circle_school(membership)))
    stmt = select(
        select(func.max(Episode.created_at)).where(episodes).scalar_subquery(),
        select(func.max(Adjustment.updated_at)).where(Adjustment.circle_id == circle_id).scalar_subquery(),
        select(func.max(FlexibilityReview.reviewed_at)).where(reviews).scalar_subquery(),
    )
    last_recorded, changed, reviewed_at = db.session.execute(stmt).one()
    return needs_flexibility_review(last_recorded, changed, reviewed_at, recent)


def may_be_prompted_to_review(role: str, shared: policy.Shared) -> bool:
    """Who is asked to look at the adjustments again after an episode: whoever
    changes them, if they also see every episode."""
    return (
        policy.can(role, "adjustments", policy.EDIT, shared)
        and policy.can(role, "episodes", policy.READ, shared)
        and policy.row_scope(role, "episodes") is None
    )


# --- What to allow this week ---------------------------------------------------------


@dataclass(frozen=True)
class SheetAdjustment:
    id: int
    kind: str
    subjects: str
    details: str
    start_date: date
    end_date: date | None


@dataclass
class SheetStudent:
    circle_id: int
    name: str
    role: str
    adjustments: list[SheetAdjustment] = field(default_factory=list)


def week_sheet(user, monday: date, sunday: date) -> list[SheetStudent]:
    """Every student the user teaches or looks after at school, with the
    adjustments in force at some point in the week. Two statements."""
    memberships = db.session.execute(
        select(Circle.id, Circle.young_person_name, Membership.role)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(Membership.user_id == user.id, Membership.removed_at.is_(None), Membership.role.in_(SHEET_ROLES))
        .order_by(Circle.young_person_name, Circle.id)
    ).all()
    students = {circle_id: SheetStudent(circle_id, name, role) for circle_id, name, role in memberships}
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
    return list(students.values())


# --- Moving school ------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A move of school as the history tells it: names, not ids."""

    handover: SchoolHandover
    agreed_by: str
    from_school: str
    to_school: str
    new_contact: str
    performed_by: str
    withdrawn_by: str


def moves(circle_id: int) -> list[Move]:
    """Every agreement to move school in the circle and what came of it, newest first, in one statement."""
    agreed, contact, performer, withdrawer = (aliased(User) for _ in range(4))
    old, new = aliased(Organisation), aliased(Organisation)
    rows = db.session.execute(
        select(SchoolHandover, agreed.name, old.name, new.name, contact.name, performer.name, withdrawer.name)
        .outerjoin(agreed, agreed.id == SchoolHandover.agreed_by_id)
        .outerjoin(old, old.id == SchoolHandover.from_organisation_id)
        .outerjoin(new, new.id == SchoolHandover.to_organisation_id)
        .outerjoin(contact, contact.id == SchoolHandover.new_contact_id)
        .outerjoin(performer, performer.id == SchoolHandover.performed_by_id)
        .outerjoin(withdrawer, withdrawer.id == SchoolHandover.withdrawn_by_id)
        .where(SchoolHandover.circle_id == circle_id)
        .order_by(SchoolHandover.agreed_at.desc(), SchoolHandover.id.desc())
    )
    someone = "someone no longer in Support Circle"
    return [
        Move(handover, agreed_name or someone, old_name or "the previous school", new_name or handover.to_school_name,
             contact_name or someone, performer_name or someone, withdrawer_name or someone)
        for handover, agreed_name, old_name, new_name, contact_name, performer_name, withdrawer_name in rows
    ]
