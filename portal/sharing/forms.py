from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from portal import clock
from portal.plan.forms import select_choices

AGREED_BY_LABELS = {
    "young_person": "The young person",
    "guardian": "A parent or guardian",
    "both": "The young person and a parent or guardian",
}


class AgreementForm(FlaskForm):
    """Choices are set by the route from the policy: what may be shared, by whom."""

    share = SelectField("What to share, and with whom", [InputRequired()], choices=select_choices([]))
    agreed_by = SelectField("Who agreed", [InputRequired()], choices=select_choices([]))
    ends_on = DateField(
        "Until (optional)",
        [Optional()],
        description="Sharing ends by itself at the start of this day. Leave empty to share until someone withdraws it.",
    )

    def validate_ends_on(self, field):
        if field.data is not None and field.data <= clock.today():
            raise ValidationError("Please choose a date after today.")
