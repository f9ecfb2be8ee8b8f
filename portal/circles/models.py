from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import Organisation, User
from portal.clock import UTCDateTime, now
from portal.extensions import db


class Circle(db.Model):
    """One young person and the people who support them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The name the young person wants to be called; no date of birth or
    # record numbers are kept (minimum necessary).
    young_person_name: Mapped[str] = mapped_column(String(120))
    school_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    school: Mapped[Organisation | None] = relationship()


class Membership(db.Model):
    """A person's place in one circle. The role lives here, not on the account."""

    __table_args__ = (UniqueConstraint("circle_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # How the person relates to the young person here, e.g. "Mother", "Maths teacher".
    relationship_label: Mapped[str] = mapped_column(String(120), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    circle: Mapped[Circle] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def active(self) -> bool:
        return self.removed_at is None


class MembershipChange(db.Model):
    """One change of who is in the circle or in which role: kept for good, so
    the circle's history shows who changed whose place, and when."""

    __tablename__ = "membership_change"
    __table_args__ = (Index("ix_membership_change_circle_at", "circle_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    # An action of portal/access/transitions.py, and the target's state before and after.
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    membership: Mapped[Membership] = relationship()
    by: Mapped[User] = relationship()
