from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.access.guard import CircleAction, deny, guard, in_circle_or_404
from portal.access.queries import shared_for, standing_for
from portal.auth.models import User
from portal.extensions import db
from portal.forms import ConfirmForm, choose_first
from portal.plan.sections import SPECS
from portal.sharing import bp, services
from portal.sharing.forms import AGREED_BY_LABELS, AGREED_BY_PLACEHOLDER, SHARE_PLACEHOLDER, AgreementForm
from portal.sharing.models import Agreement


def _share_value(section: str, role: str) -> str:
    return f"{section}:{role}"


def _form(membership, shared):
    form = AgreementForm()
    pairs = services.shareable_for(membership, shared)
    form.share.choices = choose_first(
        SHARE_PLACEHOLDER,
        ((_share_value(section, role), f"{SPECS[section].title}, with the {policy.ROLE_LABELS[role].lower()}")
         for section, role in pairs),
    )
    form.agreed_by.choices = choose_first(
        AGREED_BY_PLACEHOLDER,
        ((value, AGREED_BY_LABELS[value]) for value in policy.agreed_by_choices(membership.role)),
    )
    return form


def _page(form, status=200):
    membership = g.membership
    shared = standing_for(membership)
    rows = services.agreements(g.circle.id, list(policy.readable_sections(membership.role, shared)))
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(
                User.id.in_({a.recorded_by_id for a in rows} | {a.withdrawn_by_id for a in rows if a.withdrawn_by_id})
            )
        ).all()
    ) if rows else {}
    now = clock.now()
    can_record = policy.can_act(membership.role, "record_agreement")
    return (
        render_template(
            "sharing/index.html",
            circle=g.circle,
            rows=rows,
            names=names,
            now=now,
            specs=SPECS,
            agreed_by_labels=AGREED_BY_LABELS,
            form=form if can_record and form.offers_sharing() else None,
            can_record=can_record,
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.get("/circles/<int:circle_id>/sharing")
@guard(CircleAction("view_sharing"))
def index(circle_id: int):
    form = _form(g.membership, standing_for(g.membership)) if policy.can_act(g.membership.role, "record_agreement") else AgreementForm()
    return _page(form)


@bp.post("/circles/<int:circle_id>/sharing")
@guard(CircleAction("record_agreement"))
def record(circle_id: int):
    form = _form(g.membership, standing_for(g.membership))
    if not form.validate_on_submit():
        return _page(form, 422)
    section, _, role = form.share.data.partition(":")
    if (section, role) in shared_for(circle_id):
        form.share.errors.append("This is already shared with them. To change its end date, withdraw it and record it again.")
        return _page(form, 422)
    services.record(circle_id, section, role, form.agreed_by.data, form.ends_on.data, current_user)
    flash(f"Recorded: the {policy.section_title(section)} is shared with the {policy.ROLE_LABELS[role].lower()}.", "success")
    return redirect(url_for("sharing.index", circle_id=circle_id))


@bp.post("/circles/<int:circle_id>/sharing/<int:agreement_id>/withdraw")
@guard(CircleAction("record_agreement"))
def withdraw(circle_id: int, agreement_id: int):
    agreement = in_circle_or_404(Agreement, agreement_id, circle_id)
    if not policy.can(g.membership.role, agreement.section, policy.READ, standing_for(g.membership)):
        deny(403, section=agreement.section)
    if ConfirmForm().validate_on_submit():
        services.withdraw(agreement, current_user)
        flash("Sharing was withdrawn. It stops at once.", "success")
    return redirect(url_for("sharing.index", circle_id=circle_id))
