from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from portal.access import policy
from portal.auth.models import ORGANISATION_KINDS
from portal.auth.passwords import MAX_LENGTH, password_problem
from portal.forms import choose_first


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), [DataRequired(message=_l("Please enter your email.")), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(message=_l("Please enter your password.")), Length(max=MAX_LENGTH)])
    next = HiddenField()


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class CurrentPasswordMixin:
    current_password = PasswordField(
        _l("Your current password"),
        [DataRequired(message=_l("Please enter your current password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    """A code from the authenticator app or, at sign-in, a recovery code."""

    code = StringField(
        _l("Code"),
        [DataRequired(message=_l("Please enter the code.")), Length(max=40, message=_l("That is longer than any code."))],
        filters=[_stripped],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )


class ResetRequestForm(FlaskForm):
    # Only the shape is checked: whatever address an account was given (by an
    # admin, the command line, an invitation) must be able to ask for a link.
    email = EmailField(
        _l("Email"),
        [
            DataRequired(message=_l("Please enter your email.")),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Please enter a valid email.")),
        ],
        filters=[_stripped],
    )


class NewPasswordTwiceForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        [DataRequired(message=_l("Please choose a new password."))],
        description=_l("At least 12 characters. A few words together make a strong password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Type the new password again"),
        [
            DataRequired(message=_l("Please type the new password again.")),
            Length(max=MAX_LENGTH),
            EqualTo("new_password", message=_l("The two passwords are not the same. Please type them again.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_new_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(CurrentPasswordMixin, NewPasswordTwiceForm):
    pass


class SetUpAppForm(CurrentPasswordMixin, CodeForm):
    """Setting up an app from the account page asks for the password, so a
    browser left signed in cannot be used to move the second factor elsewhere."""


class NewPasswordMixin:
    def validate_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


# (value, label, the kind of organisation that gives it); "none": an account
# that only administers, or has no professional role in circles.
NO_STAFF_ROLE = "none"
STAFF_ROLES = (
    ("clinician", _l("Clinician")),
    ("primary_care", _l("Family doctor (primary care)")),
    ("school_contact", _l("School contact (counselor, pastoral lead)")),
    ("school_staff", _l("Teacher / school staff")),
    (NO_STAFF_ROLE, _l("None (administration only)")),
)
# Which staff roles each kind of organisation gives is the policy's.
ROLES_BY_ORGANISATION = {
    kind: (*sorted(roles), NO_STAFF_ROLE) for kind, roles in policy.STAFF_ROLES_BY_ORGANISATION.items()
}
if set(ROLES_BY_ORGANISATION) != set(ORGANISATION_KINDS):
    raise RuntimeError("every kind of organisation needs the staff roles it may give")
# A staff role the policy gives but the form cannot offer is one no admin can create.
_unoffered = {role for roles in ROLES_BY_ORGANISATION.values() for role in roles} - {value for value, _ in STAFF_ROLES}
if _unoffered:
    raise RuntimeError(f"staff roles the policy gives but the account form does not offer: {sorted(_unoffered)}")


class AccountForm(FlaskForm):
    """An organisation admin creates an account in their organisation. No
    password: the person gets an emailed link to choose their own."""

    name = StringField(_l("Full name"), [DataRequired(message=_l("Please enter a name.")), Length(max=120)])
    title = StringField(_l("Job title"), [Optional(), Length(max=120)], description=_l("For example: School counselor."))
    email = EmailField(
        _l("Email"), [DataRequired(message=_l("Please enter an email.")), Email(message=_l("Please enter a valid email.")), Length(max=254)]
    )
    # No role is chosen for the admin: the first option used to be the most
    # powerful one (school contact), given to anyone whose admin did not look.
    staff_role = SelectField(
        _l("Role in the organisation"),
        [DataRequired(message=_l("Please choose a role."))],
        choices=choose_first(_l("Choose a role"), STAFF_ROLES),
    )
    is_org_admin = BooleanField(_l("Can manage this organisation's accounts"))

    def limit_to(self, organisation_kind: str) -> None:
        """Only the roles an organisation of this kind gives; any other posted value is refused."""
        allowed = ROLES_BY_ORGANISATION[organisation_kind]
        self.staff_role.choices = [c for c in self.staff_role.choices if c.value in ("", *allowed)]

    def chosen_staff_role(self) -> str | None:
        return None if self.staff_role.data == NO_STAFF_ROLE else self.staff_role.data


class LanguageForm(FlaskForm):
    """The language one's own pages, notices and emails are written in: one
    of the languages the deployment offers (languages.offered())."""

    language = SelectField(
        _l("Language"),
        [DataRequired(message=_l("Please choose a language."))],
        validate_choice=False,
    )

    def offer(self, offered: dict[str, str]) -> None:
        # Each language by its own name, as a reader of it looks for it.
        self.language.choices = list(offered.items())

    def validate_language(self, field):
        if field.data not in dict(field.choices or []):
            raise ValidationError(_l("Please choose one of the languages in the list."))
