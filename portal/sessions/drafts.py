"""Kept drafts: what someone typed and could not send (their session ended,
or the form had expired), kept on the server and offered back once on the
page it came from, after they sign in again.

A draft belongs to one account and, since it is kept, to one browser: the
browser holds a random key in a cookie of its own (never the text) and the
draft holds the key's hash. So on a shared family computer a draft is never
offered to another account, and a draft is never offered on another device.
Passwords and codes are never kept (NOT_KEPT); the text is emptied once it
has been offered, and drafts are deleted after KEPT_DRAFT_HOURS.

Only pages that offer drafts back keep them (offers_kept_text), so nobody is
told their text is kept when no page would give it back.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from portal.sessions.models import KeptDraft
from portal.tokens import TOKEN_SHAPE, new_token
from portal.tokens import token_hash as hash_token
from portal.urls import is_this_site, safe_next

NOT_KEPT = {"csrf_token", "password", "new_password", "confirm_password", "current_password", "code"}
# Fields a form sends by itself; a draft of only these holds nothing typed.
NOT_TYPED = {"base_version"}
DEFAULT_KEPT_HOURS = 24
_KEY_SHAPE = TOKEN_SHAPE
OFFERED = _l("Here is what you had typed. Please check it, then save.")


def offers_kept_text(view):
    """Mark a form view that offers a kept draft back (it calls for_this_page)."""
    view.offers_kept_text = True
    return view


def _get_view(path: str):
    """The view a GET of ``path`` reaches, or None."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    return current_app.view_functions.get(endpoint)


def can_open(path: str) -> bool:
    """Whether ``path`` is a page of this site that a GET opens."""
    return _get_view(path) is not None


def page_url(path: str) -> str | None:
    """The page a GET of ``path`` opens, as a path to put in a Location
    header, or None. Rebuilt from its endpoint and arguments (url_for), never
    ``path`` itself: whatever a request's path held (a newline, a tab, a
    backslash, slashes) comes back percent-encoded, inside this site."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match(path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    if endpoint not in current_app.view_functions:
        return None
    return safe_next(url_for(endpoint, **args))


def offers_drafts(path: str) -> bool:
    return bool(getattr(_get_view(path), "offers_kept_text", False))


def from_this_site() -> bool:
    """Whether the browser says the request came from a page of this site.
    Browsers send Origin with every form post; Sec-Fetch-Site and Referer
    are the fall-backs. Without any of them, no."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return is_this_site(origin)
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    referrer = request.headers.get("Referer")
    if referrer:
        return is_this_site(referrer)
    return False


# --- This browser's key ------------------------------------------------------------------------------


def _cookie_name() -> str:
    # __Host-: only ever sent to this host, over HTTPS, for the whole site.
    return "__Host-kept_drafts" if current_app.config.get("SESSION_COOKIE_SECURE") else "kept_drafts"


def _kept_for():
    return timedelta(hours=current_app.config.get("KEPT_DRAFT_HOURS", DEFAULT_KEPT_HOURS))


def _browser_key(create: bool = False) -> str | None:
    key = g.get("kept_drafts_key") or request.cookies.get(_cookie_name())
    if key is not None and not _KEY_SHAPE.fullmatch(key):
        key = None
    if key is None and create:
        key = new_token()
    if create:
        # Sent again with every draft kept, so the cookie lasts as long as
        # the newest draft it opens.
        g.kept_drafts_send_cookie = True
    g.kept_drafts_key = key
    return key


def _this_browser():
    """Drafts this browser may be offered: its own, and those kept before
    drafts were tied to a browser."""
    key = _browser_key()
    if key is None:
        return KeptDraft.browser_key_hash.is_(None)
    return or_(KeptDraft.browser_key_hash.is_(None), KeptDraft.browser_key_hash == hash_token(key))


def set_browser_cookie(response):
    """After the request: hand the browser its key, if a draft was kept."""
    if g.get("kept_drafts_send_cookie") and g.get("kept_drafts_key"):
        response.set_cookie(
            _cookie_name(),
            g.kept_drafts_key,
            max_age=int(_kept_for().total_seconds()),
            path="/",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
            samesite="Lax",
        )
    return response


# --- Keeping and offering ----------------------------------------------------------------------------


def keep(user_id: int, *, trusted: bool) -> KeptDraft | None:
    """Keep what this post carries for the account, tied to this browser.
    ``trusted``: the post passed the CSRF check (its session ended under it);
    otherwise it must at least come from a page of this site, so another site
    cannot plant text to be offered to someone as theirs."""
    if request.method != "POST" or not request.form:
        return None
    if not trusted and not from_this_site():
        return None
    if not offers_drafts(request.path):
        return None
    fields = MultiDict([(name, value) for name, value in request.form.items(multi=True) if name not in NOT_KEPT])
    if not any(value.strip() for name, value in fields.items(multi=True) if name not in NOT_TYPED):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    now = clock.now()
    db.session.execute(delete(KeptDraft).where(KeptDraft.created_at < now - _kept_for()))
    draft = KeptDraft(
        user_id=user.id,
        path=request.path,
        fields=fields.to_dict(flat=False),
        created_at=now,
        browser_key_hash=hash_token(_browser_key(create=True)),
    )
    db.session.add(draft)
    db.session.commit()
    return draft


def _offerable(user):
    cutoff = clock.now() - _kept_for()
    return select(KeptDraft).where(
        KeptDraft.user_id == user.id, KeptDraft.used_at.is_(None), KeptDraft.created_at >= cutoff, _this_browser()
    )


def for_this_page(user) -> MultiDict | None:
    """The kept text for the page being opened, if the signed-in person left
    some here, in this browser; offered once."""
    draft_id = request.args.get("draft", type=int)
    if draft_id is None or not 0 < draft_id < 2**31:
        return None
    draft = db.session.scalars(_offerable(user).where(KeptDraft.id == draft_id, KeptDraft.path == request.path)).first()
    if draft is None:
        return None
    fields = MultiDict([(name, value) for name, values in draft.fields.items() for value in values])
    draft.used_at = clock.now()
    draft.fields = {}  # offered: the page holds it now, the table need not
    db.session.commit()
    flash(str(OFFERED), "info")
    return fields


def after_sign_in_target(user, target: str | None) -> str | None:
    """Where to go after signing in: to kept text at the page they return
    to; with nowhere in particular to go, to the latest text they left in
    this browser."""
    query = _offerable(user).order_by(KeptDraft.id.desc())
    if target:
        draft = db.session.scalars(query.where(KeptDraft.path == target.split("?")[0])).first()
        return f"{draft.path}?draft={draft.id}" if draft is not None else target
    key = _browser_key()
    if key is None:
        return target
    draft = db.session.scalars(query.where(KeptDraft.browser_key_hash == hash_token(key))).first()
    return f"{draft.path}?draft={draft.id}" if draft is not None else target
