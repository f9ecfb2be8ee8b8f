"""Plan reviews section by section, and private calendar links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import UTCDateTime, now
from portal.extensions import db

REVIEW_OUTCOMES = ("unchanged", "changed")


class SectionReview(db.Model):
    """A clinician confirmed, in a plan review, that a section still fits.

    Confirming is not a change: the section keeps its version. When the
    section did change since it was last reviewed, the review points at the
    version it confirmed, so "reviewed" always says which text was looked at.
    """

    __tablename__ = "section_review"
    __table_args__ = (Index("ix_section_review_circle_section", "circle_id", "section", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    section: Mapped[str] = mapped_column(String(40))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    outcome: Mapped[str] = mapped_column(String(20), default="unchanged")
    version_id: Mapped[int | None] = mapped_column(ForeignKey("section_version.id"))


class CalendarFeed(db.Model):
    """A private calendar link. Only a hash of its token is kept, so the
    database (or a backup of it) cannot be used to read anyone's calendar;
    renewing revokes the old link."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
