"""The audit record: who did what to which part of which plan, when, from
where, and how it ended. Never the content itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.clock import UTCDateTime, now
from portal.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_circle_at", "circle_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The role the person held in the circle at the time, if any.
    role: Mapped[str | None] = mapped_column(String(20))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circle.id"))
    section: Mapped[str | None] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column()
    # For membership changes: the person added or removed (user_id is who did it).
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    # The endpoint, not the URL: URLs can carry tokens.
    endpoint: Mapped[str | None] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(64))


class AuditRecordIsFinal(RuntimeError):
    """The application never changes or deletes an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditRecordIsFinal("audit entries cannot be changed or deleted")
