"""What follow-through adds to the plan's own pages: when a section was last
reviewed, the setback review a change follows, and the link to progress
charts. Each provider is registered on a hook of portal/hooks.py when this
package is imported; the plan's routes ask the hooks and never import this
feature, so the section pages stay one template."""

from __future__ import annotations

from portal import clock, hooks
from portal.followup import linking, reviews
from portal.forms import select_choices
from portal.timezone import local_naive


@hooks.plan_section.register
def section_extras(circle_id: int, kind: str, membership, context: dict) -> dict:
    """Every section page says when it was last reviewed, and by whom."""
    return {"last_review": reviews.last_reviews(circle_id, [kind]).get(kind)}


@hooks.plan_edit_addition.register
def setback_link(circle_id: int, membership, kind: str) -> hooks.FormAddition | None:
    """'This change follows the setback review of ...', when an edit of
    ``kind`` may say it follows one; None otherwise."""
    links = linking.choices_for(circle_id, membership, kind)
    if not links:
        return None
    return hooks.FormAddition(linking.FIELD, linking.with_link, select_choices(links), linking.chosen)


@hooks.plan_history.register
def history_extras(circle_id: int, membership, versions) -> dict:
    """The setback reviews that changes in this history follow, to show beside them."""
    return {"linked_reviews": linking.linked_setback_reviews(circle_id, versions, membership)}



@hooks.plan_new_item.register
def starts_from_now(kind: str, membership) -> dict | None:
    """A new event starts at this minute and a new check-in at today, so a
    parent writing at night on a phone has one field less to get right."""
    if kind == "events":
        return {"defaults": {"occurred_at": local_naive(clock.now()).replace(second=0, microsecond=0)}}
    if kind == "progress":
        return {"defaults": {"checked_on": clock.today()}}
    return None
