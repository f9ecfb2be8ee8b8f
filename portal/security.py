"""Headers on every response, errors included, and what a request body may
hold (SECURITY.md)."""

from __future__ import annotations

import flask
from flask import abort, g, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)


class Request(flask.Request):
    """Form values without NUL characters. Nobody types one, PostgreSQL cannot
    store one in text while SQLite would; stripping them keeps the rest of
    what was typed and makes both databases behave alike."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__["form"]
        if any("\x00" in value for _, value in form.items(multi=True)):
            self.__dict__["form"] = self.parameter_storage_class(
                [(name, value.replace("\x00", "")) for name, value in form.items(multi=True)]
            )


# The one form that takes a file: an organisation admin's staff list (CSV),
# read with its own size limit (portal/admin/staff_import.py).
TAKES_A_FILE = frozenset({"admin.import_staff"})


def register(app) -> None:
    app.request_class = Request

    @app.before_request
    def only_plain_forms():
        # Every form here is an HTML form. Flask-WTF would read a JSON body as
        # form data with values of any type, and no other form takes a file.
        if request.method not in ("GET", "HEAD", "OPTIONS") and (
            request.is_json or (request.files and request.endpoint not in TAKES_A_FILE)
        ):
            abort(415)

    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if not _may_be_cached(response):
            # Plan pages, and error pages (which may say what was asked for),
            # must never sit in a shared computer's cache.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response


def _may_be_cached(response) -> bool:
    """Only a static file actually sent to a signed-out visitor; a static 404
    is an error page like any other, and a signed-in browser is sent nothing
    that may be kept (SECURITY.md, 14.3.2)."""
    from portal.sessions.services import claims_session

    return (
        request.endpoint == "static"
        and response.status_code < 400
        and g.get("user_session") is None
        and not claims_session()
    )
