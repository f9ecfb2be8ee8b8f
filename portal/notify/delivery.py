"""Sending what the outbox holds: claimed before sending, so two senders never
send one message; retried with backoff, so a mail server that is down loses
nothing. A composed message (outbox.queue_composed) is written here, at
sending time, or dropped when its composer has nothing to send."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select, update

from portal import clock
from portal.extensions import db
from portal.notify.models import WRITTEN, OutboxMessage
from portal.notify.outbox import Composed, compose

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    # Composed messages with nothing to send (no account uses the address).
    dropped: int = 0


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _email(message: OutboxMessage, words: Composed) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = words.subject
    # Stable per outbox row: a receiving system can drop a duplicate.
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=config["MAIL_MESSAGE_ID_DOMAIN"])
    email.set_content(words.body)
    return email


def _transmit(email: EmailMessage) -> None:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "console":
        # Development: the text holds no plan content by design, so printing it is safe.
        print(f"--- email to {email['To']}: {email['Subject']}\n{email.get_content()}---", flush=True)
        return
    if backend != "smtp":
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


def _claim(message_id: int) -> bool:
    now = clock.now()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + CLAIM)
    )
    db.session.commit()
    return result.rowcount == 1


def send_pending(batch: int = 100) -> Report:
    report = Report()
    now = clock.now()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(batch)
        )
    )
    for message_id in ids:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        words = compose(message)
        if words is None:
            # Nothing to send (no active account uses the address): keep
            # nothing of an address that may not even be a person's.
            db.session.delete(message)
            db.session.commit()
            report.dropped += 1
            continue
        if message.kind != WRITTEN:
            # What the composer added (a reset link's hash) exists before the email does.
            db.session.commit()
        try:
            _transmit(_email(message, words))
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.next_attempt_at = clock.now() + backoff(message.attempts)
            message.claimed_until = None
            message.last_error = type(error).__name__
            db.session.commit()
            # The log names the message, never its address or text.
            log.warning("outbox message %s not sent (attempt %s): %s", message.id, message.attempts, type(error).__name__)
            report.failed += 1
            continue
        message.sent_at = clock.now()
        # The subject of a composed message is kept, its body never: it holds a secret link.
        message.subject = words.subject
        message.attempts += 1
        message.claimed_until = None
        db.session.commit()
        report.sent += 1
    return report
