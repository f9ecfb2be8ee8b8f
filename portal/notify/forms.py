from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, Optional, Regexp

from portal.access import policy
from portal.forms import select_choices
from portal.notify.models import DELIVERY_MODES, EVENT_KINDS
from portal.notify.services import EVENT_LABELS, MODE_LABELS


def preferences_form_class():
    attrs = {
        kind: SelectField(EVENT_LABELS[kind], choices=select_choices((m, MODE_LABELS[m]) for m in DELIVERY_MODES))
        for kind in EVENT_KINDS
    }
    return type("PreferencesForm", (FlaskForm,), attrs)


PreferencesForm = preferences_form_class()


class GroupReadForm(FlaskForm):
    """Which group of the notices page to mark read: a circle (none for the
    notices about one's account), a kind and, for changes, the section.
    Written into the page, never typed; anything else is refused."""

    circle = HiddenField(validators=[Optional(), Regexp(r"^[1-9][0-9]{0,17}$")])
    kind = HiddenField(validators=[AnyOf(EVENT_KINDS)])
    section = HiddenField(validators=[Optional(), AnyOf(policy.SECTIONS)])

    @property
    def circle_id(self) -> int | None:
        return int(self.circle.data) if self.circle.data else None

    @property
    def section_kind(self) -> str | None:
        return self.section.data or None
