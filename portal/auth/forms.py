from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.auth.passwords import MAX_LENGTH, password_problem
from portal.plan.forms import select_choices


class SignInForm(FlaskForm):
    email = EmailField("Email", [DataRequired(message="Please enter your email."), Length(max=254)])
    password = PasswordField("Password", [DataRequired(message="Please enter your password."), Length(max=MAX_LENGTH)])
    next = HiddenField()


class NewPasswordMixin:
    def validate_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class AccountForm(NewPasswordMixin, FlaskForm):
    """An organisation admin creates an account in their organisation."""

    name = StringField("Full name", [DataRequired(message="Please enter a name."), Length(max=120)])
    title = StringField("Job title", [Optional(), Length(max=120)], description="For example: School counselor.")
    email = EmailField(
        "Email", [DataRequired(message="Please enter an email."), Email(message="Please enter a valid email."), Length(max=254)]
    )
    staff_role = SelectField(
        "Role in the organisation",
        choices=select_choices(
            [
                ("clinician", "Clinician"),
                ("school_contact", "School contact (counselor, pastoral lead)"),
                ("school_staff", "Teacher / school staff"),
                ("", "None (administration only)"),
            ]
        ),
    )
    is_org_admin = BooleanField("Can manage this organisation's accounts")
    password = PasswordField(
        "First password",
        [DataRequired(message="Please choose a first password.")],
        description="At least 12 characters. Share it with the person privately.",
    )
