"""Forms of follow-through: validation only."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal import clock
from portal.forms import CheckboxListField, WithinYears
from portal.timezone import to_utc


class RecordReviewForm(FlaskForm):
    """Choices are filled per request from the member's sections and the
    circle's booked reviews, so a posted value outside them is refused."""

    sections = CheckboxListField(
        _l("Parts of the plan reviewed and still fitting as they are"),
        choices=[],
        description=_l("Tick each part you went through. Parts you changed during the review count too: "
                       "the review then points at the changed text."),
    )
    held_at = SelectField(_l("This review took place at"), [Optional()], choices=[])
    next_review_at = DateTimeLocalField(
        _l("Next plan review"),
        [Optional(), WithinYears()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        description=_l("Optional. Booked as a plan review in the follow-ups, where it can be changed later."),
    )
    next_review_with = StringField(
        _l("With whom"), [Optional(), Length(max=200, message=_l("Please keep this under 200 characters."))]
    )

    def validate_sections(self, field):
        if not field.data:
            raise ValidationError(_("Please tick at least one part of the plan."))

    def validate_next_review_at(self, field):
        if field.data is not None and not field.errors and to_utc(field.data) <= clock.now():
            raise ValidationError(_("Please choose a time that has not passed yet."))
