"""Queueing emails in the caller's transaction, and delivering them later."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.notify.models import OutboxMessage


def queue_email(to_address: str, subject: str, body: str, dedupe_key: str | None = None) -> OutboxMessage | None:
    """Add an email to the outbox in the current transaction; the caller commits.

    Returns None when a message with the same dedupe key is already queued.
    """
    key = dedupe_key or f"once:{secrets.token_hex(16)}"
    if dedupe_key is not None:
        pending = [m for m in db.session.new if isinstance(m, OutboxMessage) and m.dedupe_key == key]
        if pending or db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            return None
    message = OutboxMessage(
        dedupe_key=key,
        to_address=to_address,
        subject=subject,
        body=body,
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    db.session.add(message)
    return message
