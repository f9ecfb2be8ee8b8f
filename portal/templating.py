"""Template globals and filters; templates never decide access."""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from portal.access.policy import ROLE_LABELS
from portal.forms import ConfirmForm
from portal.timezone import to_local


def _signout_form() -> ConfirmForm:
    # Rendered on every page, error pages included: bound to the request's
    # body it would parse it again, so a body too large or of the wrong kind
    # would break the very page that explains the error.
    return ConfirmForm(formdata=None)


def _signed_in() -> bool:
    """Whether the page is drawn for a signed-in person. Not while a
    dependency is down: the calm 503 page (and the urgent-help page through
    an outage) must not load the account, count notifications or make a
    form token, any of which could reach the service that is down."""
    from portal.sessions.services import unverified

    if g.get("dependency_down") or unverified():
        return False
    return current_user.is_authenticated


def _unread_count() -> int:
    """Unread notices for the header, counted only when a page asks."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.notify.models import Notification

    if not _signed_in():
        return 0
    from portal.notify.services import visible_notifications

    unread = visible_notifications(current_user).where(Notification.read_at.is_(None)).subquery()
    return db.session.scalar(select(func.count()).select_from(unread)) or 0


def register(app) -> None:
    @app.context_processor
    def globals_for_templates():
        config = current_app.config
        return {
            "signed_in": _signed_in,
            "unread_count": _unread_count,
            "urgent_numbers": {
                "emergency": config["EMERGENCY_NUMBER"],
                "crisis": config["CRISIS_LINE_NUMBER"],
                "crisis_name": config["CRISIS_LINE_NAME"],
                "crisis_text": config["CRISIS_TEXT_LINE"],
            },
            "role_labels": ROLE_LABELS,
            "signout_form": _signout_form,
            "session_idle_seconds": config["SESSION_IDLE_MINUTES"] * 60,
            "session_warn_seconds": config["SESSION_WARN_MINUTES"] * 60,
        }

    @app.template_filter("local_time")
    def local_time(value, fmt="%d %b %Y, %H:%M"):
        if value is None:
            return ""
        return to_local(value).strftime(fmt)
