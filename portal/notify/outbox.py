"""Queueing emails in the caller's transaction, and delivering them later.

Most emails are written when they are queued. Some must not be: an email that
goes only if an account uses the address (a password reset) would make the
request that asks for it do more work, and take longer, for an address that
has an account. Those are queued as a request naming a composer, the same
way for every address, and the sender asks the composer, when it sends,
whether there is anything to say (``queue_composed``).

Every email is written in its recipient's language (DESIGN.md, principle 13):
a written one by its caller, inside ``languages.in_language`` with the
recipient's; a composed one here, in the language of the account that uses
the address (the default when none does).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from portal import clock, languages
from portal.auth.models import User
from portal.extensions import db
from portal.notify.models import WRITTEN, OutboxMessage


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str


# kind -> composer(address): the email to send to that address, or None for none.
# Features register theirs (``composer``); notify never imports them.
_COMPOSERS: dict[str, Callable[[str], Composed | None]] = {}


def composer(kind: str):
    """Register the function that writes a ``kind`` email at sending time. It
    may add rows (a reset link's hash); the sender commits them before sending."""

    def register(function: Callable[[str], Composed | None]):
        if kind == WRITTEN or (kind in _COMPOSERS and _COMPOSERS[kind] is not function):
            raise RuntimeError(f"a composer for {kind!r} is already registered")
        _COMPOSERS[kind] = function
        return function

    return register


def compose(message: OutboxMessage) -> Composed | None:
    """The words of a queued message; None when there is nothing to send."""
    if message.kind == WRITTEN:
        return Composed(message.subject, message.body)
    if message.kind not in _COMPOSERS:
        # Fail loudly: a message of an unknown kind is never dropped quietly.
        raise LookupError(f"no composer registered for outbox messages of kind {message.kind!r}")
    with languages.in_language(language_of(message.to_address)):
        return _COMPOSERS[message.kind](message.to_address)


def language_of(address: str) -> str | None:
    """The language of the account that uses the address, if any: what a
    composed email is written in."""
    return db.session.scalar(select(User.language).where(User.email == address).limit(1))


def queue_email(
    to_address: str, subject: str, body: str, dedupe_key: str | None = None, *, key_prefix: str = "once"
) -> OutboxMessage | None:
    """Add an email to the outbox in the current transaction; the caller commits.
    Its words are already in the recipient's language (``languages.in_language``).

    Returns None when a message with the same dedupe key is already queued.
    Without one, the key is ``key_prefix`` and a random part: never the same
    twice, yet it says what kind of email it is whatever its language.
    """
    key = dedupe_key or f"{key_prefix}:{secrets.token_hex(16)}"
    if dedupe_key is not None:
        pending = [m for m in db.session.new if isinstance(m, OutboxMessage) and m.dedupe_key == key]
        if pending or db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            return None
    return _add(to_address, subject, body, WRITTEN, key)


def queue_composed(kind: str, to_address: str) -> OutboxMessage:
    """Queue an email that its composer writes (or not) when it is sent: one
    INSERT, the same whatever the address, and nothing read beforehand."""
    if kind not in _COMPOSERS:
        raise LookupError(f"no composer registered for outbox messages of kind {kind!r}")
    return _add(to_address, "", "", kind, f"once:{secrets.token_hex(16)}")


def _add(to_address: str, subject: str, body: str, kind: str, key: str) -> OutboxMessage:
    message = OutboxMessage(
        dedupe_key=key,
        kind=kind,
        to_address=to_address,
        subject=subject,
        body=body,
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    db.session.add(message)
    return message
