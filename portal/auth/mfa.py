"""The second factor: TOTP codes from an authenticator app (RFC 6238, through
pyotp) and one-time recovery codes (SECURITY.md, "Sign-in"; ASVS 6.3.3, 6.5.1).

Every write here joins the caller's transaction; the caller commits.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from config import ConfigError
from portal import clock
from portal.access import policy
from portal.auth.models import RecoveryCode, User
from portal.extensions import db
from portal.tokens import token_hash

ISSUER = "Support Circle"
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are copied by hand from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
# A code may come from the step before or after this one: phones' clocks drift.
VALID_WINDOW = 1

log = logging.getLogger(__name__)
# ASCII digits only: \d would take other scripts' digits, which compare_digest refuses.
_TOTP_SHAPE = re.compile(r"[0-9]{6}")


class UnknownRole(ConfigError, ValueError):
    """MFA_REQUIRED_ROLES names a role the policy does not know."""


def check_settings(config) -> None:
    """At start-up: a misspelt role would quietly leave its holders without a second factor."""
    unknown = set(config["MFA_REQUIRED_ROLES"]) - set(policy.ROLES)
    if unknown:
        raise UnknownRole(f"MFA_REQUIRED_ROLES names unknown roles {sorted(unknown)}; known: {list(policy.ROLES)}")


# --- The secret, encrypted at rest ----------------------------------------------------------------


def _fernet_key(secret_key: str | bytes) -> bytes:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"support-circle totp secret").derive(material)
    return base64.urlsafe_b64encode(derived)


def _cipher() -> MultiFernet:
    # SECRET_KEY_FALLBACKS (Flask 3.1) keep older secrets readable after a key rotation.
    keys = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def encrypt(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def decrypt(stored: str | None) -> str | None:
    if not stored:
        return None
    try:
        return _cipher().decrypt(stored.encode()).decode()
    except InvalidToken:
        log.warning("a two-factor secret could not be decrypted; was SECRET_KEY changed without a fallback?")
        return None


# --- Who needs it ------------------------------------------------------------------------------------


def enrolled(user: User) -> bool:
    return user.totp_secret is not None


def required_for(user: User) -> bool:
    """Required by the account's staff role, or by a role held in any circle now."""
    from portal.circles.models import Membership

    roles = current_app.config["MFA_REQUIRED_ROLES"]
    if not roles:
        return False
    if user.staff_role in roles:
        return True
    held = select(Membership.id).where(
        Membership.user_id == user.id, Membership.removed_at.is_(None), Membership.role.in_(sorted(roles))
    )
    return db.session.scalar(held.limit(1)) is not None


# --- Setting up an app -------------------------------------------------------------------------------


def prepare_enrolment(user: User, *, fresh: bool = False) -> str:
    """The secret of the app being set up; a new one unless one is waiting
    already, so a QR code scanned on an earlier try still works."""
    secret = None if fresh else decrypt(user.totp_pending_secret)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_pending_secret = encrypt(secret)
    return secret


def pending_secret(user: User) -> str | None:
    return decrypt(user.totp_pending_secret)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """An SVG data URI for an <img>: the CSP allows data: images, and nothing inline."""
    return segno.make(uri, error="m", micro=False).svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret as people type it into an app: in groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str) -> int | None:
    code = re.sub(r"\s", "", code or "")
    if not _TOTP_SHAPE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(clock.now())
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(code, totp.generate_otp(step)):
            return step
    return None


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Switch to the app being set up if ``code`` comes from it; its new
    recovery codes, to show once, or None."""
    pending = user.totp_pending_secret
    secret = decrypt(pending)
    step = _matching_step(secret, code) if secret else None
    if step is None:
        return None
    # Only the request that still sees this pending secret switches to it.
    switched = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_pending_secret == pending)
        .values(totp_secret=pending, totp_pending_secret=None, totp_last_step=step, mfa_enrolled_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    if switched.rowcount != 1:
        return None
    return new_recovery_codes(user)


def enrol_with_secret(user: User, secret: str) -> None:
    """For the demo loader and tests: an app already set up with a known secret."""
    user.totp_secret = encrypt(secret)
    user.totp_pending_secret = None
    user.totp_last_step = None
    user.mfa_enrolled_at = clock.now()


def reset(user: User) -> None:
    """Forget the app and the recovery codes: the next sign-in sets them up again."""
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_last_step = None
    user.mfa_enrolled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# --- Codes at sign-in ----------------------------------------------------------------------------------


def check_totp(user: User, code: str) -> bool:
    """A code from the app, accepted once: its time step must be later than the last one used."""
    secret = decrypt(user.totp_secret)
    step = _matching_step(secret, code) if secret else None
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return claimed.rowcount == 1


def looks_like_totp(code: str) -> bool:
    return bool(_TOTP_SHAPE.fullmatch(re.sub(r"\s", "", code or "")))


# --- Recovery codes ------------------------------------------------------------------------------------


def _canonical(code: str) -> str:
    return re.sub(r"[\s-]", "", (code or "").lower())


def _hash(code: str) -> str:
    return token_hash(_canonical(code))


def _shown(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes; the new ones, to show once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODE_COUNT)]
    now = clock.now()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code), created_at=now) for code in codes)
    return [_shown(code) for code in codes]


def use_recovery_code(user: User, code: str) -> bool:
    canonical = _canonical(code)
    if len(canonical) != RECOVERY_LENGTH or set(canonical) - set(RECOVERY_ALPHABET):
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(canonical), RecoveryCode.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0


def check_code(user: User, code: str) -> str | None:
    """How the second factor was shown ("totp" or "recovery_code"), or None."""
    if looks_like_totp(code):
        return "totp" if check_totp(user, code) else None
    return "recovery_code" if use_recovery_code(user, code) else None
