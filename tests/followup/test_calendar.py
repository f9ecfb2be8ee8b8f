"""Each person's upcoming follow-ups as a private iCalendar feed (issue 5, part 6)."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.circles import services as circle_services
from portal.circles.models import Membership
from portal.extensions import db
from portal.followup.models import CalendarFeed
from portal.tokens import token_hash
from tests import factories
from tests.followup.conftest import appointment

SUMMARY = "Support Circle appointment"


def _renew(client) -> str:
    response = client.post("/calendar/renew", data={})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    match = re.search(r'value="(http://[^"]+/calendar/([A-Za-z0-9_\-]+)\.ics)"', html)
    assert match, "the new link is shown once, on the page that made it"
    return match.group(2)


def _feed(client, token: str) -> Calendar:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def _events(calendar: Calendar):
    return [component for component in calendar.walk("VEVENT")]


def _plan(world):
    now = clock.now()
    rows = {
        "soon": appointment(world, now + timedelta(days=2), with_whom="Dr Ana Rivera", location="CLINICROOM 3",
                            details="DETAILS of the session"),
        "later": appointment(world, now + timedelta(days=30), kind="plan_review"),
        "school": appointment(world, now + timedelta(days=5), kind="school_review", role=policy.SCHOOL_CONTACT),
        "past": appointment(world, now - timedelta(days=1)),
        "attended": appointment(world, now + timedelta(hours=1), status="attended"),
        "other_circle": factories.write_section(
            world.other_circle, "follow_ups", world.outsider, "OTHER", kind="appointment", due_at=now + timedelta(days=3),
            status="scheduled",
        ),
    }
    return rows


def test_the_feed_holds_only_the_persons_own_upcoming_follow_ups_and_says_nothing_more(app, world, login_as, frozen_clock):
    rows = _plan(world)
    anonymous = app.test_client()
    expected = {
        policy.CLINICIAN: {"soon", "later", "school"},
        policy.CAREGIVER: {"soon", "later", "school"},
        policy.YOUNG_PERSON: {"soon", "later", "school"},
        policy.SCHOOL_CONTACT: {"school"},
        policy.SCHOOL_STAFF: set(),
    }
    for role, names in expected.items():
        client = login_as(world.users[role], app.test_client())
        token = _renew(client)
        calendar = _feed(anonymous, token)
        events = _events(calendar)
        uids = {str(event["UID"]) for event in events}
        assert uids == {f"follow-up-{rows[name].id}@{app.config['MAIL_MESSAGE_ID_DOMAIN']}" for name in names}, role
        for event in events:
            assert str(event["SUMMARY"]) == SUMMARY
            assert "LOCATION" not in event
            assert str(event["DESCRIPTION"]).startswith(app.config["BASE_URL"])
            assert set(event.keys()) <= {"UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DURATION", "SUMMARY", "DESCRIPTION"}
        text = anonymous.get(f"/calendar/{token}.ics").get_data(as_text=True)
        for secret in ("Jordan", "Rivera", "CLINICROOM", "DETAILS", "T-follow_ups", "Alex"):
            assert secret not in text, (role, secret)
    # The start is the follow-up's time.
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    events = {str(e["UID"]): e for e in _events(_feed(anonymous, _renew(client)))}
    soon = events[f"follow-up-{rows['soon'].id}@{app.config['MAIL_MESSAGE_ID_DOMAIN']}"]
    assert soon["DTSTART"].dt == rows["soon"].due_at.replace(microsecond=0)


def test_a_renewed_link_refuses_the_old_one_and_a_stopped_link_refuses_all(app, world, login_as):
    _plan(world)
    client = login_as(world.users[policy.CAREGIVER], app.test_client())
    anonymous = app.test_client()
    first = _renew(client)
    assert anonymous.get(f"/calendar/{first}.ics").status_code == 200
    second = _renew(client)
    assert second != first
    assert anonymous.get(f"/calendar/{first}.ics").status_code == 404
    assert anonymous.get(f"/calendar/{second}.ics").status_code == 200
    # Only a hash is kept.
    stored = set(db.session.scalars(select(CalendarFeed.token_hash)))
    assert first not in stored and second not in stored and token_hash(second) in stored
    page = client.get("/calendar").get_data(as_text=True)
    assert second not in page, "the link is shown once only"
    assert client.post("/calendar/stop", data={}).status_code == 302
    assert anonymous.get(f"/calendar/{second}.ics").status_code == 404
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == world.users[policy.CAREGIVER].id)))
    assert {"calendar_link_made", "calendar_link_renewed", "calendar_link_stopped"} <= actions


def test_the_link_is_kept_out_of_the_logs():
    from portal.logs import redact

    token = "rJzTwNBFTYwrxk0a67EviChXLVPdgwVSSXnmzaAbCdE"
    line = f'127.0.0.1 - - "GET /calendar/{token}.ics HTTP/1.1" 200 -'
    assert token not in redact(line) and "/calendar/[redacted]" in redact(line)


def test_unknown_and_malformed_links_are_not_found(app, world):
    client = app.test_client()
    for token in ("A" * 43, "short", "x" * 200, "%00" * 5, "../../etc"):
        assert client.get(f"/calendar/{token}.ics").status_code == 404, token


def test_a_removed_member_and_a_deactivated_account_lose_their_feed(app, world, login_as):
    _plan(world)
    caregiver = world.users[policy.CAREGIVER]
    token = _renew(login_as(caregiver, app.test_client()))
    anonymous = app.test_client()
    assert _events(_feed(anonymous, token))
    membership = db.session.scalars(
        select(Membership).where(Membership.user_id == caregiver.id, Membership.circle_id == world.circle.id)
    ).one()
    circle_services.remove_member(membership, world.users[policy.CLINICIAN])
    assert _events(_feed(anonymous, token)) == []
    caregiver.active = False
    db.session.commit()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404


def test_the_calendar_page_needs_sign_in_and_changes_only_by_post(app, world, login_as):
    anonymous = app.test_client()
    assert anonymous.get("/calendar").status_code == 302
    assert anonymous.post("/calendar/renew").status_code == 302
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    assert client.get("/calendar/renew").status_code == 405
    assert client.get("/calendar/stop").status_code == 405
    assert db.session.scalar(select(CalendarFeed.id)) is None
