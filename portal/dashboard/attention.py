"""Keeping the attention table (portal/dashboard/models.py) true: on every
write that can change what a member is shown, and as time passes.

A row is what the features' own dashboard providers (hooks.dashboard_items)
answer for that one membership, summarised: the most urgent item's urgency
and moment, and how many items there are. Nothing here repeats a provider's
rules, so a row can never say more than the cards would: a caregiver under a
safeguarding limit gets the rows the policy gives them, no more.

Writes: an ``after_flush`` listener notes the circles whose rows changed
(plan items, memberships, limits, agreements...), and ``before_commit``
recomputes those circles in the same transaction, so a row lands with the
write that caused it or not at all. Time: each scheduler pass recomputes the
circles whose rows have come due today, and once a local day every circle
(an adjustment comes within its "ending soon" days, an episode stops being
recent). ``flask attention refresh`` fills the table for an existing database.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain, zip_longest

from flask import has_app_context
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import contains_eager

from portal import clock, hooks, touched
from portal.access.queries import standings
from portal.circles.models import Circle, Membership
from portal.dashboard import models
from portal.dashboard.models import MembershipAttention
from portal.extensions import db
from portal.hooks import AttentionItem
from portal.notify import services as notices
from portal.timezone import zone

# The tables whose rows change what some member's dashboard shows.
WATCHED = frozenset(
    {
        "circle",
        "membership",
        "membership_change",
        "safeguarding_limit",
        "agreement",
        "deciding_record",
        "school_plan",
        "safety_plan",
        "home_safety",
        "clinical_record",
        "return_to_school",
        "care_team_contact",
        "adjustment",
        "follow_up",
        "episode",
        "outside_event",
        "setback_review",
        "check_in",
        "flexibility_review",
        "school_handover",
        "section_review",
    }
)
OVERDUE_KINDS = frozenset({"missed", "overdue", "follow_up_overdue", "aftercare_overdue"})
# Circles recomputed together: the providers cost a fixed number of statements a call.
CHUNK = 200
_TOUCHED = touched.TOUCHED
_BUSY = "attention_refreshing"


def day_starts(day: date) -> datetime:
    """Local midnight at the start of ``day``, as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


def moment_of(item: AttentionItem) -> datetime:
    """The item's moment as the aware UTC datetime the table keeps; a day starts at local midnight."""
    at = item.at
    if isinstance(at, datetime):
        return at.astimezone(UTC)
    if isinstance(at, date):
        return day_starts(at)
    # A provider that gives no moment still puts its item on the dashboard, among today's.
    return clock.now()


def urgency_of(item: AttentionItem, today: date) -> int:
    """Overdue, then due today, aftercare, recent uses of the school plan, adjustments ending, the rest."""
    if item.kind in OVERDUE_KINDS:
        return models.OVERDUE
    if item.kind == "episode":
        return models.SCHOOL_PLAN_USED
    if item.kind == "adjustment_ending":
        return models.ADJUSTMENT_ENDING
    if item.kind == "aftercare_arranged":
        return models.AFTERCARE
    if moment_of(item) < day_starts(today + timedelta(days=1)):
        return models.DUE_TODAY
    if item.kind.startswith("aftercare"):
        return models.AFTERCARE
    return models.OTHER


def items_for(memberships) -> dict[int, list[AttentionItem]]:
    """Every provider's items for memberships in distinct circles (one person's,
    or one of each circle's members), sorted, by membership id."""
    memberships = list(memberships)
    if not memberships:
        return {}
    by_membership = standings(memberships)
    shared = {m.circle_id: by_membership[m.id] for m in memberships}
    of_circle = {m.circle_id: m for m in memberships}
    if len(of_circle) != len(memberships):
        raise ValueError("items_for takes at most one membership a circle")
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    for items_by_circle in hooks.dashboard_items.collect(memberships, shared):
        for circle_id, items in items_by_circle.items():
            found[of_circle[circle_id].id].extend(items)
    return {membership_id: sorted(items, key=lambda item: item.sort_key) for membership_id, items in found.items()}


def summaries(memberships) -> list[dict]:
    """The table's rows for these memberships: the providers run once for each
    "layer" of members (the first member of every circle, then the second...)."""
    by_circle: dict[int, list] = defaultdict(list)
    for membership in memberships:
        by_circle[membership.circle_id].append(membership)
    today = clock.today()
    rows = []
    for layer in zip_longest(*by_circle.values()):
        layer = [m for m in layer if m is not None]
        of_membership = {m.id: m for m in layer}
        for membership_id, items in items_for(layer).items():
            if not items:
                continue
            urgency, due_at = min((urgency_of(item, today), moment_of(item)) for item in items)
            membership = of_membership[membership_id]
            rows.append(
                {
                    "membership_id": membership_id,
                    "circle_id": membership.circle_id,
                    "user_id": membership.user_id,
                    "urgency": urgency,
                    "due_at": due_at,
                    "items": min(len(items), 32_000),
                }
            )
    return rows


def refresh_circles(circle_ids) -> int:
    """Recompute every active membership's row in these circles; how many rows they now have."""
    circle_ids = sorted(set(circle_ids))
    written = 0
    for start in range(0, len(circle_ids), CHUNK):
        chunk = circle_ids[start : start + CHUNK]
        memberships = db.session.scalars(
            select(Membership)
            .join(Membership.circle)
            .options(contains_eager(Membership.circle))
            .where(Membership.circle_id.in_(chunk), Membership.removed_at.is_(None))
            .order_by(Membership.circle_id, Membership.id)
        ).all()
        rows = summaries(memberships)
        db.session.execute(delete(MembershipAttention).where(MembershipAttention.circle_id.in_(chunk)))
        if rows:
            db.session.execute(insert(MembershipAttention), rows)
        written += len(rows)
    return written


def refresh_all() -> int:
    """Every circle's rows, a chunk a transaction: the backfill and the daily pass."""
    circle_ids = db.session.scalars(select(Circle.id).order_by(Circle.id)).all()
    written = 0
    for start in range(0, len(circle_ids), CHUNK):
        written += refresh_circles(circle_ids[start : start + CHUNK])
        db.session.commit()
    return written


# How far back each pass looks for what fell due (at least since this
# process's previous pass): a pass missed for a while is made up for here,
# a longer stop by the next day's full pass or `flask attention refresh`.
LOOKBACK = timedelta(hours=1)
_previous_pass: list[datetime] = []


def refresh_come_due() -> int:
    """The circles whose rows have come due today or passed (a review due
    today, an aftercare deadline passing, something due today becoming
    overdue), and those where a feature says something fell due since the
    last pass (hooks.dashboard_wakes: an appointment nothing showed coming).
    Once a local day, every circle, for what the day alone brings in or out."""
    now = clock.now()
    today = clock.today()
    if notices.once(f"attention-daily:{today.isoformat()}"):
        db.session.commit()
        _previous_pass[:] = [now]
        return refresh_all()
    since = min([now - LOOKBACK, *_previous_pass])
    end_of_today = day_starts(today + timedelta(days=1))
    circle_ids = set(
        db.session.scalars(
            select(MembershipAttention.circle_id)
            .distinct()
            .where(
                MembershipAttention.urgency.in_((models.DUE_TODAY, models.AFTERCARE, models.OTHER)),
                MembershipAttention.due_at < end_of_today,
            )
        )
    )
    for woken in hooks.dashboard_wakes.collect(since, now):
        circle_ids |= set(woken)
    written = refresh_circles(circle_ids)
    db.session.commit()
    _previous_pass[:] = [now]
    return written


# After the features' own steps (the missed follow-ups they mark), before the digests.
hooks.scheduled.register(lambda: {"attention rows": refresh_come_due()}, order=150)


# --- On write ------------------------------------------------------------------------------------------


def _circle_of(row) -> int | None:
    table = getattr(row, "__tablename__", None)
    if table not in WATCHED:
        return None
    return row.id if table == "circle" else row.circle_id


@event.listens_for(db.session, "after_flush")
def _note_changed_circles(session, flush_context) -> None:
    touched = session.info.setdefault(_TOUCHED, set())
    for row in chain(session.new, session.dirty, session.deleted):
        circle_id = _circle_of(row)
        if circle_id is not None:
            touched.add(circle_id)


@event.listens_for(db.session, "before_commit")
def _refresh_changed_circles(session) -> None:
    if session.info.get(_BUSY) or not has_app_context():
        return
    session.flush()  # what this commit would flush is noted too
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    session.info[_BUSY] = True
    try:
        refresh_circles(touched)
    finally:
        session.info.pop(_BUSY, None)


@event.listens_for(db.session, "after_soft_rollback")
def _forget_changed_circles(session, previous_transaction) -> None:
    session.info.pop(_TOUCHED, None)
