"""A person's upcoming follow-ups as an iCalendar feed.

A calendar app fetches the feed without signing in and often shows it on a
locked phone's screen or shares it with a family calendar, so each event
says only that there is an appointment, and when: no names, no place, no
purpose, and the one link back leads to a page that asks to sign in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import and_, or_, select

from portal import clock, zones
from portal.access import policy
from portal.access.queries import memberships_for, row_condition, standings_by_circle
from portal.extensions import db
from portal.languages import in_language
from portal.plan.models import FollowUp
from portal.urls import absolute_url

# In the owner's language (the app fetches it without signing in): evaluated per feed.
SUMMARY = _l("Support Circle appointment")
# Follow-ups keep a start time only; an hour shows as a block in every app.
DURATION = timedelta(hours=1)


@dataclass(frozen=True)
class Feed:
    body: bytes
    # The circles whose follow-ups it carries, with the owner's role in each: for the audit.
    circle_roles: list[tuple[int, str]]


def feed_for(user) -> Feed:
    """In the owner's own language and time zone, whoever's browser or app fetches it."""
    with in_language(getattr(user, "language", None)), zones.reading_as(user):
        return _feed_for(user)


def _feed_for(user) -> Feed:
    config = current_app.config
    calendar = Calendar()
    calendar.add("prodid", "-//Support Circle//Follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Support Circle")
    stamp = clock.now()
    follow_ups, roles = upcoming_follow_ups_with_roles(user)
    for follow_up in follow_ups:
        event = Event()
        # Stable, so a moved appointment moves in the calendar instead of doubling.
        event.add("uid", f"follow-up-{follow_up.id}@{config['MAIL_MESSAGE_ID_DOMAIN']}")
        event.add("sequence", follow_up.version)
        event.add("dtstamp", stamp)
        event.add("dtstart", follow_up.due_at)
        event.add("duration", DURATION)
        event.add("summary", str(SUMMARY))
        event.add("description", absolute_url("plan.section", circle_id=follow_up.circle_id, kind="follow_ups"))
        calendar.add_component(event)
    shown = sorted({follow_up.circle_id for follow_up in follow_ups})
    return Feed(calendar.to_ical(), [(circle_id, roles[circle_id]) for circle_id in shown])


def upcoming_follow_ups_for(user) -> list[FollowUp]:
    """Scheduled follow-ups still to come that this person may read, across
    their circles (active memberships only, under their row scopes); one
    query after the memberships and agreements."""
    return upcoming_follow_ups_with_roles(user)[0]


def upcoming_follow_ups_with_roles(user) -> tuple[list[FollowUp], dict[int, str]]:
    """The same, and the role the person holds in each of their circles (for the audit)."""
    memberships = memberships_for(user)
    roles = {membership.circle_id: membership.role for membership in memberships}
    shared = standings_by_circle(memberships)
    reachable = []
    for membership in memberships:
        if not policy.can(membership.role, "follow_ups", policy.READ, shared[membership.circle_id]):
            continue
        in_circle = FollowUp.circle_id == membership.circle_id
        scope = row_condition("follow_ups", membership, FollowUp)
        reachable.append(in_circle if scope is None else and_(in_circle, scope))
    if not reachable:
        return [], roles
    rows = list(
        db.session.scalars(
            select(FollowUp)
            .where(
                or_(*reachable),
                FollowUp.removed_at.is_(None),
                FollowUp.status == "scheduled",
                FollowUp.due_at >= clock.now(),
            )
            .order_by(FollowUp.due_at, FollowUp.id)
        )
    )
    return rows, roles
