"""The audit record: who did what to which part of which plan, when, from
where, and how it ended. Never the content itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event, inspect
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
    # The part of the plan; for an account's change by its admin
    # ("account_updated"), the fields that changed, by name ("name,staff_role").
    section: Mapped[str | None] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column()
    # For membership changes: the person added or removed (user_id is who did it).
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    # The endpoint, not the URL: URLs can carry tokens.
    endpoint: Mapped[str | None] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(64))
    # Tamper evidence (portal/audit/chain.py): the entry's place in the chain,
    # the hash of the one before it, and its own hash over its fields and that.
    seq: Mapped[int] = mapped_column(unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditShown(db.Model):
    """What one entry that spans many circles showed, one line a circle and
    part: the weekly sheet is one entry per view, and each circle it showed
    finds it here ("who has seen this plan" reads these by circle). The lines
    are part of their entry: its hash covers them (portal/audit/chain.py)."""

    __tablename__ = "audit_shown"
    __table_args__ = (Index("ix_audit_shown_circle_seq", "circle_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The entry's place in the chain, known before the insert, unlike its id.
    # The application never deletes an entry; one deleted in the database
    # takes its lines with it, and the chain shows the gap.
    seq: Mapped[int] = mapped_column(ForeignKey("audit_event.seq", ondelete="CASCADE"), index=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    # The role the person held in that circle at the time.
    role: Mapped[str] = mapped_column(String(20))
    section: Mapped[str] = mapped_column(String(40))


class AuditChainHead(db.Model):
    """One row: where the audit chain ends. Every transaction that adds
    entries locks it first, so that writers chain one after another."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column()
    last_hash: Mapped[str] = mapped_column(String(64))
    # HMAC of last_seq and last_hash under a key derived from SECRET_KEY
    # (portal/audit/chain.py); NULL only for a head from before the seal.
    head_mac: Mapped[str | None] = mapped_column(String(64))


class AuditRecordIsFinal(RuntimeError):
    """The application never changes or deletes an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent | AuditShown | AuditChainHead) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditRecordIsFinal("audit entries cannot be changed or deleted")
    if any(isinstance(obj, AuditChainHead) for obj in session.new):
        raise AuditRecordIsFinal("the audit chain's head is moved only by the chain itself")
    if any(isinstance(obj, AuditShown) for obj in session.new):
        raise AuditRecordIsFinal("what an entry showed is written with its entry, by record_shown")


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session, flush_context, instances):
    """Every entry added through the ORM gets its place and hashes here, in
    the order it was added, whatever added it (record() or anything else).
    Numbers are given at each flush to whatever is still pending, so an entry
    pending again after a rolled-back savepoint is numbered from the head as
    it is now, not as it was."""
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not new:
        return
    from portal import clock
    from portal.audit.chain import HASHED_FIELDS, link

    new.sort(key=lambda obj: inspect(obj).insert_order)
    rows = []
    for entry in new:
        # What the column defaults would fill in at the insert, filled in now, so the hash covers them.
        if entry.at is None:
            entry.at = clock.now()
        if entry.outcome is None:
            entry.outcome = "ok"
        rows.append({name: getattr(entry, name) for name in HASHED_FIELDS if name != "seq"})
    link(session.connection(bind_arguments={"mapper": inspect(AuditEvent)}), rows)
    for entry, row in zip(new, rows, strict=True):
        entry.seq, entry.prev_hash, entry.entry_hash = row["seq"], row["prev_hash"], row["entry_hash"]
