from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import UTCDateTime, now
from portal.extensions import db


class SafeguardingLimit(db.Model):
    """A limit on what one caregiver's membership is told (DESIGN.md, principle 11).

    Rows are never deleted: a change is the old limit lifted and a new one
    placed in the same step, and lifting is a mark, so the record of what was
    limited, by whom and until when stays. ``hidden`` holds section kinds,
    comma-separated; the policy applies them (policy.Standing)."""

    __tablename__ = "safeguarding_limit"
    __table_args__ = (
        Index("ix_safeguarding_limit_membership_lifted", "membership_id", "lifted_at"),
        # One limit in force per caregiver, even when two people place one at once.
        Index(
            "uq_safeguarding_limit_in_force",
            "membership_id",
            unique=True,
            sqlite_where=text("lifted_at IS NULL"),
            postgresql_where=text("lifted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    hidden: Mapped[str] = mapped_column(String(400), default="")
    # Why: for the clinicians alone (policy.LIMIT_REASON_READERS).
    reason: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date | None] = mapped_column(Date)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @property
    def hidden_sections(self) -> tuple[str, ...]:
        return tuple(kind for kind in self.hidden.split(",") if kind)

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None
