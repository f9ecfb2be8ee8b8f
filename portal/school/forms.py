from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

# Field names are unique across the school page's forms, so that ids, labels
# and the error summary's links never point at the wrong form.


class AddTeacherForm(FlaskForm):
    teacher_email = EmailField(
        _l("The teacher's email"),
        [DataRequired(message=_l("Please enter an email.")), Email(message=_l("Please enter a valid email.")), Length(max=254)],
        description=_l("They need a Support Circle account already; otherwise, invite them by email."),
    )
    relationship_label = StringField(
        _l("What they teach"),
        [Optional(), Length(max=120, message=_l("Please keep this under 120 characters."))],
        description=_l("For example: Maths teacher, Form tutor. Other members see this next to their name."),
    )


class MoveAgreementForm(FlaskForm):
    to_school_name = StringField(
        _l("The new school"),
        [DataRequired(message=_l("Please name the new school.")), Length(max=200, message=_l("Please keep this under 200 characters."))],
        description=_l("The school the young person is moving to, as you know it."),
    )
    agreed = BooleanField(
        _l("I agree that the school contact hands the in-school plan and the adjustments over to the new school's contact"),
        [DataRequired(message=_l("Please tick this to record your agreement."))],
    )


class HandoverForm(FlaskForm):
    new_contact_email = EmailField(
        _l("The new school's contact: their email"),
        [DataRequired(message=_l("Please enter an email.")), Email(message=_l("Please enter a valid email.")), Length(max=254)],
        description=_l("An existing Support Circle account at the new school, usually their counselor or pastoral lead."),
    )
    understood = BooleanField(
        _l("I understand that I, and the teachers here, will no longer see this plan"),
        [DataRequired(message=_l("Please tick this to hand over."))],
    )
