"""When a follow-up is due, and who answers for it: after an in-school episode,
an event outside school or a setback review, a follow-up appointment must be
booked within FOLLOW_UP_DUE_DAYS, and the clinicians (and whoever the care team names for
monitoring) are the ones asked. Every function costs a fixed number of SQL
statements, however many circles, episodes or follow-ups there are.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from portal.access import policy
from portal.access.queries import limits_in_force
from portal.auth.models import User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.plan.models import CareTeamContact, Episode, FollowUp, OutsideEvent, SetbackReview

# A follow-up that answers an episode or a setback is an appointment, or an
# aftercare follow-up, that is booked or took place; aftercare still being
# arranged, or a missed follow-up, answers nothing, and a school review is not
# clinical follow-up.
ANSWERING_KINDS = ("appointment", "aftercare")
ANSWERING_STATUSES = ("scheduled", "attended")

# Events outside school that start aftercare, due within AFTERCARE_HOURS
# (portal/followup/aftercare.py), instead of the ordinary follow-up clock.
AFTERCARE_EVENT_KINDS = ("emergency_visit", "discharge")

# What makes a follow-up due, and the moment each one counts from: an episode
# or an event outside school from when it happened, a setback review from when
# it was recorded.
EVENT_SOURCES = {
    "episodes": (Episode, Episode.occurred_at),
    "events": (OutsideEvent, OutsideEvent.occurred_at),
    "setback_reviews": (SetbackReview, SetbackReview.created_at),
}
# Which rows of a source start the ordinary clock, where not every row does.
SOURCE_CONDITIONS = {
    "events": (OutsideEvent.kind.not_in(AFTERCARE_EVENT_KINDS),),
}


def _last_answer(circle_id_column):
    return (
        select(func.max(FollowUp.due_at))
        .where(
            FollowUp.circle_id == circle_id_column,
            FollowUp.removed_at.is_(None),
            FollowUp.kind.in_(ANSWERING_KINDS),
            FollowUp.status.in_(ANSWERING_STATUSES),
        )
        .scalar_subquery()
    )


def first_unanswered(source: str, circle_id_column):
    """The first event of ``source`` after which no follow-up is dated, as a
    correlated SQL expression: NULL when every event has one after it.

    Only the latest follow-up matters: one dated after an event is dated after
    every earlier event too, so the first event later than it is the one the
    follow-up has been due since.
    """
    model, at = EVENT_SOURCES[source]
    last = _last_answer(model.circle_id)
    return (
        select(func.min(at))
        .where(
            model.circle_id == circle_id_column,
            model.removed_at.is_(None),
            *SOURCE_CONDITIONS.get(source, ()),
            or_(last.is_(None), at > last),
        )
        .scalar_subquery()
    )


def unanswered_events(circle_ids) -> dict[int, dict[str, datetime]]:
    """Per circle, per source, the first event still waiting for a follow-up;
    one query. ``circle_ids`` None: every circle (for the scheduler)."""
    columns = [first_unanswered(source, Circle.id).label(source) for source in EVENT_SOURCES]
    stmt = select(Circle.id, *columns)
    if circle_ids is not None:
        circle_ids = list(circle_ids)
        if not circle_ids:
            return {}
        stmt = stmt.where(Circle.id.in_(circle_ids))
    found: dict[int, dict[str, datetime]] = {}
    for row in db.session.execute(stmt):
        times = {source: row._mapping[source] for source in EVENT_SOURCES if row._mapping[source] is not None}
        if times:
            found[row.id] = times
    return found


def due_days() -> int:
    return current_app.config["FOLLOW_UP_DUE_DAYS"]


def due_by(since: datetime) -> datetime:
    return since + timedelta(days=due_days())


def since_for(membership, events: dict[str, datetime], shared: policy.Shared) -> datetime | None:
    """The first unanswered event this member may read about: a follow-up
    being due must not tell anyone of an episode or setback they cannot see."""
    readable = [
        at for source, at in events.items()
        if policy.can(membership.role, source, policy.READ, shared)
        # The first event is counted over every school's records: a member held
        # to the current school's would learn of one from a previous school.
        and not policy.held_to_current_school(membership.role, source)
    ]
    return min(readable) if readable else None


def monitoring_memberships(membership_ids, circle_ids=None) -> set[int]:
    """Memberships whose own care-team entry holds the monitoring responsibility.

    ``circle_ids``, the circles of those memberships, if known: a member's own
    entry is in their circle, and care_team_contact is indexed by circle, not
    by membership, so naming the circles spares a scan of every circle's team.
    """
    membership_ids = list(membership_ids)
    if not membership_ids:
        return set()
    conditions = [
        CareTeamContact.membership_id.in_(membership_ids),
        CareTeamContact.removed_at.is_(None),
        CareTeamContact.responsibilities.contains("monitoring"),
    ]
    if circle_ids is not None:
        conditions.append(CareTeamContact.circle_id.in_(sorted(set(circle_ids))))
    return set(db.session.scalars(select(CareTeamContact.membership_id).where(*conditions)))


def members_of(circle_ids) -> tuple[dict[int, list[Membership]], set[int]]:
    """Active members of active accounts, per circle, with who holds monitoring; two queries."""
    circle_ids = list(circle_ids)
    by_circle: dict[int, list[Membership]] = {circle_id: [] for circle_id in circle_ids}
    if not circle_ids:
        return by_circle, set()
    members = db.session.scalars(
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.circle_id.in_(circle_ids), Membership.removed_at.is_(None), User.active.is_(True))
        .order_by(Membership.id)
    )
    for membership in members:
        by_circle[membership.circle_id].append(membership)
    monitoring = set(
        db.session.scalars(
            select(CareTeamContact.membership_id).where(
                CareTeamContact.circle_id.in_(circle_ids),
                CareTeamContact.removed_at.is_(None),
                CareTeamContact.membership_id.is_not(None),
                CareTeamContact.responsibilities.contains("monitoring"),
            )
        )
    )
    # Named for monitoring, but under a safeguarding limit that hides the
    # follow-ups: not asked to answer for them (policy.Standing).
    limits = limits_in_force(monitoring)
    monitoring -= {
        membership_id for membership_id, limit in limits.items()
        if policy.limit_hides(policy.Standing(hidden=limit.hidden_sections), "follow_ups")
    }
    return by_circle, monitoring
