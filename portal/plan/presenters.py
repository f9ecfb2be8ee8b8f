"""Turning rows and versions into what a member may see: only readable fields."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from portal.access import policy
from portal.access.audience import AUDIENCE_WORDS, listed


@dataclass(frozen=True)
class ShownField:
    name: str
    label: str
    type: str
    value: str
    # Who sees the field, when fewer see it than see its section (portal/access/audience.py).
    audience: str = ""


def display(field_spec, value) -> str:
    """The value as a person reads it, times in the deployment's zone."""
    return field_spec.field_type.display(field_spec, value)


def shown_fields(spec, row, readable: tuple[str, ...], *, skip_empty: bool = False) -> list[ShownField]:
    shown = []
    for field_spec in spec.fields:
        if field_spec.name not in readable:
            continue
        value = display(field_spec, getattr(row, field_spec.name)) if row is not None else ""
        if skip_empty and not value:
            continue
        shown.append(ShownField(field_spec.name, field_spec.label, field_spec.type, value,
                                spec.field_audience(field_spec.name)))
    return shown


def reach_words(role: str) -> str:
    """What one role sees of the plan by default, in words, from the policy:
    the sections (and the part of a section a row scope leaves), then the
    fields of those sections kept from them."""
    from portal.plan.sections import ordered_specs

    who = AUDIENCE_WORDS[policy.check_role(role)]
    seen, kept = [], []
    for spec in ordered_specs():
        if not policy.can(role, spec.kind, policy.READ):
            continue
        scope = policy.row_scope(role, spec.kind)
        title = spec.short_title.lower()
        seen.append(f"{title} ({scope.meaning})" if scope is not None else title)
        kept += [f"{f.label} ({title})" for f in spec.fields if not policy.field_visible(role, spec.kind, f.name)]
    sentence = f"Shown to {who}: {listed(seen)}." if seen else f"None of the plan is shown to {who}."
    if kept:
        sentence += f" Not shown to {who}: {listed(kept)}."
    return sentence


def headline(spec, row, readable: tuple[str, ...]) -> str:
    parts = [
        display(spec.field(name), getattr(row, name))
        for name in spec.headline
        if name in readable and getattr(row, name) not in (None, "")
    ]
    return " · ".join(parts) or spec.item_noun.capitalize()


def from_snapshot(field_spec, raw):
    """A value as a version or a conflict copy kept it, as the model holds it."""
    return field_spec.field_type.from_snapshot(raw)


@dataclass(frozen=True)
class FieldChange:
    label: str
    lines: list[tuple[str, str]]  # ("+", text), ("-", text) or (" ", text)


@dataclass(frozen=True)
class HistoryEntry:
    version: object
    author: str
    changes: list[FieldChange]


ACTION_WORDS = {
    "created": "added",
    "updated": "changed",
    "removed": "removed",
    "restored": "restored",
}


def _diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        tag, text = line[:1], line[2:]
        if tag in ("+", "-", " "):
            lines.append((tag, text))
    return lines


def history(spec, versions_newest_first, readable: tuple[str, ...]) -> list[HistoryEntry]:
    """Each version with what changed in the fields the member may read."""
    previous_by_item: dict[object, dict] = {}
    entries = []
    for version, author in reversed(versions_newest_first):
        before = previous_by_item.get(version.item_id, {})
        changes = []
        for field_spec in spec.fields:
            if field_spec.name not in readable:
                continue
            old = display(field_spec, from_snapshot(field_spec, before.get(field_spec.name)))
            new = display(field_spec, from_snapshot(field_spec, version.snapshot.get(field_spec.name)))
            if old != new:
                changes.append(FieldChange(field_spec.label, _diff_lines(old, new)))
        previous_by_item[version.item_id] = version.snapshot
        entries.append(HistoryEntry(version, author, changes))
    entries.reverse()
    return entries


@dataclass(frozen=True)
class ConflictField:
    label: str
    theirs: str
    mine: str


def conflict_fields(spec, current, submitted: dict, fields: tuple[str, ...]) -> list[ConflictField]:
    shown = []
    for name in fields:
        field_spec = spec.field(name)
        theirs = display(field_spec, getattr(current, name)) if current is not None else ""
        mine = display(field_spec, from_snapshot(field_spec, submitted.get(name)))
        shown.append(ConflictField(field_spec.label, theirs, mine))
    return shown
