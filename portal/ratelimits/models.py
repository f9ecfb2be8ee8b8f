from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class RateLimitCounter(db.Model):
    """One fixed window of one limit (e.g. sign-in attempts for one account):
    how many hits so far, and when the window ends. Rows whose window has
    ended mean nothing and are deleted by later writes."""

    __tablename__ = "rate_limit_counter"

    # SHA-256 of Flask-Limiter's key, which holds the email address typed at
    # sign-in or reset: no typed address (a real one or a stranger's) is kept.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Milliseconds since the epoch: whole numbers compare exactly on every database.
    expires_at_ms: Mapped[int] = mapped_column(BigInteger, index=True)
