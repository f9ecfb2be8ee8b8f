"""Notices that come from the passing of time: overdue follow-ups, agreements
about to end, and the daily digest. Each is made once, however often this runs."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from portal.notify import services
from portal.notify.models import Notification
from portal.notify.outbox import queue_email
from portal.plan.models import FollowUp
from portal.sharing.models import Agreement
from portal.timezone import to_local


def overdue_follow_ups() -> int:
    now = clock.now()
    rows = list(
        db.session.scalars(
            select(FollowUp).where(
                FollowUp.status == "scheduled", FollowUp.removed_at.is_(None), FollowUp.due_at < now
            )
        )
    )
    made = 0
    # Who answers for a follow-up is the followup feature's rule, from the policy.
    from portal.followup import queries as followup_queries
    from portal.followup import services as followup

    members_by_circle, monitoring = followup_queries.members_of({row.circle_id for row in rows})
    for row in rows:
        # A rebooked follow-up that becomes overdue again is a new notice.
        if not services.once(f"overdue:{row.id}:{row.due_at.isoformat()}"):
            continue
        label = "A school review" if row.kind == "school_review" else "A plan review" if row.kind == "plan_review" else "A follow-up appointment"
        services._tell(
            followup.responsible_for(row, members_by_circle[row.circle_id], monitoring),
            "follow_up_overdue",
            circle_id=row.circle_id,
            section="follow_ups",
            text=f"{label} in {services._circle_name(row.circle_id)}'s plan is overdue.",
            link=f"/circles/{row.circle_id}/plan/follow_ups",
        )
        made += 1
    db.session.commit()
    return made


def agreements_ending() -> int:
    now = clock.now()
    horizon = now + timedelta(days=current_app.config["AGREEMENT_ENDING_NOTICE_DAYS"])
    rows = db.session.scalars(
        select(Agreement).where(
            Agreement.withdrawn_at.is_(None), Agreement.ends_at.is_not(None), Agreement.ends_at > now, Agreement.ends_at <= horizon
        )
    )
    made = 0
    for agreement in rows:
        if services.once(f"agreement-ending:{agreement.id}:{agreement.ends_at.isoformat()}"):
            services.agreement_changed(agreement, "ending")
            made += 1
    db.session.commit()
    return made


def digests() -> int:
    """One email a day to each person with notices waiting for the digest,
    once the local digest hour has passed."""
    now = clock.now()
    local = to_local(now)
    if local.hour < current_app.config["DIGEST_HOUR"]:
        return 0
    waiting = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id).where(Notification.email_state == "digest")
    ).all()
    by_user: dict[int, tuple[User, list[Notification]]] = {}
    for notification, user in waiting:
        by_user.setdefault(user.id, (user, []))[1].append(notification)
    made = 0
    for user_id, (user, notifications) in by_user.items():
        count = len(notifications)
        body = (
            "Hello,\n\n"
            f"You have {count} new {'thing' if count == 1 else 'things'} to see in Support Circle.\n\n"
            f"Sign in to see {'it' if count == 1 else 'them'}: "
            f"{current_app.config['BASE_URL'].rstrip('/')}/notifications\n\n"
            "This is your daily summary. To keep things private, it does not say more.\n"
        )
        if user.active and queue_email(
            user.email, "Your daily Support Circle summary", body, dedupe_key=f"digest:{user_id}:{clock.today().isoformat()}"
        ) is not None:
            made += 1
        for notification in notifications:
            notification.email_state = "digested"
    db.session.commit()
    return made


def run_scheduled() -> dict[str, int]:
    from portal.followup import services as followup

    return {
        # Before the overdue notices: a follow-up long past is missed, not overdue.
        "missed follow-ups": followup.mark_missed_follow_ups(),
        "follow-ups due": followup.follow_up_due_notices(),
        "overdue follow-ups": overdue_follow_ups(),
        "agreements ending": agreements_ending(),
        "digests": digests(),
    }
