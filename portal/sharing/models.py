from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
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


class DecidingRecord(db.Model):
    """A clinician's record of whether the young person decides about sharing
    for themselves (DESIGN.md, principle 10). The newest row of a circle is in
    force; earlier rows stay as its history."""

    __tablename__ = "deciding_record"
    __table_args__ = (Index("ix_deciding_record_circle_at", "circle_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    they_decide: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Disagreement(db.Model):
    """The young person's record that they disagree with a sharing choice:
    an agreement someone else recorded, its withdrawal, or the record of
    whether they decide. Their words are for the clinicians and themselves;
    the row is kept for good."""

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    # What they disagree with: one agreement, or (None) whether they decide.
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    deciding_record_id: Mapped[int | None] = mapped_column(ForeignKey("deciding_record.id"))
    words: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # When a clinician marked it as talked over with the young person.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Disclosure(db.Model):
    """Something shared without the young person's agreement because of a
    serious risk to their safety or someone else's: what, with whom, why and
    when, so the young person is told (GMC 0-18 years). Kept for good."""

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    shared_what: Mapped[str] = mapped_column(Text, default="")
    shared_with: Mapped[str] = mapped_column(String(200), default="")
    why: Mapped[str] = mapped_column(Text, default="")
    shared_on: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
