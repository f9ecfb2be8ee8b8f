"""What needs each member's attention, kept as data so that a dashboard over
hundreds of circles is one indexed ``ORDER BY urgency, due_at LIMIT``.

One row a membership, not a circle and role: a safeguarding limit hides
sections from one caregiver, and the order or the mere presence of a row must
never tell that caregiver about what they may not read. A membership with
nothing needing attention has no row. The rows are written only by
portal/dashboard/attention.py, from the features' own dashboard providers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import UTCDateTime
from portal.extensions import db

# The urgency of a row: its most urgent item's. Lower comes first.
OVERDUE = 0
DUE_TODAY = 1
AFTERCARE = 2
SCHOOL_PLAN_USED = 3
ADJUSTMENT_ENDING = 4
OTHER = 5
URGENCIES = (OVERDUE, DUE_TODAY, AFTERCARE, SCHOOL_PLAN_USED, ADJUSTMENT_ENDING, OTHER)


class MembershipAttention(db.Model):
    __tablename__ = "membership_attention"
    __table_args__ = (Index("ix_membership_attention_user_urgency", "user_id", "urgency", "due_at"),)

    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    urgency: Mapped[int] = mapped_column(SmallInteger)
    # The moment of the most urgent item (the start of its local day for a day).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[int] = mapped_column(SmallInteger)

