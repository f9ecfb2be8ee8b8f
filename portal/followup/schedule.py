"""What the passing of time writes in follow-through, for the scheduler
(`flask notify send`): follow-ups nobody marked attended become missed, the
people who answer for follow-up are told when one is due after an episode,
an event outside school or a setback review and none is booked, when
aftercare is past its time and still not booked, and when a booked one is
overdue.

Each step is registered on hooks.scheduled, in the order the scheduler runs
them (a follow-up long past is missed, not overdue), and each notice is made
once, however often it runs. The scheduler never imports this feature.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import clock, hooks
from portal.access import policy
from portal.access.queries import row_in_scope
from portal.extensions import db
from portal.followup import aftercare, due
from portal.notify import services as notify
from portal.plan import services as plan_services
from portal.plan.models import FollowUp
from portal.plan.sections import spec_for
from portal.timezone import local_day_text
from portal.urls import path_for

# Each begins a sentence ("... was missed", "... is overdue"), in the reader's language.
FOLLOW_UP_LABELS = {
    "appointment": _l("A follow-up appointment"),
    "aftercare": _l("Aftercare"),
    "plan_review": _l("A plan review"),
    "school_review": _l("A school review"),
}
ANY_FOLLOW_UP = _l("A follow-up")


# A notice's words as a function of the recipient's role: notify composes
# them for each recipient, in that recipient's language.


def _missed_words(what, name: str):
    return lambda role: _("%(what)s in %(name)s's plan was missed: nobody marked it attended.", what=what, name=name)


def _due_words(name: str, deadline):
    return lambda role: _(
        "A follow-up in %(name)s's plan was due by %(day)s, and none is booked yet.",
        name=name, day=local_day_text(deadline),
    )


def _overdue_words(what, name: str):
    return lambda role: _("%(what)s in %(name)s's plan is overdue.", what=what, name=name)


def responsible_for(row, members, monitoring) -> list[notify.Recipient]:
    """Who answers for this follow-up: those who answer for every follow-up,
    and whoever books this kind within their row scope (the school contact,
    for school reviews)."""
    chosen = []
    for membership in members:
        answers = policy.answers_for_follow_ups(membership.role, membership.id in monitoring)
        books_it = policy.can(membership.role, "follow_ups", policy.EDIT) and row_in_scope("follow_ups", membership, row)
        if answers or books_it:
            chosen.append(notify.Recipient(membership.user, membership.role))
    return chosen


def mark_missed_follow_ups() -> int:
    """Scheduled follow-ups past their time by more than the grace period,
    with nobody having marked them attended, become missed: a change kept as
    a version like any other, and the people responsible are told, once."""
    now = clock.now()
    grace = timedelta(hours=current_app.config["FOLLOW_UP_MISSED_AFTER_HOURS"])
    row_ids = list(
        db.session.scalars(
            select(FollowUp.id).where(
                FollowUp.status == "scheduled", FollowUp.removed_at.is_(None), FollowUp.due_at < now - grace
            )
        )
    )
    if not row_ids:
        return 0
    spec = spec_for("follow_ups")
    rows = list(db.session.scalars(select(FollowUp).where(FollowUp.id.in_(row_ids))))
    circle_ids = {row.circle_id for row in rows}
    members, monitoring = due.members_of(circle_ids)
    names = notify.circle_names(circle_ids)
    marked = 0
    for row in rows:
        row_id, circle_id, kind, due_at = row.id, row.circle_id, row.kind, row.due_at
        try:
            plan_services.change_by_schedule(row, spec, {"status": "missed"}, "mark_missed")
        except StaleDataError:
            # Someone saved it at this very moment; the next pass looks again.
            db.session.rollback()
            continue
        if notify.once(f"missed:{row_id}:{due_at.isoformat()}"):
            notify.tell(
                responsible_for(row, members[circle_id], monitoring),
                "follow_up_overdue",
                circle_id=circle_id,
                section="follow_ups",
                text=_missed_words(FOLLOW_UP_LABELS.get(kind, ANY_FOLLOW_UP), names.get(circle_id, "a")),
                link=path_for("plan.section", circle_id=circle_id, kind="follow_ups"),
            )
        db.session.commit()
        marked += 1
    return marked


def follow_up_due_notices() -> int:
    """Tell the people who answer for follow-up, once each, when the time to
    book one after an episode or a setback review has passed with none booked."""
    now = clock.now()
    events = due.unanswered_events(None)
    late = {circle_id: times for circle_id, times in events.items() if min(times.values()) < now - timedelta(days=due.due_days())}
    if not late:
        return 0
    members, monitoring = due.members_of(late)
    names = notify.circle_names(late)
    made = 0
    for circle_id, times in late.items():
        for membership in members[circle_id]:
            if not policy.answers_for_follow_ups(membership.role, membership.id in monitoring):
                continue
            since = due.since_for(membership, times, frozenset())
            if since is None or due.due_by(since) >= now:
                continue
            if not notify.once(f"follow-up-due:{circle_id}:{membership.user_id}:{since.isoformat()}"):
                continue
            notify.tell(
                [notify.Recipient(membership.user, membership.role)],
                "follow_up_overdue",
                circle_id=circle_id,
                section="follow_ups",
                text=_due_words(names.get(circle_id, "a"), due.due_by(since)),
                link=path_for("plan.section", circle_id=circle_id, kind="follow_ups"),
            )
            made += 1
    db.session.commit()
    return made


def _overdue_label(kind: str) -> str:
    return FOLLOW_UP_LABELS.get(kind, FOLLOW_UP_LABELS["appointment"])


def overdue_follow_ups() -> int:
    """Tell the people responsible, once, that a booked follow-up is past its time."""
    now = clock.now()
    rows = list(
        db.session.scalars(
            select(FollowUp).where(
                FollowUp.status == "scheduled", FollowUp.removed_at.is_(None), FollowUp.due_at < now
            )
        )
    )
    made = 0
    circle_ids = {row.circle_id for row in rows}
    members_by_circle, monitoring = due.members_of(circle_ids)
    names = notify.circle_names(circle_ids)
    for row in rows:
        # A rebooked follow-up that becomes overdue again is a new notice.
        if not notify.once(f"overdue:{row.id}:{row.due_at.isoformat()}"):
            continue
        notify.tell(
            responsible_for(row, members_by_circle[row.circle_id], monitoring),
            "follow_up_overdue",
            circle_id=row.circle_id,
            section="follow_ups",
            text=_overdue_words(_overdue_label(row.kind), names.get(row.circle_id) or "a"),
            link=path_for("plan.section", circle_id=row.circle_id, kind="follow_ups"),
        )
        made += 1
    db.session.commit()
    return made


def aftercare_overdue_notices() -> int:
    """Tell the people who answer for follow-up, once, when aftercare still
    being arranged is past its time (kind aftercare_due: at once for the
    clinicians). Moving the event's time moves the due time, and a new due
    time that passes is a new notice."""
    now = clock.now()
    rows = list(
        db.session.scalars(
            select(FollowUp).where(
                FollowUp.kind == "aftercare",
                FollowUp.status == "to_arrange",
                FollowUp.removed_at.is_(None),
                FollowUp.due_at < now,
            )
        )
    )
    if not rows:
        return 0
    circle_ids = {row.circle_id for row in rows}
    members, monitoring = due.members_of(circle_ids)
    names = notify.circle_names(circle_ids)
    made = 0
    for row in rows:
        if not notify.once(f"aftercare:{row.id}:{row.due_at.isoformat()}"):
            continue
        recipients = [
            notify.Recipient(membership.user, membership.role)
            for membership in members[row.circle_id]
            if policy.answers_for_follow_ups(membership.role, membership.id in monitoring)
        ]
        notify.aftercare_due(recipients, row.circle_id, name=names.get(row.circle_id) or "a",
                             due_by=aftercare.moment_text(row.due_at))
        made += 1
    db.session.commit()
    return made


# The scheduler's steps, in order; the agreements and digests come after (portal/notify/scheduler.py).
hooks.scheduled.register(lambda: {"missed follow-ups": mark_missed_follow_ups()}, order=10)
hooks.scheduled.register(lambda: {"follow-ups due": follow_up_due_notices()}, order=20)
hooks.scheduled.register(lambda: {"aftercare overdue": aftercare_overdue_notices()}, order=25)
hooks.scheduled.register(lambda: {"overdue follow-ups": overdue_follow_ups()}, order=30)
