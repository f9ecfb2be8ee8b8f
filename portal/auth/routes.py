from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.access.guard import Public, SignedIn, guard
from portal.auth import bp, services
from portal.auth.forms import SignInForm
from portal.extensions import db, limiter
from portal.plan.forms import ConfirmForm

FAILED_SIGN_IN = "We could not sign you in with that email and password. Please check them and try again."


def safe_next(target: str | None) -> str | None:
    """Only a path on this site; never another host, scheme or protocol-relative URL."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


@bp.get("/")
@guard(Public())
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@guard(Public())
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            # A fresh session: nothing from before sign-in carries over.
            session.clear()
            login_user(user)
            return redirect(safe_next(form.next.data) or url_for("dashboard.index"))
        flash(FAILED_SIGN_IN, "error")
        form.password.data = ""
        return render_template("auth/login.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@guard(SignedIn())
def logout():
    if ConfirmForm().validate_on_submit():
        user = current_user._get_current_object()
        services.end_sessions(user)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are signed out.", "success")
    response = redirect(url_for("auth.login"))
    # Leave nothing of the plan behind on a shared computer.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
