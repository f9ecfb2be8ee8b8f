"""The floor: a hand-written Flask + SQLAlchemy Core app doing what the plan
page must do to show a safety plan, and nothing else, so the bench can say
how far the portal's plan page is from the cost of its own work.

One GET /circles/<id>/plan/safety_plan, against the portal's own database
and tables (the seeded rows), in one transaction:

1. the session: the cookie's random id, hashed, looked up in user_session
   (the portal's session store table) with the account, and checked against
   the idle and absolute limits the portal applies (last seen refreshed at
   most once a minute, as the portal does);
2. the membership: the person's live membership of the circle, in the same
   statement whether an agreement in force shares the safety plan with their
   role and whether a safeguarding limit is in force on it (the floor then
   refuses, never showing what the portal might hide);
3. the section: the circle's safety_plan row;
4. the audit entry: one row, chained onto the tamper-evident audit record as
   the portal chains it (portal/audit/chain.py: lock the head, insert, move
   and reseal the head), so that the database still verifies afterwards and
   the portal's next entry follows it. The hash is the chain's canonical
   form, written out here; tests/test_bench.py checks it against the chain.

Then a commit, durable as the portal's: on SQLite the same write-ahead log
with synchronous left at its default (FULL), on PostgreSQL the server's
default synchronous_commit. No listener, no ORM, no template engine: the
page is the section's fields, escaped. It never sets a cookie.

Served by gunicorn as ``bench.floor:create_app_from_env()`` with DATABASE_URL
and SECRET_KEY (the seal of the chain's head is keyed by it, as the portal's).
open_session() starts the session the bench's requests carry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, abort, request
from markupsafe import escape
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    event,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine

COOKIE = "floor_session"
SECTION = "safety_plan"
ENDPOINT = "plan.section"  # the audit entry reads as the plan page's own view
# policy.POLICY["safety_plan"]: who reads it by role; the school contact only under an agreement.
READERS = frozenset({"clinician", "young_person", "caregiver", "primary_care"})
SHAREABLE_WITH = frozenset({"school_contact"})
TOUCH_EVERY = timedelta(seconds=60)
FIELDS = (
    ("warning_signs", "Warning signs"),
    ("triggers", "Triggers"),
    ("coping_steps", "Things I can do on my own"),
    ("people_places", "People and places that take my mind off things"),
    ("people_to_ask", "People I can ask for help"),
    ("professionals", "Professionals and services"),
    ("safer_environment", "Making where I am safer"),
    ("what_matters", "What matters to me"),
    ("if_suicidal_thoughts", "If I have thoughts of suicide"),
    ("what_helped", "What helped before"),
)

# The columns of the portal's tables that the page reads and writes (the portal's models define them all).
meta = MetaData()
user_session = Table(
    "user_session",
    meta,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer),
    Column("token_hash", String(64)),
    Column("created_at", DateTime),
    Column("last_seen_at", DateTime),
    Column("ended_at", DateTime),
    Column("end_reason", String(30)),
    Column("ip", String(64)),
)
user = Table(
    "user", meta, Column("id", Integer, primary_key=True), Column("email", String(254)), Column("active", Boolean)
)
membership = Table(
    "membership",
    meta,
    Column("id", Integer, primary_key=True),
    Column("circle_id", Integer),
    Column("user_id", Integer),
    Column("role", String(20)),
    Column("removed_at", DateTime),
)
agreement = Table(
    "agreement",
    meta,
    Column("id", Integer, primary_key=True),
    Column("circle_id", Integer),
    Column("section", String(40)),
    Column("role", String(20)),
    Column("starts_at", DateTime),
    Column("ends_at", DateTime),
    Column("withdrawn_at", DateTime),
)
safeguarding_limit = Table(
    "safeguarding_limit",
    meta,
    Column("id", Integer, primary_key=True),
    Column("membership_id", Integer),
    Column("lifted_at", DateTime),
)
safety_plan = Table(
    "safety_plan",
    meta,
    Column("id", Integer, primary_key=True),
    Column("circle_id", Integer),
    *(Column(name, Text) for name, _ in FIELDS),
)
audit_event = Table(
    "audit_event",
    meta,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime),
    Column("user_id", Integer),
    Column("role", String(20)),
    Column("circle_id", Integer),
    Column("section", String(40)),
    Column("item_id", Integer),
    Column("subject_user_id", Integer),
    Column("action", String(40)),
    Column("outcome", String(20)),
    Column("endpoint", String(80)),
    Column("ip", String(64)),
    Column("seq", Integer),
    Column("prev_hash", String(64)),
    Column("entry_hash", String(64)),
)
audit_chain_head = Table(
    "audit_chain_head",
    meta,
    Column("id", Integer, primary_key=True),
    Column("last_seq", Integer),
    Column("last_hash", String(64)),
    Column("head_mac", String(64)),
)

# Built once, with bound parameters; read as Core tuples.
FIND_SESSION = (
    select(
        user_session.c.id,
        user_session.c.user_id,
        user_session.c.created_at,
        user_session.c.last_seen_at,
        user_session.c.ended_at,
        user.c.active,
    )
    .join(user, user.c.id == user_session.c.user_id)
    .where(user_session.c.token_hash == bindparam("token_hash"))
)
TOUCH_SESSION = (
    update(user_session).where(user_session.c.id == bindparam("session_id")).values(last_seen_at=bindparam("now"))
)
FIND_MEMBERSHIP = select(
    membership.c.role,
    exists()
    .where(
        agreement.c.circle_id == membership.c.circle_id,
        agreement.c.section == SECTION,
        agreement.c.role == membership.c.role,
        agreement.c.withdrawn_at.is_(None),
        agreement.c.starts_at <= bindparam("now"),
        or_(agreement.c.ends_at.is_(None), agreement.c.ends_at > bindparam("now")),
    )
    .label("shared"),
    exists()
    .where(safeguarding_limit.c.membership_id == membership.c.id, safeguarding_limit.c.lifted_at.is_(None))
    .label("limited"),
).where(
    and_(
        membership.c.circle_id == bindparam("circle_id"),
        membership.c.user_id == bindparam("user_id"),
        membership.c.removed_at.is_(None),
    )
)
READ_SECTION = select(*(safety_plan.c[name] for name, _ in FIELDS)).where(
    safety_plan.c.circle_id == bindparam("circle_id")
)
HEAD_ID = 1
LOCK_HEAD = {
    # As portal/audit/chain.py locks it: a row lock on PostgreSQL, SQLite's one write lock through an UPDATE.
    "postgresql": select(audit_chain_head.c.last_seq, audit_chain_head.c.last_hash, audit_chain_head.c.head_mac)
    .where(audit_chain_head.c.id == HEAD_ID)
    .with_for_update(),
    "sqlite": update(audit_chain_head)
    .where(audit_chain_head.c.id == HEAD_ID)
    .values(last_seq=audit_chain_head.c.last_seq)
    .returning(audit_chain_head.c.last_seq, audit_chain_head.c.last_hash, audit_chain_head.c.head_mac),
}
INSERT_AUDIT = insert(audit_event)
MOVE_HEAD = update(audit_chain_head).where(audit_chain_head.c.id == HEAD_ID)

# portal/audit/chain.py's canonical form, version 1.
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


def entry_hash(values: dict, prev_hash: str) -> str:
    fields = {name: values.get(name) for name in HASHED_FIELDS}
    fields["at"] = values["at"].isoformat(timespec="microseconds")  # naive UTC, as stored
    fields["prev_hash"], fields["v"] = prev_hash, 1
    return hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    ).hexdigest()


def head_mac(secret_key: str, last_seq: int, last_hash: str) -> str:
    key = hmac.new(secret_key.encode(), b"audit-chain-head", hashlib.sha256).digest()
    return hmac.new(key, f"v1:{last_seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def _utcnow() -> datetime:
    # The portal's columns hold naive UTC.
    return datetime.now(UTC).replace(tzinfo=None)


def _page(circle_id: int, row) -> str:
    items = "".join(
        f"<dt>{label}</dt><dd>{escape(value or '')}</dd>" for (_, label), value in zip(FIELDS, row, strict=True)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Safety plan</title></head>'
        f"<body><main><h1>Safety plan</h1><p>Circle {circle_id}</p><dl>{items}</dl></main></body></html>"
    )


def create_floor_app(engine: Engine, secret_key: str, *, idle_minutes: int = 30, max_hours: int = 12) -> Flask:
    app = Flask(__name__)
    idle, absolute = timedelta(minutes=idle_minutes), timedelta(hours=max_hours)
    lock_head = LOCK_HEAD[engine.dialect.name]

    @app.get(f"/circles/<int:circle_id>/plan/{SECTION}")
    def section(circle_id: int):
        token = request.cookies.get(COOKIE)
        if not token:
            abort(401)
        now = _utcnow()
        with engine.begin() as connection:
            found = connection.execute(FIND_SESSION, {"token_hash": hashlib.sha256(token.encode()).hexdigest()}).first()
            if (
                found is None
                or found.ended_at is not None
                or not found.active
                or now - found.last_seen_at > idle
                or now - found.created_at > absolute
            ):
                abort(401)
            if now - found.last_seen_at > TOUCH_EVERY:
                connection.execute(TOUCH_SESSION, {"session_id": found.id, "now": now})
            member = connection.execute(
                FIND_MEMBERSHIP, {"circle_id": circle_id, "user_id": found.user_id, "now": now}
            ).first()
            if (
                member is None
                or member.limited
                or not (member.role in READERS or (member.role in SHAREABLE_WITH and member.shared))
            ):
                abort(404)
            row = connection.execute(READ_SECTION, {"circle_id": circle_id}).first()
            if row is None:
                abort(404)
            entry = {
                "at": now,
                "user_id": found.user_id,
                "role": member.role,
                "circle_id": circle_id,
                "section": SECTION,
                "item_id": None,
                "subject_user_id": None,
                "action": "view",
                "outcome": "ok",
                "endpoint": ENDPOINT,
                "ip": request.remote_addr,
            }
            last_seq, last_hash, mac = connection.execute(lock_head).one()
            # A head sealed by another key is left unsealed, as the portal leaves it (flask audit verify finds it).
            ours = mac is None or hmac.compare_digest(head_mac(secret_key, last_seq, last_hash), mac)
            entry["seq"], entry["prev_hash"] = last_seq + 1, last_hash
            entry["entry_hash"] = entry_hash(entry, last_hash)
            connection.execute(INSERT_AUDIT, entry)
            moved = {"last_seq": entry["seq"], "last_hash": entry["entry_hash"]}
            if ours:
                moved["head_mac"] = head_mac(secret_key, entry["seq"], entry["entry_hash"])
            connection.execute(MOVE_HEAD, moved)
        return Response(_page(circle_id, row), mimetype="text/html")

    return app


def engine_for(url: str) -> Engine:
    """The portal's engine settings for this URL: psycopg 3 on PostgreSQL, the write-ahead log on SQLite."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _write_ahead_log(dbapi_connection, connection_record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def create_app_from_env() -> Flask:
    return create_floor_app(
        engine_for(os.environ["DATABASE_URL"]),
        os.environ["SECRET_KEY"],
        idle_minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        max_hours=int(os.environ.get("SESSION_MAX_HOURS", "12")),
    )


def open_session(engine: Engine, email: str) -> str:
    """A live session for the account, in user_session as the portal's database store starts one;
    the random id the floor's cookie carries."""
    token = secrets.token_urlsafe(32)
    now = _utcnow()
    with engine.begin() as connection:
        user_id = connection.execute(select(user.c.id).where(user.c.email == email)).scalar_one()
        connection.execute(
            insert(user_session).values(
                user_id=user_id,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                created_at=now,
                last_seen_at=now,
            )
        )
    return token
