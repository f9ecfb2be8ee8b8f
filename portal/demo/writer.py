"""The demo's machinery: how the story is written, not what it says.

The demo writes through the same services the pages use, each change by the
member who would make it and checked first against the access policy, with
the clock set back to the moment the story says it happened. The story itself
(who is in it, what they wrote) is in cast.py, jordan_plan.py,
jordan_setback.py, jordan_history.py and seed.py.

Where a save books a follow-up by itself (a plan_saved provider: aftercare
after an emergency visit, a review on a medication review date), the writer
notes it in ``booked_by_last_save`` and ``book`` completes that follow-up
rather than adding a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.access.queries import scoped_values
from portal.access.sections import item_editable_fields, section_access
from portal.auth.models import User
from portal.circles import services as circle_services
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.followup import services as followup_services
from portal.plan import queries
from portal.plan import services as plan_services
from portal.plan.sections import spec_for
from portal.timezone import zone


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Let the services stamp their history with a moment in the past.

    Every service reads the time from portal.clock, the one place meant for
    freezing time; without this, every change in the demo's history would
    carry the minute the demo was loaded.
    """
    real_now = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = real_now


MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


@dataclass(frozen=True)
class Calendar:
    """Days counted from today in the deployment's time zone, where people live."""

    today: date

    def day(self, offset: int, *, school_day: bool = False, later: bool = False) -> date:
        """A day ``offset`` days from today; a school day is moved off the weekend
        (earlier by default, so that 'a few days ago' stays in the past)."""
        day = self.today + timedelta(days=offset)
        step = timedelta(days=1 if later else -1)
        while school_day and day.weekday() >= 5:
            day += step
        return day

    def weekday(self, offset: int, weekday: int, *, later: bool = False) -> date:
        """That weekday (Monday is 0) on or before the day ``offset`` days from today, or on or after it."""
        day = self.today + timedelta(days=offset)
        while day.weekday() != weekday:
            day += timedelta(days=1 if later else -1)
        return day

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """Wall-clock time on ``day``, as the aware UTC datetime the columns keep."""
        return datetime.combine(day, time(hour, minute), tzinfo=zone()).astimezone(UTC)


def said(day: date) -> str:
    """A date the way people write it in a note ('Tuesday, March 4')."""
    return f"{day:%A}, {day:%B} {day.day}"


class CircleWriter:
    """Writes one circle's plan as its members would through the pages.

    Each write is first checked against the access policy for the author's
    membership, so the demo can never show something that no one could have
    entered: a teacher writing the school plan, a caregiver assigning
    responsibilities.
    """

    def __init__(self, circle: Circle):
        self.circle = circle
        # The follow-ups the last save booked by itself (a plan_saved provider:
        # aftercare after an emergency visit, a medication review date).
        self.booked_by_last_save: list = []

    @contextmanager
    def _watching_follow_ups(self, saved=None) -> Iterator[None]:
        model = spec_for("follow_ups").model
        ids = select(model.id).where(model.circle_id == self.circle.id)
        before = set(db.session.scalars(ids))
        yield
        made = set(db.session.scalars(ids)) - before
        if saved and isinstance(saved[0], model):
            made.discard(saved[0].id)
        self.booked_by_last_save = [db.session.get(model, row_id) for row_id in sorted(made)]

    def membership(self, user: User) -> Membership:
        return db.session.scalars(
            select(Membership).where(
                Membership.circle_id == self.circle.id,
                Membership.user_id == user.id,
                Membership.removed_at.is_(None),
            )
        ).one()

    def add_member(self, user: User, role: str, relationship_label: str, by: User, at: datetime) -> None:
        granting_role = self.membership(by).role
        if not policy.can_act(granting_role, "manage_members"):
            raise RuntimeError(f"{by.name} may not add a {role} to the circle")
        # add_member asks the membership policy (portal/access/transitions.py) itself.
        with clock_at(at):
            added = circle_services.add_member(self.circle, user.email, role, relationship_label, by)
        if not added:
            raise RuntimeError(f"no active account for {user.email}")

    def _check(self, author: User, section: str, fields, row=None) -> Membership:
        membership = self.membership(author)
        spec = spec_for(section)
        allowed = section_access(membership, spec).editable if row is None else item_editable_fields(membership, spec, row)
        refused = set(fields) - set(allowed)
        if refused:
            raise RuntimeError(f"{author.name} may not write {sorted(refused)} in {section}")
        return membership

    def write(self, section: str, author: User, at: datetime, /, **values):
        """Save a one-document section, on top of whatever version is there."""
        spec = spec_for(section)
        if spec.is_list:
            raise ValueError(f"{section} is a list section")
        self._check(author, section, values)
        current = queries.document(self.circle.id, spec)
        with clock_at(at), self._watching_follow_ups():
            return plan_services.save_document(
                self.circle.id, spec, values, current.version if current else 0, author
            )

    # The section comes positionally (and is not called "kind") because
    # adjustments and follow-ups have a field of that name.
    def add(self, section: str, author: User, at: datetime, /, **values):
        return self._add(section, author, at, values, {})

    def _add(self, section: str, author: User, at: datetime, values: dict, links: dict):
        """``links``: columns that tie the item to another, set by the page that
        makes it rather than typed in (an aftercare's emergency visit)."""
        spec = spec_for(section)
        membership = self._check(author, section, values)
        # As the new-item page does: a row scope fixes some values (the school
        # books only school reviews), and an episode names who recorded it.
        values.update(scoped_values(section, membership))
        if section == "episodes":
            values["recorded_by_id"] = author.id
        saved = []
        with clock_at(at), self._watching_follow_ups(saved):
            row = plan_services.add_item(self.circle.id, spec, {**values, **links}, author)
            saved.append(row)
        return row

    def update(self, section: str, row, author: User, at: datetime, /, **values):
        self._check(author, section, values, row)
        with clock_at(at), self._watching_follow_ups([row]):
            return plan_services.update_item(row, spec_for(section), values, row.version, author)

    def book(self, author: User, at: datetime, /, *, booked=(), outside_event=None, **values):
        """Book a follow-up; or, when the save before already booked one by
        itself (``booked``, usually ``booked_by_last_save``), complete that one
        instead, so the demo never shows the same appointment twice."""
        booked = [row for row in booked if row.removed_at is None]
        if booked:
            row = booked[0]
            changes = {name: value for name, value in values.items() if getattr(row, name) != value}
            return self.update("follow_ups", row, author, at, **changes) if changes else row
        links = {"outside_event_id": outside_event.id} if outside_event is not None else {}
        return self._add("follow_ups", author, at, values, links)

    def review(self, author: User, at: datetime, sections, *, held_at=None, next_review=None):
        """A plan review, recorded as the review page records it."""
        if not policy.can_act(self.membership(author).role, "record_review"):
            raise RuntimeError(f"{author.name} may not record a plan review")
        with clock_at(at), self._watching_follow_ups():
            return followup_services.record_review(
                self.circle.id, author, sections, held_at=held_at, next_review=next_review
            )

    def remove(self, section: str, row, author: User, at: datetime) -> None:
        if not policy.can(self.membership(author).role, section, policy.EDIT):
            raise RuntimeError(f"{author.name} may not remove items from {section}")
        with clock_at(at):
            plan_services.set_removed(row, spec_for(section), author, removed=True)

    def own_contact(self, user: User):
        model = spec_for("care_team").model
        return db.session.scalars(select(model).where(model.membership_id == self.membership(user).id)).one()
