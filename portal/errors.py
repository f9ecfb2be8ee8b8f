"""Error pages: calm words, the urgent-help link, never a stack trace."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import outages
from portal.access.guard import record_refusal
from portal.extensions import db

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Please go back, reload the page and try again.")),
    403: (_l("This part of the plan is not shared with you"), _l("Your role in this circle does not include this page. If you think you need it, ask the circle's clinician or school contact.")),
    404: (_l("We could not find that page"), _l("It may have moved, or it may not be shared with you.")),
    405: (_l("That page cannot be used that way"), _l("Please go back and use the buttons on the page.")),
    413: (_l("That was more than we can take at once"), _l("Please shorten the text and try again.")),
    415: (_l("That kind of request is not accepted here"), _l("Please go back and use the form on the page.")),
    429: (_l("Too many attempts"), _l("For everyone's safety, please wait a few minutes before trying again.")),
    500: (_l("Something went wrong on our side"), _l("Nothing you did caused this. Please try again in a moment.")),
    503: (_l("Support Circle is not available right now"), _l("Please try again in a few minutes.")),
}
# Seconds a browser (or a proxy) is asked to wait before trying again.
RETRY_AFTER = 30


def _page(code: int, status: int | None = None):
    title, text = (str(words) for words in MESSAGES.get(code, MESSAGES[500]))
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
    try:
        title, text = (str(words) for words in MESSAGES[503])
    except Exception:  # noqa: BLE001 - the numbers must reach the person even so, in English if need be
        title, text = (words._args[0] for words in MESSAGES[503])
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
    numbers = {
        "emergency": escape(config["EMERGENCY_NUMBER"]),
        "crisis": escape(config["CRISIS_LINE_NUMBER"]),
        "crisis_name": escape(config["CRISIS_LINE_NAME"]),
    }
    english = (
        "In an emergency call <strong>%(emergency)s</strong>. To talk to someone now: "
        "<strong>%(crisis)s</strong> (%(crisis_name)s). <a href=\"/urgent-help\">When to get urgent help</a>."
    )
    try:
        from portal import languages
        from portal.templating import urgent_words

        language = languages.current()
        numbers["crisis_name"] = escape(urgent_words(config["CRISIS_LINE_NAME"]))
        numbers_text = _(
            "In an emergency call <strong>%(emergency)s</strong>. To talk to someone now: "
            "<strong>%(crisis)s</strong> (%(crisis_name)s). <a href=\"/urgent-help\">When to get urgent help</a>.",
            **numbers,
        )
    except Exception:  # noqa: BLE001 - the numbers must reach the person even so, in English
        language, numbers_text = "en", english % numbers
    return (
        f"<!doctype html><html lang=\"{escape(language)}\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
        f"<body><main data-unavailable><h1>{escape(title)}</h1><p>{escape(text)}</p>"
        f"<p>{numbers_text}</p></main></body></html>"
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
        title = _("This form had expired")
        text = _("For your security, forms stop working after a while. Please go back, reload the page, and send it again.")
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
