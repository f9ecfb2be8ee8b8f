from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from portal.access.policy import ROLE_LABELS
from portal.forms import select_choices


class NewCircleForm(FlaskForm):
    young_person_name = StringField(
        _l("The young person's name"),
        [DataRequired(message=_l("Please enter the name the young person uses.")), Length(max=120)],
        description=_l("The name they like to be called. No date of birth or record numbers are needed."),
    )
    relationship_label = StringField(
        _l("Your part in their care"), [Optional(), Length(max=120)], description=_l("For example: Therapist, School counselor.")
    )


def role_choices(roles):
    """No role is chosen for the person: the first choice asks, so nobody is
    given the most powerful role by leaving a default in place."""
    return select_choices([("", _l("Choose a role")), *((role, ROLE_LABELS[role]) for role in roles)])


CHOOSE_ROLE = _l("Please choose the role they have in this circle.")


class AddMemberForm(FlaskForm):
    """Choices are the roles the policy lets the acting member add; the route sets them."""

    email = EmailField(
        _l("Their email"), [DataRequired(message=_l("Please enter an email.")), Email(message=_l("Please enter a valid email.")), Length(max=254)]
    )
    role = SelectField(_l("Role in this circle"), [DataRequired(message=CHOOSE_ROLE)], choices=select_choices([]))
    relationship_label = StringField(
        _l("How they relate to the young person"), [Optional(), Length(max=120)], description=_l("For example: Mother, Maths teacher.")
    )

    def limit_roles(self, roles) -> None:
        self.role.choices = role_choices(roles)


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Their new role"), [DataRequired(message=CHOOSE_ROLE)], choices=select_choices([]))
    # Set on the second step, once the person has seen what the change means.
    confirmed = HiddenField(validators=[Optional(), AnyOf(["yes"])])

    def limit_roles(self, roles) -> None:
        self.role.choices = role_choices(roles)
