"""What follow-through adds to the dashboard: follow-ups missed, overdue or
coming up, a follow-up due after an episode, an event outside school or a
setback review, and the link to the clinical caseload (aftercare still being
arranged: portal/followup/aftercare.py). Registered on the dashboard's hooks when this
package is imported; the dashboard never imports this feature."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock, hooks
from portal.access import policy
from portal.access.queries import readers_of, row_in_scope, scope_columns
from portal.extensions import db
from portal.followup import due
from portal.hooks import AttentionItem
from portal.plan.models import FollowUp
from portal.plan.presenters import display
from portal.plan.sections import spec_for
from portal.timezone import local_day_text
from portal.urls import SectionLinks


def overdue_text(role: str, label: str) -> str:
    """Only those who keep the follow-ups are asked to act on one."""
    if policy.can(role, "follow_ups", policy.EDIT):
        return _("%(what)s is overdue: mark it attended, missed or rebook it", what=label)
    return _("%(what)s is overdue: the care team has been reminded", what=label)


@hooks.dashboard_items.register
def follow_up_items(memberships, shared) -> dict[int, list[AttentionItem]]:
    """Follow-ups missed, overdue, or (reviews) coming up, in one statement for every circle."""
    circles = readers_of(memberships, "follow_ups", shared)
    if not circles:
        return {}
    now = clock.now()
    section_url = SectionLinks()
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    spec = spec_for("follow_ups")
    review_horizon = now + timedelta(days=current_app.config["REVIEW_DUE_SOON_DAYS"])
    kind_field, due_field = spec.field("kind"), spec.field("due_at")
    # Only the columns used here: hundreds of whole rows, texts and all, cost more to load than to find.
    rows = db.session.execute(
        select(*scope_columns(FollowUp, "follow_ups", "circle_id", "kind", "due_at", "status")).where(
            FollowUp.circle_id.in_(circles),
            FollowUp.removed_at.is_(None),
            (
                (FollowUp.status == "missed")
                | ((FollowUp.status == "scheduled") & (FollowUp.due_at < review_horizon))
            ),
        )
    )
    for row in rows:
        membership = circles[row.circle_id]
        if not row_in_scope("follow_ups", membership, row):
            continue
        label = display(kind_field, row.kind)
        when = display(due_field, row.due_at)
        url = section_url(membership, "follow_ups")
        if row.status == "missed":
            found[row.circle_id].append(AttentionItem("missed", _("%(what)s was missed", what=label), when, url, (0, row.due_at), "follow_ups", at=row.due_at))
        elif row.due_at < now:
            found[row.circle_id].append(
                AttentionItem("overdue", overdue_text(membership.role, label), when, url, (1, row.due_at), "follow_ups", at=row.due_at)
            )
        elif row.kind not in due.ANSWERING_KINDS:  # appointments and booked aftercare are not "coming up" items
            found[row.circle_id].append(AttentionItem("review_due", _("%(what)s is coming up", what=label), when, url, (3, row.due_at), "follow_ups", at=row.due_at))
    return found


@hooks.dashboard_items.register
def follow_up_due_items(memberships, shared) -> dict[int, list[AttentionItem]]:
    """A follow-up due after an episode or a setback review, for the people who answer for it."""
    if not memberships:
        return {}
    monitoring = due.monitoring_memberships([m.id for m in memberships], [m.circle_id for m in memberships])
    answering = [m for m in memberships if policy.answers_for_follow_ups(m.role, m.id in monitoring)]
    events = due.unanswered_events(m.circle_id for m in answering)
    now = clock.now()
    section_url = SectionLinks()
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    for membership in answering:
        since = due.since_for(membership, events.get(membership.circle_id, {}), shared[membership.circle_id])
        if since is None:
            continue
        deadline = due.due_by(since)
        passed = deadline < now
        found[membership.circle_id].append(
            AttentionItem(
                "follow_up_overdue" if passed else "follow_up_due",
                _("A follow-up was due by %(day)s", day=local_day_text(deadline)) if passed
                else _("A follow-up is due by %(day)s", day=local_day_text(deadline)),
                _("none is booked yet") if passed else _("booking an appointment clears this"),
                section_url(membership, "follow_ups"),
                (1, deadline),
                "follow_ups",
                at=deadline,
            )
        )
    return found


@hooks.dashboard_links.register
def dashboard_links(roles) -> dict:
    """The caseload is offered to those whose role in some circle puts it on one."""
    return {"followup_links": {"caseload": any(policy.can_act(role, "caseload") for role in roles)}}


@hooks.dashboard_wakes.register
def follow_ups_falling_due(since, until) -> set[int]:
    """A booked follow-up passes its time: overdue, where nothing showed it coming."""
    return set(db.session.scalars(
        select(FollowUp.circle_id).distinct().where(
            FollowUp.removed_at.is_(None),
            FollowUp.status == "scheduled",
            FollowUp.due_at > since,
            FollowUp.due_at <= until,
        )
    ))
