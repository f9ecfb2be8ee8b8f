"""The counselor's caseload: every circle where the user is the school
contact, summarised, sorted and filtered, one page at a time.

It starts from the user's own active memberships in that role and costs
three statements however many students there are: a counselor with hundreds
of students must not wait longer than one with ten. Where the policy would
need a case these queries do not handle, they raise at import rather than
show too much.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from portal import clock
from portal.access import policy
from portal.access.finding import name_pattern
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.paging import Page
from portal.plan.models import Adjustment, Episode, FollowUp, ReturnToSchool, SchoolPlan
from portal.school.flexibility import needs_flexibility_review
from portal.school.models import FlexibilityReview
from portal.school.returning import has_timetable, meeting_soon, planned, plans_the_return
from portal.school.scopes import all_of, reviews_of_the_current_school, scope_condition
from portal.timezone import zone

# Whose caseload it is, the policy says (policy.SCHOOL_CASELOAD_ROLE); what it
# summarises must stay within what that role may read.
for _kind in ("episodes", "adjustments", "follow_ups", "school_plan", "return_to_school"):
    if not policy.can(policy.SCHOOL_CASELOAD_ROLE, _kind, policy.READ):
        raise RuntimeError(f"the caseload summarises {_kind}, which the school contact may no longer read")
# Only the episodes' summary joins each row's circle, to know which school it is at now.
for _kind in ("adjustments", "follow_ups", "school_plan", "return_to_school"):
    if policy.held_to_current_school(policy.SCHOOL_CASELOAD_ROLE, _kind):
        raise RuntimeError(f"the caseload does not hold {_kind} to the current school")
# It asks the school contact to plan a return: they must be the ones who plan it.
if not plans_the_return(policy.SCHOOL_CASELOAD_ROLE):
    raise RuntimeError("the caseload asks the school contact to plan returns to school, which they no longer plan")


def local_midnight(day: date) -> datetime:
    """The start of a local day, as the aware UTC datetime the columns keep."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


SORTS = {
    "name": _l("Name"),
    "last_episode": _l("Last episode"),
    "ending": _l("Adjustments ending"),
    "review": _l("Review due"),
}
FILTERS = {
    "episodes_this_week": _l("Episodes this week"),
    "active_adjustments": _l("Active adjustments"),
    "reviews_due": _l("Reviews due"),
    "no_school_plan": _l("No in-school plan yet"),
    "return_to_plan": _l("A return to school to plan"),
}
PER_PAGE = 25


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
    # The day the student is ready to go back, while the return still needs a meeting or a timetable.
    return_to_plan: date | None = None
    # "today" or "tomorrow" when the return meeting is then; else "".
    return_meeting: str = ""

    def sections_shown(self) -> list[str]:
        """The parts of the plan this row shows something of ("None" shows nothing)."""
        shown = {
            "episodes": self.last_episode is not None or self.episodes_this_week > 0,
            "adjustments": self.active_adjustments > 0 or self.next_end is not None,
            "follow_ups": self.next_review is not None,
            "school_plan": self.has_school_plan,
            "return_to_school": self.return_to_plan is not None or bool(self.return_meeting),
        }
        return [section for section, is_shown in shown.items() if is_shown]


@dataclass
class CaseloadPage(Page):
    """A page of the caseload, and how many circles it holds before any filter."""

    in_caseload: int = 0

    @property
    def rows(self) -> list[CaseloadRow]:
        return self.items


def _mine(user_id: int, name: str = "", school_id: int | None = None):
    """The caseload's circle ids; narrowed by name and school before any summary is aggregated."""
    stmt = select(Membership.circle_id).where(
        Membership.user_id == user_id, Membership.role == policy.SCHOOL_CASELOAD_ROLE, Membership.removed_at.is_(None)
    )
    if name or school_id is not None:
        stmt = stmt.join(Circle, Circle.id == Membership.circle_id)
    if name:
        stmt = stmt.where(func.lower(Circle.young_person_name).like(name_pattern(name), escape="\\"))
    if school_id is not None:
        stmt = stmt.where(Circle.school_organisation_id == school_id)
    return stmt


def caseload(
    user, *, sort: str = "name", filters: frozenset[str] = frozenset(), page: int = 1,
    name: str = "", school_id: int | None = None,
) -> CaseloadPage:
    """Every circle where the user is the school contact, summarised, one page at a time.

    Three statements: how many circles are theirs at all, how many match, and
    the page. Each summary is an aggregate joined in, never a query a row,
    over only the circles the name and school leave.
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
    mine = _mine(user.id, name, school_id)
    in_caseload = db.session.scalar(select(func.count()).select_from(Circle).where(Circle.id.in_(_mine(user.id)))) or 0
    # Sorted by name and not filtered, the page's ids are chosen first, and
    # only their summaries are aggregated: a page of 25 costs the same for 295.
    page_first = sort == "name" and not filters
    if page_first:
        if name or school_id is not None:
            total = db.session.scalar(select(func.count()).select_from(Circle).where(Circle.id.in_(mine))) or 0
        else:
            total = in_caseload
        page, pages = Page.placed(page, total, PER_PAGE)
        chosen = (
            select(Circle.id)
            .where(Circle.id.in_(mine))
            .order_by(Circle.young_person_name, Circle.id)
            .limit(PER_PAGE)
            .offset(Page.offset(page, PER_PAGE))
            .subquery()
        )
        mine = select(chosen.c.id)

    episodes = (
        select(
            Episode.circle_id.label("circle_id"),
            func.max(Episode.occurred_at).label("last_episode"),
            func.count(case((Episode.occurred_at >= week_start, 1))).label("this_week"),
            func.max(Episode.created_at).label("last_recorded"),
        )
        .join(Circle, Circle.id == Episode.circle_id)
        .where(all_of(Episode.circle_id.in_(mine), Episode.removed_at.is_(None),
                      scope_condition(policy.SCHOOL_CASELOAD_ROLE, "episodes", Episode, user.id)))
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
        .where(all_of(Adjustment.circle_id.in_(mine), scope_condition(policy.SCHOOL_CASELOAD_ROLE, "adjustments", Adjustment, user.id)))
        .group_by(Adjustment.circle_id)
        .subquery()
    )
    reviews = (
        select(FollowUp.circle_id.label("circle_id"), func.min(FollowUp.due_at).label("next_review"))
        .where(
            all_of(
                FollowUp.circle_id.in_(mine),
                FollowUp.removed_at.is_(None),
                FollowUp.kind == "school_review",
                FollowUp.status == "scheduled",
                scope_condition(policy.SCHOOL_CASELOAD_ROLE, "follow_ups", FollowUp, user.id),
            )
        )
        .group_by(FollowUp.circle_id)
        .subquery()
    )
    looked = (
        select(FlexibilityReview.circle_id.label("circle_id"), func.max(FlexibilityReview.reviewed_at).label("at"))
        .join(Circle, Circle.id == FlexibilityReview.circle_id)
        .where(FlexibilityReview.circle_id.in_(mine), reviews_of_the_current_school())
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
    timetable_written = has_timetable()
    if "return_to_plan" in filters:
        conditions.append(and_(ReturnToSchool.ready_from.is_not(None),
                               or_(ReturnToSchool.meeting_at.is_(None), ~timetable_written)))

    def joined(stmt):
        return (
            stmt.select_from(Circle)
            .outerjoin(episodes, episodes.c.circle_id == Circle.id)
            .outerjoin(adjustments, adjustments.c.circle_id == Circle.id)
            .outerjoin(reviews, reviews.c.circle_id == Circle.id)
            .outerjoin(looked, looked.c.circle_id == Circle.id)
            .outerjoin(SchoolPlan, SchoolPlan.circle_id == Circle.id)
            .outerjoin(ReturnToSchool, ReturnToSchool.circle_id == Circle.id)
            .where(*conditions)
        )

    if not page_first:
        narrowed = bool(filters or name or school_id is not None)
        total = db.session.scalar(joined(select(func.count()))) if narrowed else in_caseload
        total = total or 0
        page, pages = Page.placed(page, total, PER_PAGE)

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
            ReturnToSchool.ready_from,
            ReturnToSchool.meeting_at,
            timetable_written.label("has_timetable"),
        )
    ).order_by(*order).limit(PER_PAGE).offset(0 if page_first else Page.offset(page, PER_PAGE))
    rows = []
    for (circle_id, name, last_episode, this_week_count, last_recorded, active_count, next_end, changed,
         next_review, reviewed_at, plan_id, ready_from, meeting_at, written) in db.session.execute(stmt):
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
                return_to_plan=ready_from if ready_from and not planned(meeting_at, bool(written)) else None,
                return_meeting=meeting_soon(meeting_at, today),
            )
        )
    return CaseloadPage(rows, page, pages, total, PER_PAGE, in_caseload=in_caseload)
