"""Section forms, built from the section specs: validation only.

A form holds only the fields the acting member may edit, so a posted value
for any other field is ignored (ASVS 15.3.3).
"""

from __future__ import annotations

from functools import lru_cache

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import CheckboxListField, WithinYears, select_choices
from portal.plan.sections import FieldSpec, SectionSpec


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Versions are stored in 32-bit integer columns; a larger number in a tampered
# form would overflow the column when kept as a conflict copy.
_LARGEST_VERSION = 2**31 - 1


def _wtforms_field(spec: FieldSpec, choices: tuple[tuple[str, str], ...], description: str):
    presence = [InputRequired(message="This is needed.")] if spec.required else [Optional()]
    text_presence = [DataRequired(message="This is needed.")] if spec.required else [Optional()]
    length = Length(max=spec.max_length, message=f"Please keep this under {spec.max_length:,} characters.")
    kwargs = {"description": description}
    if spec.type == "line":
        return StringField(spec.label, [*text_presence, length], **kwargs)
    if spec.type == "text":
        return TextAreaField(spec.label, [*text_presence, length], **kwargs)
    if spec.type == "date":
        return DateField(spec.label, presence, format="%Y-%m-%d", **kwargs)
    if spec.type == "datetime":
        return DateTimeLocalField(
            spec.label, [*presence, WithinYears()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], **kwargs
        )
    if spec.type == "bool":
        return BooleanField(spec.label, **kwargs)
    if spec.type == "choice":
        return SelectField(spec.label, presence, choices=select_choices(choices), **kwargs)
    if spec.type == "multi":
        return CheckboxListField(spec.label, [Optional()], choices=select_choices(choices), **kwargs)
    if spec.type in ("int", "number"):
        field_class = IntegerField if spec.type == "int" else FloatField
        bounds = NumberRange(
            min=spec.minimum,
            max=spec.maximum,
            message=f"Please give a number from {spec.minimum:g} to {spec.maximum:g}.",
        )
        return field_class(spec.label, [*presence, bounds], **kwargs)
    raise ValueError(f"unknown field type {spec.type!r}")


class SectionForm(FlaskForm):
    # The version the person started editing from; a different current
    # version means someone else saved in between.
    base_version = HiddenField()

    def validate_base_version(self, field):
        if field.data in (None, ""):
            return
        number = _int_or_none(field.data)
        if number is None or not 0 <= number <= _LARGEST_VERSION:
            raise ValidationError("The form was damaged; please reload the page.")

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
            attrs[field_spec.name] = _wtforms_field(
                field_spec, limited.get(field_spec.name, field_spec.choices), described[field_spec.name]
            )
    return type(f"{spec.model.__name__}Form", (SectionForm,), attrs)
