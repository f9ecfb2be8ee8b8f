"""Section forms, built from the section specs: validation only.

A form holds only the fields the acting member may edit, so a posted value
for any other field is ignored (ASVS 15.3.3).
"""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import ValidationError

from portal.plan.sections import SectionSpec


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Versions are stored in 32-bit integer columns; a larger number in a tampered
# form would overflow the column when kept as a conflict copy.
_LARGEST_VERSION = 2**31 - 1


class SectionForm(FlaskForm):
    # The version the person started editing from; a different current
    # version means someone else saved in between.
    base_version = HiddenField()

    def validate_base_version(self, field):
        if field.data in (None, ""):
            return
        number = _int_or_none(field.data)
        if number is None or not 0 <= number <= _LARGEST_VERSION:
            raise ValidationError(_("The form was damaged; please reload the page."))

    def base_version_number(self) -> int | None:
        return _int_or_none(self.base_version.data)


def form_class(spec: SectionSpec, editable: tuple[str, ...], limits: tuple[tuple[str, tuple], ...]) -> type:
    # The help texts are part of the key: they say who sees each field, from
    # the policy, and a form must never keep an older policy's words.
    helps = tuple(spec.field_help(name) for name in editable)
    return _form_class(spec, editable, limits, helps)


@lru_cache(maxsize=256)
def _form_class(spec: SectionSpec, editable: tuple[str, ...], limits: tuple[tuple[str, tuple], ...],
                helps: tuple[str, ...]) -> type:
    limited = dict(limits)
    described = dict(zip(editable, helps, strict=True))
    attrs = {}
    for field_spec in spec.fields:
        if field_spec.name in editable:
            attrs[field_spec.name] = field_spec.field_type.form_field(
                field_spec, limited.get(field_spec.name, field_spec.choices), described[field_spec.name]
            )
    return type(f"{spec.model.__name__}Form", (SectionForm,), attrs)
