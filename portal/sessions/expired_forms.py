"""A form sent with a CSRF token that no longer works (the session it came
from has ended, it was signed out in another tab, the page was open across a
new sign-in): nothing is done with it, but nothing typed is lost either.

- Signed in: back to the same page, with the text offered back (a kept
  draft) when the form was issued to this account, and a fresh token. A
  form issued to another account that used this browser is kept for that
  account, never shown to this one.
- Signed out: the text kept for the account the form was issued to, in this
  browser; the person is sent to sign in and offered it back on that page.
- The public forms (sign-in, codes, password reset): drawn again at once,
  with what is not secret filled in and a fresh token.

Which account a form was issued to comes from its token (form_tokens). A
token the app never issued keeps nothing, and neither does a post another
site makes a browser send (drafts.from_this_site); a request that is not a
page's form (the idle warning's fetch) gets the plain 400 page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from portal.sessions import drafts, form_tokens, services

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
EXPIRED = _l("That form had expired, so nothing was sent. Please check it and send it again.")
OTHER_ACCOUNT = _l("That form was opened under another sign-in on this browser, so nothing was sent.")
OTHER_ACCOUNT_KEPT = _l(
    "That form was opened under another sign-in on this browser, so nothing was sent. "
    "What was typed in it is kept for the person who opened it."
)
SIGNED_OUT_KEPT = _l(
    "You are signed out, so that was not sent. What you typed is kept: "
    "sign in again and it will be offered back to you."
)
SIGNED_OUT = _l("You are signed out, so that was not sent. Please sign in again.")


def reshown_when_expired(view):
    """Mark a public form view to be drawn again, filled in, when its token
    fails. Only for views that validate their form before doing anything:
    the form is given to them without a token, so it cannot pass."""
    view.reshown_when_expired = True
    return view


def respond():
    """The response to a failed CSRF check, or None for the plain 400 page."""
    if not _is_page_form():
        return None
    record, reason = services.verdict()
    owner = form_tokens.owner(form_tokens.submitted())
    if record is not None and reason is None:
        return _signed_in(record.user_id, owner)
    if services.claims_session():
        services.sign_out_here(record, reason)
    if owner is not None and drafts.keep(owner, trusted=False) is not None:
        flash(str(SIGNED_OUT_KEPT), "info")
        return redirect(url_for("auth.login", next=request.path), 303)
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "reshown_when_expired", False):
        return _reshow(view)
    target = _same_page_or_referrer()
    if _needs_sign_in(view):
        flash(str(SIGNED_OUT), "info")
        return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"), 303)
    if target is None:
        return None
    flash(str(EXPIRED), "error")
    return redirect(target, 303)


def _signed_in(user_id: int, owner: int | None):
    if owner is not None and owner != user_id:
        kept = drafts.keep(owner, trusted=False) is not None
        message, draft = (OTHER_ACCOUNT_KEPT if kept else OTHER_ACCOUNT), None
    else:
        draft = drafts.keep(user_id, trusted=False) if owner == user_id else None
        message = EXPIRED
    page = drafts.page_url(draft.path) if draft is not None else None
    target = f"{page}?draft={draft.id}" if page is not None else _same_page_or_referrer()
    if target is None:
        return None
    flash(str(message), "error")
    return redirect(target, 303)


def _reshow(view):
    """Run the view again on what was typed, minus the token, passwords and
    codes: its form fails on the missing token and is drawn with the rest
    filled in, a fresh token and the form's own "This form had expired"."""
    kept = MultiDict([(name, value) for name, value in request.form.items(multi=True) if name not in drafts.NOT_KEPT])
    request.__dict__["form"] = kept
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except HTTPException as error:
        return current_app.handle_http_exception(error)
    # A redirect (the step had expired, say) stands; a form drawn again says 400.
    if 200 <= response.status_code < 300 or 400 <= response.status_code < 500:
        response.status_code = 400
    return response


def _needs_sign_in(view) -> bool:
    rule = getattr(view, "access_rule", None)
    return rule is None or getattr(rule, "needs_login", True)


def _is_page_form() -> bool:
    """A form a person sent from a page: not a script's fetch, not JSON."""
    if request.method != "POST" or request.mimetype not in FORM_TYPES or request.files:
        return False
    mode, dest = request.headers.get("Sec-Fetch-Mode"), request.headers.get("Sec-Fetch-Dest")
    if mode is not None and mode != "navigate":
        return False
    return dest is None or dest == "document"


def _same_page_or_referrer() -> str | None:
    """The page to go back to: this one, if a GET opens it, else the page of
    this site the form was on. Rebuilt by drafts.page_url, never the path as
    sent: it goes into a Location header, where a newline is a server error
    and a tab or backslash could make a browser read another site."""
    here = drafts.page_url(request.path)
    if here is not None:
        return here
    referrer = request.referrer
    if not referrer or not drafts.from_this_site():
        return None
    path = urlsplit(referrer).path
    if path.startswith("/") and not path.startswith("//"):
        return drafts.page_url(path)
    return None
