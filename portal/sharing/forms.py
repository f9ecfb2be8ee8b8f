from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import clock
from portal.forms import WithinYears, choose_first

AGREED_BY_LABELS = {
    "young_person": _l("The young person"),
    "guardian": _l("A parent or guardian"),
    "both": _l("The young person and a parent or guardian"),
}
# The same, to the young person themselves.
# "You" here is the young person's own (their pages speak to them in their
# own words): %(to_them)s, empty, keeps it a message apart from an adult's "You".
AGREED_BY_LABELS_TO_THEM = {
    "young_person": _l("You%(to_them)s", to_them=""),
    "guardian": _l("A parent or guardian"),
    "both": _l("You and a parent or guardian"),
}


SHARE_PLACEHOLDER = _l("Choose what to share")
AGREED_BY_PLACEHOLDER = _l("Choose who agreed")


class AgreementForm(FlaskForm):
    """Choices are set by the route from the policy: what may be shared, by whom.

    Neither is chosen for the person: an untouched form shares nothing and
    records nobody's agreement (DESIGN.md, principle 4)."""

    share = SelectField(_l("What to share, and with whom"), [DataRequired(message=_l("Please choose what to share."))],
                        choices=choose_first(SHARE_PLACEHOLDER, []))
    agreed_by = SelectField(_l("Who agreed"), [DataRequired(message=_l("Please choose who agreed."))],
                            choices=choose_first(AGREED_BY_PLACEHOLDER, []))
    ends_on = DateField(
        _l("Until (optional)"),
        [Optional()],
        description=_l("Sharing ends by itself at the start of this day. Leave empty to share until someone withdraws it."),
    )

    def offers_sharing(self) -> bool:
        return any(choice.value for choice in self.share.choices)

    def validate_ends_on(self, field):
        if field.data is not None and field.data <= clock.today():
            raise ValidationError(_l("Please choose a date after today."))


class DecidingForm(FlaskForm):
    """A clinician's judgement; nothing is chosen for them."""

    decides = SelectField(
        _l("Does the young person decide about sharing for themselves?"),
        [DataRequired(message=_l("Please choose one."))],
        choices=choose_first(_l("Choose one"), [
            ("yes", _l("Yes: they are mature enough to decide, in my judgement")),
            ("no", _l("No: a parent or guardian may agree for them for now")),
        ]),
    )


DISAGREE_PLACEHOLDER = _l("Choose what you disagree with")


class DisagreementForm(FlaskForm):
    """Choices are set by the route: the sharing choices someone else made."""

    about = SelectField(_l("What you disagree with"), [DataRequired(message=_l("Please choose what you disagree with."))],
                        choices=choose_first(DISAGREE_PLACEHOLDER, []))
    words = TextAreaField(
        _l("In your own words (optional)"),
        [Optional(), Length(max=2000, message=_l("Please keep this under 2000 characters."))],
        description=_l("Only you and your clinicians read this. Nobody else is told what you wrote."),
    )


class DisclosureForm(FlaskForm):
    shared_what = TextAreaField(
        _l("What was shared"),
        [DataRequired(message=_l("Please say what was shared.")), Length(max=2000, message=_l("Please keep this under 2000 characters."))],
        description=_l("Say it so the young person can understand it, for example \"that you told me you had a plan to hurt yourself\"."),
    )
    shared_with = StringField(
        _l("With whom"),
        [DataRequired(message=_l("Please say with whom.")), Length(max=200, message=_l("Please keep this under 200 characters."))],
        description=_l("A person or a service, for example \"your mother\" or \"the crisis team\"."),
    )
    why = TextAreaField(
        _l("Why it could not wait for agreement"),
        [DataRequired(message=_l("Please say why.")), Length(max=2000, message=_l("Please keep this under 2000 characters."))],
    )
    shared_on = DateField(_l("When it was shared"), [DataRequired(message=_l("Please give the date it was shared.")), WithinYears()])

    def validate_shared_on(self, field):
        if field.data is not None and field.data > clock.today():
            raise ValidationError(_l("Please give a date that is not in the future."))
