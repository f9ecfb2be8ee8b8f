"""The random tokens that links and cookies carry, and the one way they are kept.

A password-reset link, an invitation, a session cookie, a private calendar
link: each carries a random token, and only its SHA-256 hash is stored, so
the database alone opens nothing. They are made and hashed here, once.
"""

from __future__ import annotations

import hashlib
import re
import secrets

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token(nbytes: int = TOKEN_BYTES) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """What is stored of a token: the hex SHA-256 of its text."""
    return hashlib.sha256(token.encode()).hexdigest()
