"""Password hashing (Argon2id) and the rules for choosing a password."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128

# The 3,000 most common passwords, most common first (from the list Django
# ships, itself derived from breach corpora).
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _COMMON_FILE.read_text().splitlines() if line.strip())


def hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


# A real hash to verify against when no account matches, so that a failed
# sign-in takes as long whether or not the email has an account.
_DUMMY: dict[str, str] = {}


def verify_password(password_hash: str | None, password: str) -> bool:
    ph = hasher()
    # No account, or one whose password is not chosen yet: the same work either way.
    if not password_hash:
        key = repr((ph.time_cost, ph.memory_cost, ph.parallelism))
        if key not in _DUMMY:
            _DUMMY[key] = ph.hash("no account has this password")
        password_hash = _DUMMY[key]
        try:
            ph.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return ph.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in words for the person choosing it; None if fine."""
    if len(password) < MIN_LENGTH:
        return _("Please use at least %(count)s characters. A few words together make a strong password.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Please use at most %(count)s characters.", count=MAX_LENGTH)
    if password.lower() in common_passwords():
        return _("That password is among the most common ones and easy to guess. Please choose another.")
    return None
