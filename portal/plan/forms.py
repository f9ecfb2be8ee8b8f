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
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.plan.sections import FieldSpec, SectionSpec


def select_choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def choose_first(label: str, pairs) -> list[SelectChoice]:
    """Choices led by one that chooses nothing. Where a choice gives access
    (a role) or records someone's word (who agreed), a form left as it came
    must state no choice; with DataRequired it asks for one instead."""
    return [SelectChoice("", label), *select_choices(pairs)]


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Versions are stored in 32-bit integer columns; a larger number in a tampered
# form would overflow the column when kept as a conflict copy.
_LARGEST_VERSION = 2**31 - 1


class WithinYears:
    """Times a plan can mean. Far outside them the conversion between the
    local zone and UTC overflows Python's datetime (year 1 or 9999)."""

    def __init__(self, first: int = 1900, last: int = 2200):
        self.first, self.last = first, last

    def __call__(self, form, field):
        if field.data is not None and not self.first <= field.data.year <= self.last:
            raise ValidationError(f"Please give a date between {self.first} and {self.last}.")


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


class ConfirmForm(FlaskForm):
    """An empty form for POST-only buttons, so they carry a CSRF token."""
