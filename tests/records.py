"""What an account's tests read back: the account as stored now, the audit
entries of an action, the emails queued to someone."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.notify.models import OutboxMessage


def reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def audited(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def emails_to(user) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_address == user.email)))
