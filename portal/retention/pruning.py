"""What outlived its use, deleted on a schedule: sent (or long undeliverable)
emails with their addresses, sessions ended (or abandoned) past the time a
returning browser is told why, what someone had typed once it was offered
back or went stale, reset links, invitations and recovery codes once no
longer usable, and rate-limit windows that have closed.

The ages are the deployment's (config.py: OUTBOX_KEPT_DAYS,
SESSION_ENDED_KEPT_HOURS, KEPT_DRAFT_HOURS, LINKS_KEPT_DAYS), the same ones
the features read, so nothing a page still needs is taken from under it.
The audit record is not pruned here: its entries, addresses included, are
chained and sealed (portal/audit/chain.py) and go only with a circle's
erasure. A run logs how many of each it deleted, never what."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_

from portal import clock, hooks
from portal.auth.models import PasswordReset, RecoveryCode
from portal.extensions import db
from portal.invitations.models import Invitation
from portal.notify import services as notices
from portal.notify.models import NoticeSent, OutboxMessage
from portal.ratelimits.models import RateLimitCounter
from portal.sessions.models import KeptDraft, UserSession

log = logging.getLogger(__name__)
PRUNE_KEY = "prune"


def _steps(now: datetime) -> dict[str, object]:
    """Each kind of row, by name, and the statement that deletes what outlived its use."""
    config = current_app.config
    emails_before = now - timedelta(days=config["OUTBOX_KEPT_DAYS"])
    ended_before = now - timedelta(hours=config["SESSION_ENDED_KEPT_HOURS"])
    # A session nobody ended is over at its idle or absolute limit, whichever
    # comes first; it is kept as long after that as one that was ended.
    idle_before = ended_before - timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    started_before = ended_before - timedelta(hours=config["SESSION_MAX_HOURS"])
    drafts_before = now - timedelta(hours=config["KEPT_DRAFT_HOURS"])
    links_before = now - timedelta(days=config["LINKS_KEPT_DAYS"])
    return {
        "emails sent": delete(OutboxMessage).where(OutboxMessage.sent_at < emails_before),
        "emails never delivered": delete(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.created_at < emails_before,
            # Not one a sender holds at this moment.
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        ),
        "sessions": delete(UserSession).where(
            or_(
                UserSession.ended_at < ended_before,
                and_(
                    UserSession.ended_at.is_(None),
                    or_(UserSession.last_seen_at < idle_before, UserSession.created_at < started_before),
                ),
            )
        ),
        "kept drafts": delete(KeptDraft).where(or_(KeptDraft.used_at.is_not(None), KeptDraft.created_at < drafts_before)),
        "reset links": delete(PasswordReset).where(
            or_(PasswordReset.used_at < links_before, PasswordReset.expires_at < links_before)
        ),
        "invitations": delete(Invitation).where(
            or_(
                Invitation.accepted_at < links_before,
                Invitation.revoked_at < links_before,
                and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at < links_before),
            )
        ),
        "recovery codes used": delete(RecoveryCode).where(RecoveryCode.used_at < links_before),
        "rate-limit windows": delete(RateLimitCounter).where(
            RateLimitCounter.expires_at_ms < int(now.timestamp() * 1000)
        ),
        # This step's own marks of the hours it ran, once the hour is long past.
        "marks of earlier prunes": delete(NoticeSent).where(
            NoticeSent.key.startswith(f"{PRUNE_KEY}:"), NoticeSent.at < now - timedelta(days=1)
        ),
    }


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete what outlived its use, in one transaction; how many of each."""
    now = now or clock.now()
    done = {name: db.session.execute(stmt).rowcount for name, stmt in _steps(now).items()}
    db.session.commit()
    # Counts only: which rows they were (addresses, names, text) never reaches the log.
    log.info("pruned: %s", ", ".join(f"{name} {count}" for name, count in done.items()))
    return done


def prune_hourly() -> int:
    """The scheduler's step: once an hour, by whichever worker comes first."""
    now = clock.now()
    if not notices.once(f"{PRUNE_KEY}:{now.astimezone(UTC).isoformat(timespec='hours')}"):
        return 0
    return sum(prune(now).values())


# Last of the scheduler's steps: nothing else in the pass needs what it deletes.
hooks.scheduled.register(lambda: {"rows pruned": prune_hourly()}, order=900)
