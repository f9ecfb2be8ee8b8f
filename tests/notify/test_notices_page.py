"""The notices page a person can keep up with: grouped by plan and kind, newest
first, paged, read a group or all at once, urgent notices that say so in
words, and routine changes waiting for the day's digest by default."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.auth.models import User
from portal.extensions import db
from portal.notify import groups as groups_of
from portal.notify import services as notify
from portal.notify.models import AT_ONCE_BY_DEFAULT, EVENT_KINDS, URGENT_KINDS, Notification, default_mode
from tests import factories
from tests.bad_input import HOSTILE
from tests.web import counting_statements


@pytest.fixture(autouse=True)
def no_notices_yet(world):
    """The notices of building the world (each member told they were added) put aside."""
    db.session.execute(Notification.__table__.delete())
    db.session.execute(User.__table__.update().values(unread_notices=0))
    db.session.commit()


def tell(world, user, kind, section=None, text="Something changed.", circle=None):
    role = next((m.role for m in world.memberships.values() if m.user_id == user.id), None)
    circle_id = (circle or world.circle).id
    notify.tell(
        [notify.Recipient(user, role)], kind, circle_id=circle_id, section=section, text=text, link="/dashboard"
    )
    db.session.commit()


def groups_in(html: str) -> list[str]:
    """Each group's data-group, in page order."""
    return re.findall(r'class="notice-group [^"]*" data-group="([^"]*)"', html)


def group_html(html: str, key: str) -> str:
    start = html.index(f'data-group="{key}"')
    end = html.find('class="notice-group ', start)
    return html[start : end if end != -1 else len(html)]


def unread_of(user) -> int:
    db.session.expire_all()
    return db.session.get(type(user), user.id).unread_notices


def test_notices_are_grouped_by_plan_and_kind_newest_first(app, world, login_as, frozen_clock):
    caregiver = world.users[policy.CAREGIVER]
    cid = world.circle.id
    for number in range(6):
        tell(world, caregiver, "section_changed", "safety_plan", f"SAFETY-{number}")
        frozen_clock.advance(minutes=1)
    tell(world, caregiver, "section_changed", "home_safety", "HOME-0")
    frozen_clock.advance(minutes=1)
    tell(world, caregiver, "event_recorded", None, "EVENT-0")
    page = login_as(caregiver, app.test_client()).get("/notifications").text
    # Newest group first; each plan section its own group; notices inside, newest first.
    assert groups_in(page) == [
        f"event_recorded::{cid}",
        f"section_changed:home_safety:{cid}",
        f"section_changed:safety_plan:{cid}",
    ]
    safety = group_html(page, f"section_changed:safety_plan:{cid}")
    assert "<details>" in safety and "<summary>" in safety
    assert "Jordan&#39;s plan:</span> 6 changes to the safety plan" in safety
    assert "6 new" in safety
    assert [int(n) for n in re.findall(r"SAFETY-(\d)", safety)] == [5, 4, 3, 2, 1, 0]
    assert "HOME-0" not in safety and "HOME-0" in group_html(page, f"section_changed:home_safety:{cid}")
    assert "1 change to the home safety" in group_html(page, f"section_changed:home_safety:{cid}").lower()


def test_a_group_lists_its_newest_notices_and_says_how_many_more(app, world, login_as):
    caregiver = world.users[policy.CAREGIVER]
    for number in range(groups_of.LISTED_IN_GROUP + 3):
        tell(world, caregiver, "section_changed", "safety_plan", f"MANY-{number:03d}")
    page = login_as(caregiver, app.test_client()).get("/notifications").text
    assert len(re.findall(r"MANY-\d{3}", page)) == groups_of.LISTED_IN_GROUP
    assert f"MANY-{groups_of.LISTED_IN_GROUP + 2:03d}" in page and "MANY-000" not in page
    assert f"These are the newest {groups_of.LISTED_IN_GROUP} of {groups_of.LISTED_IN_GROUP + 3}." in page


def test_urgent_notices_say_so_in_words_and_the_rest_stay_calm(app, world, login_as):
    clinician = world.users[policy.CLINICIAN]
    cid = world.circle.id
    tell(world, clinician, "section_changed", "safety_plan")
    for kind in ("aftercare_due", "contact_soon", "event_recorded"):
        tell(world, clinician, kind, None)
    client = login_as(clinician, app.test_client())
    page = client.get("/notifications").text
    for kind in ("aftercare_due", "contact_soon", "event_recorded"):
        urgent = group_html(page, f"{kind}::{cid}")
        assert "notice-urgent" in page[page.rindex("<li", 0, page.index(f'data-group="{kind}::{cid}"')) :][:200]
        assert "Needs attention now" in urgent
    calm = group_html(page, f"section_changed:safety_plan:{cid}")
    assert "Needs attention now" not in calm
    assert 'class="notice-group notice-calm unread" data-group="section_changed:safety_plan:' in page
    # Never a label of risk, on the page or in the words for a group.
    assert not re.search(r"\b(low|medium|high)[ -]risk\b|risk (score|level)", page, re.I)
    # Once read, an urgent group is calm again.
    client.post("/notifications/group/read", data={"circle": cid, "kind": "aftercare_due", "section": ""})
    page = client.get("/notifications").text
    assert "Needs attention now" not in group_html(page, f"aftercare_due::{cid}")
    assert 'class="notice-group notice-calm read" data-group="aftercare_due::' in page
    assert URGENT_KINDS <= AT_ONCE_BY_DEFAULT <= set(EVENT_KINDS)


def test_a_group_and_then_everything_can_be_marked_read(app, world, login_as):
    caregiver, other = world.users[policy.CAREGIVER], world.users[policy.YOUNG_PERSON]
    cid = world.circle.id
    for _ in range(3):
        tell(world, caregiver, "section_changed", "safety_plan")
    tell(world, caregiver, "section_changed", "home_safety")
    tell(world, caregiver, "event_recorded")
    tell(world, other, "section_changed", "safety_plan")
    client = login_as(caregiver, app.test_client())
    response = client.post(
        "/notifications/group/read", data={"circle": cid, "kind": "section_changed", "section": "safety_plan"}
    )
    assert response.status_code == 302
    assert "3 notices are marked as read." in client.get(response.headers["Location"]).text

    def unread_kinds(user):
        rows = db.session.execute(
            select(Notification.kind, Notification.section).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        return sorted((kind, section or "") for kind, section in rows)

    assert unread_kinds(caregiver) == [("event_recorded", ""), ("section_changed", "home_safety")]
    assert unread_of(caregiver) == 2
    page = client.get("/notifications").text
    assert "Mark these as read" not in group_html(page, f"section_changed:safety_plan:{cid}")
    assert "Mark these as read" in group_html(page, f"section_changed:home_safety:{cid}")
    assert '<span class="badge">2<' in page
    assert client.post("/notifications/read").status_code == 302
    assert unread_kinds(caregiver) == [] and unread_of(caregiver) == 0
    page = client.get("/notifications").text
    assert '<span class="badge">' not in page and "Mark these as read" not in page
    # Someone else's notices are untouched.
    assert unread_kinds(other) == [("section_changed", "safety_plan")]


def test_reading_needs_the_forms_token(app, world, login_as):
    caregiver = world.users[policy.CAREGIVER]
    tell(world, caregiver, "section_changed", "safety_plan")
    client = login_as(caregiver, app.test_client())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        group = {"circle": world.circle.id, "kind": "section_changed", "section": "safety_plan"}
        for url, data in (("/notifications/read", {}), ("/notifications/group/read", group)):
            response = client.post(url, data=data)
            assert response.status_code in (302, 400)
        assert unread_of(caregiver) == 1
        page = client.get("/notifications").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/notifications/group/read", data={**group, "csrf_token": token})
        assert unread_of(caregiver) == 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_bad_group_is_refused_with_a_message_and_changes_nothing(app, world, login_as, poster):
    """notify.mark_group_read, given a circle, kind or section it cannot know."""
    caregiver = world.users[policy.CAREGIVER]
    tell(world, caregiver, "section_changed", "safety_plan")
    tell(world, world.users[policy.CLINICIAN], "section_changed", "safety_plan", circle=world.other_circle)
    client = login_as(caregiver, app.test_client())
    cid = world.circle.id
    refused = [
        {},
        {"circle": cid, "kind": "bogus", "section": "safety_plan"},
        {"circle": cid, "kind": "section_changed", "section": "no_such_section"},
        {"circle": "abc", "kind": "section_changed", "section": "safety_plan"},
        {"circle": "-1", "kind": "section_changed", "section": "safety_plan"},
        {"circle": "9" * 40, "kind": "section_changed", "section": "safety_plan"},
        {"circle": HOSTILE["sql"], "kind": HOSTILE["script"], "section": HOSTILE["attribute"]},
    ]
    for data in refused:
        response = poster.send(client, "/notifications/group/read", data, f"group read {data!r:.40}")
        assert response.status_code == 302, data
        page = client.get(response.headers["Location"]).text
        assert "that group of notices was not found" in page, data
        assert unread_of(caregiver) == 1, data
    # A circle that is not theirs: nothing of anyone's is marked read.
    response = client.post(
        "/notifications/group/read",
        data={"circle": world.other_circle.id, "kind": "section_changed", "section": "safety_plan"},
    )
    assert "Those notices were already read." in client.get(response.headers["Location"]).text
    assert unread_of(caregiver) == 1
    assert (
        db.session.scalar(select(Notification.read_at).where(Notification.circle_id == world.other_circle.id)) is None
    )


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "", " 2", "٣", HOSTILE["script"]])
def test_a_page_that_is_not_a_number_is_told(app, world, login_as, value):
    caregiver = world.users[policy.CAREGIVER]
    tell(world, caregiver, "section_changed", "safety_plan", "KEPT")
    response = login_as(caregiver, app.test_client()).get("/notifications", query_string={"page": value})
    assert response.status_code == 400
    assert "That is not a page number." in response.text
    assert "KEPT" not in response.text and "No notifications yet." not in response.text
    assert "<script>" not in response.text


def test_a_page_past_the_end_says_so(app, world, login_as):
    caregiver = world.users[policy.CAREGIVER]
    factories.member(world.other_circle, caregiver, policy.CAREGIVER, world.outsider)
    db.session.commit()
    places = [(circle, section) for circle in (world.circle, world.other_circle) for section in policy.SECTIONS]
    assert len(places) > groups_of.PER_PAGE
    for circle, section in places[: groups_of.PER_PAGE + 1]:
        tell(world, caregiver, "section_changed", section, circle=circle)
    client = login_as(caregiver, app.test_client())
    first = client.get("/notifications")
    assert first.status_code == 200 and len(groups_in(first.text)) == groups_of.PER_PAGE
    assert "Page 1 of 2" in first.text and "?page=2" in first.text
    second = client.get("/notifications?page=2")
    assert second.status_code == 200 and len(groups_in(second.text)) >= 1
    for page in (3, 99, 10**30):
        response = client.get(f"/notifications?page={page}")
        assert response.status_code == 404
        assert "of your notifications: they fill 2." in response.text
        assert "No notifications yet." not in response.text
        assert "?page=2" in response.text  # the last page, one click away
    # With no notices at all, page 1 is the calm empty list, and page 2 does not exist.
    other = world.users[policy.SCHOOL_STAFF]
    client = login_as(other, app.test_client())
    db.session.execute(Notification.__table__.delete().where(Notification.user_id == other.id))
    other.unread_notices = 0
    db.session.commit()
    assert "No notifications yet." in client.get("/notifications").text
    assert client.get("/notifications?page=2").status_code == 404


def test_routine_changes_wait_for_the_digest_and_urgent_ones_come_at_once(app, world, login_as):
    """With no settings of their own: routine kinds by the day's digest, what
    may need someone to act today by email at once; the settings page shows
    the same defaults, and a person's own choice still wins."""
    assert default_mode("section_changed") == "digest"
    assert {kind for kind in EVENT_KINDS if default_mode(kind) == "immediate"} == AT_ONCE_BY_DEFAULT
    caregiver, young_person = world.users[policy.CAREGIVER], world.users[policy.YOUNG_PERSON]
    for kind in EVENT_KINDS:
        tell(world, young_person, kind, None, f"DEFAULT-{kind}")
    states = dict(
        db.session.execute(
            select(Notification.kind, Notification.email_state).where(Notification.user_id == young_person.id)
        ).all()
    )
    assert states == {kind: default_mode(kind) for kind in EVENT_KINDS}
    page = login_as(young_person, app.test_client()).get("/notifications/settings").text
    for kind in EVENT_KINDS:
        selected = re.search(rf'<select[^>]*name="{kind}"[^>]*>(.*?)</select>', page, re.S).group(1)
        assert re.search(
            rf'<option selected value="{default_mode(kind)}"|<option value="{default_mode(kind)}" selected', selected
        ), kind
    # Their own choice is kept over the default.
    notify.save_preferences(
        caregiver, {kind: "immediate" if kind == "section_changed" else "portal" for kind in EVENT_KINDS}
    )
    tell(world, caregiver, "section_changed", "safety_plan")
    tell(world, caregiver, "aftercare_due")
    rows = db.session.execute(
        select(Notification.kind, Notification.email_state).where(Notification.user_id == caregiver.id)
    )
    assert sorted(rows.all()) == [("aftercare_due", "portal"), ("section_changed", "immediate")]


def test_a_limited_caregiver_still_hears_of_events_by_the_digest_at_most(app, world):
    clinician = world.users[policy.CLINICIAN]
    caregiver = world.users[policy.CAREGIVER]
    factories.limit(world.memberships[policy.CAREGIVER], clinician, hidden=("setback_reviews",))
    db.session.commit()
    recipients = [r for r in notify.readers(world.circle.id, "care_team") if r.user.id == caregiver.id]
    assert recipients and policy.is_limited(recipients[0].standing)
    notify.tell(recipients, "event_recorded", circle_id=world.circle.id, section=None, text="x", link="/")
    db.session.commit()
    state = db.session.scalar(
        select(Notification.email_state).where(
            Notification.user_id == caregiver.id, Notification.kind == "event_recorded"
        )
    )
    assert default_mode("event_recorded") == "immediate" and state == "digest"


def _statements_for_the_page(app, world, login_as, how_many: int) -> int:
    caregiver = world.users[policy.CAREGIVER]
    kinds = ("section_changed", "event_recorded", "aftercare_due", "agreement_changed", "membership_changed")
    sections = ("safety_plan", "home_safety", "care_team", None)
    for number in range(how_many):
        tell(world, caregiver, kinds[number % len(kinds)], sections[number % len(sections)], f"Q-{number}")
    client = login_as(caregiver, app.test_client())
    client.get("/notifications")  # the session warmed, as for any page after the first
    with counting_statements() as counted:
        response = client.get("/notifications")
    assert response.status_code == 200
    assert len(re.findall(r"Q-\d+", response.text)) == min(
        how_many, len(groups_in(response.text)) * groups_of.LISTED_IN_GROUP
    )
    return len(counted)


def test_the_notices_page_costs_the_same_for_5_and_50_notices(app, world, login_as):
    few = _statements_for_the_page(app, world, login_as, 5)
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    many = _statements_for_the_page(app, world, login_as, 50)
    assert few == many
    # The session and account, the groups, their notices, the member's roles, the audit entry.
    assert many <= 8, many
