"""The two steps of importing a staff list: the file, then the confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField


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
