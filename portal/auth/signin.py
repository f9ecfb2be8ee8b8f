"""The steps between a right password and a session.

No session exists until every step is done: between the password and the
code, the Flask session holds only who is signing in (their id and session
version, so a password reset or an ended account voids the step), when the
password was accepted, and where to go afterwards.
"""

from __future__ import annotations

from flask import current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import clock
from portal.audit.services import record, record_now
from portal.auth import mfa
from portal.auth.models import User
from portal.auth.services import account_for
from portal.extensions import db, limiter
from portal.sessions import services as sessions
from portal.urls import safe_next

PENDING_KEY = "signing_in"

WRONG_CODE = _l("That code did not work. Codes change every 30 seconds: please type the one your app shows now.")

def begin(user: User, target: str | None):
    """After the password (or a new account's first password): a session now,
    or first the code page or the set-up of an app."""
    if mfa.enrolled(user):
        _hold(user, target)
        record_now("sign_in", user=user, outcome="code_needed")
        return redirect(url_for("auth.login_code"))
    if mfa.required_for(user):
        mfa.prepare_enrolment(user)
        _hold(user, target)
        record("sign_in", user=user, outcome="setup_needed")
        db.session.commit()
        return redirect(url_for("auth.login_enrol"))
    return finish(user, target)


def start_session(user: User, target: str | None) -> str:
    """The session starts here and nowhere else; commits what the caller
    added. Where to go next (checked again here, whoever passed it in)."""
    sessions.sign_in(user)
    record_now("sign_in", user=user)
    return safe_next(sessions.after_sign_in_target(user, safe_next(target))) or url_for("dashboard.index")


def finish(user: User, target: str | None):
    return redirect(start_session(user, target))


def _hold(user: User, target: str | None) -> None:
    session[PENDING_KEY] = {"user": user.get_id(), "since": int(clock.now().timestamp()), "next": target}


def pending() -> tuple[User | None, bool]:
    """Who is between the password and the code, and whether a step had
    expired (so the page can say why they are asked to sign in again)."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict):
        return None, False
    since = state.get("since")
    age = clock.now().timestamp() - since if isinstance(since, int) else None
    if age is None or not 0 <= age <= current_app.config["MFA_PENDING_MINUTES"] * 60:
        drop()
        return None, True
    user = account_for(str(state.get("user", "")))
    if user is None:
        drop()
    return user, False


def pending_target() -> str | None:
    state = session.get(PENDING_KEY)
    return safe_next(state.get("next")) if isinstance(state, dict) else None


def pending_user_id() -> str | None:
    state = session.get(PENDING_KEY)
    if isinstance(state, dict):
        return str(state.get("user", "")).partition(":")[0] or None
    return None


def drop() -> None:
    session.pop(PENDING_KEY, None)


# --- Throttling wrong codes, on the sign-in page and in one's account alike ---------------------------


def code_limit_key() -> str:
    """Wrong codes are counted per account, whichever page they are typed on."""
    if current_user.is_authenticated:
        return f"code:{current_user.id}"
    user_id = pending_user_id()
    return f"code:{user_id}" if user_id else f"code:nobody:{request.remote_addr}"


def wrong_code(response) -> bool:
    return response.status_code == 401


def code_limits(view):
    """Throttle wrong codes per account and per address; a 429 page past the limit."""
    per_account = limiter.shared_limit(
        lambda: current_app.config["CODE_LIMIT"], scope="code-entry", key_func=code_limit_key,
        methods=["POST"], deduct_when=wrong_code,
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["CODE_LIMIT_PER_IP"], scope="code-entry-ip", methods=["POST"], deduct_when=wrong_code,
    )
    return per_account(per_address(view))
