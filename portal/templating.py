"""Template globals and filters; templates never decide access."""

from __future__ import annotations

from flask import current_app

from portal.access.policy import ROLE_LABELS
from portal.plan.forms import ConfirmForm
from portal.timezone import to_local


def _signout_form() -> ConfirmForm:
    # Rendered on every page, error pages included: bound to the request's
    # body it would parse it again, so a body too large or of the wrong kind
    # would break the very page that explains the error.
    return ConfirmForm(formdata=None)


def register(app) -> None:
    @app.context_processor
    def globals_for_templates():
        config = current_app.config
        return {
            "urgent_numbers": {
                "emergency": config["EMERGENCY_NUMBER"],
                "crisis": config["CRISIS_LINE_NUMBER"],
                "crisis_name": config["CRISIS_LINE_NAME"],
                "crisis_text": config["CRISIS_TEXT_LINE"],
            },
            "role_labels": ROLE_LABELS,
            "signout_form": _signout_form,
        }

    @app.template_filter("local_time")
    def local_time(value, fmt="%d %b %Y, %H:%M"):
        if value is None:
            return ""
        return to_local(value).strftime(fmt)
