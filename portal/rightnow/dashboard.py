"""The card a young person's or caregiver's home page opens with: the first
step, who can be reached now, and a link to the whole page."""

from __future__ import annotations

from portal import hooks
from portal.access.queries import shared_by_circle
from portal.audit.services import View
from portal.rightnow.services import home_page_memberships, right_now_for


@hooks.dashboard_context.register
def dashboard_context(memberships) -> dict:
    """``views``: what the cards quote of the plan, recorded with the dashboard's own."""
    home = home_page_memberships(memberships)
    if not home:
        return {}
    cards = right_now_for(home, shared_by_circle(m.circle_id for m in home))
    roles = {m.circle_id: m.role for m in home}
    return {
        "right_now_cards": cards,
        "views": [View(circle_id, roles[circle_id], kind) for circle_id, card in cards.items() for kind in card.sections_shown],
    }
