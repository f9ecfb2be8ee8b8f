"""Placing, changing and lifting a safeguarding limit, and the circle's history of them.

Each change is decided by the transitions policy (services.decide) with the
target as they stand now; a refusal says why and changes nothing."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.access import policy, transitions
from portal.access.guard import CircleAction, deny, guard, in_circle_or_404
from portal.audit.services import record_now
from portal.circles.models import Membership
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.safeguarding import bp, services
from portal.safeguarding.forms import LimitForm


def _target_or_refuse(circle_id: int, membership_id: int, action: str) -> Membership:
    """The member named in the URL, if the policy lets this actor make ``action`` on them now."""
    target = in_circle_or_404(Membership, membership_id, circle_id, options=[joinedload(Membership.user)])
    if not target.active:
        deny(404)
    decision = services.decide(action, g.membership, target)
    if not decision.allowed:
        if request.method == "POST":
            record_now("membership_refused", circle_id=circle_id, outcome="refused")
        deny(403)
    return target


def _refused(refused: services.LimitRefused, circle_id: int):
    """A change refused when it was written (someone changed it meanwhile): say why, calmly."""
    db.session.rollback()
    record_now("membership_refused", circle_id=circle_id, outcome="refused")
    flash(refused.message, "error")
    return redirect(url_for("circles.members", circle_id=circle_id))


def _section_choices(target: Membership):
    return [(kind, str(policy.SECTION_TITLES[kind])) for kind in services.hideable_sections(target)]


@bp.route("/circles/<int:circle_id>/members/<int:membership_id>/limit", methods=["GET", "POST"])
@guard(CircleAction("set_limits"))
def set_limit(circle_id: int, membership_id: int):
    target = _target_or_refuse(circle_id, membership_id, transitions.LIMIT)
    current = services.limit_on(target)
    form = LimitForm()
    form.limit_sections(_section_choices(target))
    if request.method == "GET":
        form.current.data = str(current.id) if current is not None else ""
        if current is not None:
            form.hidden.data = list(current.hidden_sections)
            form.review_on.data = current.review_on
            if policy.reads_limit_reason(g.membership.role):
                form.reason.data = current.reason
        else:
            form.hidden.data = list(services.suggested_hiding(target))
    elif form.validate_on_submit():
        expected = int(form.current.data) if (form.current.data or "").isdigit() else None
        try:
            services.place_limit(
                g.membership, target, form.hidden.data or [], form.reason.data, form.review_on.data, expected_id=expected
            )
        except services.LimitRefused as refused:
            return _refused(refused, circle_id)
        flash(_("The limit on %(name)s is in place. The care team has been told; %(name)s has not.", name=target.user.name), "success")
        return redirect(url_for("circles.members", circle_id=circle_id))
    return (
        render_template(
            "safeguarding/limit_form.html",
            circle=g.circle,
            target=target,
            form=form,
            current=current,
            reads_reason=policy.reads_limit_reason(g.membership.role),
        ),
        422 if request.method == "POST" else 200,
    )


@bp.route("/circles/<int:circle_id>/members/<int:membership_id>/limit/lift", methods=["GET", "POST"])
@guard(CircleAction("set_limits"))
def lift_limit(circle_id: int, membership_id: int):
    """Lifting asks first: what they will see again, then a button."""
    target = _target_or_refuse(circle_id, membership_id, transitions.LIFT_LIMIT)
    current = services.limit_on(target)
    form = ConfirmForm()
    if current is None:
        # Lifted meanwhile, or never placed: a page that says so, not a silent redirect.
        return render_template("safeguarding/lift.html", circle=g.circle, target=target, current=None, hidden=[],
                               form=form), 200 if request.method == "GET" else 409
    if request.method == "POST" and form.validate_on_submit():
        limit_id = request.form.get("limit", "")
        try:
            services.lift_limit(g.membership, target, int(limit_id) if limit_id.isdigit() else 0)
        except services.LimitRefused as refused:
            return _refused(refused, circle_id)
        flash(_("The limit on %(name)s is lifted. They see their part of the plan again.", name=target.user.name), "success")
        return redirect(url_for("circles.members", circle_id=circle_id))
    hidden = [str(policy.SECTION_TITLES[kind]) for kind in current.hidden_sections]
    return render_template(
        "safeguarding/lift.html", circle=g.circle, target=target, current=current, hidden=hidden, form=form
    )


@bp.get("/circles/<int:circle_id>/limits")
@guard(CircleAction("view_limits"))
def history(circle_id: int):
    return render_template(
        "safeguarding/history.html",
        circle=g.circle,
        limits=services.history(circle_id, g.membership),
        reads_reason=policy.reads_limit_reason(g.membership.role),
    )
