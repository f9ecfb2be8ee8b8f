"""Server-side sessions: started at sign-in, checked on every request, ended
by sign-out, password change, an admin, or the idle and absolute timeouts."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from portal import clock, outages
from portal.extensions import db
from portal.sessions import drafts, form_tokens

# Kept drafts live in drafts.py; their callers import them from here.
from portal.sessions.drafts import NOT_KEPT, after_sign_in_target, offers_kept_text  # noqa: F401
from portal.sessions.drafts import for_this_page as draft_for_this_page  # noqa: F401
from portal.sessions.store import get_store

SESSION_KEY = "sid"
# Refreshing last-seen at most this often keeps a write off most requests.
TOUCH_EVERY = timedelta(seconds=60)
KEPT = _l("What you were typing is kept. Sign in again and it will be offered back to you.")

def ended_message(reason: str, minutes: int, hours: int) -> str:
    """Why this browser was signed out, in words for the person."""
    if reason == "idle":
        return _("You were signed out after %(minutes)s minutes without activity, to keep the plan private.", minutes=minutes)
    if reason == "expired":
        return _("You were signed out because you had been signed in for %(hours)s hours. Please sign in again.", hours=hours)
    if reason == "second_factor_needed":
        return _("Your role in a circle changed, and it needs a code from an authenticator app. Please sign in again.")
    return _("Your session has ended. Please sign in again.")

def issue(user, ip: str | None = None) -> str:
    """A new live session for the account, in whichever store is configured;
    the token its cookie will carry."""
    token, _record = get_store().create(user.id, ip=ip, now=clock.now())
    return token


def sign_in(user):
    """A fresh session: nothing from before sign-in carries over (7.2.4)."""
    session.clear()
    login_user(user)
    token, record = get_store().create(user.id, ip=request.remote_addr, now=clock.now())
    session[SESSION_KEY] = token
    g.session_verdict = (record, None)
    return record


def current():
    token = session.get(SESSION_KEY)
    if not token or not isinstance(token, str):
        return None
    return get_store().find(token)


def end(record, reason: str) -> None:
    if record is not None and record.ended_at is None:
        get_store().end(record, reason, clock.now())


def sign_out(reason: str = "signed_out") -> None:
    end(current(), reason)
    logout_user()
    session.clear()
    g.session_verdict = (None, None)


def end_all(user, reason: str, *, keep=None) -> int:
    """End every session of the account (but ``keep``). With the database
    store the caller commits; with Redis the sessions end at once."""
    return get_store().end_all(user.id, reason, clock.now(), keep_id=keep.id if keep is not None else None)


def active_sessions(user) -> list:
    return get_store().active(user.id)


def session_history(user) -> list:
    """Live sessions and the ended ones the store still keeps, with why they ended."""
    return get_store().history(user.id)


def _limits():
    config = current_app.config
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_MAX_HOURS"])


def claims_session() -> bool:
    """Whether the request's cookie says someone is signed in; decides nothing."""
    return "_user_id" in session or SESSION_KEY in session


def _account_id(login_id) -> str:
    return str(login_id or "").partition(":")[0]


def _verdict():
    """This request's server-side session and, when it cannot be used, why;
    decided once a request and shared by the session check and the user
    loader, so the two can never disagree."""
    if "session_verdict" not in g:
        g.session_verdict = _decide()
    return g.session_verdict


def _decide():
    if not claims_session():
        return None, None
    record = current()
    now = clock.now()
    idle, absolute = _limits()
    if record is None or record.ended_at is not None:
        return record, record.end_reason if record is not None else "unknown"
    if _account_id(session.get("_user_id")) != str(record.user_id):
        # A cookie naming one account and carrying another's session was
        # made with the signing key, or by a bug: it opens neither.
        return record, "mismatch"
    if now - record.last_seen_at > idle:
        return record, "idle"
    if now - record.created_at > absolute:
        return record, "expired"
    return record, None


def live_session():
    """The live server-side session this request carries, or None. The only
    way into a signed-in request (auth.services.load_session_user asks it)."""
    record, reason = _verdict()
    return record if record is not None and reason is None else None


def serve_signed_out() -> None:
    """This request goes on as a signed-out one, asking no store: for the
    pages drawn while a dependency is down. The cookie is left as it is."""
    g.session_verdict = (None, "unavailable")


def unverified() -> bool:
    """Whether this request's session could not be checked (an outage, on a
    view that works through one): it is served as signed out."""
    verdict = g.get("session_verdict")
    return verdict is not None and verdict[1] == "unavailable"


def check_request() -> None:
    """Before every request, static files included: a cookie that says
    someone is signed in must carry a live session of that account, or it
    is signed out here and now. A store that is down fails the request
    (a calm 503, portal/errors.py), except on the views that work without
    one (see _checked_through_an_outage)."""
    if not claims_session():
        return
    if outages.serves_without_dependencies() and not _checked_through_an_outage():
        return
    record, reason = _verdict()
    now = clock.now()
    if reason is None:
        if now - record.last_seen_at > TOUCH_EVERY:
            try:
                get_store().touch(record, now)
            except Exception as error:
                if not (outages.serves_without_dependencies() and outages.component_of(error)):
                    raise
                _served_signed_out_for(error)
                return
        g.user_session = record
        form_tokens.tag(record.user_id)
        return
    user_id = sign_out_here(record, reason)
    # The post passed the CSRF check, so it is the person's own.
    if user_id is not None and drafts.keep(user_id, trusted=True) is not None:
        flash(str(KEPT), "info")


def verdict():
    """This request's session and why it cannot be used (None when live)."""
    return _verdict()


def sign_out_here(record, reason: str) -> int | None:
    """End a session that can no longer be used, sign this browser out and
    say why; the account it was, unless the cookie did not match it."""
    user_id = record.user_id if record is not None and reason != "mismatch" else None
    end(record, reason)
    logout_user()
    session.clear()
    g.session_verdict = (None, None)
    idle_minutes, max_hours = current_app.config["SESSION_IDLE_MINUTES"], current_app.config["SESSION_MAX_HOURS"]
    flash(ended_message(reason, idle_minutes, max_hours), "info")
    return user_id


def _checked_through_an_outage() -> bool:
    """For the urgent-help page, static files and the health check: check the
    session as usual unless its store or the database is down, in which
    case this one request is served as to a signed-out visitor. The cookie
    is kept: the session may well be live, and it is there again once the
    store is back. Once an outage is known they are not even tried, so the
    page does not wait on them."""
    if {outages.DATABASE, get_store().component} & outages.known_down():
        serve_signed_out()
        return False
    try:
        _verdict()
        if request.endpoint != "static":
            # The account is loaded here, where a failure can still be
            # caught, not halfway through rendering the page.
            current_user._get_current_object()
    except Exception as error:
        if outages.component_of(error) is None:
            raise
        _served_signed_out_for(error)
        return False
    return True


def _served_signed_out_for(error: Exception) -> None:
    component = outages.component_of(error)
    _roll_back_quietly()
    outages.mark_down(component)
    outages.log_unavailable(component, error)
    serve_signed_out()


def _roll_back_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database is what failed
        db.session.close()
