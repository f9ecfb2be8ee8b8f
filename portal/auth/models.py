from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import UTCDateTime, now
from portal.extensions import db

ORGANISATION_KINDS = ("school", "clinic")


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # An IANA zone name its people read and type times in; None: the deployment's (portal/zones.py).
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # How the person is introduced to others, e.g. "School counselor".
    title: Mapped[str] = mapped_column(String(120), default="")
    # The language the person reads the portal, notices and emails in (a code
    # of LANGUAGES); None: the browser's, as on pages that need no signing in.
    language: Mapped[str | None] = mapped_column(String(8))
    # Empty until the person chooses one: an account an admin creates or
    # imports has no password, only an emailed link to set it (auth/setup.py).
    password_hash: Mapped[str] = mapped_column(String(255))
    # An admin chose this password and passed it on (before admins stopped
    # choosing passwords): the first sign-in asks for the person's own.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The professional role the organisation gives the account, if any;
    # clinicians and school contacts may start circles.
    staff_role: Mapped[str | None] = mapped_column(String(20))
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session of the account at once (sign-out everywhere,
    # password change, removal): the session cookie carries it.
    session_version: Mapped[int] = mapped_column(default=1)
    # How many notices the person has not read, about circles they are still
    # in: kept by portal/notify/unread.py in the same transaction as every
    # notice made, read or hidden, so the header reads it with the account.
    unread_notices: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    # Two-factor sign-in (portal/auth/mfa.py). Secrets are Fernet-encrypted
    # with a key derived from SECRET_KEY, so a copy of the database alone
    # does not yield them.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    # A new app being set up: it replaces totp_secret once a first code from it works.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(255))
    # The time step of the last code accepted; a code works once (ASVS 6.5.1).
    totp_last_step: Mapped[int | None] = mapped_column()
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class RecoveryCode(db.Model):
    """A one-time code for signing in without the authenticator app. Only a
    hash is kept: the codes are random (about 60 bits), so a fast hash is
    enough, as for every other token here."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(db.Model):
    """An emailed reset link. The token is only in the email; here, its hash."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
