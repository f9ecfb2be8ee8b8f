"""The kinds of field a plan section holds, one class a kind.

Each kind knows the whole life of a value: the form field that asks for it,
how a posted value becomes what the model stores, how a stored value fills the
form again, how a person reads it, and how a version keeps it as JSON. A field
is declared in portal/plan/sections.py with one of the instances at the end of
this module; a new kind of field is one class here and its use there (and,
for the tests, a row of samples in tests/fieldsamples.py).

The methods take the field's declaration (``spec``), which carries what
differs from one field to the next of a kind: label, choices, length, bounds.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import CheckboxListField, WithinYears, select_choices
from portal.languages import moment
from portal.timezone import local_naive, to_utc

# Form classes are built once and kept (portal/plan/forms.py), so what a
# validator says is read lazily, in the language of the page that shows it.
NEEDED = _l("This is needed.")


def _presence(spec) -> list:
    return [InputRequired(message=NEEDED)] if spec.required else [Optional()]


def _text_presence(spec) -> list:
    # Blank text is no answer, so a required text field wants some.
    return [DataRequired(message=NEEDED)] if spec.required else [Optional()]


def _too_long(most: int) -> str:
    return _("Please keep this under %(count)s characters.", count=format_number(most))


def _out_of_range(low: float, high: float) -> str:
    return _("Please give a number from %(low)s to %(high)s.", low=f"{low:g}", high=f"{high:g}")


class FieldType:
    """What every kind does unless it says otherwise: the value passes through
    unchanged, and reads as itself."""

    name: str  # as templates and tests name the kind

    def form_field(self, spec, choices: tuple[tuple[str, str], ...], description: str):
        """The WTForms field; ``choices`` are those the member may pick."""
        raise NotImplementedError

    def from_form(self, spec, data):
        """The posted (validated) value as the model stores it."""
        return data

    def to_form(self, spec, value):
        """A stored value as the form field takes it back."""
        return value

    def display(self, spec, value) -> str:
        """The value as a person reads it."""
        if value is None or value == "":
            return ""
        return self.words(spec, value)

    def words(self, spec, value) -> str:
        """How a value that is there reads; display has already answered for none."""
        return str(value)

    def to_snapshot(self, value):
        """The value as a version or a conflict copy keeps it, in JSON."""
        if isinstance(value, date):  # a datetime is a date too
            return value.isoformat()
        return value

    def from_snapshot(self, raw):
        return raw

    def __repr__(self) -> str:
        return f"<field type {self.name}>"


class Line(FieldType):
    name = "line"

    def form_field(self, spec, choices, description):
        return StringField(spec.label, [*_text_presence(spec), self._length(spec)], description=description)

    def _length(self, spec) -> Length:
        return Length(max=spec.max_length, message=LazyString(_too_long, spec.max_length))

    def from_form(self, spec, data):
        return (data or "").strip()


class Text(Line):
    name = "text"

    def form_field(self, spec, choices, description):
        return TextAreaField(spec.label, [*_text_presence(spec), self._length(spec)], description=description)


class Date(FieldType):
    name = "date"

    def form_field(self, spec, choices, description):
        return DateField(spec.label, _presence(spec), format="%Y-%m-%d", description=description)

    def words(self, spec, value) -> str:
        if isinstance(value, date):
            return moment(value, "day_padded")
        return str(value)

    def from_snapshot(self, raw):
        if raw in (None, ""):
            return raw
        return date.fromisoformat(raw)


class DateTime(FieldType):
    """Stored in UTC; typed and read in the deployment's zone."""

    name = "datetime"

    def form_field(self, spec, choices, description):
        return DateTimeLocalField(
            spec.label,
            [*_presence(spec), WithinYears()],
            format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
            description=description,
        )

    def from_form(self, spec, data):
        return to_utc(data) if data is not None else None

    def to_form(self, spec, value):
        return local_naive(value) if value is not None else None

    def words(self, spec, value) -> str:
        if isinstance(value, datetime):
            return moment(value, "day_time_zone")
        return str(value)

    def from_snapshot(self, raw):
        if raw in (None, ""):
            return raw
        return datetime.fromisoformat(raw)


class Bool(FieldType):
    name = "bool"

    def form_field(self, spec, choices, description):
        return BooleanField(spec.label, description=description)

    def words(self, spec, value) -> str:
        return _("Yes") if value else _("No")


class Choice(FieldType):
    name = "choice"

    def form_field(self, spec, choices, description):
        return SelectField(spec.label, _presence(spec), choices=select_choices(choices), description=description)

    def from_form(self, spec, data):
        return data or ""

    def words(self, spec, value) -> str:
        return str(dict(spec.choices).get(value, value))


class Multi(FieldType):
    """Several choices, stored as their codes joined by commas, in the order declared."""

    name = "multi"

    def form_field(self, spec, choices, description):
        return CheckboxListField(spec.label, [Optional()], choices=select_choices(choices), description=description)

    def from_form(self, spec, data):
        return ",".join(code for code, _ in spec.choices if code in (data or []))

    def to_form(self, spec, value):
        return [code for code in (value or "").split(",") if code]

    def words(self, spec, value) -> str:
        labels = dict(spec.choices)
        return ", ".join(str(labels.get(code, code)) for code in str(value).split(",") if code)


class Int(FieldType):
    name = "int"
    form_class = IntegerField

    def form_field(self, spec, choices, description):
        bounds = NumberRange(
            min=spec.minimum,
            max=spec.maximum,
            message=LazyString(_out_of_range, spec.minimum, spec.maximum),
        )
        return self.form_class(spec.label, [*_presence(spec), bounds], description=description)


class Number(Int):
    name = "number"
    form_class = FloatField

    def words(self, spec, value) -> str:
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


LINE = Line()
TEXT = Text()
DATE = Date()
DATETIME = DateTime()
BOOL = Bool()
CHOICE = Choice()
MULTI = Multi()
INT = Int()
NUMBER = Number()
