"""Where server-side sessions live: the database (one app server, the
embedded default) or Redis (several app servers), behind one small interface.

Both keep, per session, only the hash of the cookie's random token, who,
when it started, when it was last seen, from where, and, once ended, when
and why. The timeouts are decided in services.check_request from these
timestamps (so a frozen test clock works on both); Redis expiry only tidies
up afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.extensions import db
from portal.sessions.models import UserSession
from portal.tokens import new_token
from portal.tokens import token_hash as hash_token

# Every signed-in request asks for its session and then its account (with the
# organisation, whose time zone every page reads). One statement, built once:
# the account comes with the session, which holds it for the request, so the
# account loader (auth.services.account_for) finds it in the identity map.
_SESSION_AND_ACCOUNT = (
    select(UserSession)
    .options(joinedload(UserSession.user).joinedload(User.organisation))
    .where(UserSession.token_hash == bindparam("token_hash"))
)
STORES = ("database", "redis")
# Seconds to connect to Redis, and to wait for an answer (REDIS_SOCKET_TIMEOUT).
DEFAULT_REDIS_TIMEOUT = 2.0


@dataclass
class SessionRecord:
    """A session as the Redis store returns it; UserSession rows have the
    same attributes, so callers and templates treat both alike."""

    id: str
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None
    ip: str | None = None


class SessionStore(Protocol):
    # The dependency that is down when the store does not answer.
    component: str

    def create(self, user_id: int, *, ip: str | None, now: datetime) -> tuple[str, object]:
        """A new live session; the cookie's token and the record."""

    def find(self, token: str):
        """The session of this token, live or ended (so its end reason can be
        told), or None."""

    def touch(self, record, now: datetime) -> None:
        """Record activity on a live session."""

    def end(self, record, reason: str, now: datetime) -> None:
        """End one session, if it is still live."""

    def end_all(self, user_id: int, reason: str, now: datetime, *, keep_id=None) -> int:
        """End every live session of the account but ``keep_id``; how many."""

    def active(self, user_id: int) -> list:
        """The account's live sessions, most recently used first."""

    def history(self, user_id: int) -> list:
        """Live sessions and the ended ones still kept, oldest first."""


class DatabaseStore:
    """Rows of user_session. end_all joins the caller's transaction (the
    caller commits, with its audit record); the rest commit at once."""

    # What is down when this store does not answer (portal/outages.py).
    component = "database"

    def create(self, user_id, *, ip, now):
        token = new_token()
        record = UserSession(user_id=user_id, token_hash=hash_token(token), created_at=now, last_seen_at=now, ip=ip)
        db.session.add(record)
        db.session.commit()
        return token, record

    def find(self, token):
        return db.session.scalars(_SESSION_AND_ACCOUNT, {"token_hash": hash_token(token)}).first()

    def touch(self, record, now):
        record.last_seen_at = now
        db.session.commit()

    def end(self, record, reason, now):
        if record.ended_at is None:
            record.ended_at = now
            record.end_reason = reason
            db.session.commit()

    def end_all(self, user_id, reason, now, *, keep_id=None):
        stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        if keep_id is not None:
            stmt = stmt.where(UserSession.id != keep_id)
        return db.session.execute(stmt.values(ended_at=now, end_reason=reason)).rowcount

    def active(self, user_id):
        return list(
            db.session.scalars(
                select(UserSession)
                .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                .order_by(UserSession.last_seen_at.desc())
                .execution_options(populate_existing=True)
            )
        )

    def history(self, user_id):
        query = select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id)
        return list(db.session.scalars(query.execution_options(populate_existing=True)))


# Only a live session may be touched or ended: HSET on a key that has expired
# or been ended would bring it back without an expiry, or overwrite the reason.
_TOUCH = """
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], 'ended_at') == 0 then
  redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
  return 1
end
return 0
"""
_END = """
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], 'ended_at') == 0 then
  redis.call('HSET', KEYS[1], 'ended_at', ARGV[1], 'end_reason', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
"""


class RedisStore:
    """A hash per session, ``<prefix>session:<token hash>``, and a set per
    account, ``<prefix>user:<id>:sessions``, for listing and ending them all.

    A session's hash expires after the absolute limit plus the time ended
    sessions are kept, so a session that outlived the limit is still found,
    ended as "expired" and explained; once ended, it is kept that long. The
    ending takes effect at once, not with the caller's database transaction:
    a rolled-back password change still signs the other browsers out, the
    safe way round.
    """

    component = "redis"

    def __init__(self, client, prefix: str, *, absolute: timedelta, ended_kept: timedelta):
        self.client = client
        self.prefix = prefix
        self.live_ttl = int((absolute + ended_kept).total_seconds())
        self.ended_ttl = max(int(ended_kept.total_seconds()), 1)
        self._touch = client.register_script(_TOUCH)
        self._end = client.register_script(_END)

    def ping(self) -> bool:
        """Whether Redis answers now (the health check)."""
        import redis

        try:
            return bool(self.client.ping())
        except redis.exceptions.RedisError:
            return False

    def _session_key(self, token_hash: str) -> str:
        return f"{self.prefix}session:{token_hash}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}user:{int(user_id)}:sessions"

    @staticmethod
    def _record(token_hash: str, fields: dict) -> SessionRecord | None:
        if not fields or "user_id" not in fields:
            return None

        def when(name):
            value = fields.get(name)
            return datetime.fromisoformat(value) if value else None

        return SessionRecord(
            id=token_hash,
            user_id=int(fields["user_id"]),
            created_at=when("created_at"),
            last_seen_at=when("last_seen_at"),
            ended_at=when("ended_at"),
            end_reason=fields.get("end_reason") or None,
            ip=fields.get("ip") or None,
        )

    def create(self, user_id, *, ip, now):
        token = new_token()
        token_hash = hash_token(token)
        fields = {"user_id": str(int(user_id)), "created_at": now.isoformat(), "last_seen_at": now.isoformat()}
        if ip:
            fields["ip"] = ip
        key, user_key = self._session_key(token_hash), self._user_key(user_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, self.live_ttl)
            pipe.sadd(user_key, token_hash)
            pipe.expire(user_key, self.live_ttl)
            pipe.execute()
        return token, self._record(token_hash, fields)

    def find(self, token):
        token_hash = hash_token(token)
        return self._record(token_hash, self.client.hgetall(self._session_key(token_hash)))

    def touch(self, record, now):
        if self._touch(keys=[self._session_key(record.id)], args=[now.isoformat()]):
            record.last_seen_at = now

    def end(self, record, reason, now):
        if self._end(keys=[self._session_key(record.id)], args=[now.isoformat(), reason, self.ended_ttl]):
            record.ended_at, record.end_reason = now, reason

    def _all(self, user_id) -> list[SessionRecord]:
        user_key = self._user_key(user_id)
        hashes = sorted(self.client.smembers(user_key))
        if not hashes:
            return []
        with self.client.pipeline(transaction=False) as pipe:
            for token_hash in hashes:
                pipe.hgetall(self._session_key(token_hash))
            found = pipe.execute()
        records, gone = [], []
        for token_hash, fields in zip(hashes, found, strict=True):
            record = self._record(token_hash, fields)
            if record is None:
                gone.append(token_hash)
            else:
                records.append(record)
        if gone:  # expired hashes leave their set entry behind
            self.client.srem(user_key, *gone)
        return records

    def end_all(self, user_id, reason, now, *, keep_id=None):
        ended = 0
        for record in self._all(user_id):
            if record.ended_at is None and record.id != keep_id:
                if self._end(keys=[self._session_key(record.id)], args=[now.isoformat(), reason, self.ended_ttl]):
                    ended += 1
        return ended

    def active(self, user_id):
        live = [record for record in self._all(user_id) if record.ended_at is None]
        return sorted(live, key=lambda record: record.last_seen_at, reverse=True)

    def history(self, user_id):
        return sorted(self._all(user_id), key=lambda record: record.created_at)


def init_app(app) -> None:
    """Choose the store from SESSION_STORE; an unknown or unusable choice
    stops start-up rather than quietly falling back."""
    config = app.config
    name = config.get("SESSION_STORE", "database")
    if name == "database":
        store = DatabaseStore()
    elif name == "redis":
        if not config.get("REDIS_URL"):
            raise RuntimeError("SESSION_STORE is redis but REDIS_URL is not set.")
        import redis

        # A Redis that does not answer must fail a request in seconds, not
        # hold it (and a worker) until the operating system gives up.
        timeout = float(config.get("REDIS_SOCKET_TIMEOUT", DEFAULT_REDIS_TIMEOUT))
        client = redis.Redis.from_url(
            config["REDIS_URL"], decode_responses=True, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        store = RedisStore(
            client,
            config.get("REDIS_KEY_PREFIX", ""),
            absolute=timedelta(hours=config["SESSION_MAX_HOURS"]),
            ended_kept=timedelta(hours=config.get("SESSION_ENDED_KEPT_HOURS", 24)),
        )
    else:
        raise RuntimeError(f"Unknown SESSION_STORE {name!r}; use one of {STORES}.")
    app.extensions["session_store"] = store


def get_store() -> SessionStore:
    from flask import current_app

    return current_app.extensions["session_store"]
