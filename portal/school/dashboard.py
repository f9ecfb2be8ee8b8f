"""What the school adds to the dashboard: recent in-school episodes and
adjustments ending soon among the items that need attention; for school
roles, a one-click way to record an episode, the prompt to review deadline
flexibility after one, and the next steps the in-school plan sets out (at
most four statements for all circles); and the links to the caseload and the
weekly sheet. Registered on the dashboard's hooks when this package is
imported; the dashboard never imports this feature."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import clock, hooks
from portal.access import policy
from portal.access.queries import made_at_school, readers_of, row_in_scope, scope_columns, standings_by_circle
from portal.audit.services import View
from portal.circles.models import Circle
from portal.extensions import db
from portal.hooks import AttentionItem
from portal.plan.models import Adjustment, Episode, SchoolPlan
from portal.plan.presenters import display
from portal.plan.readers import school_plan_used
from portal.plan.sections import spec_for
from portal.school import flexibility, sheet
from portal.school.models import FlexibilityReview
from portal.urls import SectionLinks

# After an episode, what the plan says happens next, in this order.
NEXT_STEP_FIELDS = ("call_caregivers_when", "return_to_class")


@dataclass(frozen=True)
class NextStep:
    label: str
    text: str


@dataclass
class SchoolNote:
    record_episode_url: str | None = None
    review_flexibility_url: str | None = None
    next_steps: list[NextStep] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.record_episode_url or self.review_flexibility_url or self.next_steps)


@dataclass(frozen=True)
class SchoolLinks:
    caseload: bool
    this_week: bool


@hooks.dashboard_items.register
def episode_items(memberships, shared) -> dict[int, list[AttentionItem]]:
    """Recent in-school episodes each member may read, within their row scope; one statement."""
    circles = readers_of(memberships, "episodes", shared)
    if not circles:
        return {}
    since = clock.now() - timedelta(days=current_app.config["RECENT_EPISODE_DAYS"])
    section_url = SectionLinks()
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    occurred_field = spec_for("episodes").field("occurred_at")
    rows = db.session.execute(
        select(*scope_columns(Episode, "episodes", "circle_id", "occurred_at")).where(
            Episode.circle_id.in_(circles), Episode.removed_at.is_(None), Episode.occurred_at >= since
        )
    )
    for row in rows:
        membership = circles[row.circle_id]
        if not row_in_scope("episodes", membership, row):
            continue
        when = display(occurred_field, row.occurred_at)
        found[row.circle_id].append(
            AttentionItem("episode", school_plan_used(membership.role), when, section_url(membership, "episodes"),
                          (2, -row.occurred_at.timestamp()), "episodes", at=row.occurred_at)
        )
    return found


@hooks.dashboard_items.register
def adjustment_items(memberships, shared) -> dict[int, list[AttentionItem]]:
    """Adjustments ending within the next few days; one statement."""
    circles = readers_of(memberships, "adjustments", shared)
    if not circles:
        return {}
    today = clock.today()
    horizon = today + timedelta(days=current_app.config["ADJUSTMENT_ENDING_SOON_DAYS"])
    section_url = SectionLinks()
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    spec = spec_for("adjustments")
    kind_field, end_field = spec.field("kind"), spec.field("end_date")
    rows = db.session.execute(
        select(Adjustment.circle_id, Adjustment.kind, Adjustment.subjects, Adjustment.end_date).where(
            Adjustment.circle_id.in_(circles),
            Adjustment.removed_at.is_(None),
            Adjustment.end_date.is_not(None),
            Adjustment.end_date >= today,
            Adjustment.end_date <= horizon,
        )
    )
    for row in rows:
        membership = circles[row.circle_id]
        label = str(display(kind_field, row.kind))
        if row.subjects:
            text = _("%(adjustment)s (%(subjects)s) ends soon", adjustment=label, subjects=row.subjects)
        else:
            text = _("%(adjustment)s ends soon", adjustment=label)
        found[row.circle_id].append(
            AttentionItem(
                "adjustment_ending",
                text,
                display(end_field, row.end_date),
                section_url(membership, "adjustments"),
                (4, row.end_date),
                "adjustments",
                at=row.end_date,
            )
        )
    return found


@hooks.dashboard_context.register
def dashboard_context(memberships) -> dict:
    """The school's notes under each circle shown; ``views``: what the notes
    quote of the plan, for the dashboard to record with its own."""
    notes = notes_for(memberships)
    return {"school_notes": notes, "views": views_shown(notes, memberships)}


@hooks.dashboard_links.register
def dashboard_links(roles) -> dict:
    """The links to the caseload and the weekly sheet, for whoever holds those roles somewhere."""
    return {"school_links": links_for(roles)}


def links_for(roles) -> SchoolLinks:
    roles = set(roles)
    return SchoolLinks(caseload=policy.SCHOOL_CASELOAD_ROLE in roles, this_week=bool(roles & set(sheet.SHEET_ROLES)))


def views_shown(notes: dict[int, SchoolNote], memberships) -> list[View]:
    """The next steps quote the in-school plan: each circle's record says it
    was viewed (the dashboard writes them, with its own, in one statement)."""
    roles = {m.circle_id: m.role for m in memberships}
    return [View(cid, roles[cid], "school_plan") for cid, note in notes.items() if note.next_steps]


def notes_for(memberships) -> dict[int, SchoolNote]:
    memberships = list(memberships)
    if not memberships:
        return {}
    shared = standings_by_circle(memberships)
    notes = {m.circle_id: SchoolNote() for m in memberships}
    for m in memberships:
        if policy.can(m.role, "episodes", policy.EDIT, shared[m.circle_id]):
            notes[m.circle_id].record_episode_url = url_for("plan.new_item", circle_id=m.circle_id, kind="episodes")

    # The latest recent episode each member may read, within their row scope.
    readers = readers_of(memberships, "episodes", shared)
    if not readers:
        return notes
    now = clock.now()
    recent = now - timedelta(days=current_app.config["RECENT_EPISODE_DAYS"])
    latest = {}
    rows = db.session.execute(
        select(Episode.circle_id, Episode.recorded_by_id, Episode.school_organisation_id, Episode.created_at).where(
            Episode.circle_id.in_(readers), Episode.removed_at.is_(None), Episode.created_at >= recent
        )
    )
    for row in rows:
        if row_in_scope("episodes", readers[row.circle_id], row):
            latest[row.circle_id] = max(latest.get(row.circle_id, row.created_at), row.created_at)

    prompted = [
        circle_id for circle_id in latest
        if flexibility.may_be_prompted_to_review(readers[circle_id].role, shared[circle_id])
    ]
    if prompted:
        stmt = select(
            Circle.id,
            select(func.max(Adjustment.updated_at)).where(Adjustment.circle_id == Circle.id).scalar_subquery(),
            select(func.max(FlexibilityReview.reviewed_at))
            .where(
                FlexibilityReview.circle_id == Circle.id,
                # Only the current school's reviews: a previous school's are its own.
                made_at_school(FlexibilityReview.school_organisation_id, Circle.school_organisation_id),
            )
            .scalar_subquery(),
        ).where(Circle.id.in_(prompted))
        for circle_id, changed, reviewed_at in db.session.execute(stmt):
            if flexibility.needs_flexibility_review(latest[circle_id], changed, reviewed_at, recent):
                notes[circle_id].review_flexibility_url = url_for(
                    "plan.section", circle_id=circle_id, kind="adjustments"
                )

    # Next steps go to those who act in school after an episode: the people who record them.
    spec = spec_for("school_plan")
    wanted = {
        circle_id: [
            name for name in NEXT_STEP_FIELDS
            if policy.field_visible(readers[circle_id].role, "school_plan", name, shared[circle_id])
        ]
        for circle_id in latest
        if policy.can(readers[circle_id].role, "episodes", policy.EDIT, shared[circle_id])
    }
    wanted = {circle_id: names for circle_id, names in wanted.items() if names}
    if wanted:
        rows = db.session.execute(
            select(SchoolPlan.circle_id, *(getattr(SchoolPlan, name) for name in NEXT_STEP_FIELDS)).where(
                SchoolPlan.circle_id.in_(wanted)
            )
        )
        for circle_id, *values in rows:
            found = dict(zip(NEXT_STEP_FIELDS, values, strict=True))
            notes[circle_id].next_steps = [
                NextStep(spec.field(name).label, found[name]) for name in wanted[circle_id] if found[name]
            ]
    return notes
