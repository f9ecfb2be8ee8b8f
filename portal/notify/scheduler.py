"""Notices that come from the passing of time, made once however often this
runs. The scheduler is a host: features register their steps on
hooks.scheduled (follow-ups missed, due and overdue: portal/followup/
schedule.py); agreements about to end and the daily digest are its own, and
run after them."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import clock, hooks, languages, zones
from portal.auth.models import User
from portal.extensions import db
from portal.notify import services, unread
from portal.notify.models import Notification
from portal.notify.outbox import queue_email
from portal.sharing.models import Agreement
from portal.timezone import to_local
from portal.urls import absolute_url


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


def digest_words(count: int) -> tuple[str, str]:
    """The digest's subject and body, in the current language (the recipient's)."""
    body = "\n\n".join((
        _("Hello,"),
        ngettext(
            "You have %(num)d new thing to see in Support Circle.\n\nSign in to see it: %(link)s",
            "You have %(num)d new things to see in Support Circle.\n\nSign in to see them: %(link)s",
            count,
            link=absolute_url("notify.index"),
        ),
        _("This is your daily summary. To keep things private, it does not say more."),
    )) + "\n"
    return _("Your daily Support Circle summary"), body


def digests() -> int:
    """One email a day to each person with notices waiting for the digest,
    once the digest hour has passed where they are: in their organisation's
    time zone, or the deployment's."""
    now = clock.now()
    waiting = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_state == "digest")
        .options(joinedload(User.organisation))
    ).all()
    by_user: dict[int, tuple[User, list[Notification]]] = {}
    for notification, user in waiting:
        by_user.setdefault(user.id, (user, []))[1].append(notification)
    made = 0
    for user_id, (user, notifications) in by_user.items():
        with languages.in_language(user.language), zones.reading_as(user):
            if to_local(now).hour < current_app.config["DIGEST_HOUR"]:
                continue  # not yet the digest hour where they are; kept for a later run
            # What the person has already read in the portal needs no email.
            unread = sum(1 for notification in notifications if notification.read_at is None)
            if unread:
                subject, body = digest_words(unread)
                if user.active and queue_email(
                    user.email, subject, body, dedupe_key=f"digest:{user_id}:{clock.today().isoformat()}"
                ) is not None:
                    made += 1
        for notification in notifications:
            notification.email_state = "digested"
    db.session.commit()
    return made


def run_scheduled() -> dict[str, int]:
    """Every registered step, in order, and how much each did."""
    done: dict[str, int] = {}
    for answer in hooks.scheduled.collect():
        done.update(answer)
    return done


def recount_daily() -> int:
    """Once a day (the deployment's), the unread counts from scratch (notify/unread.py)."""
    if not services.once(f"unread-recount:{clock.today().isoformat()}"):
        return 0
    wrong = unread.recount(db.session)
    db.session.commit()
    return wrong


# The scheduler's own steps, after the features' (order 200 and 300).
hooks.scheduled.register(lambda: {"agreements ending": agreements_ending()}, order=200)
hooks.scheduled.register(lambda: {"digests": digests()}, order=300)
hooks.scheduled.register(lambda: {"unread counts put right": recount_daily()}, order=400)
