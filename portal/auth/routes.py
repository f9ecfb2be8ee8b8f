from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from portal.access.guard import Public, SignedIn, guard
from portal.audit.services import record, record_now
from portal.auth import bp, mfa, services, signin
from portal.auth.forms import CodeForm, NewPasswordTwiceForm, ResetRequestForm, SignInForm
from portal.auth.signin import WRONG_CODE, code_limits, safe_next
from portal.extensions import limiter
from portal.forms import ConfirmForm
from portal.sessions import services as sessions
from portal.sessions.expired_forms import reshown_when_expired

FAILED_SIGN_IN = _l("We could not sign you in with that email and password. Please check them and try again.")
WRONG_CODE_OR_RECOVERY = _l(
    "That code did not work. Please type the code your app shows now, or one of your recovery codes "
    "that you have not used before."
)


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


@bp.get("/")
@guard(Public())
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@reshown_when_expired
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
            return signin.begin(user, safe_next(form.next.data))
        # The account tried, if there is one; never the password or the typed email.
        record_now("sign_in", user=services.find_user(form.email.data), outcome="failed")
        flash(str(FAILED_SIGN_IN), "error")
        form.password.data = ""
        return render_template("auth/login.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@guard(SignedIn())
def logout():
    if ConfirmForm().validate_on_submit():
        record_now("sign_out", user=current_user._get_current_object())
        sessions.sign_out()
        flash(_("You are signed out."), "success")
    response = redirect(url_for("auth.login"))
    # Leave nothing of the plan behind on a shared computer.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


# --- The second factor -------------------------------------------------------------------------------


def _pending_or_sign_in_again():
    """The person between password and code, or a redirect back to the sign-in page."""
    user, expired = signin.pending()
    if user is None:
        if expired:
            minutes = current_app.config["MFA_PENDING_MINUTES"]
            flash(
                _(
                    "To keep your account safe, that step has to be done within %(minutes)s minutes. "
                    "Please sign in again.",
                    minutes=minutes,
                ),
                "info",
            )
        else:
            flash(_("Please sign in first."), "info")
        return None, redirect(url_for("auth.login"))
    return user, None


@bp.route("/login/code", methods=["GET", "POST"])
@reshown_when_expired
@guard(Public())
@code_limits
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user, elsewhere = _pending_or_sign_in_again()
    if user is None:
        return elsewhere
    if not mfa.enrolled(user):
        if mfa.required_for(user):
            return redirect(url_for("auth.login_enrol"))
        # The app was reset by an admin in the meantime: start again.
        signin.drop()
        return redirect(url_for("auth.login"))
    form = CodeForm()
    form.code.label.text = _("Code from your authenticator app, or a recovery code")
    if form.validate_on_submit():
        how = mfa.check_code(user, form.code.data)
        if how is not None:
            record("mfa_ok" if how == "totp" else "recovery_code_used", user=user)
            left = mfa.recovery_codes_left(user) if how == "recovery_code" else None
            target = signin.pending_target()
            response = signin.finish(user, target)
            if left is not None:
                flash(_recovery_left_message(left), "info")
            return response
        record_now("mfa_failed", user=user)
        form.code.errors.append(str(WRONG_CODE_OR_RECOVERY))
        form.code.data = ""
        return render_template("auth/code.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("auth/code.html", form=form), status


def _recovery_left_message(left: int) -> str:
    if left == 0:
        return _("You have used your last recovery code. Please make new ones now, on your account page.")
    return ngettext(
        "You signed in with a recovery code; it will not work again. You have %(num)d recovery code left.",
        "You signed in with a recovery code; it will not work again. You have %(num)d recovery codes left.",
        left,
    )


@bp.route("/login/enrol", methods=["GET", "POST"])
@reshown_when_expired
@guard(Public())
@code_limits
def login_enrol():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user, elsewhere = _pending_or_sign_in_again()
    if user is None:
        return elsewhere
    if mfa.enrolled(user):
        return redirect(url_for("auth.login_code"))
    secret = mfa.pending_secret(user)
    if secret is None:
        signin.drop()
        flash(_("Please sign in again to set up your authenticator app."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    form.code.label.text = _("The 6-digit code your app shows")
    form.code.render_kw = {**form.code.render_kw, "inputmode": "numeric"}
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        codes = mfa.confirm_enrolment(user, form.code.data)
        if codes is not None:
            record("mfa_enrolled", user=user)
            after = signin.start_session(user, signin.pending_target())
            return render_template("auth/recovery_codes.html", codes=codes, continue_to=after, first_time=True)
        record_now("mfa_failed", user=user)
        form.code.errors.append(str(WRONG_CODE))
        form.code.data = ""
        status = 401
    return render_template("auth/enrol.html", form=form, **_setup_details(user, secret)), status


def _setup_details(user, secret: str) -> dict:
    uri = mfa.provisioning_uri(user, secret)
    return {"qr": mfa.qr_data_uri(uri), "secret_text": mfa.grouped(secret)}


# --- Password reset ----------------------------------------------------------------------------------


def _reset_email_key() -> str:
    return "reset:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/reset-password", methods=["GET", "POST"])
@reshown_when_expired
@guard(Public())
@limiter.limit(lambda: current_app.config["RESET_LIMIT"], key_func=_reset_email_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same page whether or not the address has an account; it does not repeat the address.
        return render_template("auth/reset_sent.html", minutes=current_app.config["RESET_LINK_MINUTES"])
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@reshown_when_expired
@guard(Public())
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
def reset_password(token: str):
    reset = services.usable_reset(token)
    if reset is None:
        # One page for used, expired, unknown and mangled links alike.
        return render_template("auth/reset_unavailable.html"), 404
    form = NewPasswordTwiceForm()
    if form.validate_on_submit():
        user = services.complete_password_reset(reset, form.new_password.data)
        if user is None:
            return render_template("auth/reset_unavailable.html"), 404
        if current_user.is_authenticated:
            sessions.sign_out("password_reset")
        signin.drop()
        flash(
            _("Your password is changed, and your account is signed out everywhere. Please sign in with the new password."),
            "success",
        )
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form, token=token), status
