"""Turning rows and versions into what a member may see: only readable fields."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import policy
from portal.access.audience import AUDIENCE_WORDS, listed

# Field types whose value is what someone wrote, in their own words.
TYPED = ("line", "text")


@dataclass(frozen=True)
class ShownField:
    name: str
    label: str
    type: str
    value: str
    # Who sees the field, when fewer see it than see its section (portal/access/audience.py).
    audience: str = ""
    # The language its words were typed in, for text someone wrote (None otherwise).
    language: str | None = None


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
        typed = field_spec.type in TYPED and row is not None
        shown.append(ShownField(field_spec.name, field_spec.label, field_spec.type, value,
                                spec.field_audience(field_spec.name), (row.language or "en") if typed else None))
    return shown


def reach_words(role: str) -> str:
    """What one role sees of the plan by default, in words, from the policy:
    the sections (and the part of a section a row scope leaves), then the
    fields of those sections kept from them."""
    from portal.plan.sections import ordered_specs

    who = str(AUDIENCE_WORDS[policy.check_role(role)])
    seen, kept = [], []
    for spec in ordered_specs():
        if not policy.can(role, spec.kind, policy.READ):
            continue
        scope = policy.row_scope(role, spec.kind)
        title = str(spec.short_title).lower()
        seen.append(f"{title} ({scope.meaning})" if scope is not None else title)
        kept += [f"{f.label} ({title})" for f in spec.fields if not policy.field_visible(role, spec.kind, f.name)]
    if seen:
        sentence = _("Shown to %(who)s: %(parts)s.", who=who, parts=listed(seen))
    else:
        sentence = _("None of the plan is shown to %(who)s.", who=who)
    if kept:
        sentence += " " + _("Not shown to %(who)s: %(parts)s.", who=who, parts=listed(kept))
    return sentence


def headline(spec, row, readable: tuple[str, ...]) -> str:
    parts = [
        display(spec.field(name), getattr(row, name))
        for name in spec.headline
        if name in readable and getattr(row, name) not in (None, "")
    ]
    return " · ".join(parts) or str(spec.item_noun).capitalize()


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


# What a version did, as the verb of "Ana added a contact on ..." (lazy; the
# plan's history writes whole sentences: templates/plan/_history_line.html).
ACTION_WORDS = {
    "created": _l("added"),
    "updated": _l("changed"),
    "removed": _l("removed"),
    "restored": _l("restored"),
}


@dataclass(frozen=True)
class ItemWords:
    """One item of a section inside a sentence, with its article: "a contact",
    "the contact", "contacts", "that contact"; for a document section, "the safety plan".
    Whole phrases, since the article agrees with the noun in Spanish."""

    a: object
    the: object
    many: object = ""
    that: object = ""


# The phrases for each section, in the words of its default readers; a reader
# who reads the section's items under another name has their own (below).
# tests/plan/test_item_words.py keeps them equal to the specs' nouns and short
# titles in English.
ITEM_WORDS: dict[str, ItemWords] = {
    "care_team": ItemWords(_l("a contact"), _l("the contact"), _l("contacts"), _l("that contact")),
    "school_plan": ItemWords(_l("the in-school plan"), _l("the in-school plan")),
    "adjustments": ItemWords(_l("an adjustment"), _l("the adjustment"), _l("adjustments"), _l("that adjustment")),
    "return_to_school": ItemWords(_l("the return to school"), _l("the return to school")),
    "safety_plan": ItemWords(_l("the safety plan"), _l("the safety plan")),
    "home_safety": ItemWords(_l("the home safety"), _l("the home safety")),
    "clinical": ItemWords(_l("the assessment and treatment"), _l("the assessment and treatment")),
    "follow_ups": ItemWords(_l("a follow-up"), _l("the follow-up"), _l("follow-ups"), _l("that follow-up")),
    "episodes": ItemWords(_l("an episode"), _l("the episode"), _l("episodes"), _l("that episode")),
    "events": ItemWords(_l("an event"), _l("the event"), _l("events"), _l("that event")),
    "setback_reviews": ItemWords(_l("a review"), _l("the review"), _l("reviews"), _l("that review")),
    "progress": ItemWords(_l("a check-in"), _l("the check-in"), _l("check-ins"), _l("that check-in")),
}
# The family reads a use of the in-school plan as what it is, never as an
# "episode" (portal/plan/readers.py).
FAMILY_ITEM_WORDS: dict[str, ItemWords] = {
    "episodes": ItemWords(
        _l("a time the school plan was used"), _l("the time the school plan was used"),
        _l("times the school plan was used"), _l("that time the school plan was used"),
    ),
}
if set(ITEM_WORDS) != set(policy.SECTIONS):
    raise RuntimeError("ITEM_WORDS must name every section, and only those")


def item_words(spec) -> ItemWords:
    """The phrases naming one of ``spec``'s items, for the reader it was drawn for."""
    from portal.plan.readers import FAMILY

    if spec.reader in FAMILY and spec.kind in FAMILY_ITEM_WORDS:
        return FAMILY_ITEM_WORDS[spec.kind]
    return ITEM_WORDS[spec.kind]


def sentence(text: str) -> str:
    """``text`` starting with a capital, as a sentence does ("The contact was added.")."""
    text = str(text)
    return text[:1].upper() + text[1:]



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
