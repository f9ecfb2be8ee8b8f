from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.access import policy
from portal.access.guard import CircleAction, deny, guard, in_circle_or_404
from portal.access.queries import shared_for, standing_for, they_decide
from portal.forms import ConfirmForm, choose_first
from portal.languages import moment
from portal.plan.sections import SPECS

# dashboard: what sharing adds to the dashboard registers on its hook with the
# routes, as the feature's package itself is imported by the access queries.
from portal.sharing import bp, dashboard, services, words  # noqa: F401
from portal.sharing.forms import (
    AGREED_BY_LABELS,
    AGREED_BY_LABELS_TO_THEM,
    AGREED_BY_PLACEHOLDER,
    DISAGREE_PLACEHOLDER,
    SHARE_PLACEHOLDER,
    AgreementForm,
    DecidingForm,
    DisagreementForm,
    DisclosureForm,
)
from portal.sharing.models import Agreement, DecidingRecord, Disagreement


def _share_value(section: str, role: str) -> str:
    return f"{section}:{role}"


def _can(action: str) -> bool:
    return policy.can_act(g.membership.role, action, standing_for(g.membership))


def _labels(membership) -> dict[str, str]:
    return AGREED_BY_LABELS_TO_THEM if words.speaks_to_them(membership.role) else AGREED_BY_LABELS


def _form(membership, shared):
    labels = _labels(membership)
    form = AgreementForm()
    pairs = services.shareable_for(membership, shared)
    form.share.choices = choose_first(
        SHARE_PLACEHOLDER,
        ((_share_value(section, role), _("%(section)s, with %(role)s", section=str(SPECS[section].title), role=words.the_role(role)))
         for section, role in pairs),
    )
    form.agreed_by.choices = choose_first(
        AGREED_BY_PLACEHOLDER,
        ((value, labels[value]) for value in policy.agreed_by_choices(membership.role, they_decide(membership.circle_id))),
    )
    return form


def _target_label(target, names, now) -> str:
    """What the young person may disagree with, in their own words (they alone record a disagreement)."""
    if isinstance(target, DecidingRecord):
        who, on = names.get(target.recorded_by_id) or _("A clinician"), moment(target.recorded_at, "date")
        if target.they_decide:
            return _("%(name)s recorded that you decide about sharing for yourself (%(date)s)", name=who, date=on)
        return _("%(name)s recorded that a parent or guardian may agree for you (%(date)s)", name=who, date=on)
    values = {"section": words.the_section(target.section), "role": words.the_role(target.role)}
    if target.withdrawn_at is not None and target.withdrawn_by_id != current_user.id:
        return _("%(name)s withdrew %(section)s shared with %(role)s (%(date)s)",
                 name=names.get(target.withdrawn_by_id) or _("Someone"), date=moment(target.withdrawn_at, "date"), **values)
    values.update(name=names.get(target.recorded_by_id) or _("Someone"), date=moment(target.starts_at, "date"))
    if target.agreed_by == "young_person":
        return _("%(name)s recorded %(section)s shared with %(role)s, agreed by you (%(date)s)", **values)
    if target.agreed_by == "guardian":
        return _("%(name)s recorded %(section)s shared with %(role)s, agreed by a parent or guardian (%(date)s)", **values)
    return _("%(name)s recorded %(section)s shared with %(role)s, agreed by you and a parent or guardian (%(date)s)", **values)


def _disagreement_form(targets, names, now):
    form = DisagreementForm(prefix="disagree")
    form.about.choices = choose_first(DISAGREE_PLACEHOLDER, ((value, _target_label(row, names, now)) for value, row in targets))
    return form


def _page(form=None, deciding_form=None, disagreement_form=None, disclosure_form=None, status=200):
    membership = g.membership
    circle_id = g.circle.id
    shared = standing_for(membership)
    sections = list(policy.readable_sections(membership.role, shared))
    rows = services.agreements(circle_id, sections)
    deciding = services.deciding_history(circle_id)
    disagreements = services.disagreements(circle_id) if _can("view_disagreements") else []
    disclosures = services.disclosures(circle_id) if _can("view_disclosures") else []
    names = services.names(
        {a.recorded_by_id for a in rows} | {a.withdrawn_by_id for a in rows}
        | {d.recorded_by_id for d in deciding} | {d.recorded_by_id for d in disagreements}
        | {d.answered_by_id for d in disagreements} | {d.recorded_by_id for d in disclosures}
    )
    now = clock.now()
    can_record = _can("record_agreement")
    if form is None and can_record:
        form = _form(membership, shared)
    # Who may record which agreement is the policy's; a member whose role
    # could record one, were it not for the young person's say, is told why not.
    refused = None
    if can_record and form is not None and not form.agreed_by.choices[1:]:
        refused = next(
            (services.refusal(circle_id, membership.role, agreed_by) for agreed_by in policy.agreed_by_choices(membership.role)),
            None,
        )
    if disagreement_form is None and _can("record_disagreement"):
        disagreement_form = _disagreement_form(services.disagreement_targets(circle_id, current_user, sections), names, now)
    if deciding_form is None and _can("record_deciding"):
        deciding_form = DecidingForm(prefix="deciding", formdata=None)
    if disclosure_form is None and _can("record_disclosure"):
        disclosure_form = DisclosureForm(prefix="disclosure", formdata=None)
    agreements_by_id = {a.id: a for a in rows}
    return (
        render_template(
            "sharing/index.html",
            circle=g.circle,
            rows=rows,
            names=names,
            now=now,
            specs=SPECS,
            agreed_by_labels=_labels(membership),
            agreed_by_phrases=words.agreed_by_phrases(words.speaks_to_them(membership.role)),
            the_section_title=words.the_section_title,
            the_role=words.the_role,
            form=form if can_record and form is not None and form.offers_sharing() and (not refused or form.errors) else None,
            refused=refused,
            can_record=can_record,
            confirm=ConfirmForm(),
            to_them=words.speaks_to_them(membership.role),
            they_decide=bool(deciding and deciding[0].they_decide),
            deciding=deciding,
            deciding_form=deciding_form,
            disagreements=disagreements,
            disagreement_form=disagreement_form if disagreement_form and disagreement_form.about.choices[1:] else None,
            can_answer=_can("answer_disagreements"),
            disclosures=disclosures,
            disclosure_form=disclosure_form,
            agreements_by_id=agreements_by_id,
            deciding_by_id={d.id: d for d in deciding},
        ),
        status,
    )


@bp.get("/circles/<int:circle_id>/sharing")
@guard(CircleAction("view_sharing"))
def index(circle_id: int):
    return _page()


@bp.post("/circles/<int:circle_id>/sharing")
@guard(CircleAction("record_agreement"))
def record(circle_id: int):
    form = _form(g.membership, standing_for(g.membership))
    chosen = request.form.get("agreed_by", "")
    reason = services.refusal(circle_id, g.membership.role, chosen) if chosen in policy.AGREED_BY else None
    if reason is not None and chosen in policy.agreed_by_choices(g.membership.role):
        # Their word, refused because the young person decides: the reason,
        # with what they chose kept (a form opened before the clinician's record).
        labels = _labels(g.membership)
        form.agreed_by.choices = choose_first(
            AGREED_BY_PLACEHOLDER, ((value, labels[value]) for value in policy.agreed_by_choices(g.membership.role))
        )
        form.validate_on_submit()
        form.agreed_by.errors = [reason]
        return _page(form, status=422)
    if not form.validate_on_submit():
        return _page(form, status=422)
    section, _colon, role = form.share.data.partition(":")
    if (section, role) in shared_for(circle_id):
        form.share.errors.append(_("This is already shared with them. To change its end date, withdraw it and record it again."))
        return _page(form, status=422)
    try:
        services.record(circle_id, section, role, form.agreed_by.data, form.ends_on.data, current_user)
    except services.AgreementRefused as refused:
        form.agreed_by.errors.append(refused.reason)
        return _page(form, status=422)
    flash(_("Recorded: %(section)s is shared with %(role)s.", section=words.the_section(section), role=words.the_role(role)), "success")
    return redirect(url_for("sharing.index", circle_id=circle_id))


@bp.post("/circles/<int:circle_id>/sharing/<int:agreement_id>/withdraw")
@guard(CircleAction("record_agreement"))
def withdraw(circle_id: int, agreement_id: int):
    agreement = in_circle_or_404(Agreement, agreement_id, circle_id)
    if not policy.can(g.membership.role, agreement.section, policy.READ, standing_for(g.membership)):
        deny(403, section=agreement.section)
    if ConfirmForm().validate_on_submit():
        services.withdraw(agreement, current_user)
        flash(_("Sharing was withdrawn. It stops at once."), "success")
    return redirect(url_for("sharing.index", circle_id=circle_id))


@bp.post("/circles/<int:circle_id>/sharing/deciding")
@guard(CircleAction("record_deciding"))
def record_deciding(circle_id: int):
    form = DecidingForm(prefix="deciding")
    if not form.validate_on_submit():
        return _page(deciding_form=form, status=422)
    decides = form.decides.data == "yes"
    services.record_deciding(circle_id, decides, current_user)
    if decides:
        flash(_("Recorded: %(name)s decides about sharing for themselves.", name=g.circle.young_person_name), "success")
    else:
        flash(_("Recorded: a parent or guardian may agree to sharing for %(name)s.", name=g.circle.young_person_name), "success")
    return redirect(url_for("sharing.index", circle_id=circle_id))


@bp.post("/circles/<int:circle_id>/sharing/disagreements")
@guard(CircleAction("record_disagreement"))
def record_disagreement(circle_id: int):
    sections = list(policy.readable_sections(g.membership.role, standing_for(g.membership)))
    targets = services.disagreement_targets(circle_id, current_user, sections)
    rows = [row for _value, row in targets]
    names = services.names({getattr(r, "recorded_by_id", None) for r in rows} | {getattr(r, "withdrawn_by_id", None) for r in rows})
    form = _disagreement_form(targets, names, clock.now())
    if not form.validate_on_submit():
        return _page(disagreement_form=form, status=422)
    target = dict(targets)[form.about.data]
    services.record_disagreement(circle_id, target, form.words.data or "", current_user)
    flash(_("Recorded: you disagree. Your clinicians have been told, and will talk it over with you."), "success")
    return redirect(url_for("sharing.index", circle_id=circle_id))


# Marking a disagreement as talked over: the policy's answer_disagreements.
@bp.post("/circles/<int:circle_id>/sharing/disagreements/talked-over")
@guard(CircleAction("answer_disagreements"))
def disagreement_talked_over(circle_id: int):
    back = redirect(url_for("sharing.index", circle_id=circle_id, _anchor="disagreements"))
    named = request.form.get("disagreement_id", "")
    if not named.isdigit():
        return back  # a button that names no disagreement changes nothing
    disagreement = in_circle_or_404(Disagreement, int(named), circle_id)
    if ConfirmForm().validate_on_submit():
        services.mark_talked_over(disagreement, current_user)
        flash(_("Marked as talked over."), "success")
    return back


@bp.post("/circles/<int:circle_id>/sharing/disclosures")
@guard(CircleAction("record_disclosure"))
def record_disclosure(circle_id: int):
    form = DisclosureForm(prefix="disclosure")
    if not form.validate_on_submit():
        return _page(disclosure_form=form, status=422)
    services.record_disclosure(
        circle_id, form.shared_what.data, form.shared_with.data, form.why.data, form.shared_on.data, current_user
    )
    flash(_("Recorded. %(name)s is told that something was shared, and can read what, with whom and why.", name=g.circle.young_person_name), "success")
    return redirect(url_for("sharing.index", circle_id=circle_id))


@bp.get("/circles/<int:circle_id>/sharing/your-say")
@guard(CircleAction("view_your_say"))
def your_say(circle_id: int):
    disclosures = services.disclosures(circle_id) if _can("view_disclosures") else []
    return render_template(
        "sharing/your_say.html",
        circle=g.circle,
        say=words.your_say(g.membership.role, g.circle.young_person_name),
        they_decide=they_decide(circle_id),
        disclosures=disclosures,
        names=services.names({d.recorded_by_id for d in disclosures}),
        can_disagree=_can("record_disagreement"),
    )
