"""The two steps of importing a staff list: the file, then the confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField


class StaffFileForm(FlaskForm):
    staff_file = FileField(
        _l("Staff list (CSV file)"),
        [FileRequired(message=_l("Please choose the CSV file with your staff list."))],
        description=_l("A header row, then one person a row: name, email, title, staff role."),
        render_kw={"accept": ".csv,text/csv"},
    )


class ConfirmImportForm(FlaskForm):
    # The rows the preview showed, signed (import_services.sealed); checked again on confirming.
    rows = HiddenField()
    # A staff role decides what a person sees of the plans they are in: a
    # re-import changes one only when the admin says so, never by default.
    apply_role_changes = BooleanField(
        _l("Apply the staff role changes"),
        default=False,
        description=_l("Each person whose staff role changes gets an email saying that it changed."),
    )
