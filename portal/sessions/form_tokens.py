"""Whose form a CSRF token was issued for, so that text sent with a token
that no longer works can be kept for the right person.

Flask-WTF signs the session's raw token into every form; the raw token is
any string. Once a session is live its raw token is made "<account id>.<random>"
(tag), so a form's signed token still says, after its session has ended,
which account it was issued to (owner). Only the server can sign a token, so
nobody can make one that names someone else; the account id is the viewer's
own and is no secret to them. A token that was never issued by this app, or
a raw token from before this change, names nobody.
"""

from __future__ import annotations

import re
import secrets

from flask import current_app, request, session
from itsdangerous import BadData, URLSafeTimedSerializer

_TAGGED = re.compile(r"(\d{1,12})\.[0-9a-f]{40}")
# Flask-WTF's own salt (flask_wtf.csrf.generate_csrf).
_SALT = "wtf-csrf-token"


def _field_name() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def tag(user_id: int) -> None:
    """Give a live session a raw token that names its account, unless it
    has one already (replacing it would void the forms open in its tabs)."""
    if _field_name() not in session:
        session[_field_name()] = f"{int(user_id)}.{secrets.token_hex(20)}"


def submitted() -> str | None:
    """The signed token the request carries, where Flask-WTF looks for it."""
    token = request.form.get(_field_name())
    if token:
        return token
    for header in current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"]):
        if request.headers.get(header):
            return request.headers[header]
    return None


def owner(signed: str | None) -> int | None:
    """The account the signed token was issued to, however old it is; None
    for a token this app did not sign or that names nobody."""
    if not signed or len(signed) > 512:
        return None
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    try:
        raw = URLSafeTimedSerializer(secret, salt=_SALT).loads(signed)
    except BadData:
        return None
    match = _TAGGED.fullmatch(raw) if isinstance(raw, str) else None
    return int(match.group(1)) if match else None
