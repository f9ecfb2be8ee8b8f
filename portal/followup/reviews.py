"""Plan reviews as they are read: who may see which kind of follow-up, the
next booked review, the meetings a review may have been held at, and when
each section was last reviewed and last changed. One query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from portal.access import policy
from portal.access.queries import member_can
from portal.auth.models import User
from portal.extensions import db
from portal.followup.models import SectionReview
from portal.plan.models import FollowUp, SectionVersion


def reaches_kind(membership, follow_up_kind: str) -> bool:
    """Whether the member may read follow-ups of this kind (the school sees only school reviews)."""
    if not member_can(membership, "follow_ups", policy.READ):
        return False
    scope = policy.row_scope(membership.role, "follow_ups")
    return scope is None or (scope.field == "kind" and scope.value == follow_up_kind)


def next_plan_review(circle_id: int) -> FollowUp | None:
    """The plan's next review: the earliest plan review still scheduled, overdue included."""
    return db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.circle_id == circle_id,
            FollowUp.removed_at.is_(None),
            FollowUp.kind == "plan_review",
            FollowUp.status == "scheduled",
        )
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(1)
    ).first()


def review_meetings(circle_id: int, now: datetime) -> list[FollowUp]:
    """Booked plan reviews a review being recorded may have taken place at:
    from the last few weeks up to tomorrow, still scheduled or marked missed."""
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(
                FollowUp.circle_id == circle_id,
                FollowUp.removed_at.is_(None),
                FollowUp.kind == "plan_review",
                FollowUp.status.in_(("scheduled", "missed")),
                FollowUp.due_at <= now + timedelta(days=1),
                FollowUp.due_at >= now - timedelta(days=60),
            )
            .order_by(FollowUp.due_at.desc(), FollowUp.id.desc())
        )
    )


@dataclass(frozen=True)
class LastReview:
    reviewed_at: datetime
    reviewer: str
    outcome: str
    version_changed_at: datetime | None


def _reviewer(name: str | None) -> str:
    return name or _("Someone no longer in Support Circle")


@lru_cache(maxsize=2)
def _last_reviews_statement(of_some: bool):
    # Built once a process (every section page asks it), for all the sections
    # or for a list of them (an expanding parameter).
    latest = select(func.max(SectionReview.id)).where(SectionReview.circle_id == bindparam("circle_id"))
    if of_some:
        latest = latest.where(SectionReview.section.in_(bindparam("kinds", expanding=True)))
    latest = latest.group_by(SectionReview.section)
    return (
        select(SectionReview, User.name, SectionVersion.changed_at)
        .outerjoin(User, User.id == SectionReview.reviewed_by_id)
        .outerjoin(SectionVersion, SectionVersion.id == SectionReview.version_id)
        .where(SectionReview.id.in_(latest))
    )


def last_reviews(circle_id: int, kinds=None) -> dict[str, LastReview]:
    """The latest review of each section (or of ``kinds``), with who made it; one query."""
    params = {"circle_id": circle_id}
    if kinds is not None:
        params["kinds"] = list(kinds)
        if not params["kinds"]:
            return {}
    rows = db.session.execute(_last_reviews_statement(kinds is not None), params)
    return {
        review.section: LastReview(review.reviewed_at, _reviewer(name), review.outcome, changed_at)
        for review, name, changed_at in rows
    }


def latest_versions(circle_id: int) -> dict[str, tuple[int, datetime]]:
    """Each section's newest saved version (id, when); one query."""
    newest = (
        select(func.max(SectionVersion.id))
        .where(SectionVersion.circle_id == circle_id)
        .group_by(SectionVersion.kind)
    )
    rows = db.session.execute(
        select(SectionVersion.kind, SectionVersion.id, SectionVersion.changed_at).where(SectionVersion.id.in_(newest))
    )
    return {kind: (version_id, changed_at) for kind, version_id, changed_at in rows}
