"""Forms and form parts that every feature uses: choices, a list of
checkboxes, a date within years a plan can mean, and the empty form that
carries a CSRF token for a button. Validation only; nothing here queries."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


def select_choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def choose_first(label: str, pairs) -> list[SelectChoice]:
    """Choices led by one that chooses nothing. Where a choice gives access
    (a role) or records someone's word (who agreed), a form left as it came
    must state no choice; with DataRequired it asks for one instead."""
    return [SelectChoice("", label), *select_choices(pairs)]


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WithinYears:
    """Times a plan can mean. Far outside them the conversion between the
    local zone and UTC overflows Python's datetime (year 1 or 9999)."""

    def __init__(self, first: int = 1900, last: int = 2200):
        self.first, self.last = first, last

    def __call__(self, form, field):
        if field.data is not None and not self.first <= field.data.year <= self.last:
            raise ValidationError(_("Please give a date between %(first)s and %(last)s.", first=self.first, last=self.last))


class ConfirmForm(FlaskForm):
    """An empty form for POST-only buttons, so they carry a CSRF token."""
