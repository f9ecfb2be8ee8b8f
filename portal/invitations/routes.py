"""Inviting people to a circle by email, and accepting an invitation.

Nothing a page says depends on whether an address has an account: the
invitation is stored and emailed the same way, and the page behind the link
offers both "create an account" and "sign in" to everyone.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import languages
from portal.access.guard import CircleAction, Public, deny, guard, in_circle_or_404
from portal.auth import mfa, signin
from portal.extensions import limiter
from portal.forms import ConfirmForm
from portal.invitations import bp, services
from portal.invitations.forms import InviteForm, NewAccountForm
from portal.invitations.models import Invitation
from portal.sessions import services as sessions


def _sent(email: str, days: int) -> str:
    return ngettext(
        "We have emailed an invitation to %(email)s. The link works once, for %(num)d day. "
        "Once they accept, they will appear among the people in the circle.",
        "We have emailed an invitation to %(email)s. The link works once, for %(num)d days. "
        "Once they accept, they will appear among the people in the circle.",
        days,
        email=email,
    )


def _invite_form() -> InviteForm:
    # The invitation's language starts as the inviter's page language.
    form = InviteForm(language=languages.current())
    form.limit_roles(services.invitable_roles(g.membership.role, g.circle.id))
    form.offer_languages()
    return form


def _sender_key() -> str:
    return f"inviter:{current_user.get_id()}"


@bp.route("/circles/<int:circle_id>/invitations", methods=["GET", "POST"])
@guard(CircleAction("invite"))
@limiter.limit(lambda: current_app.config["INVITATIONS_SENT_LIMIT"], key_func=_sender_key, methods=["POST"])
def manage(circle_id: int):
    form = _invite_form()
    if form.validate_on_submit():
        invitation, _token = services.create_invitation(
            g.circle,
            g.membership,
            form.email.data,
            form.role.data,
            form.relationship_label.data or "",
            language=form.language.data,
        )
        flash(_sent(invitation.email, current_app.config["INVITATION_DAYS"]), "info")
        return redirect(url_for("invitations.manage", circle_id=circle_id))
    status = 422 if request.method == "POST" else 200
    membership = g.membership
    return (
        render_template(
            "invitations/manage.html",
            circle=g.circle,
            form=form,
            invitations=services.pending(circle_id),
            may_revoke=lambda invitation: services.may_revoke(membership, invitation),
            confirm=ConfirmForm(),
            days=current_app.config["INVITATION_DAYS"],
        ),
        status,
    )


@bp.post("/circles/<int:circle_id>/invitations/<int:invitation_id>/revoke")
@guard(CircleAction("invite"))
def revoke(circle_id: int, invitation_id: int):
    invitation = in_circle_or_404(Invitation, invitation_id, circle_id)
    if not services.may_revoke(g.membership, invitation):
        deny(403)
    if ConfirmForm().validate_on_submit():
        email = invitation.email
        if services.revoke(invitation, current_user):
            flash(_("The invitation to %(email)s is withdrawn. Its link no longer works.", email=email), "success")
        else:
            flash(_("The invitation to %(email)s had already been accepted, withdrawn or had expired.", email=email), "info")
    return redirect(url_for("invitations.manage", circle_id=circle_id))


def _unavailable(status: int):
    # One page for unknown, used, withdrawn and expired links alike.
    return render_template("invitations/unavailable.html"), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@guard(Public())
@limiter.limit(lambda: current_app.config["INVITATION_LIMIT"], methods=["POST"])
def accept(token: str):
    invitation = services.find_by_token(token)
    if invitation is None:
        return _unavailable(404)
    # The page behind the link reads in the invitation's language, unless the
    # visitor switches (?lang=, kept in the cookie while they go on). Asking
    # for the page's own language first is what keeps a switch in the cookie.
    languages.for_request()
    # As on every page (languages.for_request), a switch first, then a signed-in
    # person's own account, then the cookie; only then the sender's choice.
    own = languages.known(current_user.language) if current_user.is_authenticated else None
    language = (
        languages.known(request.args.get("lang"))
        or own
        or languages.known(request.cookies.get(languages.COOKIE))
        or languages.known(invitation.language)
    )
    # An invitation from before invitations had a language: the page's own.
    with languages.in_language(language) if language else nullcontext():
        if not services.usable(invitation):
            return _unavailable(410)
        context = {"invitation": invitation, "inviter": services.inviter_phrase(invitation), "token": token}
        if current_user.is_authenticated:
            return _accept_signed_in(invitation, context)
        return _accept_with_new_account(invitation, context)


def _accept_signed_in(invitation, context):
    if not services.is_for(invitation, current_user):
        return render_template("invitations/other_account.html", **context), 403
    decision = services.acceptance(invitation, current_user)
    if not decision.allowed:
        # Said before anything is confirmed, and nothing changes: an invitation
        # never changes the role of someone already in the circle.
        status = 409 if decision.reason == "already_member" else 403
        return render_template("invitations/refused.html", reason=decision.reason, message=decision.message, **context), status
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            membership = services.accept(invitation, current_user)
        except services.AcceptRefused as refused:
            return render_template(
                "invitations/refused.html", reason=refused.decision.reason, message=refused.decision.message, **context
            ), 409
        if membership is None:
            return _unavailable(410)
        flash(_("You have joined the circle. You see the parts of the plan your role needs."), "success")
        return redirect(url_for("plan.overview", circle_id=membership.circle_id))
    return render_template("invitations/join.html", form=form, **context)


def _accept_with_new_account(invitation, context):
    form = NewAccountForm()
    status = 422 if request.method == "POST" else 200
    account_exists = False
    if form.validate_on_submit():
        result = services.accept_with_new_account(invitation, form.name.data, form.password.data)
        if result.user is not None:
            overview = url_for("plan.overview", circle_id=invitation.circle_id)
            if mfa.required_for(result.user):
                flash(_("Your account is ready and you have joined the circle."), "success")
                # A role that needs a second factor: the app is set up before any session.
                return signin.begin(result.user, overview)
            sessions.sign_in(result.user)
            # After signing in, which starts a fresh session: a message flashed before would be lost.
            flash(_("Your account is ready and you have joined the circle."), "success")
            return redirect(overview)
        if result.problem == services.UNAVAILABLE:
            return _unavailable(410)
        account_exists, status = True, 409
    return render_template("invitations/welcome.html", form=form, account_exists=account_exists, **context), status
