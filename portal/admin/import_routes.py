"""Importing a staff list: upload, preview (nothing saved), confirm."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.access.guard import OrgAdmin, guard
from portal.admin import bp, import_services, staff_import
from portal.admin.import_forms import ConfirmImportForm, StaffFileForm
from portal.auth.forms import STAFF_ROLES


def _upload_page(form: StaffFileForm, status: int = 200, problem: str | None = None):
    kind = current_user.organisation.kind
    return render_template(
        "admin/import.html",
        form=form,
        problem=problem,
        roles=staff_import.role_choices_text(kind),
        max_rows=staff_import.MAX_ROWS,
        max_kb=staff_import.MAX_BYTES // 1024,
    ), status


def _preview_page(rows, planned, notice: str | None = None, status: int = 200, staff_roles: bool = False):
    admin = current_user._get_current_object()
    confirm = ConfirmImportForm(formdata=None)
    confirm.rows.data = import_services.sealed(admin, rows, planned)
    # Shown again (something changed meanwhile): the admin's choice as they made it.
    confirm.apply_role_changes.data = staff_roles
    return render_template(
        "admin/import_preview.html",
        plan=planned,
        confirm=confirm,
        upload=StaffFileForm(formdata=None),
        staff_role_labels=dict(STAFF_ROLES),
        notice=notice,
    ), status


@bp.route("/accounts/import", methods=["GET", "POST"])
@guard(OrgAdmin())
def import_staff():
    """The file, then the preview; nothing is saved on this page."""
    form = StaffFileForm()
    if request.method == "GET":
        return _upload_page(form)
    if not form.validate_on_submit():
        return _upload_page(form, 422)
    # One byte past the limit is enough to know the file is too large.
    data = form.staff_file.data.stream.read(staff_import.MAX_BYTES + 1)
    try:
        rows = staff_import.read_rows(data)
    except staff_import.FileProblem as problem:
        return _upload_page(form, 422, problem.message)
    admin = current_user._get_current_object()
    return _preview_page(rows, staff_import.plan(admin, rows))


@bp.post("/accounts/import/confirm")
@guard(OrgAdmin())
def import_staff_confirm():
    form = ConfirmImportForm()
    admin = current_user._get_current_object()
    unsealed = import_services.unsealed(admin, form.rows.data) if form.validate_on_submit() else None
    if unsealed is None:
        return _upload_page(
            StaffFileForm(formdata=None),
            422,
            _(
                "That preview can no longer be used (it is more than an hour old, or it was changed). "
                "Please choose the file again."
            ),
        )
    rows, previewed = unsealed
    staff_roles = bool(form.apply_role_changes.data)
    # Checked again: the accounts may have changed since the preview.
    planned = staff_import.plan(admin, rows)
    if planned.fingerprint() != previewed:
        return _preview_page(
            rows,
            planned,
            _("Something changed since the preview. Please check the list again before you confirm."),
            409,
            staff_roles,
        )
    imported = import_services.apply(admin, planned, staff_roles=staff_roles)
    if imported is None:
        planned = staff_import.plan(admin, rows)
        return _preview_page(
            rows,
            planned,
            _("Something changed since the preview. Please check the list again before you confirm."),
            409,
            staff_roles,
        )
    flash(_summary(imported), "success")
    return redirect(url_for("admin.accounts_list"))


def _summary(imported: import_services.Imported) -> str:
    parts = [
        ngettext("%(num)d account created.", "%(num)d accounts created.", imported.created),
        ngettext("%(num)d account updated.", "%(num)d accounts updated.", imported.updated),
        ngettext(
            "%(num)d invitation email is on its way.", "%(num)d invitation emails are on their way.", imported.invited
        ),
    ]
    if imported.roles_kept:
        parts.append(
            ngettext(
                "%(num)d staff role was not changed, as you chose.",
                "%(num)d staff roles were not changed, as you chose.",
                imported.roles_kept,
            )
        )
    if imported.left_out:
        parts.append(
            ngettext(
                "%(num)d row with a problem was left out.",
                "%(num)d rows with problems were left out.",
                imported.left_out,
            )
        )
    return " ".join(parts)
