"""A password an admin chose is the person's for one sign-in only.

Accounts whose first password an organisation admin typed and passed on
(before the portal sent setup links instead) are marked must_change_password.
Once signed in, every page but the change-password form, signing out and
the pages that need no account sends them to that form until they have
chosen their own.
"""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import current_user

# Reachable while the password waits to be changed: the form itself, signing
# out, the idle warning's ping, and what anyone may open signed in or not.
STILL_OPEN = frozenset(
    {
        "account.change_password",
        "auth.logout",
        "sessions.ping",
        "static",
        "urgent.help_page",
        "health.healthz",
    }
)


def must_change_first() -> bool:
    return bool(current_user.is_authenticated and current_user.must_change_password)


def send_to_the_form():
    if request.endpoint in STILL_OPEN or not must_change_first():
        return None
    # The form says why (templates/account/password.html). 303: a form posted elsewhere is not sent on to the change-password form.
    return redirect(url_for("account.change_password"), code=303 if request.method != "GET" else 302)


def register(app: Flask) -> None:
    app.before_request(send_to_the_form)
