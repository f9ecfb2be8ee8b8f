"""The card a young person's or caregiver's home page opens with: the first
step, who can be reached now, and a link to the whole page; and the link to
it among a circle's links on the plan overview."""

from __future__ import annotations

from flask import url_for

from portal import hooks
from portal.access import policy
from portal.access.queries import member_can, standings_by_circle
from portal.audit.services import View
from portal.rightnow.services import home_page_memberships, right_now_for


@hooks.dashboard_context.register
def dashboard_context(memberships) -> dict:
    """``views``: what the cards quote of the plan, recorded with the dashboard's own."""
    home = home_page_memberships(memberships)
    if not home:
        return {}
    cards = right_now_for(home, standings_by_circle(home))
    roles = {m.circle_id: m.role for m in home}
    return {
        "right_now_cards": cards,
        "views": [View(circle_id, roles[circle_id], kind) for circle_id, card in cards.items() for kind in card.sections_shown],
    }


@hooks.plan_overview.register
def overview_link(circle_id: int, membership) -> dict:
    """A link to right now among the circle's links, for those it is for."""
    if not member_can(membership, "safety_plan", policy.READ):
        return {}
    return {"right_now_url": url_for("rightnow.page", circle_id=circle_id)}
