"""A person's upcoming follow-ups as an iCalendar feed.

A calendar app fetches the feed without signing in and often shows it on a
locked phone's screen or shares it with a family calendar, so each event
says only that there is an appointment, and when: no names, no place, no
purpose, and the one link back leads to a page that asks to sign in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from icalendar import Calendar, Event

from portal import clock
from portal.followup import queries

SUMMARY = "Support Circle appointment"
# Follow-ups keep a start time only; an hour shows as a block in every app.
DURATION = timedelta(hours=1)


def feed_for(user) -> bytes:
    config = current_app.config
    base = config["BASE_URL"].rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", "-//Support Circle//Follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Support Circle")
    stamp = clock.now()
    for follow_up in queries.upcoming_follow_ups_for(user):
        event = Event()
        # Stable, so a moved appointment moves in the calendar instead of doubling.
        event.add("uid", f"follow-up-{follow_up.id}@{config['MAIL_MESSAGE_ID_DOMAIN']}")
        event.add("sequence", follow_up.version)
        event.add("dtstamp", stamp)
        event.add("dtstart", follow_up.due_at)
        event.add("duration", DURATION)
        event.add("summary", SUMMARY)
        event.add("description", f"{base}/circles/{follow_up.circle_id}/plan/follow_ups")
        calendar.add_component(event)
    return calendar.to_ical()
