from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import UTCDateTime, now
from portal.extensions import db


class Agreement(db.Model):
    """A recorded agreement to share one section with one role, for a time.

    Rows are never deleted: withdrawal and expiry are marks, so the history
    of what was shared, with whom and on whose word, stays.
    """

    __table_args__ = (Index("ix_agreement_circle_active", "circle_id", "withdrawn_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    section: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    # policy.AGREED_BY: the young person, a guardian, or both.
    agreed_by: Mapped[str] = mapped_column(String(20))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    def in_force(self, at: datetime) -> bool:
        return self.withdrawn_at is None and self.starts_at <= at and (self.ends_at is None or self.ends_at > at)
