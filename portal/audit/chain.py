"""The audit record is tamper-evident: each entry carries a hash chained to the
one before, so that changing, removing or slipping in an entry, even straight
in the database, shows when the chain is walked (`flask audit verify`).

Each entry has a place in the chain (``seq``: 1, 2, 3, ... with no gaps), the
hash of the entry before it (``prev_hash``; the first entry's is GENESIS), and
its own hash (``entry_hash``): SHA-256 over ``canonical()`` of its fields and
``prev_hash``. One row, ``audit_chain_head``, holds the last place and hash.

Writers are serialised on that row: every transaction that adds entries locks
it first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite an UPDATE, which
takes the database's one write lock, since a plain SELECT there would run
outside it), numbers and hashes its entries after the last one, and moves the
head, so that two transactions can never both chain onto one predecessor.
That is one small read and one small write a transaction, not a row. The
lock is held until the transaction ends, like any row lock.

The head is sealed: ``head_mac`` is an HMAC-SHA256 of its place and hash
under a key derived from the application's SECRET_KEY (never stored in the
database), rewritten by every write that moves the head. Without it, whoever
could write to the database could cut entries off the end and move the head
back to match, or rewrite every entry and the head; neither verifies now
without the key. A head whose seal matches none of SECRET_KEY and
SECRET_KEY_FALLBACKS is not resealed by the next write (the seal stays wrong,
so the tampering keeps showing; `flask audit seal` reseals once an operator
has looked). A head from before the seal existed has none (NULL): the next
write seals it, with a warning in the log, and until then `flask audit verify`
says "not yet sealed" and exits 2.

What the seal cannot stop: someone holding the key (the application's
server), or someone putting back an older head row together with its seal
after cutting the entries after it. For both, `flask audit verify` prints
where the chain ends; kept elsewhere, `--expect-seq N --expect-hash H` checks
later that the chain still passes through that entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import Connection, func, select, update

from portal.audit.models import AuditChainHead, AuditEvent, AuditShown

GENESIS = "0" * 64
HEAD_ID = 1
# What an entry's hash covers, besides the hash before it: every column the
# application writes. The id is left out: it is given by the database at
# insert, after the hash is made; ``seq`` fixes the entry's place instead.
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "role",
    "circle_id",
    "section",
    "item_id",
    "subject_user_id",
    "action",
    "outcome",
    "endpoint",
    "ip",
)
# The canonical form below is version 1. Entries already written are hashed
# with it forever: a change needs a new version kept beside each entry.
CANONICAL_VERSION = 1
# Version 2 adds ``shown``: what an entry spanning many circles showed (the
# weekly sheet), its audit_shown lines as [circle_id, role, section], sorted.
# An entry is version 2 exactly when it has such lines, so the version is
# kept beside each entry by the lines themselves: every entry written before
# stays version 1, byte for byte, and dropping or adding a line changes it.
SHOWN_VERSION = 2
SHOWN = "shown"
PAGE = 2000

_event = AuditEvent.__table__
_shown = AuditShown.__table__
_head = AuditChainHead.__table__
# The seal's key is derived from SECRET_KEY for this one use, so that it is
# never the key that signs anything else.
HEAD_KEY_LABEL = b"audit-chain-head"
log = logging.getLogger(__name__)


class AuditChainHeadMissing(RuntimeError):
    """Entries exist but the head that says where the chain ends does not."""


def _moment(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"an audit entry's time must be a datetime, not {type(value).__name__}")
    # Stored as naive UTC (portal.clock.UTCDateTime): the same text before the
    # insert (aware) and after reading it back (naive from the database).
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def canonical(values: Mapping, prev_hash: str) -> bytes:
    """The bytes an entry's hash is made of: its fields and the hash before it,
    as JSON with sorted keys and no spaces, the time as naive UTC ISO 8601."""
    fields = {name: values.get(name) for name in HASHED_FIELDS}
    fields["at"] = _moment(fields["at"])
    fields["prev_hash"] = prev_hash
    fields["v"] = CANONICAL_VERSION
    shown = values.get(SHOWN)
    if shown:
        fields[SHOWN] = sorted([int(circle_id), str(role), str(section)] for circle_id, role, section in shown)
        fields["v"] = SHOWN_VERSION
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(values: Mapping, prev_hash: str) -> str:
    return hashlib.sha256(canonical(values, prev_hash)).hexdigest()


# --- The head's seal -----------------------------------------------------------


def head_mac(secret_key: str | bytes, last_seq: int, last_hash: str) -> str:
    """The seal of a head at ``last_seq`` / ``last_hash`` under ``secret_key``:
    HMAC-SHA256 under HMAC(secret_key, "audit-chain-head")."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = hmac.new(secret, HEAD_KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(key, f"v1:{last_seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def _secret_keys() -> list:
    """The current key first, then the ones it replaced (a rotation)."""
    config = current_app.config
    return [key for key in (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ())) if key]


def seal(last_seq: int, last_hash: str) -> str:
    return head_mac(_secret_keys()[0], last_seq, last_hash)


def seal_matches(last_seq: int, last_hash: str, mac: str | None) -> bool:
    if not mac:
        return False
    return any(hmac.compare_digest(head_mac(key, last_seq, last_hash), mac) for key in _secret_keys())


# --- Writing -------------------------------------------------------------------


def _lock_head(connection: Connection) -> tuple[int, str, str | None] | None:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        stmt = select(_head.c.last_seq, _head.c.last_hash, _head.c.head_mac).where(_head.c.id == HEAD_ID).with_for_update()
    elif dialect == "sqlite":
        stmt = (
            update(_head)
            .where(_head.c.id == HEAD_ID)
            .values(last_seq=_head.c.last_seq)
            .returning(_head.c.last_seq, _head.c.last_hash, _head.c.head_mac)
        )
    else:
        raise NotImplementedError(f"the audit chain has no lock for {dialect}")
    found = connection.execute(stmt).first()
    return (found.last_seq, found.last_hash, found.head_mac) if found is not None else None


def _start(connection: Connection) -> None:
    """The first entry of a database without a head (made by create_all, or
    emptied): the chain starts at GENESIS. Never over existing entries."""
    if connection.scalar(select(func.count()).select_from(_event)):
        raise AuditChainHeadMissing("audit entries exist but the chain head is missing: run `flask audit verify`")
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    # Two first writers at once: one row, whoever comes second does nothing.
    connection.execute(
        dialect_insert(_head)
        .values(id=HEAD_ID, last_seq=0, last_hash=GENESIS, head_mac=seal(0, GENESIS))
        .on_conflict_do_nothing()
    )


def link(connection: Connection, rows: list[dict]) -> None:
    """Give ``rows`` (column values of new entries, in the order they happen)
    their place and hashes after the last entry, and move the head past them.
    Call it in the transaction that inserts them, right before the insert."""
    if not rows:
        return
    head = _lock_head(connection)
    if head is None:
        _start(connection)
        head = _lock_head(connection)
    last_seq, last_hash, mac = head
    if mac is None:
        # A head from before the seal (the migration cannot know the key): sealed now, once.
        log.warning("audit chain head sealed for the first time, at entry number %d", last_seq)
    ours = mac is None or seal_matches(last_seq, last_hash, mac)
    if not ours:
        # Not sealed by this application: left as it is, so that `flask audit verify` keeps finding it.
        log.error("the audit chain head's seal does not match: not resealed; run `flask audit verify`")
    for row in rows:
        last_seq += 1
        row["seq"], row["prev_hash"] = last_seq, last_hash
        last_hash = row["entry_hash"] = entry_hash(row, last_hash)
    # With the current key, whichever of its fallbacks sealed it before.
    values = {"head_mac": seal(last_seq, last_hash)} if ours else {}
    connection.execute(
        update(_head).where(_head.c.id == HEAD_ID).values(last_seq=last_seq, last_hash=last_hash, **values)
    )


def reseal(connection: Connection) -> tuple[int, str] | None:
    """Seal the head as it stands with the current key (`flask audit seal`,
    after an operator has looked at why it did not match). None without a head."""
    head = _lock_head(connection)
    if head is None:
        return None
    last_seq, last_hash, _ = head
    connection.execute(update(_head).where(_head.c.id == HEAD_ID).values(head_mac=seal(last_seq, last_hash)))
    return last_seq, last_hash


# --- Checking ------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    whole: bool
    checked: int  # entries found in order before the break (all of them when whole)
    head_hash: str  # the hash of the last entry found in order
    broken_at: int | None = None  # the id of the first entry that does not fit, if one does
    reason: str = ""
    sealed: bool = True  # False: whole, but the head has no seal yet (before the first write since the upgrade)


class _Walk:
    """Entries in chain order, each checked against the one before."""

    def __init__(self):
        self.expected_seq, self.prev, self.checked, self.last_id = 1, GENESIS, 0, None
        self.broken: Verdict | None = None

    def broken_here(self, entry_id: int | None, reason: str) -> Verdict:
        self.broken = Verdict(False, self.checked, self.prev, entry_id, reason)
        return self.broken

    def take(self, row) -> bool:
        if row.seq != self.expected_seq:
            what = "is missing: one was removed" if row.seq > self.expected_seq else "appears twice"
            self.broken_here(row.id, f"the entry numbered {self.expected_seq} before it {what}")
        elif entry_hash(row._mapping, row.prev_hash) != row.entry_hash:
            self.broken_here(row.id, "its content does not match its hash: it was changed")
        elif row.prev_hash != self.prev:
            self.broken_here(row.id, "it does not follow the entry before it: one was removed or added")
        else:
            self.prev, self.last_id = row.entry_hash, row.id
            self.expected_seq, self.checked = self.expected_seq + 1, self.checked + 1
        return self.broken is None


_COLUMNS = (_event.c.id, _event.c.prev_hash, _event.c.entry_hash, *(_event.c[name] for name in HASHED_FIELDS))


class _Checked:
    """An entry as the walk checks it: its columns, and what it showed, if anything."""

    def __init__(self, row, shown):
        self._mapping = {**row._mapping, SHOWN: shown}
        self.id, self.seq, self.prev_hash, self.entry_hash = row.id, row.seq, row.prev_hash, row.entry_hash


def _walk_up_to(connection: Connection, walk: _Walk, after: int, upto: int) -> bool:
    """Check the entries numbered after ``after`` up to ``upto``, a page at a time,
    each with the lines of what it showed (one more read a page)."""
    while after < upto:
        rows = connection.execute(
            select(*_COLUMNS).where(_event.c.seq > after, _event.c.seq <= upto).order_by(_event.c.seq).limit(PAGE)
        ).all()
        if not rows:
            return True
        shown: dict[int, list] = {}
        for seq, circle_id, role, section in connection.execute(
            select(_shown.c.seq, _shown.c.circle_id, _shown.c.role, _shown.c.section).where(
                _shown.c.seq > after, _shown.c.seq <= rows[-1].seq
            )
        ):
            shown.setdefault(seq, []).append((circle_id, role, section))
        for row in rows:
            if not walk.take(_Checked(row, shown.get(row.seq))):
                return False
        after = rows[-1].seq
    return True


def _head_now(connection: Connection):
    return connection.execute(
        select(_head.c.last_seq, _head.c.last_hash, _head.c.head_mac).where(_head.c.id == HEAD_ID)
    ).first()


def verify(connection: Connection) -> Verdict:
    """Walk the chain from the first entry: whole, or the first entry that does
    not fit. Writers may go on meanwhile: the head is read first and the walk
    goes as far as it records; an entry beyond it is checked again against a
    head read anew, since a writer moves the head in the transaction that
    adds its entries, and only an entry the head never reaches was slipped in."""
    walk = _Walk()
    head = _head_now(connection)
    upto = head.last_seq if head is not None else 0
    if not _walk_up_to(connection, walk, 0, upto):
        return walk.broken
    while True:
        beyond = connection.execute(
            select(_event.c.id, _event.c.seq).where(_event.c.seq > upto).order_by(_event.c.seq).limit(1)
        ).first()
        if beyond is None:
            break
        newer = _head_now(connection)
        if newer is None:
            return walk.broken_here(None, "the chain head, which says where the chain ends, is missing")
        if newer.last_seq < beyond.seq:
            return walk.broken_here(beyond.id, "it lies beyond the end of the chain: it was added")
        if not _walk_up_to(connection, walk, upto, newer.last_seq):
            return walk.broken
        head, upto = newer, newer.last_seq
    if head is None:
        return Verdict(True, 0, GENESIS)
    if walk.checked < head.last_seq:
        ends = f"the chain ends after entry {walk.last_id}" if walk.last_id is not None else "no entry remains"
        return walk.broken_here(None, f"{ends}, but the head records {head.last_seq} entries: the last were removed")
    if walk.prev != head.last_hash:
        return walk.broken_here(None, "the last entry is not the one the chain head records: it was replaced")
    if head.head_mac is None:
        return Verdict(True, walk.checked, walk.prev, reason="the chain head is not yet sealed", sealed=False)
    if not seal_matches(head.last_seq, head.last_hash, head.head_mac):
        return walk.broken_here(
            None,
            "the chain head's seal does not match it under this server's SECRET_KEY or its fallbacks: "
            "the head was moved outside the application (the last entries removed, or the record rewritten)",
        )
    return Verdict(True, walk.checked, walk.prev)


def passes_through(connection: Connection, seq: int, expected_hash: str) -> str | None:
    """Why the chain does not pass through entry ``seq`` with ``expected_hash``
    (a point an operator kept elsewhere), or None when it does. For a chain
    verify() found whole: every entry up to its head is then in order."""
    if seq == 0:
        return None if expected_hash == GENESIS else "before the first entry the hash is always GENESIS (64 zeros)"
    found = connection.scalar(select(_event.c.entry_hash).where(_event.c.seq == seq))
    if found is None:
        return f"there is no entry numbered {seq}: the chain is shorter than when that was kept"
    if not hmac.compare_digest(found, expected_hash.strip().lower()):
        return f"the entry numbered {seq} is not the one kept: the record was rewritten"
    return None
