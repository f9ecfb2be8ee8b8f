"""What the school adds to the plan's own pages: adjustments grouped by
where they are in time, the prompt to review them after an episode, the
in-school plan beside the episode form, and moves of school on the overview.

Each provider is registered on a hook of portal/hooks.py when this package
is imported; the plan's routes ask the hooks, never this feature. Each
returns extra template context, already filtered through the policy, or
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal import clock, hooks
from portal.access import policy
from portal.access.queries import standing_for
from portal.audit.services import record_view
from portal.extensions import db
from portal.plan.models import SchoolPlan
from portal.plan.sections import spec_for
from portal.school import flexibility
from portal.school import moves as school_moves
from portal.timezone import local_naive


@dataclass(frozen=True)
class ItemGroup:
    phase: str
    title: str
    note: str
    items: list


def _group_titles(soon_days: int) -> dict[str, str]:
    return {
        flexibility.ENDING_SOON: ngettext("Ending within %(num)d day", "Ending within %(num)d days", soon_days),
        flexibility.ACTIVE: _("Active now"),
        flexibility.UPCOMING: _("Starting later"),
        flexibility.ENDED: _("Ended"),
    }


def adjustment_groups(items, can_edit: bool) -> list[ItemGroup]:
    """Active, ending soon, upcoming and ended adjustments apart; ended ones stay in sight."""
    soon_days = current_app.config["ADJUSTMENT_ENDING_SOON_DAYS"]
    today = clock.today()
    grouped: dict[str, list] = {phase: [] for phase in _group_titles(soon_days)}
    for item in items:
        row = item[0]
        grouped[flexibility.adjustment_phase(row.start_date, row.end_date, today, soon_days)].append(item)
    # Ended ones, the most recently ended first; the rest as the plan orders them.
    grouped[flexibility.ENDED].sort(key=lambda item: item[0].end_date, reverse=True)
    notes = {
        flexibility.ENDING_SOON: (
            _("These end soon. If the student still needs one, extend it by changing its end date; "
              "otherwise it ends by itself.")
            if can_edit
            else _("These end soon.")
        ),
        flexibility.ENDED: _("Kept for the record. Teachers no longer see them on their weekly sheet."),
    }
    return [
        ItemGroup(phase, title, notes.get(phase, ""), grouped[phase])
        for phase, title in _group_titles(soon_days).items()
        if grouped[phase]
    ]


@hooks.plan_section.register
def section_extras(circle_id: int, kind: str, membership, context: dict) -> dict:
    if kind == "adjustments":
        return {"item_groups": adjustment_groups(context.get("items", []), context["access"].can_edit)}
    if kind == "episodes" and flexibility.may_be_prompted_to_review(membership.role, standing_for(membership)):
        return {"review_prompt": flexibility.flexibility_review_due(membership)}
    return {}


# Fields of the in-school plan offered beside the episode form, by the episode
# field they help to fill in.
EPISODE_REMINDERS = (("steps_taken", "staff_steps"), ("contacted", "who_to_call"), ("contacted", "call_caregivers_when"))


@dataclass(frozen=True)
class Reminder:
    label: str
    text: str


@hooks.plan_new_item.register
def new_item_extras(kind: str, membership) -> dict:
    """For a new episode: 'when' filled in with now, and the plan's steps beside the form."""
    if kind != "episodes":
        return {}
    shared = standing_for(membership)
    spec = spec_for("school_plan")
    wanted = [
        name for _, name in EPISODE_REMINDERS if policy.field_visible(membership.role, "school_plan", name, shared)
    ]
    reminders: dict[str, list[Reminder]] = {}
    if wanted:
        values = db.session.execute(
            select(*(getattr(SchoolPlan, name) for name in wanted)).where(SchoolPlan.circle_id == membership.circle_id)
        ).first()
        if values is not None:
            found = dict(zip(wanted, values, strict=True))
            for episode_field, name in EPISODE_REMINDERS:
                if found.get(name):
                    reminders.setdefault(episode_field, []).append(Reminder(spec.field(name).label, found[name]))
    if reminders and request.method == "GET":
        # Plan text on another section's page is still a view of that section.
        record_view("view", membership, "school_plan")
    now = local_naive(clock.now()).replace(second=0, microsecond=0)
    return {"defaults": {"occurred_at": now}, "reminders": reminders}


@hooks.plan_overview.register
def overview_extras(circle_id: int, membership) -> dict:
    return {"moves": [move for move in school_moves.moves(circle_id) if move.handover.performed_at is not None]}
