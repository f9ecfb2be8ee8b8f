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
recent), in each zone its members read in. ``flask attention refresh`` fills
the table for an existing database.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain, zip_longest

from flask import has_app_context
from sqlalchemy import delete, event, false, insert, or_, select
from sqlalchemy.orm import contains_eager

from portal import clock, hooks, touched, zones
from portal.access.queries import standings
from portal.auth.models import Organisation, User
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
    """The table's rows for these memberships, each read in its member's own
    time zone (what is due "today" for a clinic in another zone than the
    family, whoever wrote it): the providers run once for each zone and
    "layer" of members (the first member of every circle, then the second...)."""
    by_zone: dict = defaultdict(list)
    for membership in memberships:
        by_zone[zones.of(membership.user)].append(membership)
    rows = []
    for member_zone, members in by_zone.items():
        with zones.reading_in(member_zone):
            rows.extend(_summaries_in_one_zone(members))
    return rows


def _summaries_in_one_zone(memberships) -> list[dict]:
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
        # One recompute of a circle at a time (PostgreSQL; SQLite has one writer):
        # a second waits here, then reads what the first committed, instead of
        # inserting rows the first already wrote. Taken in id order, so two
        # recomputes of overlapping circles cannot wait for each other; and
        # FOR NO KEY UPDATE, so rows that point at the circle (audit entries,
        # notices, sections) are written meanwhile: their foreign-key checks'
        # share lock would wait for FOR UPDATE, and deadlock with it.
        db.session.execute(
            select(Circle.id).where(Circle.id.in_(chunk)).order_by(Circle.id).with_for_update(key_share=True)
        )
        memberships = db.session.scalars(
            select(Membership)
            .join(Membership.circle)
            .join(Membership.user)
            .outerjoin(User.organisation)
            .options(
                contains_eager(Membership.circle),
                contains_eager(Membership.user).contains_eager(User.organisation),
            )
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
    """Every circle's rows, a chunk a transaction: the backfill."""
    return _refresh_in_chunks(db.session.scalars(select(Circle.id).order_by(Circle.id)).all())


def _refresh_in_chunks(circle_ids) -> int:
    written = 0
    for start in range(0, len(circle_ids), CHUNK):
        written += refresh_circles(circle_ids[start : start + CHUNK])
        db.session.commit()
    return written


# How far back each pass looks for what fell due: since the last pass of any
# process (kept in the database, so a restart or another server taking over
# misses nothing), at least an hour, at most FURTHEST (a scheduler stopped
# for longer is made up for by `flask attention refresh`).
LOOKBACK = timedelta(hours=1)
FURTHEST = timedelta(days=14)
LAST_RUN = "attention-last-run"


def zones_in_use() -> dict:
    """Each time zone members read in, with the organisations that set it
    (None standing for the accounts of no organisation, in the deployment's)."""
    in_zone: dict = defaultdict(list)
    in_zone[zones.deployment()].append(None)
    for organisation_id, name in db.session.execute(select(Organisation.id, Organisation.timezone)):
        in_zone[zones.named(name)].append(organisation_id)
    return in_zone


def _circles_with_members_of(organisation_ids) -> list[int]:
    named = [organisation_id for organisation_id in organisation_ids if organisation_id is not None]
    of_them = User.organisation_id.in_(named) if named else false()
    if None in organisation_ids:
        of_them = or_(of_them, User.organisation_id.is_(None))
    return db.session.scalars(
        select(Membership.circle_id)
        .distinct()
        .join(User, User.id == Membership.user_id)
        .where(Membership.removed_at.is_(None), of_them)
        .order_by(Membership.circle_id)
    ).all()


def _today_in(member_zone) -> date:
    with zones.reading_in(member_zone):
        return clock.today()


def _new_days(in_zone: dict) -> int:
    """Where a local day has begun since its last daily pass, every circle with
    a member reading in that zone, for what the day alone brings in or out (an
    adjustment comes within its "ending soon" days, an episode stops being
    recent). The day is marked done once its circles are, so a pass cut short
    is made again by the next."""
    written = 0
    for member_zone, organisation_ids in sorted(in_zone.items(), key=lambda item: item[0].key):
        key = f"attention-daily:{member_zone.key}:{_today_in(member_zone).isoformat()}"
        if notices.already_made(key):
            continue
        written += _refresh_in_chunks(_circles_with_members_of(organisation_ids))
        notices.once(key)
        db.session.commit()
    return written


def refresh_come_due() -> int:
    """The circles whose rows have come due today or passed (a review due
    today, an aftercare deadline passing, something due today becoming
    overdue), and those where a feature says something fell due since the
    last pass (hooks.dashboard_wakes: an appointment nothing showed coming);
    and the daily pass of every zone whose day has begun."""
    now = clock.now()
    in_zone = zones_in_use()
    written = _new_days(in_zone)
    last = notices.last_marked(LAST_RUN)
    since = max(min(now - LOOKBACK, last or now), now - FURTHEST)
    # The end of today where today ends last.
    end_of_today = max(
        datetime.combine(_today_in(member_zone) + timedelta(days=1), time.min, tzinfo=member_zone)
        for member_zone in in_zone
    ).astimezone(UTC)
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
    written += _refresh_in_chunks(sorted(circle_ids))
    notices.mark(LAST_RUN, now)
    db.session.commit()
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
