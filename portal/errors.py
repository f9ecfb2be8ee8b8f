"""Error pages: calm words, the urgent-help link, never a stack trace."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import outages
from portal.access.guard import record_refusal
from portal.extensions import db

MESSAGES = {
    400: ("Something in that request was not right", "Please go back, reload the page and try again."),
    403: ("This part of the plan is not shared with you", "Your role in this circle does not include this page. If you think you need it, ask the circle's clinician or school contact."),
    404: ("We could not find that page", "It may have moved, or it may not be shared with you."),
    405: ("That page cannot be used that way", "Please go back and use the buttons on the page."),
    413: ("That was more than we can take at once", "Please shorten the text and try again."),
    415: ("That kind of request is not accepted here", "Please go back and use the form on the page."),
    429: ("Too many attempts", "For everyone's safety, please wait a few minutes before trying again."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again in a moment."),
    503: ("Support Circle is not available right now", "Please try again in a few minutes."),
}
# Seconds a browser (or a proxy) is asked to wait before trying again.
RETRY_AFTER = 30


def _page(code: int, status: int | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, text=text), status or code


def _kept_from_them():
    """The calm page, when a 403 comes from a safeguarding limit on the member
    (not from their role): no accusation, no word of a limit, and who in the
    care team they can talk to. None for every other refusal."""
    from portal.access.guard import refused_action, refused_section
    from portal.access.queries import kept_by_limit
    from portal.safeguarding import services as safeguarding

    membership = g.get("membership")
    if not kept_by_limit(membership, refused_section(), refused_action()):
        return None
    body = render_template(
        "errors/kept_with_care_team.html",
        circle=membership.circle,
        care_team=safeguarding.care_team_for(membership),
    )
    return body, 403


def _roll_back_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be what failed
        db.session.close()


def unavailable(component: str, error: BaseException | None = None):
    """The calm 503 for a dependency that is down: the urgent-help numbers,
    whether what was sent was saved, one log line. It touches neither Redis
    nor the database: the page is drawn as for a signed-out visitor."""
    _note_outage(component, error)
    title, text = MESSAGES[503]
    try:
        body = render_template("errors/unavailable.html", title=title, text=text, sent=request.method == "POST")
    except Exception:  # noqa: BLE001 - the numbers must reach the person even so
        current_app.logger.warning("the unavailable page could not be drawn; sent the plain one")
        body = _plain_unavailable_page(title, text)
    return body, 503, {"Retry-After": str(RETRY_AFTER)}


def _note_outage(component: str, error: BaseException | None) -> None:
    """Roll back, remember and log the outage once, and draw the rest of this
    response as for a signed-out visitor, asking no store."""
    from portal.sessions.services import serve_signed_out

    _roll_back_quietly()
    outages.mark_down(component)
    outages.log_unavailable(component, error)
    g.dependency_down = component
    serve_signed_out()


def _plain_unavailable_page(title: str, text: str) -> str:
    config = current_app.config
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
        f"<body><main data-unavailable><h1>{escape(title)}</h1><p>{escape(text)}</p>"
        f"<p>In an emergency call <strong>{escape(config['EMERGENCY_NUMBER'])}</strong>. To talk to someone now: "
        f"<strong>{escape(config['CRISIS_LINE_NUMBER'])}</strong> ({escape(config['CRISIS_LINE_NAME'])}). "
        f"<a href=\"/urgent-help\">When to get urgent help</a>.</p></main></body></html>"
    )


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from portal.sessions import expired_forms

        # What was typed is kept or drawn again (portal/sessions/expired_forms.py).
        try:
            response = expired_forms.respond()
        except Exception as failure:
            component = outages.component_of(failure)
            if component is None:
                raise
            return unavailable(component, failure)
        if response is not None:
            return response
        title = "This form had expired"
        text = "For your security, forms stop working after a while. Please go back, reload the page, and send it again."
        return render_template("errors/error.html", code=400, title=title, text=text), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # An error raised while another was being handled (a store failing in
        # an after-request step or an error page) reaches Flask as a 500.
        original = getattr(error, "original_exception", None)
        component = outages.component_of(original) if original is not None else None
        if component is not None:
            return unavailable(component, original)
        try:
            record_refusal(error.code or 500)
        except Exception as failure:  # an error page must never fail for want of an audit row
            component = outages.component_of(failure)
            if component is not None:
                _note_outage(component, failure)
            else:
                _roll_back_quietly()
                app.logger.exception("could not record a refusal")
        if error.code == 403:
            calm = _kept_from_them()
            if calm is not None:
                return calm
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        component = outages.component_of(error)
        if component is not None:
            return unavailable(component, error)
        db.session.rollback()
        app.logger.exception("unhandled error: %s", type(error).__name__)
        return _page(500, InternalServerError.code)
