"""Aftercare after an emergency visit or a discharge from hospital (NICE
NG225: initial aftercare within 48 hours).

Recording such an event outside school starts, in the same transaction, a
follow-up of kind "aftercare", "being arranged", due AFTERCARE_HOURS after the
event. Until a clinician books it (a date, status scheduled) or marks it
attended, it is on the dashboards of the people who answer for follow-up (the
clinicians and whoever holds monitoring) as due, and as overdue once its time
has passed; once booked it is an appointment like any other: overdue while
its date is past and nobody marked it attended, then missed
(portal/followup/schedule.py). Everyone else who reads the follow-ups sees
that it is being arranged, by whom, and by when.

Changing the event's time moves the due time of aftercare still being
arranged; a booked one keeps its date. Removing the event leaves its
aftercare: care already started is not taken back by a correction of the
record, and the follow-ups page says that the event it followed was removed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import clock, hooks
from portal.access import policy
from portal.access.queries import readers_of, row_in_scope, scope_columns, standing_for
from portal.extensions import db
from portal.followup import due
from portal.hooks import AttentionItem
from portal.languages import moment as format_moment
from portal.plan import services as plan_services
from portal.plan.models import FollowUp, OutsideEvent
from portal.plan.sections import spec_for
from portal.timezone import local_day_text
from portal.urls import SectionLinks

KIND = "aftercare"
TO_ARRANGE = "to_arrange"

# What the aftercare follows, in words, for those who may read the events
# (the second for the young person); placed inside a sentence as a whole.
EVENT_WORDS = {
    "emergency_visit": (_l("the emergency visit"), _l("your emergency visit")),
    "discharge": (_l("the discharge from hospital"), _l("your discharge from hospital")),
}


def hours() -> int:
    return current_app.config["AFTERCARE_HOURS"]


def due_for(occurred_at: datetime) -> datetime:
    return occurred_at + timedelta(hours=hours())


def moment_text(moment: datetime) -> str:
    """A due time as sentences write it, in the deployment's zone: "Fri 4 Dec 2026, 21:30"."""
    return f"{local_day_text(moment)}, {format_moment(moment, 'time')}"


def _names(names: list[str]) -> str:
    if not names:
        return _("the care team")
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


# -- what follows from recording an event ------------------------------------------


def _aftercare_of(event_id: int) -> list[FollowUp]:
    return list(
        db.session.scalars(
            select(FollowUp).where(FollowUp.outside_event_id == event_id, FollowUp.kind == KIND).order_by(FollowUp.id)
        )
    )


def _hears_of_events_as_of_follow_ups() -> None:
    """Aftercare is created without a notice of its own (``tell=False``),
    because everyone who reads it hears of the event; if the policy ever lets
    someone read aftercare but not events, start-up says so."""
    for role in policy.ROLES:
        reads_aftercare = policy.can(role, "follow_ups", policy.READ) and policy.row_scope(role, "follow_ups") is None
        if reads_aftercare and not policy.can(role, "events", policy.READ):
            raise RuntimeError(f"{role} reads aftercare but not events: aftercare needs its own notice for them")


_hears_of_events_as_of_follow_ups()


def _start(event, actor) -> FollowUp:
    values = {
        "kind": KIND,
        "due_at": due_for(event.occurred_at),
        "with_whom": "",
        "location": "",
        "status": TO_ARRANGE,
        "details": f"Started when the event outside school was recorded: due within {hours()} hours. "
        "Booking it with a date clears it from the dashboards.",
        "outside_event_id": event.id,
    }
    # Everyone who reads this follow-up reads the event, and hears of it as that.
    return plan_services.add_item(event.circle_id, spec_for("follow_ups"), values, actor, commit=False, tell=False)


@hooks.plan_saved.register
def follow_from_event(change: hooks.SavedChange) -> None:
    """An emergency visit or a discharge starts aftercare; a new time moves it
    while it is still being arranged. Inside the save's transaction."""
    if change.kind != "events" or change.action not in ("created", "updated"):
        return
    event = change.row
    if event.kind not in due.AFTERCARE_EVENT_KINDS:
        # A kind changed away from one that starts aftercare leaves the
        # aftercare started: a clinician may remove it.
        return
    if change.action == "created":
        _start(event, change.actor)
        return
    existing = _aftercare_of(event.id)
    if not existing:
        if change.changed("kind"):  # corrected to an emergency visit or a discharge
            _start(event, change.actor)
        return
    if not change.changed("occurred_at"):
        return
    spec = spec_for("follow_ups")
    for follow_up in existing:
        if follow_up.removed_at is None and follow_up.status == TO_ARRANGE:
            plan_services.update_item(
                follow_up, spec, {"due_at": due_for(event.occurred_at)}, follow_up.version, change.actor,
                commit=False, tell=False,
            )


# -- who sees what of it -----------------------------------------------------------


@dataclass(frozen=True)
class Open:
    """Aftercare still being arranged, as one member may see it."""

    circle_id: int
    due_at: datetime
    answers: bool  # the member is one of those who book it
    arrangers: str  # who books it, in words
    after: str | None  # what it follows, for a reader of the events; None otherwise
    event_removed: bool

    @property
    def overdue(self) -> bool:
        return self.due_at < clock.now()

    def sentence(self) -> str:
        when = moment_text(self.due_at)
        if self.after and self.overdue:
            return _("Aftercare after %(event)s is being arranged by %(names)s; it was due by %(when)s, "
                     "and they have been reminded", event=self.after, names=self.arrangers, when=when)
        if self.after:
            return _("Aftercare after %(event)s is being arranged by %(names)s; due by %(when)s",
                     event=self.after, names=self.arrangers, when=when)
        if self.overdue:
            return _("Aftercare is being arranged by %(names)s; it was due by %(when)s, and they have been reminded",
                     names=self.arrangers, when=when)
        return _("Aftercare is being arranged by %(names)s; due by %(when)s", names=self.arrangers, when=when)


def open_aftercare(memberships, shared: dict[int, policy.Shared]) -> dict[int, list[Open]]:
    """Per circle, the aftercare still being arranged that each member may
    read; one statement, and two more (who arranges it) only when there is
    some, however many circles or rows."""
    circles = readers_of(memberships, "follow_ups", shared)
    if not circles:
        return {}
    rows = db.session.execute(
        select(
            *scope_columns(FollowUp, "follow_ups", "circle_id", "kind", "due_at"),
            OutsideEvent.kind.label("event_kind"),
            OutsideEvent.removed_at.label("event_removed_at"),
        )
        .outerjoin(OutsideEvent, OutsideEvent.id == FollowUp.outside_event_id)
        .where(
            FollowUp.circle_id.in_(circles),
            FollowUp.removed_at.is_(None),
            FollowUp.kind == KIND,
            FollowUp.status == TO_ARRANGE,
        )
        .order_by(FollowUp.due_at)
    ).all()
    rows = [row for row in rows if row_in_scope("follow_ups", circles[row.circle_id], row)]
    if not rows:
        return {}
    members, monitoring = due.members_of({row.circle_id for row in rows})
    arrangers = {
        circle_id: [m for m in circle_members if policy.answers_for_follow_ups(m.role, m.id in monitoring)]
        for circle_id, circle_members in members.items()
    }
    found: dict[int, list[Open]] = defaultdict(list)
    for row in rows:
        membership = circles[row.circle_id]
        after = None
        if row.event_kind in EVENT_WORDS and policy.can(membership.role, "events", policy.READ, shared[row.circle_id]):
            after = str(EVENT_WORDS[row.event_kind][membership.role == policy.YOUNG_PERSON])
        found[row.circle_id].append(
            Open(
                circle_id=row.circle_id,
                due_at=row.due_at,
                answers=any(m.id == membership.id for m in arrangers[row.circle_id]),
                arrangers=_names([m.user.name for m in arrangers[row.circle_id]]),
                after=after,
                event_removed=row.event_removed_at is not None,
            )
        )
    return found


@hooks.dashboard_items.register
def aftercare_items(memberships, shared) -> dict[int, list[AttentionItem]]:
    """Aftercare due, then overdue, for those who book it; being arranged, by
    whom, for everyone else who reads the follow-ups."""
    section_url = SectionLinks()
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    by_circle = {m.circle_id: m for m in memberships}
    for circle_id, items in open_aftercare(memberships, shared).items():
        url = section_url(by_circle[circle_id], "follow_ups")
        for item in items:
            when = moment_text(item.due_at)
            if not item.answers:
                found[circle_id].append(AttentionItem("aftercare_arranged", item.sentence(), "", url, (1, item.due_at), "follow_ups", at=item.due_at))
            elif item.overdue:
                found[circle_id].append(
                    AttentionItem("aftercare_overdue", _("Aftercare was due by %(when)s", when=when),
                                  _("it is not booked yet"), url, (0, item.due_at), "follow_ups", at=item.due_at)
                )
            else:
                found[circle_id].append(
                    AttentionItem("aftercare_due", _("Aftercare due by %(when)s", when=when),
                                  _("booking it with a date clears this"), url, (1, item.due_at), "follow_ups", at=item.due_at)
                )
    return found


@hooks.plan_section.register
def aftercare_notes(circle_id: int, kind: str, membership, context: dict) -> dict:
    """The follow-ups page says, in plain words, what aftercare is being arranged."""
    if kind != "follow_ups":
        return {}
    items = open_aftercare([membership], {circle_id: standing_for(membership)}).get(circle_id, [])
    return {"aftercare_notes": items}
