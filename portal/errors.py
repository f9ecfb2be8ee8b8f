"""Error pages: calm words, the urgent-help link, never a stack trace."""

from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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


def _page(code: int, status: int | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, text=text), status or code


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        title = "This form had expired"
        text = "For your security, forms stop working after a while. Please go back, reload the page, and send it again."
        return render_template("errors/error.html", code=400, title=title, text=text), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        try:
            record_refusal(error.code or 500)
        except Exception:  # an error page must never fail for want of an audit row
            db.session.rollback()
            app.logger.exception("could not record a refusal")
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error: %s", type(error).__name__)
        return _page(500, InternalServerError.code)
