from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal import clock
from portal.forms import CheckboxListField, WithinYears, select_choices


class LimitForm(FlaskForm):
    """Which sections are hidden from one caregiver, why, and when to look again.

    The section choices are the route's: the sections this caregiver reads."""

    hidden = CheckboxListField(
        _l("Keep these parts of the plan from them"),
        [Optional()],
        choices=select_choices([]),
        description=_l(
            "Whatever you choose, they will no longer be emailed at once about events or uses of the "
            "in-school plan, and will not see who has opened the plan."
        ),
    )
    reason = TextAreaField(
        _l("Why this limit is needed"),
        [DataRequired(message=_l("Please say why the limit is needed.")), Length(max=4000)],
        description=_l("Only the circle's clinicians can read this. It is not shown to the caregiver or the family."),
    )
    review_on = DateField(
        _l("Look at it again by"),
        [InputRequired(message=_l("Please choose a date to look at the limit again.")), WithinYears()],
        description=_l("You will be reminded on this day."),
    )
    # The limit in force the form was drawn from ("" for a new one): a change
    # made meanwhile by someone else is not overwritten.
    current = HiddenField(validators=[Optional()])

    def limit_sections(self, pairs) -> None:
        self.hidden.choices = select_choices(pairs)

    def validate_review_on(self, field):
        if field.data is not None and field.data <= clock.today():
            raise ValidationError(_l("Please choose a date after today."))
