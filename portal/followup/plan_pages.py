"""What follow-through adds to the plan's own pages: when a section was last
reviewed, the setback review a change follows, and the link to progress
charts. The plan's routes ask here, so the section pages stay one template."""

from __future__ import annotations

from portal.access import policy
from portal.followup import linking, queries


def section_extras(circle_id: int, kind: str) -> dict:
    """Every section page says when it was last reviewed, and by whom."""
    return {"last_review": queries.last_reviews(circle_id, [kind]).get(kind)}


def setback_links(circle_id: int, membership, kind: str):
    """The setback reviews an edit of ``kind`` may say it follows, or None."""
    return linking.choices_for(circle_id, membership, kind)


def history_extras(circle_id: int, membership, versions) -> dict:
    """The setback reviews that changes in this history follow, to show beside them."""
    return {"linked_reviews": queries.linked_setback_reviews(circle_id, versions, membership)}


def dashboard_links(memberships) -> dict:
    """The caseload is offered to those whose role in some circle puts it on one."""
    return {"caseload": any(policy.can_act(m.role, "caseload") for m in memberships)}
