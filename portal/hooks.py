"""The places where a host gathers what features add to it.

A host composes a page or a run out of several features: the plan's pages,
the dashboard, the scheduler. It never imports those features. It asks its
hook, and each feature that has something to add registers a provider when
its package is imported (in the spirit of Indico's signals). So a feature
that adds a dashboard item or a line on a section page touches only its own
folder, and the imports of ``portal/`` point one way (tests/test_layers.py).

The hooks live here, among the shared leaves, because both sides import
them: a host to ask, a feature to register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Hook:
    """A named, ordered list of providers.

    ``order`` places a provider among the others where the order matters (the
    scheduler's runs); providers of equal order keep the order they came in.
    Registering the same provider twice keeps one.
    """

    def __init__(self, name: str, answers: str):
        self.name = name
        self.answers = answers
        self._providers: list[tuple[int, int, Callable]] = []

    def register(self, provider: Callable | None = None, *, order: int = 100):
        def add(function: Callable) -> Callable:
            if all(known is not function for _, _, known in self._providers):
                self._providers.append((order, len(self._providers), function))
                self._providers.sort(key=lambda entry: entry[:2])
            return function

        return add(provider) if provider is not None else add

    @property
    def providers(self) -> tuple[Callable, ...]:
        return tuple(function for _, _, function in self._providers)

    def collect(self, *args, **kwargs) -> list[Any]:
        """Every provider's answer, in order; None answers are left out."""
        answers = (provider(*args, **kwargs) for provider in self.providers)
        return [answer for answer in answers if answer is not None]

    def merged(self, *args, **kwargs) -> dict:
        """The providers' dictionaries as one, for template context."""
        context: dict = {}
        for answer in self.collect(*args, **kwargs):
            context.update(answer)
        return context

    def first(self, *args, **kwargs):
        """The first provider's answer that is not None, or None."""
        for provider in self.providers:
            answer = provider(*args, **kwargs)
            if answer is not None:
                return answer
        return None

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._providers)} providers>"


@dataclass(frozen=True)
class FormAddition:
    """A field a feature adds to a section's edit form, and how to read it back.

    ``extend`` returns the form class with the field added, ``choices`` are
    this request's, ``chosen`` reads the answer from a submitted form.
    """

    field: str
    extend: Callable[[type], type]
    choices: list
    chosen: Callable[[Any], Any]


@dataclass(frozen=True)
class AttentionItem:
    """One thing on the dashboard that needs the reader's attention."""

    kind: str  # overdue, missed, review_due, episode, adjustment_ending, aftercare_due, ...
    text: str
    when: str
    url: str
    sort_key: tuple
    section: str  # the plan section it comes from, for the page's data-section
    # The item's moment (a datetime or a day): what the attention table orders
    # by within an urgency, and how it tells "due today" from "coming up".
    at: Any = None


@dataclass(frozen=True)
class SavedChange:
    """One save of the plan, as the features that follow from it see it.

    ``before`` is the row's snapshot before the save (None for a new row);
    ``actor`` is None for a change the passing of time made.
    """

    circle_id: int
    kind: str
    row: Any
    actor: Any
    action: str  # created, updated, removed, restored
    before: dict | None

    def changed(self, field: str) -> bool:
        if self.before is None:
            return True
        return self.before.get(field) != _snapshot_of(self.row, field)


def _snapshot_of(row, field: str):
    value = getattr(row, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


# The plan's pages (portal/plan/routes.py).
plan_overview = Hook("plan_overview", "(circle_id, membership) -> extra context for the plan overview")
plan_section = Hook("plan_section", "(circle_id, kind, membership, context) -> extra context for a section page")
plan_new_item = Hook("plan_new_item", "(kind, membership) -> {'defaults': ..., 'reminders': ...} for a new item")
plan_history = Hook("plan_history", "(circle_id, membership, versions) -> extra context for a section's history")
plan_edit_addition = Hook("plan_edit_addition", "(circle_id, membership, kind) -> FormAddition or None")
# Every save of the plan (portal/plan/services.py): providers run inside the
# save's transaction, before it commits, so what follows from a save (an
# aftercare follow-up after an emergency visit) lands with it or not at all.
plan_saved = Hook("plan_saved", "(SavedChange) -> None")
# Where the person goes after saving, when a feature has a page that must come
# next (the check-in that asks for contact soon): the first URL answered wins.
plan_after_save = Hook("plan_after_save", "(membership, kind, row) -> URL or None")

# The dashboard (portal/dashboard/).
dashboard_items = Hook("dashboard_items", "(memberships, shared) -> {circle_id: [AttentionItem, ...]}")
dashboard_context = Hook("dashboard_context", "(memberships) -> extra context for the dashboard page")
# Links above the cards that depend only on which roles the reader holds
# somewhere (their caseloads), so the page need not load every membership.
dashboard_links = Hook("dashboard_links", "(roles) -> extra context for the dashboard page")

# What time alone changes on the dashboard (portal/dashboard/attention.py): each
# provider names the circles where something of its own falls due between two
# moments (an appointment becoming overdue), so the scheduler's pass
# recomputes those circles' attention rows.
dashboard_wakes = Hook("dashboard_wakes", "(since, until) -> circle ids whose items change between them")

# The scheduler (portal/notify/scheduler.py): each provider runs once a pass and
# answers {what it did: how many}.
scheduled = Hook("scheduled", "() -> {label: count}")
