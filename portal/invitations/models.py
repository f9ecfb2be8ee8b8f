"""Invitations to a circle by email.

Only a hash of the link's token is kept: someone who reads the database (a
backup, a support query) cannot use a pending invitation to join a circle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.circles.models import Circle
from portal.clock import UTCDateTime, now
from portal.extensions import db

PENDING, ACCEPTED, REVOKED, EXPIRED = "pending", "accepted", "revoked", "expired"


class Invitation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    # Normalised (auth.services.normalise_email), so it compares with accounts.
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(20))
    relationship_label: Mapped[str] = mapped_column(String(120), default="")
    # The language the inviter chose for the email and the page it leads to.
    language: Mapped[str | None] = mapped_column(String(8))
    # sha256 hex of the token in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The inviter's role in the circle when they invited: the email names it.
    invited_as_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    circle: Mapped[Circle] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    def state(self, at: datetime) -> str:
        if self.accepted_at is not None:
            return ACCEPTED
        if self.revoked_at is not None:
            return REVOKED
        if self.expires_at <= at:
            return EXPIRED
        return PENDING
