"""What the school part of a circle keeps beyond the plan's own sections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import UTCDateTime, now
from portal.extensions import db


class SchoolHandover(db.Model):
    """A move of school: a caregiver's agreement, then the handover it allows.

    The agreement is recorded first (agreed_*); the old school contact then
    performs the handover once (performed_*), naming the new school's
    contact. A row is never deleted: a withdrawn or used agreement stays as
    history of who agreed to what, and when.
    """

    __tablename__ = "school_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    # The school named by the caregiver, in their words: they cannot browse
    # the organisations that use Support Circle.
    to_school_name: Mapped[str] = mapped_column(String(200))
    from_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    agreed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Set by the handover, from the new contact's account.
    to_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    new_contact_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    performed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def pending(self) -> bool:
        return self.performed_at is None and self.withdrawn_at is None


class FlexibilityReview(db.Model):
    """The school contact looked at the adjustments after an episode and
    decided nothing needs to change: the prompt to review them can rest.

    A record of the school that made it: it keeps that school, and after a
    move of school it no longer counts for the new one (policy.SCHOOL_RECORDS).
    """

    __tablename__ = "flexibility_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    school_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
