"""Notifications in the portal, and the outbox that carries emails.

An outbox row is written in the same transaction as the change that causes
it, so a change is never saved without its message, nor a message queued for
a change that rolled back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import UTCDateTime, now
from portal.extensions import db

EVENT_KINDS = (
    "section_changed",
    "episode_recorded",
    "event_recorded",
    "aftercare_due",
    "contact_soon",
    "return_to_plan",
    "follow_up_overdue",
    "membership_changed",
    "agreement_changed",
    # The young person's say (portal/sharing/): they recorded that they
    # disagree with a sharing choice; something was shared without agreement.
    "disagreement_recorded",
    "shared_without_agreement",
    # A safeguarding limit placed, changed, lifted or due for review (portal/safeguarding/).
    "limit_changed",
)

DELIVERY_MODES = ("immediate", "digest", "portal")

# What a person hears of at once unless they choose otherwise: what may need
# someone to act today (DESIGN.md, principles 10 and 12; journeys 4, 5, 10, 11):
# an overdue follow-up is its responsible people's to act on now.
# Every other kind is a routine change and waits for the daily digest, so a
# parent is not emailed for each edit of a plan. The policy's ALWAYS_AT_ONCE
# still overrides a person's choice, and a safeguarding limit still holds
# events back to the digest at most (services.tell).
AT_ONCE_BY_DEFAULT = frozenset(
    {
        "episode_recorded",
        "event_recorded",
        "follow_up_overdue",
        "aftercare_due",
        "contact_soon",
        "shared_without_agreement",
    }
)

# The notices shown as needing attention now, in words as well as colour:
# something happened outside school, aftercare is due, a check-in asks for
# contact. Never a judgement of risk: what the notice is about, not who.
URGENT_KINDS = frozenset({"event_recorded", "aftercare_due", "contact_soon"})


def default_mode(kind: str) -> str:
    """How a person hears of ``kind`` before they have chosen."""
    return "immediate" if kind in AT_ONCE_BY_DEFAULT else "digest"


# An outbox message whose subject and body were written when it was queued;
# any other kind is written by its composer when it is sent (notify/outbox.py).
WRITTEN = "written"


class Notification(db.Model):
    """One thing for one person to see in the portal. It names the circle and
    the part of the plan, never what the plan says."""

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circle.id"))
    kind: Mapped[str] = mapped_column(String(40))
    section: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Its old value is kept when set, so the unread count (notify/unread.py)
    # knows whether a notice read through the session was unread before.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    # "immediate": an email was queued with it; "digest": waits for the daily
    # digest; "portal": never emailed; "digested": included in a digest.
    email_state: Mapped[str] = mapped_column(String(20), default="portal")


class NotificationPreference(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(20), default="immediate")


class OutboxMessage(db.Model):
    """An email waiting to go, or gone. Bodies hold no plan content and no
    names: only that there is something to see, and a link. A composed
    message keeps no body at all (its link is a secret)."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Guards against queueing the same message twice (e.g. one digest a day).
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # WRITTEN, or the composer that writes it at sending time (a password reset).
    kind: Mapped[str] = mapped_column(String(40), default=WRITTEN, server_default=WRITTEN)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # A sender claims a row before sending, so two senders never send one message.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(200), default="")


class NoticeSent(db.Model):
    """Scheduled notices already made (an overdue follow-up, an agreement about
    to end), so that each is made once however often the scheduler runs."""

    __tablename__ = "notice_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
