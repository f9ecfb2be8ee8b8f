from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional, ValidationError

from portal import clock
from portal.forms import choose_first

AGREED_BY_LABELS = {
    "young_person": "The young person",
    "guardian": "A parent or guardian",
    "both": "The young person and a parent or guardian",
}


SHARE_PLACEHOLDER = "Choose what to share"
AGREED_BY_PLACEHOLDER = "Choose who agreed"


class AgreementForm(FlaskForm):
    """Choices are set by the route from the policy: what may be shared, by whom.

    Neither is chosen for the person: an untouched form shares nothing and
    records nobody's agreement (DESIGN.md, principle 4)."""

    share = SelectField("What to share, and with whom", [DataRequired(message="Please choose what to share.")],
                        choices=choose_first(SHARE_PLACEHOLDER, []))
    agreed_by = SelectField("Who agreed", [DataRequired(message="Please choose who agreed.")],
                            choices=choose_first(AGREED_BY_PLACEHOLDER, []))
    ends_on = DateField(
        "Until (optional)",
        [Optional()],
        description="Sharing ends by itself at the start of this day. Leave empty to share until someone withdraws it.",
    )

    def offers_sharing(self) -> bool:
        return any(choice.value for choice in self.share.choices)

    def validate_ends_on(self, field):
        if field.data is not None and field.data <= clock.today():
            raise ValidationError("Please choose a date after today.")
