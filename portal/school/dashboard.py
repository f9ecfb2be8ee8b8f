"""What the dashboard adds for school roles: a one-click way to record an
episode, the prompt to review deadline flexibility after one, and the next
steps the in-school plan sets out. At most four statements for all circles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.access.queries import made_at_school, row_in_scope, shared_by_circle
from portal.audit.services import View
from portal.circles.models import Circle
from portal.extensions import db
from portal.plan.models import Adjustment, Episode, SchoolPlan
from portal.plan.sections import spec_for
from portal.school import queries
from portal.school.models import FlexibilityReview

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


def links_for(memberships) -> SchoolLinks:
    roles = {m.role for m in memberships}
    return SchoolLinks(caseload=queries.CASELOAD_ROLE in roles, this_week=bool(roles & set(queries.SHEET_ROLES)))


def views_shown(notes: dict[int, SchoolNote], memberships) -> list[View]:
    """The next steps quote the in-school plan: each circle's record says it
    was viewed (the dashboard writes them, with its own, in one statement)."""
    roles = {m.circle_id: m.role for m in memberships}
    return [View(cid, roles[cid], "school_plan") for cid, note in notes.items() if note.next_steps]


def notes_for(memberships) -> dict[int, SchoolNote]:
    memberships = list(memberships)
    if not memberships:
        return {}
    shared = shared_by_circle(m.circle_id for m in memberships)
    notes = {m.circle_id: SchoolNote() for m in memberships}
    for m in memberships:
        if policy.can(m.role, "episodes", policy.EDIT, shared[m.circle_id]):
            notes[m.circle_id].record_episode_url = url_for("plan.new_item", circle_id=m.circle_id, kind="episodes")

    # The latest recent episode each member may read, within their row scope.
    readers = {m.circle_id: m for m in memberships if policy.can(m.role, "episodes", policy.READ, shared[m.circle_id])}
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
        if queries.may_be_prompted_to_review(readers[circle_id].role, shared[circle_id])
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
            if queries.needs_flexibility_review(latest[circle_id], changed, reviewed_at, recent):
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
