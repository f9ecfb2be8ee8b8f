from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import clock
from portal.forms import WithinYears, choose_first

AGREED_BY_LABELS = {
    "young_person": "The young person",
    "guardian": "A parent or guardian",
    "both": "The young person and a parent or guardian",
}
# The same, to the young person themselves.
AGREED_BY_LABELS_TO_THEM = {
    "young_person": "You",
    "guardian": "A parent or guardian",
    "both": "You and a parent or guardian",
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


class DecidingForm(FlaskForm):
    """A clinician's judgement; nothing is chosen for them."""

    decides = SelectField(
        "Does the young person decide about sharing for themselves?",
        [DataRequired(message="Please choose one.")],
        choices=choose_first("Choose one", [
            ("yes", "Yes: they are mature enough to decide, in my judgement"),
            ("no", "No: a parent or guardian may agree for them for now"),
        ]),
    )


DISAGREE_PLACEHOLDER = "Choose what you disagree with"


class DisagreementForm(FlaskForm):
    """Choices are set by the route: the sharing choices someone else made."""

    about = SelectField("What you disagree with", [DataRequired(message="Please choose what you disagree with.")],
                        choices=choose_first(DISAGREE_PLACEHOLDER, []))
    words = TextAreaField(
        "In your own words (optional)",
        [Optional(), Length(max=2000, message="Please keep this under 2000 characters.")],
        description="Only you and your clinicians read this. Nobody else is told what you wrote.",
    )


class DisclosureForm(FlaskForm):
    shared_what = TextAreaField(
        "What was shared",
        [DataRequired(message="Please say what was shared."), Length(max=2000, message="Please keep this under 2000 characters.")],
        description="Say it so the young person can understand it, for example \"that you told me you had a plan to hurt yourself\".",
    )
    shared_with = StringField(
        "With whom",
        [DataRequired(message="Please say with whom."), Length(max=200, message="Please keep this under 200 characters.")],
        description="A person or a service, for example \"your mother\" or \"the crisis team\".",
    )
    why = TextAreaField(
        "Why it could not wait for agreement",
        [DataRequired(message="Please say why."), Length(max=2000, message="Please keep this under 2000 characters.")],
    )
    shared_on = DateField("When it was shared", [DataRequired(message="Please give the date it was shared."), WithinYears()])

    def validate_shared_on(self, field):
        if field.data is not None and field.data > clock.today():
            raise ValidationError("Please give a date that is not in the future.")
