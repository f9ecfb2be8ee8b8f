"""What the tests write into each kind of plan field, one row a kind.

The kinds are the classes of portal/plan/fields.py; the table is keyed by
them, so a new kind without its row here fails the tests loudly rather than
getting a value meant for another kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal.plan import fields
from portal.timezone import local_naive


@dataclass(frozen=True)
class Samples:
    # A valid value as the model stores it: (field spec, marker) -> value; text carries the marker.
    stored: Callable
    # A valid value as a browser posts it: (field spec, marker, choices the poster may pick) -> value.
    posted: Callable
    # A stored value as a browser posts it back, or None where the browser posts nothing.
    posted_back: Callable


def _marked(field_spec, marker: str, choices=None) -> str:
    return f"{marker} {field_spec.name}"[: field_spec.max_length]


def _first_choice(choices) -> str:
    return next(code for code, _ in choices if code)


def _as_text(value) -> str | None:
    return str(value) if value is not None else None


_TEXT = Samples(stored=_marked, posted=_marked, posted_back=_as_text)

SAMPLES: dict[type[fields.FieldType], Samples] = {
    fields.Line: _TEXT,
    fields.Text: _TEXT,
    fields.Date: Samples(
        stored=lambda field_spec, marker: date.today(),
        posted=lambda field_spec, marker, choices=None: "2025-03-14",
        posted_back=lambda value: (value or date.today()).isoformat(),
    ),
    fields.DateTime: Samples(
        stored=lambda field_spec, marker: datetime.now(UTC) - timedelta(days=1),
        posted=lambda field_spec, marker, choices=None: "2025-03-14T09:30",
        posted_back=lambda value: local_naive(value).strftime("%Y-%m-%dT%H:%M"),
    ),
    fields.Bool: Samples(
        stored=lambda field_spec, marker: True,
        posted=lambda field_spec, marker, choices=None: "y",
        posted_back=lambda value: "y" if value else None,
    ),
    fields.Choice: Samples(
        stored=lambda field_spec, marker: _first_choice(field_spec.choices),
        posted=lambda field_spec, marker, choices=None: _first_choice(choices or field_spec.choices),
        posted_back=_as_text,
    ),
    fields.Multi: Samples(
        stored=lambda field_spec, marker: ",".join(code for code, _ in field_spec.choices),
        posted=lambda field_spec, marker, choices=None: [code for code, _ in field_spec.choices][:2],
        posted_back=lambda value: [code for code in (value or "").split(",") if code],
    ),
    fields.Int: Samples(
        stored=lambda field_spec, marker: 1,
        posted=lambda field_spec, marker, choices=None: "2",
        posted_back=_as_text,
    ),
    fields.Number: Samples(
        stored=lambda field_spec, marker: 7.5,
        posted=lambda field_spec, marker, choices=None: "7.5",
        posted_back=_as_text,
    ),
}


def samples(field_spec) -> Samples:
    kind = type(field_spec.field_type)
    if kind not in SAMPLES:
        raise ValueError(f"no test samples for the {field_spec.type!r} kind of field: add them to tests/fieldsamples.py")
    return SAMPLES[kind]


def posted_back(field_spec, value):
    """A stored value as a browser posts it back, or None where it posts nothing."""
    return samples(field_spec).posted_back(value)
