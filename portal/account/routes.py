"""One's own account: password, two-factor sign-in, and where one is signed in.

Everything here starts from current_user: nobody reaches another account's
settings through these pages.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import languages
from portal.access.guard import SignedIn, guard
from portal.account import bp, services
from portal.audit.services import record_now
from portal.auth import mfa
from portal.auth import services as accounts
from portal.auth.forms import ChangePasswordForm, CodeForm, LanguageForm, SetUpAppForm
from portal.auth.passwords import verify_password
from portal.auth.signin import WRONG_CODE, code_limits, wrong_code
from portal.extensions import limiter
from portal.forms import ConfirmForm
from portal.sessions import services as sessions

MISTYPED_CURRENT = _l("That is not your current password. Please try again.")


def _account_key() -> str:
    return f"password-check:{current_user.id}"


def _language_form(posted: bool = False) -> LanguageForm:
    form = LanguageForm() if posted else LanguageForm(formdata=None)
    form.offer(languages.offered())
    if not posted:
        form.language.data = languages.known(current_user.language) or languages.current()
    return form


def _account_page(language_form: LanguageForm | None = None):
    user = current_user._get_current_object()
    return render_template(
        "account/index.html",
        user=user,
        language_form=language_form or _language_form(),
        enrolled=mfa.enrolled(user),
        required=mfa.required_for(user),
        codes_left=mfa.recovery_codes_left(user) if mfa.enrolled(user) else 0,
        active_sessions=sessions.active_sessions(user),
        this_session=sessions.current(),
        confirm=ConfirmForm(),
    )


@bp.get("/")
@guard(SignedIn())
def index():
    return _account_page()


@bp.post("/language")
@guard(SignedIn())
def language():
    """The account's own language; the next page is written in it."""
    form = _language_form(posted=True)
    if form.validate_on_submit():
        services.choose_language(current_user._get_current_object(), form.language.data)
        # Written in the chosen language: the locale of this request was picked before.
        with languages.in_language(form.language.data):
            name = languages.offered()[form.language.data]
            flash(_("Your pages, notices and emails are now in %(language)s.", language=name), "success")
        return redirect(url_for("account.index"))
    return _account_page(form), 422


@bp.route("/password", methods=["GET", "POST"])
@guard(SignedIn())
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"], deduct_when=wrong_code
)
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        if verify_password(user.password_hash, form.current_password.data):
            ended = accounts.change_password(user, form.new_password.data, keep=sessions.current())
            if ended:
                flash(_("Your password is changed. You were signed out everywhere else."), "success")
            else:
                flash(_("Your password is changed."), "success")
            return redirect(url_for("account.index"))
        record_now("reauthentication", user=user, outcome="failed")
        form.current_password.errors.append(str(MISTYPED_CURRENT))
        status = 401
    return render_template("account/password.html", form=form), status


@bp.post("/two-factor/start")
@guard(SignedIn())
def start_two_factor():
    if ConfirmForm().validate_on_submit():
        services.start_two_factor(current_user._get_current_object())
        return redirect(url_for("account.two_factor"))
    return redirect(url_for("account.index"))


@bp.route("/two-factor", methods=["GET", "POST"])
@guard(SignedIn())
@code_limits
def two_factor():
    user = current_user._get_current_object()
    secret = mfa.pending_secret(user)
    if secret is None:
        return redirect(url_for("account.index"))
    form = SetUpAppForm()
    form.code.label.text = _("The 6-digit code the app shows")
    form.code.render_kw = {**form.code.render_kw, "inputmode": "numeric"}
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(str(MISTYPED_CURRENT))
            record_now("reauthentication", user=user, outcome="failed")
            status = 401
        else:
            codes = services.confirm_app(user, form.code.data)
            if codes is not None:
                return render_template("auth/recovery_codes.html", codes=codes, continue_to=url_for("account.index"))
            form.code.errors.append(str(WRONG_CODE))
            status = 401
        form.code.data = ""
    uri = mfa.provisioning_uri(user, secret)
    return render_template(
        "account/two_factor.html",
        form=form,
        qr=mfa.qr_data_uri(uri),
        secret_text=mfa.grouped(secret),
        replacing=mfa.enrolled(user),
    ), status


@bp.route("/recovery-codes", methods=["GET", "POST"])
@guard(SignedIn())
@code_limits
def recovery_codes():
    user = current_user._get_current_object()
    if not mfa.enrolled(user):
        return redirect(url_for("account.index"))
    form = CodeForm()
    form.code.label.text = _("The 6-digit code your app shows now")
    form.code.render_kw = {**form.code.render_kw, "inputmode": "numeric"}
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        codes = services.renew_recovery_codes(user, form.code.data)
        if codes is not None:
            return render_template("auth/recovery_codes.html", codes=codes, continue_to=url_for("account.index"))
        form.code.errors.append(str(WRONG_CODE))
        form.code.data = ""
        status = 401
    return render_template("account/recovery_codes.html", form=form, codes_left=mfa.recovery_codes_left(user)), status


@bp.post("/sessions/end-others")
@guard(SignedIn())
def end_other_sessions():
    if ConfirmForm().validate_on_submit():
        if services.end_other_sessions(current_user._get_current_object()):
            flash(_("You are signed out everywhere else. This browser stays signed in."), "success")
        else:
            flash(_("You were not signed in anywhere else."), "info")
    return redirect(url_for("account.index"))
