"""Signing in through the pages, the second factor included, for tests whose
subject is what comes after: accounts that need a code get one computed with
pyotp from a secret the test knows."""

from __future__ import annotations

import pyotp
from sqlalchemy import update

from portal import clock
from portal.auth import mfa
from portal.auth.models import User
from portal.extensions import db
from tests import factories

# Any base32 string works; this one is only ever used by the test suite.
TEST_TOTP_SECRET = "TESTSUITEONLYTOTPSECRETABCDEFGHI"  # noqa: S105


def enrol(user: User, secret: str = TEST_TOTP_SECRET) -> User:
    """The account has an authenticator app set up with ``secret``."""
    mfa.enrol_with_secret(user, secret)
    db.session.commit()
    return user


def code_at(secret: str, steps_from_now: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now()) + steps_from_now)


def wrong_code(secret: str) -> str:
    """A well-formed code that is certainly not accepted now."""
    window = {code_at(secret, steps) for steps in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in window)


def fresh_code(user_id: int, secret: str) -> str:
    """A code the account can still use now. A code works once per 30-second
    step; tests that sign the same account in twice within one step forget
    the last step used, which only a test may do."""
    db.session.execute(update(User).where(User.id == user_id).values(totp_last_step=None))
    db.session.commit()
    return code_at(secret)


def pending_secret(email: str) -> str:
    """The secret of the app being set up, as the enrolment page shows it."""
    db.session.expire_all()
    user = db.session.scalars(db.select(User).where(User.email == email)).one()
    return mfa.pending_secret(user)


def sign_in(client, email: str, password: str = factories.PASSWORD, *, next_url: str | None = None,
            secret: str = TEST_TOTP_SECRET):
    """Password, then the code page or the set-up of an app if the account
    meets one; the last response."""
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    response = client.post("/login", data=data)
    step = response.headers.get("Location") if response.status_code == 302 else None
    if step == "/login/code":
        user_id = db.session.scalars(db.select(User.id).where(User.email == email.strip().lower())).one()
        response = client.post("/login/code", data={"code": fresh_code(user_id, secret)})
    elif step == "/login/enrol":
        response = client.post("/login/enrol", data={"code": code_at(pending_secret(email.strip().lower()))})
    return response
