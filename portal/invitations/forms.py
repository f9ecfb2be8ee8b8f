from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.auth.forms import NewPasswordMixin
from portal.auth.passwords import MAX_LENGTH
from portal.circles.forms import CHOOSE_ROLE, role_choices
from portal.forms import select_choices


class InviteForm(FlaskForm):
    """Choices are the roles the inviting member may grant; the route sets them."""

    email = EmailField(
        "Their email",
        [DataRequired(message="Please enter an email."), Email(message="Please enter a valid email."), Length(max=254)],
        # Pasted addresses often carry spaces.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    role = SelectField("Role in this circle", [DataRequired(message=CHOOSE_ROLE)], choices=select_choices([]))
    relationship_label = StringField(
        "How they relate to the young person",
        [Optional(), Length(max=120)],
        description="For example: Father, School nurse. Only members of the circle see this; it is not in the email.",
    )

    def limit_roles(self, roles) -> None:
        self.role.choices = role_choices(roles)


class NewAccountForm(NewPasswordMixin, FlaskForm):
    """The email is not a field: the account always takes the invited address,
    whatever a tampered form might send."""

    name = StringField(
        "Your name",
        [DataRequired(message="Please enter your name."), Length(max=120)],
        description="As the others in the circle will see it.",
    )
    password = PasswordField(
        "Choose a password",
        [DataRequired(message="Please choose a password.")],
        description="At least 12 characters. A few words together make a strong password.",
    )
    password_again = PasswordField(
        "Type the password again",
        [
            DataRequired(message="Please type the password again."),
            Length(max=MAX_LENGTH),
            EqualTo("password", message="The two passwords are not the same. Please type them again."),
        ],
    )
