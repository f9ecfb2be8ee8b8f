"""The page a new account's emailed link opens: choose a password, or, when
the link no longer works, ask for a new one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access.guard import Public, guard
from portal.auth import bp, services, setup, signin
from portal.auth.forms import NewPasswordTwiceForm, ResetRequestForm
from portal.extensions import limiter
from portal.sessions import services as sessions
from portal.sessions.expired_forms import reshown_when_expired


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@reshown_when_expired
@guard(Public())
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
def set_password(token: str):
    reset = services.usable_reset(token)
    if reset is None:
        # One page for expired, used, unknown and mangled links; it asks for
        # an address (the reset request), so it tells nobody whose link it was.
        return render_template(
            "auth/setup_unavailable.html", form=ResetRequestForm(), days=current_app.config["ACCOUNT_SETUP_DAYS"]
        ), 404
    form = NewPasswordTwiceForm()
    if form.validate_on_submit():
        user = setup.choose_first_password(reset, form.new_password.data)
        if user is None:
            return render_template(
                "auth/setup_unavailable.html", form=ResetRequestForm(), days=current_app.config["ACCOUNT_SETUP_DAYS"]
            ), 404
        if current_user.is_authenticated:
            sessions.sign_out("password_reset")
        signin.drop()
        flash(_("Your password is saved. Please sign in with it."), "success")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/set_password.html", form=form, token=token), status
