"""The return to school after hospital or a long absence, as the school plans it.

The care team says from when the young person is ready to go back (the
return plan's ``ready_from``, which only they may set). Whoever plans the
school's part is then asked to plan the return: told that a return needs
planning and from when, never why. Until the plan has a meeting date and a
timetable it stays on their dashboard and caseload; on the day before the
meeting and on the day, its readers see that it is coming. The return plan's
page shows the adjustments in force or to come, because what to allow is
kept there, with its dates, where teachers already look.

Each provider is registered on a hook of portal/hooks.py when this package is
imported; the plan's pages and the dashboard never import this feature.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from portal import clock, hooks
from portal.access import policy
from portal.access.queries import readers_of, row_condition, standing_for, standings
from portal.audit.services import record_view
from portal.circles.services import active_members
from portal.extensions import db
from portal.hooks import AttentionItem
from portal.notify import services as notify
from portal.plan.models import Adjustment, ReturnToSchool
from portal.plan.presenters import display
from portal.plan.sections import spec_for
from portal.school.sheet import SHEET_FIELDS, SheetAdjustment
from portal.timezone import day_text, to_local
from portal.urls import SectionLinks

KIND = "return_to_school"


def plans_the_return(role: str, shared: policy.Shared = frozenset()) -> bool:
    """Who is asked to plan a return: those who write the return plan but do
    not say when the young person is ready. The care team says that
    (policy.FIELD_EDITORS); the school plans how."""
    return policy.can(role, KIND, policy.EDIT, shared) and not policy.field_editable(role, KIND, "ready_from", shared)


if not any(plans_the_return(role) for role in policy.ROLES):
    raise RuntimeError("nobody would be asked to plan a return to school: see policy.FIELD_EDITORS")


def planned(meeting_at: datetime | None, timetable_written: bool) -> bool:
    """A return is planned once it has a meeting date and a timetable."""
    return meeting_at is not None and timetable_written


def has_timetable():
    """Whether the timetable holds more than blanks, as a column: the text itself is not read."""
    return func.length(func.trim(func.coalesce(ReturnToSchool.timetable, ""))) > 0


def meeting_soon(meeting_at: datetime | None, today: date) -> str:
    """"today" or "tomorrow" when the return meeting is on that local day; else ""."""
    if meeting_at is None:
        return ""
    day = to_local(meeting_at).date()
    return {today: "today", today + timedelta(days=1): "tomorrow"}.get(day, "")


# --- Asking the school to plan it -------------------------------------------------------------


@hooks.plan_saved.register
def ask_to_plan_the_return(change: hooks.SavedChange) -> None:
    """When the care team sets or moves the day the young person is ready to go
    back, whoever plans the school's part is asked to plan the return, in the
    save's own transaction."""
    if change.kind != KIND or change.action not in ("created", "updated"):
        return
    ready_from = change.row.ready_from
    if ready_from is None or not change.changed("ready_from"):
        return
    actor_id = change.actor.id if change.actor is not None else None
    members = active_members(change.circle_id)
    standing = standings(members)
    planners = [
        membership for membership in members
        if membership.user.active and membership.user_id != actor_id
        and plans_the_return(membership.role, standing[membership.id])
    ]
    notify.return_to_plan(change.circle_id, planners, ready_from)


# --- The dashboard ----------------------------------------------------------------------------------


@hooks.dashboard_items.register
def return_items(memberships, shared) -> dict[int, list[AttentionItem]]:
    """A return still to plan, for whoever plans it; the return meeting on the
    day before and on the day, for everyone who reads the plan. One statement."""
    circles = readers_of(memberships, KIND, shared)
    if not circles:
        return {}
    today = clock.today()
    section_url = SectionLinks()
    meeting_field = spec_for(KIND).field("meeting_at")
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    rows = db.session.execute(
        select(ReturnToSchool.circle_id, ReturnToSchool.ready_from, ReturnToSchool.meeting_at,
               has_timetable().label("has_timetable")).where(
            ReturnToSchool.circle_id.in_(circles),
            or_(ReturnToSchool.ready_from.is_not(None), ReturnToSchool.meeting_at.is_not(None)),
        )
    )
    for circle_id, ready_from, meeting_at, written in rows:
        membership = circles[circle_id]
        url = section_url(membership, KIND)
        if (ready_from is not None and not planned(meeting_at, bool(written))
                and plans_the_return(membership.role, shared[circle_id])):
            found[circle_id].append(AttentionItem(
                "return_to_plan",
                _("Plan %(name)s's return to school (ready from %(day)s)",
                  name=membership.circle.young_person_name, day=day_text(ready_from)),
                missing_words(meeting_at, bool(written)),
                url,
                (1.5, ready_from.toordinal()),
                KIND,
                at=ready_from,
            ))
        soon = meeting_soon(meeting_at, today)
        if soon:
            found[circle_id].append(AttentionItem(
                "return_meeting", return_meeting_words(soon), display(meeting_field, meeting_at), url,
                (1.4, meeting_at.timestamp()), KIND, at=meeting_at,
            ))
    return found


def return_meeting_words(soon: str) -> str:
    """"Return meeting today" or "tomorrow", for meeting_soon's answer."""
    return _("Return meeting today") if soon == "today" else _("Return meeting tomorrow")


def missing_words(meeting_at: datetime | None, timetable_written: bool) -> str:
    if meeting_at is None and not timetable_written:
        return _("it needs a meeting date and a timetable")
    if meeting_at is None:
        return _("it needs a meeting date")
    if not timetable_written:
        return _("it needs a timetable")
    return ""


# --- The return plan's page ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnAdjustments:
    """The adjustments in force or still to come, beside the return plan."""

    url: str
    can_edit: bool
    kinds: dict
    items: list[SheetAdjustment]
    today: date


@hooks.plan_section.register
def return_plan_extras(circle_id: int, kind: str, membership, context: dict) -> dict:
    """Beside the return plan, the adjustments it needs as the reader may see
    them (what to allow and until when, never the reason), and the way there."""
    if kind != KIND:
        return {}
    shared = standing_for(membership)
    if not policy.can(membership.role, "adjustments", policy.READ, shared):
        return {}
    today = clock.today()
    visible = [name for name in SHEET_FIELDS if policy.field_visible(membership.role, "adjustments", name, shared)]
    stmt = select(Adjustment.id, *(getattr(Adjustment, name) for name in visible)).where(
        Adjustment.circle_id == circle_id,
        Adjustment.removed_at.is_(None),
        or_(Adjustment.end_date.is_(None), Adjustment.end_date >= today),
    ).order_by(Adjustment.start_date, Adjustment.id)
    scope = row_condition("adjustments", membership, Adjustment)
    if scope is not None:
        stmt = stmt.where(scope)
    items = []
    for adjustment_id, *values in db.session.execute(stmt):
        found = dict(zip(visible, values, strict=True))
        items.append(SheetAdjustment(
            adjustment_id, found.get("kind", ""), found.get("subjects", ""), found.get("details", ""),
            found.get("start_date"), found.get("end_date"),
        ))
    if items:
        # Another section's content on this page is still a view of that section.
        record_view("view", membership, "adjustments")
    return {"return_adjustments": ReturnAdjustments(
        url=url_for("plan.section", circle_id=circle_id, kind="adjustments"),
        can_edit=policy.can(membership.role, "adjustments", policy.EDIT, shared),
        kinds=dict(spec_for("adjustments").field("kind").choices),
        items=items,
        today=today,
    )}
