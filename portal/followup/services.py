"""Every write of follow-through a person makes: recording a plan review, and
making or stopping private calendar links. What the passing of time writes
(follow-ups missed, due or overdue) is in portal/followup/schedule.py."""

from __future__ import annotations

from sqlalchemy import select, update

from portal import clock
from portal.audit.services import record as audit
from portal.extensions import db
from portal.followup import reviews
from portal.followup.models import CalendarFeed, SectionReview
from portal.plan import services as plan_services
from portal.plan.sections import spec_for
from portal.tokens import new_token, token_hash

# -- plan reviews ------------------------------------------------------------


def record_review(circle_id: int, user, sections, *, held_at=None, next_review=None) -> list[SectionReview]:
    """One SectionReview a section, audited; the sections keep their versions.

    ``held_at``: the booked plan review this one took place at, now marked
    attended. ``next_review``: (when, with whom) of the next one, booked as a
    plan-review follow-up; both go through the plan's own services, so they
    are versioned, audited and told like any change to the follow-ups. One
    use case, one commit: the review, the meeting marked attended and the
    next one booked are kept together or not at all.
    """
    now = clock.now()
    latest = reviews.latest_versions(circle_id)
    previous = reviews.last_reviews(circle_id, sections)
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
    spec = spec_for("follow_ups")
    if held_at is not None:
        plan_services.update_item(held_at, spec, {"status": "attended"}, held_at.version, user, commit=False)
    if next_review is not None:
        when, with_whom = next_review
        values = {"kind": "plan_review", "due_at": when, "with_whom": with_whom, "location": "",
                  "status": "scheduled", "details": ""}
        plan_services.add_item(circle_id, spec, values, user, commit=False)
    db.session.commit()
    return made


# -- private calendar links ------------------------------------------------------

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
    token = new_token()
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
