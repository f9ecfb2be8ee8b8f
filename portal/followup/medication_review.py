"""A medication review date books its follow-up: when the clinical section is
saved with a new "next medication review" day, an appointment "Medication
review" with the prescriber is booked for that day at MEDICATION_REVIEW_TIME
in the deployment's zone, unless one is booked for that day already. It goes
through the plan's services in the save's transaction, so it is versioned,
audited and told like any follow-up a clinician adds.

The prescriber is named as the care team names them: the members holding
the medication responsibility, by their account's name ("The prescriber"
when none does). Nothing is copied from the plan's text: the clinical
section's prescriber field is for the clinicians and primary care only, and
the follow-ups are read by the family.

A day already past books nothing (a review recorded afterwards is not an
appointment to come), and a changed day leaves the booking for the earlier
one in place: whether that appointment still stands is the clinician's to
say on the follow-ups page.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal import clock, hooks
from portal.auth.models import User
from portal.circles.models import Membership
from portal.extensions import db
from portal.plan import services as plan_services
from portal.plan.models import CareTeamContact, FollowUp
from portal.plan.sections import spec_for
from portal.timezone import to_utc

DETAILS = "Medication review"
MEDICATION_REVIEW_TIME = time(9, 0)


def _booked_on(circle_id: int, day) -> bool:
    start = to_utc(datetime.combine(day, time(0, 0)))
    end = to_utc(datetime.combine(day + timedelta(days=1), time(0, 0)))
    return db.session.scalar(
        select(FollowUp.id).where(
            FollowUp.circle_id == circle_id,
            FollowUp.removed_at.is_(None),
            FollowUp.kind == "appointment",
            FollowUp.details == DETAILS,
            FollowUp.due_at >= start,
            FollowUp.due_at < end,
        ).limit(1)
    ) is not None


def _prescribers(circle_id: int) -> str:
    """The members whose own care-team entry holds the medication
    responsibility, by their account's name: the entry's text is plan content
    of the care team, and a copy of it in the follow-ups would be that
    section's words in another section."""
    names = list(
        db.session.scalars(
            select(User.name)
            .join(Membership, Membership.user_id == User.id)
            .join(CareTeamContact, CareTeamContact.membership_id == Membership.id)
            .where(
                CareTeamContact.circle_id == circle_id,
                CareTeamContact.removed_at.is_(None),
                CareTeamContact.responsibilities.contains("medication"),
                Membership.removed_at.is_(None),
                User.active.is_(True),
            )
            .order_by(CareTeamContact.position, CareTeamContact.id)
        )
    )
    return ", ".join(names)[:200] or "The prescriber"


@hooks.plan_saved.register
def book_medication_review(change: hooks.SavedChange) -> None:
    if change.kind != "clinical" or change.action not in ("created", "updated") or change.actor is None:
        return
    day = change.row.medication_review_on
    if day is None or not change.changed("medication_review_on"):
        return
    if day < clock.today() or _booked_on(change.circle_id, day):
        return
    values = {
        "kind": "appointment",
        "due_at": to_utc(datetime.combine(day, MEDICATION_REVIEW_TIME)),
        "with_whom": _prescribers(change.circle_id),
        "location": "",
        "status": "scheduled",
        "details": DETAILS,
    }
    plan_services.add_item(change.circle_id, spec_for("follow_ups"), values, change.actor, commit=False)
