from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.access.policy import ROLE_LABELS
from portal.plan.forms import select_choices


class NewCircleForm(FlaskForm):
    young_person_name = StringField(
        "The young person's name",
        [DataRequired(message="Please enter the name the young person uses."), Length(max=120)],
        description="The name they like to be called. No date of birth or record numbers are needed.",
    )
    relationship_label = StringField(
        "Your part in their care", [Optional(), Length(max=120)], description="For example: Therapist, School counselor."
    )


class AddMemberForm(FlaskForm):
    """Choices are the roles the acting member may grant; the route sets them."""

    email = EmailField(
        "Their email", [DataRequired(message="Please enter an email."), Email(message="Please enter a valid email."), Length(max=254)]
    )
    role = SelectField("Role in this circle", choices=select_choices([]))
    relationship_label = StringField(
        "How they relate to the young person", [Optional(), Length(max=120)], description="For example: Mother, Maths teacher."
    )

    def limit_roles(self, roles) -> None:
        self.role.choices = select_choices((role, ROLE_LABELS[role]) for role in roles)
