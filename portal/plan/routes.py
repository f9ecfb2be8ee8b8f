from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import hooks
from portal.access import policy
from portal.access.guard import CircleAction, Section, guard
from portal.access.queries import member_can_act, scoped_values, shared_for
from portal.access.sections import item_editable_fields, require_item_edit, section_access
from portal.audit.services import record_view
from portal.forms import ConfirmForm
from portal.plan import bp, presenters, queries, services
from portal.plan.forms import form_class
from portal.plan.readers import plan_words
from portal.plan.sections import ordered_specs, spec_for
from portal.sessions.services import draft_for_this_page, offers_kept_text

READ, EDIT = policy.READ, policy.EDIT


def _form(spec, access, fields, addition=None, **kwargs):
    limits = tuple((name, choices) for name, choices in access.choice_limits if name in fields)
    form_type = form_class(spec, tuple(fields), limits)
    if addition is None:
        return form_type(**kwargs)
    # A field another feature adds (hooks.plan_edit_addition), such as "This
    # change follows the setback review of ..." (portal/followup/linking.py).
    form = addition.extend(form_type)(**kwargs)
    getattr(form, addition.field).choices = list(addition.choices)
    return form


def _chosen(addition, form):
    """What the member chose in the added field, or None when there is none."""
    return addition.chosen(form) if addition is not None else None


def _after_save(kind: str, row) -> str | None:
    """A page a feature shows next instead of the section (hooks.plan_after_save)."""
    return hooks.plan_after_save.first(g.membership, kind, row)


def _form_data(spec, row, fields) -> dict:
    data = {}
    for name in fields:
        field_spec = spec.field(name)
        data[name] = field_spec.field_type.to_form(field_spec, getattr(row, name))
    data["base_version"] = row.version
    return data


@bp.get("/circles/<int:circle_id>")
@guard(CircleAction("view_circle"))
def overview(circle_id: int):
    membership = g.membership
    sections = []
    for spec in ordered_specs(membership.role):
        access = section_access(membership, spec)
        if access.readable:
            sections.append((spec, access))
    return render_template(
        "plan/overview.html",
        circle=g.circle,
        membership=membership,
        sections=sections,
        can_view_audit=member_can_act(membership, "view_audit"),
        can_export_fhir=member_can_act(membership, "export_fhir"),
        **hooks.plan_overview.merged(circle_id, membership),
    )


@bp.get("/circles/<int:circle_id>/plan/<section:kind>")
@guard(Section(READ))
def section(circle_id: int, kind: str):
    spec = spec_for(kind, g.membership.role)
    membership = g.membership
    access = section_access(membership, spec)
    context = {
        "circle": g.circle,
        "membership": membership,
        "spec": spec,
        "access": access,
        "shared_with": sorted(role for section, role in shared_for(circle_id) if section == kind),
    }
    if spec.is_list:
        rows = queries.items(circle_id, spec, membership)
        context["items"] = [
            (row, presenters.headline(spec, row, access.readable),
             presenters.shown_fields(spec, row, access.readable, skip_empty=True),
             bool(item_editable_fields(membership, spec, row)))
            for row in rows
        ]
        context["removed"] = (
            [(row, presenters.headline(spec, row, access.readable)) for row in queries.items(circle_id, spec, membership, removed=True)]
            if access.can_edit or access.can_restore
            else []
        )
        context["confirm"] = ConfirmForm()
    else:
        row = queries.document(circle_id, spec)
        context["document"] = row
        context["fields"] = presenters.shown_fields(spec, row, access.readable) if row else []
    context.update(hooks.plan_section.merged(circle_id, kind, membership, context))
    record_view("view", membership, kind)
    return render_template("plan/section.html", **context)


def _conflict_page(spec, access, conflict, fields, form_action, status=409, addition=None):
    current = conflict.current
    data = _conflict_form_data(spec, conflict, fields)
    if addition is not None:
        data[addition.field] = request.form.get(addition.field, "")
    form = _form(spec, access, fields, addition, formdata=None, data=data)
    return (
        render_template(
            "plan/conflict.html",
            circle=g.circle,
            spec=spec,
            conflict=conflict,
            shown=presenters.conflict_fields(spec, current, conflict.copy.submitted, fields),
            form=form,
            fields=fields,
            form_action=form_action,
        ),
        status,
    )


def _conflict_form_data(spec, conflict, fields) -> dict:
    """Offer the person's own text again, based on the version now saved."""
    data = {}
    for name in fields:
        field_spec = spec.field(name)
        kept = presenters.from_snapshot(field_spec, conflict.copy.submitted.get(name))
        data[name] = field_spec.field_type.to_form(field_spec, kept)
    data["base_version"] = conflict.current.version if conflict.current is not None else 0
    return data


@bp.route("/circles/<int:circle_id>/plan/<doc_section:kind>/edit", methods=["GET", "POST"])
@guard(Section(EDIT))
@offers_kept_text
def edit_document(circle_id: int, kind: str):
    spec = spec_for(kind, g.membership.role)
    access = section_access(g.membership, spec)
    row = queries.document(circle_id, spec)
    fields = access.editable
    addition = hooks.plan_edit_addition.first(circle_id, g.membership, kind)
    draft = draft_for_this_page(current_user) if request.method == "GET" else None
    if request.method == "POST":
        form = _form(spec, access, fields, addition)
    elif draft is not None:
        form = _form(spec, access, fields, addition, formdata=draft)
    elif row is not None:
        form = _form(spec, access, fields, addition, data=_form_data(spec, row, fields))
        record_view("view", g.membership, kind)
    else:
        form = _form(spec, access, fields, addition, data={"base_version": 0})
    if form.validate_on_submit():
        values = services.form_values(spec, form, fields)
        try:
            row = services.save_document(
                circle_id, spec, values, form.base_version_number(), current_user, follows=_chosen(addition, form)
            )
        except services.Conflict as conflict:
            return _conflict_page(spec, access, conflict, fields, request.path, addition=addition)
        flash(_("%(title)s saved.", title=spec.title), "success")
        return redirect(_after_save(kind, row) or url_for("plan.section", circle_id=circle_id, kind=kind))
    status = 422 if request.method == "POST" else 200
    return render_template("plan/edit.html", circle=g.circle, spec=spec, form=form, fields=fields, row=row), status


@bp.route("/circles/<int:circle_id>/plan/<list_section:kind>/new", methods=["GET", "POST"])
@guard(Section(EDIT))
@offers_kept_text
def new_item(circle_id: int, kind: str):
    spec = spec_for(kind, g.membership.role)
    access = section_access(g.membership, spec)
    fields = access.editable
    draft = draft_for_this_page(current_user) if request.method == "GET" else None
    extras = hooks.plan_new_item.merged(kind, g.membership)
    addition = hooks.plan_edit_addition.first(circle_id, g.membership, kind)
    if draft is not None:
        form = _form(spec, access, fields, addition, formdata=draft)
    elif request.method == "GET" and extras.get("defaults"):
        form = _form(spec, access, fields, addition, data=extras["defaults"])
    else:
        form = _form(spec, access, fields, addition)
    if form.validate_on_submit():
        values = services.form_values(spec, form, fields)
        values.update(scoped_values(kind, g.membership))
        if kind == "episodes":
            values["recorded_by_id"] = current_user.id
        row = services.add_item(circle_id, spec, values, current_user, follows=_chosen(addition, form))
        flash(presenters.sentence(_("%(item)s was added.", item=presenters.item_words(spec).the)), "success")
        return redirect(_after_save(kind, row) or url_for("plan.section", circle_id=circle_id, kind=kind))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "plan/edit.html", circle=g.circle, spec=spec, form=form, fields=fields, row=None,
        reminders=extras.get("reminders", {}),
    ), status


@bp.route("/circles/<int:circle_id>/plan/<list_section:kind>/<int:item_id>/edit", methods=["GET", "POST"])
@guard(Section(READ))
@offers_kept_text
def edit_item(circle_id: int, kind: str, item_id: int):
    spec = spec_for(kind, g.membership.role)
    access = section_access(g.membership, spec)
    row = queries.item_or_404(circle_id, spec, g.membership, item_id)
    fields = require_item_edit(g.membership, spec, row)
    if row.removed_at is not None:
        flash(presenters.sentence(_(
            "%(item)s was removed. A clinician can restore it before it is changed.", item=presenters.item_words(spec).that
        )), "info")
        return redirect(url_for("plan.section", circle_id=circle_id, kind=kind))
    # Only a member who may change the whole section may say why it changed.
    addition = hooks.plan_edit_addition.first(circle_id, g.membership, kind) if access.can_edit else None
    draft = draft_for_this_page(current_user) if request.method == "GET" else None
    if request.method == "POST":
        form = _form(spec, access, fields, addition)
    elif draft is not None:
        form = _form(spec, access, fields, addition, formdata=draft)
    else:
        form = _form(spec, access, fields, addition, data=_form_data(spec, row, fields))
        record_view("view", g.membership, kind, item_id=row.id)
    if form.validate_on_submit():
        values = services.form_values(spec, form, fields)
        try:
            services.update_item(row, spec, values, form.base_version_number(), current_user, follows=_chosen(addition, form))
        except services.Conflict as conflict:
            return _conflict_page(spec, access, conflict, fields, request.path, addition=addition)
        flash(presenters.sentence(_("%(item)s was saved.", item=presenters.item_words(spec).the)), "success")
        return redirect(_after_save(kind, row) or url_for("plan.section", circle_id=circle_id, kind=kind))
    status = 422 if request.method == "POST" else 200
    return render_template("plan/edit.html", circle=g.circle, spec=spec, form=form, fields=fields, row=row), status


@bp.post("/circles/<int:circle_id>/plan/<list_section:kind>/<int:item_id>/remove")
@guard(Section(EDIT))
def remove_item(circle_id: int, kind: str, item_id: int):
    spec = spec_for(kind, g.membership.role)
    row = queries.item_or_404(circle_id, spec, g.membership, item_id)
    if ConfirmForm().validate_on_submit():
        services.set_removed(row, spec, current_user, removed=True)
        flash(presenters.sentence(
            _("%(item)s was removed. A clinician can restore it.", item=presenters.item_words(spec).the)
        ), "success")
    return redirect(url_for("plan.section", circle_id=circle_id, kind=kind))


@bp.post("/circles/<int:circle_id>/plan/<list_section:kind>/<int:item_id>/restore")
@guard(Section(READ, action="restore_items"))
def restore_item(circle_id: int, kind: str, item_id: int):
    spec = spec_for(kind, g.membership.role)
    row = queries.item_or_404(circle_id, spec, g.membership, item_id)
    if ConfirmForm().validate_on_submit():
        services.set_removed(row, spec, current_user, removed=False)
        flash(presenters.sentence(_("%(item)s was restored.", item=presenters.item_words(spec).the)), "success")
    return redirect(url_for("plan.section", circle_id=circle_id, kind=kind))


@bp.post("/circles/<int:circle_id>/plan/<list_section:kind>/<int:item_id>/move")
@guard(Section(EDIT))
def move_item(circle_id: int, kind: str, item_id: int):
    spec = spec_for(kind, g.membership.role)
    row = queries.item_or_404(circle_id, spec, g.membership, item_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    if spec.order_by == "position" and ConfirmForm().validate_on_submit():
        services.move_item(row, spec, direction, queries.items(circle_id, spec, g.membership))
    return redirect(url_for("plan.section", circle_id=circle_id, kind=kind, _anchor=f"item-{row.id}"))


@bp.get("/circles/<int:circle_id>/plan/<section:kind>/history")
@guard(Section(READ))
def history(circle_id: int, kind: str):
    spec = spec_for(kind, g.membership.role)
    access = section_access(g.membership, spec)
    versions = queries.versions(circle_id, spec, g.membership)
    entries = presenters.history(spec, versions, access.readable)
    record_view("history", g.membership, kind)
    return render_template(
        "plan/history.html", circle=g.circle, spec=spec, entries=entries, action_words=presenters.ACTION_WORDS,
        **hooks.plan_history.merged(circle_id, g.membership, versions),
    )


@bp.get("/circles/<int:circle_id>/plan/<print_section:kind>/print")
@guard(Section(READ))
def print_section(circle_id: int, kind: str):
    spec = spec_for(kind, g.membership.role)
    access = section_access(g.membership, spec)
    row = queries.document(circle_id, spec)
    fields = presenters.shown_fields(spec, row, access.readable, skip_empty=True) if row else []
    record_view("print", g.membership, kind)
    return render_template("plan/print.html", circle=g.circle, spec=spec, row=row, fields=fields)


@bp.app_context_processor
def _words_for_the_reader():
    """The plan's name in the reader's words, for every page about a circle
    (the breadcrumb, headings): "Your plan" to the young person."""
    membership = g.get("membership")
    circle = g.get("circle")
    found = {"plan_words_for": plan_words, "item_words": presenters.item_words}
    if membership is not None and circle is not None:
        found["plan_words"] = plan_words(membership.role, circle.young_person_name)
    return found
