"""Every write of follow-through: recording a plan review, marking follow-ups
that nobody attended as missed, telling the people responsible when a
follow-up slips, and making or stopping private calendar links."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.access import policy
from portal.access.queries import row_in_scope
from portal.audit.services import record as audit
from portal.circles.models import Circle
from portal.extensions import db
from portal.followup import queries
from portal.followup.models import CalendarFeed, SectionReview
from portal.notify import services as notify
from portal.plan import services as plan_services
from portal.plan.models import FollowUp
from portal.plan.sections import spec_for

FOLLOW_UP_LABELS = {
    "appointment": "A follow-up appointment",
    "plan_review": "A plan review",
    "school_review": "A school review",
}


# -- plan reviews ------------------------------------------------------------


def record_review(circle_id: int, user, sections, *, held_at=None, next_review=None) -> list[SectionReview]:
    """One SectionReview a section, audited; the sections keep their versions.

    ``held_at``: the booked plan review this one took place at, now marked
    attended. ``next_review``: (when, with whom) of the next one, booked as a
    plan-review follow-up; both go through the plan's own services, so they
    are versioned, audited and told like any change to the follow-ups.
    """
    now = clock.now()
    latest = queries.latest_versions(circle_id)
    previous = queries.last_reviews(circle_id, sections)
    made = []
    for kind in sections:
        version = latest.get(kind)
        before = previous.get(kind)
        # Changed since the section was last confirmed (or never confirmed):
        # point at the text this review confirmed.
        changed = version is not None and (before is None or version[1] > before.reviewed_at)
        review = SectionReview(
            circle_id=circle_id,
            section=kind,
            reviewed_by_id=user.id,
            reviewed_at=now,
            outcome="changed" if changed else "unchanged",
            version_id=version[0] if changed else None,
        )
        db.session.add(review)
        audit("review", circle_id=circle_id, section=kind, user=user)
        made.append(review)
    db.session.commit()
    spec = spec_for("follow_ups")
    if held_at is not None:
        plan_services.update_item(held_at, spec, {"status": "attended"}, held_at.version, user)
    if next_review is not None:
        when, with_whom = next_review
        values = {"kind": "plan_review", "due_at": when, "with_whom": with_whom, "location": "",
                  "status": "scheduled", "details": ""}
        plan_services.add_item(circle_id, spec, values, user)
    return made


# -- the scheduler's steps -----------------------------------------------------


def _circle_names(circle_ids) -> dict[int, str]:
    circle_ids = list(circle_ids)
    if not circle_ids:
        return {}
    return dict(db.session.execute(select(Circle.id, Circle.young_person_name).where(Circle.id.in_(circle_ids))).all())


def responsible_for(row, members, monitoring) -> list[notify.Recipient]:
    """Who answers for this follow-up: those who answer for every follow-up,
    and whoever books this kind within their row scope (the school contact,
    for school reviews)."""
    chosen = []
    for membership in members:
        answers = policy.answers_for_follow_ups(membership.role, membership.id in monitoring)
        books_it = policy.can(membership.role, "follow_ups", policy.EDIT) and row_in_scope("follow_ups", membership, row)
        if answers or books_it:
            chosen.append(notify.Recipient(membership.user, membership.role))
    return chosen


def mark_missed_follow_ups() -> int:
    """Scheduled follow-ups past their time by more than the grace period,
    with nobody having marked them attended, become missed: a change kept as
    a version like any other, and the people responsible are told, once."""
    now = clock.now()
    grace = timedelta(hours=current_app.config["FOLLOW_UP_MISSED_AFTER_HOURS"])
    row_ids = list(
        db.session.scalars(
            select(FollowUp.id).where(
                FollowUp.status == "scheduled", FollowUp.removed_at.is_(None), FollowUp.due_at < now - grace
            )
        )
    )
    if not row_ids:
        return 0
    spec = spec_for("follow_ups")
    rows = list(db.session.scalars(select(FollowUp).where(FollowUp.id.in_(row_ids))))
    circle_ids = {row.circle_id for row in rows}
    members, monitoring = queries.members_of(circle_ids)
    names = _circle_names(circle_ids)
    marked = 0
    for row in rows:
        row_id, circle_id, kind, due_at = row.id, row.circle_id, row.kind, row.due_at
        try:
            plan_services.change_by_schedule(row, spec, {"status": "missed"}, "mark_missed")
        except StaleDataError:
            # Someone saved it at this very moment; the next pass looks again.
            db.session.rollback()
            continue
        if notify.once(f"missed:{row_id}:{due_at.isoformat()}"):
            notify._tell(
                responsible_for(row, members[circle_id], monitoring),
                "follow_up_overdue",
                circle_id=circle_id,
                section="follow_ups",
                text=f"{FOLLOW_UP_LABELS.get(kind, 'A follow-up')} in {names.get(circle_id, 'a')}'s plan was missed: "
                "nobody marked it attended.",
                link=f"/circles/{circle_id}/plan/follow_ups",
            )
        db.session.commit()
        marked += 1
    return marked


def follow_up_due_notices() -> int:
    """Tell the people who answer for follow-up, once each, when the time to
    book one after an episode or a setback review has passed with none booked."""
    now = clock.now()
    events = queries.unanswered_events(None)
    late = {circle_id: times for circle_id, times in events.items() if min(times.values()) < now - timedelta(days=queries.due_days())}
    if not late:
        return 0
    members, monitoring = queries.members_of(late)
    names = _circle_names(late)
    made = 0
    for circle_id, times in late.items():
        for membership in members[circle_id]:
            if not policy.answers_for_follow_ups(membership.role, membership.id in monitoring):
                continue
            since = queries.since_for(membership, times, frozenset())
            if since is None or queries.due_by(since) >= now:
                continue
            if not notify.once(f"follow-up-due:{circle_id}:{membership.user_id}:{since.isoformat()}"):
                continue
            notify._tell(
                [notify.Recipient(membership.user, membership.role)],
                "follow_up_overdue",
                circle_id=circle_id,
                section="follow_ups",
                text=f"A follow-up in {names.get(circle_id, 'a')}'s plan was due by "
                f"{queries.local_date(queries.due_by(since))}, and none is booked yet.",
                link=f"/circles/{circle_id}/plan/follow_ups",
            )
            made += 1
    db.session.commit()
    return made


# -- private calendar links ------------------------------------------------------

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_feed(user) -> CalendarFeed | None:
    return db.session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
    ).first()


def _revoke_all(user, now) -> int:
    result = db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


def renew_feed(user) -> str:
    """A new private link; any earlier one stops working at once. The token is
    returned once, to show once: only its hash is kept."""
    now = clock.now()
    replaced = _revoke_all(user, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=token_hash(token), created_at=now))
    audit("calendar_link_renewed" if replaced else "calendar_link_made", user=user)
    db.session.commit()
    return token


def stop_feed(user) -> bool:
    stopped = _revoke_all(user, clock.now())
    if stopped:
        audit("calendar_link_stopped", user=user)
    db.session.commit()
    return bool(stopped)


def feed_owner(token: str):
    """The active account whose live link this is, or None."""
    from portal.auth.models import User

    return db.session.scalars(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None), User.active.is_(True))
    ).first()
