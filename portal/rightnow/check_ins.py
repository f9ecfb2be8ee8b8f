"""The direct question in a check-in: "Since the last check-in, have there been
thoughts of suicide?" An answer of yes or not sure leads the person who saved
it to the right-now page, and tells the circle's clinicians at once that a
check-in asks for contact soon. The notice carries no answer and no content;
nothing is computed from the answer (DESIGN.md, principle 5)."""

from __future__ import annotations

from flask import has_request_context, session, url_for

from portal import clock, hooks
from portal.access import policy
from portal.access.queries import member_can
from portal.notify import services as notify

ASKS_FOR_CONTACT = frozenset({"yes", "unsure"})
# The circle whose right-now page opens with a word of thanks, and when, kept
# in the person's session (never in the URL) for the page that comes next; a
# visit much later, after going elsewhere, is an ordinary visit.
AFTER_CHECK_IN = "right_now_after_check_in"
THANKS_FOR_SECONDS = 600


def asks_for_contact(answer: str | None) -> bool:
    return answer in ASKS_FOR_CONTACT


@hooks.plan_saved.register
def tell_clinicians(change: hooks.SavedChange) -> None:
    """In the save's transaction: only when the answer is newly yes or not sure
    (a new check-in, or an edit that changes a "no" to one of them)."""
    if change.kind != "progress" or change.action not in ("created", "updated"):
        return
    if not asks_for_contact(change.row.suicidal_thoughts):
        return
    if change.before is not None and asks_for_contact(change.before.get("suicidal_thoughts")):
        return
    notify.contact_soon(change.circle_id, change.actor, change.row)


@hooks.plan_after_save.register
def right_now_next(membership, kind: str, row) -> str | None:
    if kind != "progress" or not asks_for_contact(getattr(row, "suicidal_thoughts", None)):
        return None
    if not member_can(membership, "safety_plan", policy.READ):
        return None
    if has_request_context():
        session[AFTER_CHECK_IN] = {"circle": membership.circle_id, "at": int(clock.now().timestamp())}
    return url_for("rightnow.page", circle_id=membership.circle_id)


def just_answered(circle_id: int) -> bool:
    """Whether this page comes straight after the person's check-in; once."""
    kept = session.get(AFTER_CHECK_IN)
    if not isinstance(kept, dict) or kept.get("circle") != circle_id:
        return False
    session.pop(AFTER_CHECK_IN, None)
    return clock.now().timestamp() - kept.get("at", 0) <= THANKS_FOR_SECONDS
