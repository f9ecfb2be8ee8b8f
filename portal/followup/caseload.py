"""The clinician's caseload: every circle where the user is on the clinical
team, those whose follow-up is slipping first. The ordering is worked out in
SQL, and the details in four queries for the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.access import policy
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.followup.due import EVENT_SOURCES, first_unanswered, since_for, unanswered_events
from portal.paging import Page
from portal.plan.models import Episode, FollowUp

TIER_FOLLOW_UP, TIER_REVIEW, TIER_EPISODE, TIER_NONE = 0, 1, 2, 3


@dataclass
class CaseloadEntry:
    membership: Membership
    tier: int
    problems: list = field(default_factory=list)  # FollowUp rows missed or overdue
    due_since: datetime | None = None
    next_review: datetime | None = None
    next_appointment: datetime | None = None
    last_episode: datetime | None = None

    def sections_shown(self) -> tuple[str, ...]:
        """What the caseload shows of this circle: always something of the
        follow-ups (what slipped, the next review or that none is booked),
        and the last episode when there is one."""
        return ("follow_ups", "episodes") if self.last_episode else ("follow_ups",)


def _needs_answer(now):
    """A follow-up that slipped (missed, or booked and past), or aftercare
    still being arranged, due or overdue: each puts a circle first."""
    return or_(
        FollowUp.status == "missed",
        and_(FollowUp.status == "scheduled", FollowUp.due_at < now),
        and_(FollowUp.kind == "aftercare", FollowUp.status == "to_arrange"),
    )


def _caseload_roles() -> tuple[str, ...]:
    return tuple(role for role in policy.ROLES if policy.can_act(role, "caseload"))


def caseload(user, page: int, per_page: int) -> Page:
    """The circles where the user is on the clinical team, those whose
    follow-up is slipping first, then those whose plan review is due, then
    those with a recent in-school episode. The ordering is worked out in SQL,
    so a page costs the same whether the caseload holds ten circles or five
    hundred."""
    config = current_app.config
    now = clock.now()
    roles = _caseload_roles()
    mine = (Membership.user_id == user.id, Membership.removed_at.is_(None), Membership.role.in_(roles))

    slipping = exists().where(FollowUp.circle_id == Circle.id, FollowUp.removed_at.is_(None), _needs_answer(now))
    due = or_(*(first_unanswered(source, Circle.id).is_not(None) for source in EVENT_SOURCES))
    next_review = (
        select(func.min(FollowUp.due_at))
        .where(
            FollowUp.circle_id == Circle.id,
            FollowUp.removed_at.is_(None),
            FollowUp.kind == "plan_review",
            FollowUp.status == "scheduled",
        )
        .scalar_subquery()
    )
    review_due = or_(next_review.is_(None), next_review < now + timedelta(days=config["REVIEW_DUE_SOON_DAYS"]))
    recent = exists().where(
        Episode.circle_id == Circle.id,
        Episode.removed_at.is_(None),
        Episode.occurred_at >= now - timedelta(days=config["RECENT_EPISODE_DAYS"]),
    )
    tier = case(
        (or_(slipping, due), TIER_FOLLOW_UP), (review_due, TIER_REVIEW), (recent, TIER_EPISODE), else_=TIER_NONE
    ).label("tier")

    total = db.session.scalar(select(func.count()).select_from(Membership).where(*mine)) or 0
    page, pages = Page.placed(page, total, per_page)
    rows = db.session.execute(
        select(Membership, tier)
        .join(Membership.circle)
        .options(contains_eager(Membership.circle))
        .where(*mine)
        .order_by(tier, Circle.young_person_name, Circle.id)
        .limit(per_page)
        .offset(Page.offset(page, per_page))
    ).all()
    entries = {membership.circle_id: CaseloadEntry(membership, tier_value) for membership, tier_value in rows}
    _fill_details(entries, now, config)
    return Page(list(entries.values()), page, pages, total, per_page)


def _fill_details(entries: dict[int, CaseloadEntry], now: datetime, config) -> None:
    """What each circle on the page needs, in four queries for the whole page."""
    circle_ids = list(entries)
    if not circle_ids:
        return
    problems = db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.circle_id.in_(circle_ids),
            FollowUp.removed_at.is_(None),
            _needs_answer(now),
        )
        .order_by(FollowUp.due_at)
    )
    for row in problems:
        entries[row.circle_id].problems.append(row)
    for circle_id, events in unanswered_events(circle_ids).items():
        entry = entries[circle_id]
        entry.due_since = since_for(entry.membership, events, frozenset())
    coming = db.session.execute(
        select(FollowUp.circle_id, FollowUp.kind, func.min(FollowUp.due_at))
        .where(
            FollowUp.circle_id.in_(circle_ids),
            FollowUp.removed_at.is_(None),
            FollowUp.status == "scheduled",
            or_(FollowUp.kind == "plan_review", and_(FollowUp.kind == "appointment", FollowUp.due_at >= now)),
        )
        .group_by(FollowUp.circle_id, FollowUp.kind)
    )
    for circle_id, kind, due_at in coming:
        if kind == "plan_review":
            entries[circle_id].next_review = due_at
        else:
            entries[circle_id].next_appointment = due_at
    since = now - timedelta(days=config["RECENT_EPISODE_DAYS"])
    episodes = db.session.execute(
        select(Episode.circle_id, func.max(Episode.occurred_at))
        .where(Episode.circle_id.in_(circle_ids), Episode.removed_at.is_(None), Episode.occurred_at >= since)
        .group_by(Episode.circle_id)
    )
    for circle_id, occurred_at in episodes:
        # Neither episodes nor setback reviews can be shared by agreement, so
        # the role alone decides, without a query per circle for agreements;
        # the latest is of any school, so not for a role held to the current one.
        role = entries[circle_id].membership.role
        if policy.can(role, "episodes", policy.READ) and not policy.held_to_current_school(role, "episodes"):
            entries[circle_id].last_episode = occurred_at
