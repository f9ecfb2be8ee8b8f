"""Organisation admins manage their organisation's accounts. They see no plan
content: nothing here reads a circle or a section."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.access.guard import OrgAdmin, guard, managed_account_or_404
from portal.access.queries import managed_accounts
from portal.admin import bp, services
from portal.auth import services as accounts
from portal.auth.forms import AccountForm
from portal.forms import ConfirmForm

# The same words whoever holds the address, in whichever organisation: an
# admin may need to add someone who has an account elsewhere (a teacher who
# moved schools, a clinician who is also a parent), and this says what to do
# without saying whose the address is.
SAME_EMAIL = _l(
    "That email address cannot be used for a new account. Please use another address for them, such as the one "
    "they use at your organisation. If they already have an account with your organisation, it is in your list "
    "of accounts."
)


@bp.get("/")
@guard(OrgAdmin())
def accounts_list():
    users = managed_accounts(current_user)
    return render_template(
        "admin/accounts.html",
        users=users,
        organisation=current_user.organisation,
        confirm=ConfirmForm(),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@guard(OrgAdmin())
def new_account():
    form = AccountForm()
    form.limit_to(current_user.organisation.kind)
    if form.validate_on_submit():
        created = services.create_account(
            current_user._get_current_object(),
            email=form.email.data,
            name=form.name.data,
            title=form.title.data or "",
            staff_role=form.chosen_staff_role(),
            is_org_admin=form.is_org_admin.data,
        )
        if created is None:
            # Everything typed stays in the form.
            form.email.errors.append(str(SAME_EMAIL))
        else:
            flash(
                _(
                    "The account for %(name)s was created. They will get an email with a link to choose "
                    "their own password.",
                    name=form.name.data.strip(),
                ),
                "success",
            )
            return redirect(url_for("admin.accounts_list"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/new_account.html", form=form), status


@bp.post("/accounts/<int:user_id>/deactivate")
@guard(OrgAdmin())
def deactivate(user_id: int):
    user = managed_account_or_404(user_id, someone_else=True)
    if ConfirmForm().validate_on_submit():
        services.deactivate(current_user._get_current_object(), user)
        flash(_("%(name)s can no longer sign in; their sessions have ended.", name=user.name), "success")
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:user_id>/reactivate")
@guard(OrgAdmin())
def reactivate(user_id: int):
    user = managed_account_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        services.reactivate(current_user._get_current_object(), user)
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:user_id>/end-sessions")
@guard(OrgAdmin())
def end_sessions(user_id: int):
    user = managed_account_or_404(user_id, someone_else=True)
    if ConfirmForm().validate_on_submit():
        services.end_sessions(user)
        flash(_("%(name)s is signed out everywhere. They can sign in again.", name=user.name), "success")
    return redirect(url_for("admin.accounts_list"))


@bp.post("/accounts/<int:user_id>/reset-two-factor")
@guard(OrgAdmin())
def reset_two_factor(user_id: int):
    user = managed_account_or_404(user_id, someone_else=True)
    if ConfirmForm().validate_on_submit():
        accounts.reset_two_factor(user, by=current_user)
        flash(
            _(
                "Two-factor sign-in is reset for %(name)s, and they are signed out everywhere. "
                "They will set up an authenticator app the next time they sign in.",
                name=user.name,
            ),
            "success",
        )
    return redirect(url_for("admin.accounts_list"))
