from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.clock import UTCDateTime, now
from portal.extensions import db


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random token whose hash is
    here, so the server can end any session at once (SECURITY.md, 7.4.x)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # signed_out, idle, expired, password_changed, ended_by_admin, account_stopped, ended_elsewhere
    end_reason: Mapped[str | None] = mapped_column(String(30))
    ip: Mapped[str | None] = mapped_column(String(64))

    # Loaded with the session when a request looks it up (store.find), so the
    # account comes in the same statement and stays in the identity map for
    # the account loader.
    user: Mapped[User] = relationship()


class KeptDraft(db.Model):
    """What someone had typed when their session ended under them, or when
    the form they sent had expired, offered back once, only to them, and
    (when kept by this version) only in the browser it was typed in:
    browser_key_hash is the hash of a random cookie of that browser
    (portal/sessions/drafts.py). The text is emptied once offered."""

    __tablename__ = "kept_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    browser_key_hash: Mapped[str | None] = mapped_column(String(64))
