from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal import languages
from portal.auth.forms import NewPasswordMixin
from portal.auth.passwords import MAX_LENGTH
from portal.circles.forms import CHOOSE_ROLE, role_choices
from portal.forms import select_choices


class InviteForm(FlaskForm):
    """Choices are the roles the inviting member may grant; the route sets them."""

    email = EmailField(
        _l("Their email"),
        [
            DataRequired(message=_l("Please enter an email.")),
            Email(message=_l("Please enter a valid email.")),
            Length(max=254),
        ],
        # Pasted addresses often carry spaces.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    role = SelectField(_l("Role in this circle"), [DataRequired(message=CHOOSE_ROLE)], choices=select_choices([]))
    relationship_label = StringField(
        _l("How they relate to the young person"),
        [Optional(), Length(max=120)],
        description=_l("For example: Father, School nurse. Only members of the circle see this; it is not in the email."),
    )
    # The route offers the deployment's languages; left unsent, the inviter's page language.
    language = SelectField(
        _l("Language of the invitation"),
        choices=select_choices([]),
        description=_l("The email and the page its link opens are written in this language."),
    )

    def limit_roles(self, roles) -> None:
        self.role.choices = role_choices(roles)

    def offer_languages(self) -> None:
        self.language.choices = select_choices(languages.offered().items())


class NewAccountForm(NewPasswordMixin, FlaskForm):
    """The email is not a field: the account always takes the invited address,
    whatever a tampered form might send."""

    name = StringField(
        _l("Your name"),
        [DataRequired(message=_l("Please enter your name.")), Length(max=120)],
        description=_l("As the others in the circle will see it."),
    )
    password = PasswordField(
        _l("Choose a password"),
        [DataRequired(message=_l("Please choose a password."))],
        description=_l("At least 12 characters. A few words together make a strong password."),
    )
    password_again = PasswordField(
        _l("Type the password again"),
        [
            DataRequired(message=_l("Please type the password again.")),
            Length(max=MAX_LENGTH),
            EqualTo("password", message=_l("The two passwords are not the same. Please type them again.")),
        ],
    )
