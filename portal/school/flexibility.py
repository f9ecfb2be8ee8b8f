"""Deadline flexibility over time: where each adjustment is in time (ending
soon, active, upcoming, ended), and the prompt to look at the adjustments
again after an in-school episode, for one circle or for many.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.access.queries import circle_school, made_at_school, row_condition
from portal.extensions import db
from portal.plan.models import Adjustment, Episode
from portal.school.models import FlexibilityReview
from portal.school.scopes import all_of

ENDING_SOON, ACTIVE, UPCOMING, ENDED = "ending_soon", "active", "upcoming", "ended"


def adjustment_phase(start_date: date, end_date: date | None, today: date, soon_days: int) -> str:
    if start_date > today:
        return UPCOMING
    if end_date is not None and end_date < today:
        return ENDED
    if end_date is not None and end_date <= today + timedelta(days=soon_days):
        return ENDING_SOON
    return ACTIVE




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
    episodes = all_of(Episode.circle_id == circle_id, Episode.removed_at.is_(None),
                      row_condition("episodes", membership, Episode))
    reviews = all_of(FlexibilityReview.circle_id == circle_id,
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
