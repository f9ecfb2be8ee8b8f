from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.access import policy
from portal.access.guard import CircleAction, CreatesCircles, SignedIn, guard
from portal.access.queries import memberships_for
from portal.circles import bp, services
from portal.circles.forms import AddMemberForm, NewCircleForm
from portal.circles.models import Membership
from portal.extensions import db
from portal.plan.forms import ConfirmForm

ADDED_OR_NOT = (
    "If {email} belongs to an active Support Circle account, they are now in the circle. "
    "If they do not appear below, ask them to check the email they signed up with."
)


@bp.get("/circles")
@guard(SignedIn())
def index():
    return render_template(
        "circles/index.html",
        memberships=memberships_for(current_user),
        can_create=current_user.staff_role in policy.CIRCLE_CREATOR_ROLES,
    )


@bp.route("/circles/new", methods=["GET", "POST"])
@guard(CreatesCircles())
def new():
    form = NewCircleForm()
    if form.validate_on_submit():
        circle = services.create_circle(current_user, form.young_person_name.data, form.relationship_label.data or "")
        flash("The circle was created. Next, add the people who support them.", "success")
        return redirect(url_for("circles.members", circle_id=circle.id))
    status = 422 if request.method == "POST" else 200
    return render_template("circles/new.html", form=form), status


def _members_page(form, status=200):
    membership = g.membership
    can_manage = policy.can_act(membership.role, "manage_members")
    return (
        render_template(
            "circles/members.html",
            circle=g.circle,
            membership=membership,
            members=services.active_members(g.circle.id),
            can_manage=can_manage,
            can_invite=policy.can_act(membership.role, "invite"),
            may_remove=lambda member: can_manage
            and member.id != membership.id
            and policy.may_grant(membership.role, member.role),
            form=form,
            confirm=ConfirmForm(),
            role_labels=policy.ROLE_LABELS,
        ),
        status,
    )


def _add_form():
    form = AddMemberForm()
    form.limit_roles(r for r in policy.ROLES if policy.may_grant(g.membership.role, r))
    return form


@bp.get("/circles/<int:circle_id>/members")
@guard(CircleAction("view_members"))
def members(circle_id: int):
    form = _add_form() if policy.can_act(g.membership.role, "manage_members") else None
    return _members_page(form)


@bp.post("/circles/<int:circle_id>/members")
@guard(CircleAction("manage_members"))
def add_member(circle_id: int):
    form = _add_form()
    if not form.validate_on_submit():
        return _members_page(form, 422)
    services.add_member(g.circle, form.email.data, form.role.data, form.relationship_label.data or "", current_user)
    flash(ADDED_OR_NOT.format(email=form.email.data.strip()), "info")
    return redirect(url_for("circles.members", circle_id=circle_id))


@bp.post("/circles/<int:circle_id>/members/<int:membership_id>/remove")
@guard(CircleAction("manage_members"))
def remove_member(circle_id: int, membership_id: int):
    member = db.session.get(Membership, membership_id, options=[joinedload(Membership.user)])
    if member is None or member.circle_id != circle_id or not member.active:
        abort(404)
    if member.id == g.membership.id or not policy.may_grant(g.membership.role, member.role):
        abort(403)
    if ConfirmForm().validate_on_submit():
        services.remove_member(member, current_user)
        flash(f"{member.user.name} no longer has access to this circle.", "success")
    return redirect(url_for("circles.members", circle_id=circle_id))
