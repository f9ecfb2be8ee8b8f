"""What needs each person's attention, across all their circles, in a fixed
number of queries however many circles and rows there are.

The dashboard is a host: each feature registers what it adds on
hooks.dashboard_items (the attention items, a fixed number of statements
each, for every circle at once) and hooks.dashboard_context (links and notes
around them). Here they are only collected, sorted and handed to the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from portal import hooks
from portal.access.queries import memberships_for, standings_by_circle
from portal.hooks import AttentionItem


@dataclass
class CircleCard:
    membership: object
    items: list[AttentionItem] = field(default_factory=list)


def dashboard_for(user) -> list[CircleCard]:
    memberships = memberships_for(user)
    shared = standings_by_circle(memberships)
    cards = {m.circle_id: CircleCard(m) for m in memberships}
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    for items_by_circle in hooks.dashboard_items.collect(memberships, shared):
        for circle_id, items in items_by_circle.items():
            found[circle_id].extend(items)
    for circle_id, items in found.items():
        cards[circle_id].items = sorted(items, key=lambda item: item.sort_key)
    # Circles that need attention first, the most urgent kind of need first.
    return sorted(
        cards.values(),
        key=lambda card: (card.items[0].sort_key[0] if card.items else 9, card.membership.circle.young_person_name),
    )


# A provider of hooks.dashboard_context may answer, under this key, the audit
# Views of what its part of the page quotes of a plan: recorded with the
# items' own, not rendered.
VIEWS = "views"


def page_context(memberships) -> tuple[dict, list]:
    """What the features add around the cards, and the views it stands for."""
    context: dict = {}
    views: list = []
    for answer in hooks.dashboard_context.collect(memberships):
        answer = dict(answer)
        views.extend(answer.pop(VIEWS, ()))
        context.update(answer)
    return context, views
