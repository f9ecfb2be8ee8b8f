from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.access import finding as finder
from portal.access import policy, transitions
from portal.access.guard import CircleAction, CreatesCircles, SignedIn, deny, guard, in_circle_or_404
from portal.access.queries import member_can_act
from portal.audit.services import record_now
from portal.circles import bp, services
from portal.circles.forms import AddMemberForm, ChangeRoleForm, NewCircleForm
from portal.circles.models import Membership
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.paging import strict_page
from portal.safeguarding import services as safeguarding

CIRCLES_PER_PAGE = 50


@bp.get("/circles")
@guard(SignedIn())
def index():
    asked = strict_page()
    schools = finder.schools_of(current_user)
    problem = None
    try:
        search = finder.finding_from(request.args, schools)
    except finder.FindingRefused as refused:
        problem, search = str(refused), finder.Finding()
    found = finder.find(current_user, search, 1 if problem else asked, CIRCLES_PER_PAGE)
    return render_template(
        "circles/index.html",
        found=found,
        search=search,
        problem=problem,
        schools=schools,
        roles={role: policy.ROLE_LABELS[role] for role in policy.ROLES},
        role_labels=policy.ROLE_LABELS,
        can_create=policy.creates_circles(current_user.staff_role),
    ), (400 if problem else 200)


@bp.route("/circles/new", methods=["GET", "POST"])
@guard(CreatesCircles())
def new():
    form = NewCircleForm()
    if form.validate_on_submit():
        circle = services.create_circle(current_user, form.young_person_name.data, form.relationship_label.data or "")
        flash(_("The circle was created. Next, add the people who support them."), "success")
        return redirect(url_for("circles.members", circle_id=circle.id))
    status = 422 if request.method == "POST" else 200
    return render_template("circles/new.html", form=form), status


def _actions_for(member: Membership, members: list[Membership] | None = None) -> dict[str, bool]:
    """Which buttons this member's row shows to the person looking, from the policy."""
    acting = g.membership
    if member.id == acting.id:
        return {"change_role": False, "remove": False, "restore": False, "limit": False}
    state = transitions.state_of(member)
    facts = services.facts_for(g.circle, member.user, members)
    previous = transitions.previous_role_of(member)

    def allowed(action, requested):
        return transitions.decide(action, acting.role, state, requested, previous_role=previous, facts=facts).allowed

    return {
        "change_role": bool(transitions.roles_for(transitions.CHANGE_ROLE, acting.role, state, facts)),
        "remove": allowed(transitions.REMOVE, transitions.REMOVED),
        "restore": state == transitions.REMOVED and allowed(transitions.RESTORE, member.role),
        # Placing, changing or lifting a safeguarding limit (portal/safeguarding/).
        "limit": member_can_act(acting, "set_limits") and safeguarding.decide(transitions.LIMIT, acting, member).allowed,
    }


def _members_page(form, status=200):
    membership = g.membership
    can_manage = policy.can_act(membership.role, "manage_members")
    can_limit = member_can_act(membership, "set_limits")
    members = services.active_members(g.circle.id)
    return (
        render_template(
            "circles/members.html",
            circle=g.circle,
            membership=membership,
            members=members,
            removed=services.removed_members(g.circle.id) if can_manage else [],
            changes=services.recent_changes(g.circle.id) if can_manage else [],
            can_manage=can_manage,
            # The action buttons show for those who manage members or place limits.
            shows_actions=can_manage or can_limit,
            limits=safeguarding.limits_for_members(g.circle.id, membership),
            can_view_limits=member_can_act(membership, "view_limits"),
            can_invite=policy.can_act(membership.role, "invite"),
            # Recorded once, while none is (a clinician's circle starts without one).
            can_record_school=g.circle.school_organisation_id is None and policy.can_act(membership.role, "record_school"),
            actions_for=lambda member: _actions_for(member, members),
            form=form,
            confirm=ConfirmForm(),
            role_labels=policy.ROLE_LABELS,
        ),
        status,
    )


def _add_form():
    form = AddMemberForm()
    facts = services.facts_for(g.circle, None)
    form.limit_roles(transitions.roles_for(transitions.ADD, g.membership.role, facts=facts))
    return form


@bp.get("/circles/<int:circle_id>/members")
@guard(CircleAction("view_members"))
def members(circle_id: int):
    form = _add_form() if policy.can_act(g.membership.role, "manage_members") else None
    return _members_page(form)


def refuse(refused: services.MembershipRefused):
    """Record a refused change (who tried, never whom), then say why, calmly."""
    db.session.rollback()
    record_now("membership_refused", circle_id=g.circle.id, outcome="refused")
    flash(refused.message, "error")
    return redirect(url_for("circles.members", circle_id=g.circle.id))


@bp.post("/circles/<int:circle_id>/members")
@guard(CircleAction("manage_members"))
def add_member(circle_id: int):
    form = _add_form()
    if not form.validate_on_submit():
        return _members_page(form, 422)
    result = services.add_colleague(
        g.circle, g.membership, form.email.data, form.role.data, form.relationship_label.data or ""
    )
    if result.problem == services.NOT_COLLEAGUE:
        form.email.errors.append(services.not_a_colleague_message(form.email.data.strip()))
        return _members_page(form, 422)
    if result.problem is not None:
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        form.email.errors.append(result.message)
        return _members_page(form, 403 if result.problem in ("not_allowed", "removed") else 409)
    member = result.membership
    flash(_("%(name)s is now in the circle as %(role)s.", name=member.user.name,
            role=str(policy.ROLE_LABELS[member.role]).lower()), "success")
    return redirect(url_for("circles.members", circle_id=circle_id))


def _member_or_404(circle_id: int, membership_id: int) -> Membership:
    return in_circle_or_404(Membership, membership_id, circle_id, options=[joinedload(Membership.user)])


def _what_changes(old_role: str, new_role: str) -> tuple[list[str], list[str]]:
    """The parts of the plan the person gains and loses with the new role, by the policy."""
    from portal.plan.sections import SPECS

    before, after = set(policy.readable_sections(old_role)), set(policy.readable_sections(new_role))
    order = list(policy.SECTIONS)
    gains = [SPECS[kind].title for kind in order if kind in after - before]
    losses = [SPECS[kind].title for kind in order if kind in before - after]
    return gains, losses


@bp.route("/circles/<int:circle_id>/members/<int:membership_id>/role", methods=["GET", "POST"])
@guard(CircleAction("manage_members"))
def change_role(circle_id: int, membership_id: int):
    """A role change is its own action: chosen, shown (what they will gain
    and lose), confirmed, then audited and told to them and the circle."""
    member = _member_or_404(circle_id, membership_id)
    state = transitions.state_of(member)
    facts = services.facts_for(g.circle, member.user)
    choices = (
        ()
        if member.id == g.membership.id
        else transitions.roles_for(transitions.CHANGE_ROLE, g.membership.role, state, facts)
    )
    if not choices:
        if request.method == "POST":
            record_now("membership_refused", circle_id=circle_id, outcome="refused")
        deny(403 if member.active else 404)
    form = ChangeRoleForm()
    form.limit_roles(choices)
    status = 200
    if form.validate_on_submit():
        if form.confirmed.data:
            try:
                services.set_role(member, form.role.data, g.membership)
            except services.MembershipRefused as refused:
                return refuse(refused)
            flash(
                _("%(name)s is now %(role)s in this circle. They have been told.",
                  name=member.user.name, role=str(policy.ROLE_LABELS[form.role.data]).lower()),
                "success",
            )
            return redirect(url_for("circles.members", circle_id=circle_id))
        # First step: show what the change means, and ask to confirm.
        gains, losses = _what_changes(member.role, form.role.data)
        return render_template(
            "circles/change_role.html", circle=g.circle, member=member, form=form, confirming=True,
            gains=gains, losses=losses, role_labels=policy.ROLE_LABELS,
        )
    if request.method == "POST":
        status = 422
    return (
        render_template(
            "circles/change_role.html", circle=g.circle, member=member, form=form, confirming=False,
            gains=[], losses=[], role_labels=policy.ROLE_LABELS,
        ),
        status,
    )


@bp.post("/circles/<int:circle_id>/members/<int:membership_id>/remove")
@guard(CircleAction("manage_members"))
def remove_member(circle_id: int, membership_id: int):
    member = _member_or_404(circle_id, membership_id)
    if not member.active:
        deny(404)
    if not _actions_for(member)["remove"]:
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        deny(403)
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_member(member, current_user, g.membership.role)
        except services.MembershipRefused as refused:
            return refuse(refused)
        flash(_("%(name)s no longer has access to this circle.", name=member.user.name), "success")
    return redirect(url_for("circles.members", circle_id=circle_id))


@bp.post("/circles/<int:circle_id>/members/<int:membership_id>/restore")
@guard(CircleAction("manage_members"))
def restore_member(circle_id: int, membership_id: int):
    member = _member_or_404(circle_id, membership_id)
    if member.active:
        deny(404)
    if not _actions_for(member)["restore"]:
        record_now("membership_refused", circle_id=circle_id, outcome="refused")
        deny(403)
    if ConfirmForm().validate_on_submit():
        try:
            services.restore_member(member, g.membership)
        except services.MembershipRefused as refused:
            return refuse(refused)
        flash(_("%(name)s is back in the circle as %(role)s.", name=member.user.name,
                role=str(policy.ROLE_LABELS[member.role]).lower()), "success")
    return redirect(url_for("circles.members", circle_id=circle_id))
