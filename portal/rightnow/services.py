"""What "right now" shows: the safety plan's first steps, who in the care team
can be reached at this hour, and their numbers.

It reads only the safety plan and the care team, field by field as the
policy lets the member read them, for one circle (the page) or many at once
in a fixed number of statements (the dashboard's cards). Nothing here reads
a check-in: the direct question leads to this page, but its answer is never
shown, summarised or counted (DESIGN.md, principle 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from portal import reach
from portal.access import policy
from portal.extensions import db
from portal.plan.models import CareTeamContact, SafetyPlan
from portal.plan.sections import REACHABLE

# How many lines of "Things I can try first" the first steps quote: enough
# to act on at a bad moment, short enough to read on a phone.
FIRST_LINES = 3
PERIOD_WORDS = dict(REACHABLE)
# Whose home page opens with "right now" is the policy's (RIGHT_NOW_ON_HOME_PAGE);
# what the card shows is still decided field by field by it.


@dataclass(frozen=True)
class Contact:
    name: str
    role_title: str
    organisation: str
    phone: str
    hours: str  # the periods they can be reached, in words
    availability: str


@dataclass
class RightNow:
    circle_id: int
    name: str  # the young person's
    speaks_to_young_person: bool
    period: str
    period_words: str
    if_suicidal_thoughts: str = ""
    first_lines: list[str] = field(default_factory=list)
    # The language the safety plan's words were typed in.
    steps_language: str | None = None
    reachable: list[Contact] = field(default_factory=list)
    not_reachable: list[Contact] = field(default_factory=list)
    # The sections whose content the page quotes, for the audit record.
    sections_shown: tuple[str, ...] = ()

    @property
    def has_steps(self) -> bool:
        return bool(self.if_suicidal_thoughts or self.first_lines)


def _visible(role: str, kind: str, name: str, shared) -> bool:
    return policy.field_visible(role, kind, name, shared)


def _first_lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines()]
    return [line for line in lines if line][:FIRST_LINES]


def _hours_words(codes: frozenset[str]) -> str:
    # The period names may be lazy (translated): made words here, at request time.
    words = [str(PERIOD_WORDS[code]) for code, _label in REACHABLE if code in codes]
    return ", ".join(words).capitalize() if words else _("Hours not given")


def _contact(role: str, row: CareTeamContact, shared) -> tuple[Contact, frozenset[str]]:
    def shown(name: str) -> str:
        return (getattr(row, name) or "") if _visible(role, "care_team", name, shared) else ""

    codes = reach.reachable_codes(row.reachable) if _visible(role, "care_team", "reachable", shared) else frozenset()
    return Contact(
        name=shown("name"),
        role_title=shown("role_title"),
        organisation=shown("organisation"),
        phone=shown("phone"),
        hours=_hours_words(codes),
        availability=shown("availability"),
    ), codes


def right_now_for(memberships, shared_by_circle: dict, period: str | None = None) -> dict[int, RightNow]:
    """Each circle's "right now", for members who may read its safety plan:
    two statements however many circles."""
    period = period or reach.period_now()
    readers = {
        m.circle_id: m for m in memberships if policy.can(m.role, "safety_plan", policy.READ, shared_by_circle[m.circle_id])
    }
    if not readers:
        return {}
    found = {
        circle_id: RightNow(
            circle_id,
            m.circle.young_person_name,
            m.role == policy.YOUNG_PERSON,
            period,
            str(PERIOD_WORDS[period]).lower(),
        )
        for circle_id, m in readers.items()
    }
    plans = db.session.scalars(select(SafetyPlan).where(SafetyPlan.circle_id.in_(readers)))
    for plan in plans:
        role, shared, shown = readers[plan.circle_id].role, shared_by_circle[plan.circle_id], found[plan.circle_id]
        if _visible(role, "safety_plan", "if_suicidal_thoughts", shared):
            shown.if_suicidal_thoughts = (plan.if_suicidal_thoughts or "").strip()
        if _visible(role, "safety_plan", "coping_steps", shared):
            shown.first_lines = _first_lines(plan.coping_steps)
        if shown.has_steps:
            shown.sections_shown += ("safety_plan",)
            shown.steps_language = plan.language
    team_readers = [
        circle_id for circle_id, m in readers.items()
        if policy.can(m.role, "care_team", policy.READ, shared_by_circle[circle_id])
        and policy.row_scope(m.role, "care_team") is None
    ]
    if team_readers:
        contacts = db.session.scalars(
            select(CareTeamContact)
            .where(CareTeamContact.circle_id.in_(team_readers), CareTeamContact.removed_at.is_(None))
            .order_by(CareTeamContact.circle_id, CareTeamContact.position, CareTeamContact.id)
        )
        for row in contacts:
            role, shared, shown = readers[row.circle_id].role, shared_by_circle[row.circle_id], found[row.circle_id]
            contact, codes = _contact(role, row, shared)
            if not (contact.phone or codes):
                continue  # no number and no hours: nothing to act on at a bad moment
            (shown.reachable if period in codes else shown.not_reachable).append(contact)
            if "care_team" not in shown.sections_shown:
                shown.sections_shown += ("care_team",)
    return found


def home_page_memberships(memberships) -> list:
    """The memberships whose dashboard opens with a "right now" card."""
    return [m for m in memberships if policy.right_now_on_home_page(m.role)]
