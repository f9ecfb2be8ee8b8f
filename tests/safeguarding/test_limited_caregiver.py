"""A caregiver under a safeguarding limit: the policy decides with it on every
route, in every notice and email, and the calm page meets them where a part
of the plan is kept from them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.access.guard import Section, rule_for
from portal.extensions import db
from portal.notify.delivery import send_pending
from portal.notify.models import Notification, NotificationPreference
from portal.plan.sections import SPECS
from tests import factories

C, CG, SC, ST = policy.CLINICIAN, policy.CAREGIVER, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF
# What the limit keeps from the caregiver; they still read the rest of their part.
HIDDEN = ("school_plan", "home_safety", "follow_ups", "episodes", "events", "setback_reviews", "progress")
SEEN = tuple(kind for kind in policy.readable_sections(CG) if kind not in HIDDEN)
CALM = "Some parts of the plan are kept with the care team for now."
NEVER_SAID = ("limit", "safeguard", "restrict")


def author_of(world, kind):
    return world.users[ST if kind == "episodes" else SC if kind in ("school_plan", "adjustments") else C]


def plant(world, kinds, prefix):
    """A unique marker in every field of each section, as its writers would put it."""
    rows = {}
    for kind in kinds:
        overrides = {"status": "scheduled", "due_at": clock.now() + timedelta(days=3)} if kind == "follow_ups" else {}
        rows[kind] = factories.write_section(world.circle, kind, author_of(world, kind), f"{prefix}{kind.upper()}", **overrides)
    return rows


def care_team_entry(world):
    """The clinician's own entry in the care team, with how to reach them."""
    return factories.write_section(
        world.circle, "care_team", world.users[C], "TEAMROW", contact_kind="person", name="Dr Ana Rivera",
        phone="555 0101", email="ana.rivera@clinic.example", membership_id=world.memberships[C].id,
    )


@pytest.fixture
def limited(app, world, place):
    place(HIDDEN)
    return world.users[CG]


def notices(user, kind=None):
    db.session.expire_all()
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


# -- every route ------------------------------------------------------------------


def hidden_section_urls(app, world, rows):
    """Every route the policy guards by section, for each hidden section it serves (and each item)."""
    base = f"/circles/{world.circle.id}"
    urls = []
    for url_rule in app.url_map.iter_rules():
        rule = rule_for(app, url_rule.endpoint)
        if not isinstance(rule, Section) or not url_rule.rule.startswith("/circles/<int:circle_id>"):
            continue
        kinds = [rule.kind] if rule.kind else [
            kind for kind in HIDDEN if kind in getattr(app.url_map.converters[_kind_converter(url_rule)], "kinds", ())
        ]
        for kind in kinds:
            if kind not in HIDDEN:
                continue
            path = url_rule.rule.replace("<int:circle_id>", str(world.circle.id))
            path = re.sub(r"<\w+:kind>", kind, path)
            row = rows.get(kind)
            path = re.sub(r"<int:(item_id|review_id)>", str(row.id if row is not None else 1), path)
            for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((method, path))
    assert urls and all(path.startswith(base) for _, path in urls)
    return urls


def _kind_converter(url_rule) -> str:
    match = re.search(r"<(\w+):kind>", url_rule.rule)
    return match.group(1) if match else "default"


def test_a_hidden_section_is_refused_by_every_route(app, world, limited, login_as):
    rows = plant(world, HIDDEN, "ROUTE")
    client = login_as(limited)
    tried = hidden_section_urls(app, world, rows)
    for method, path in tried:
        response = client.open(path, method=method, data={})
        assert response.status_code == 403, (method, path, response.status_code)
        assert CALM in response.get_data(as_text=True), (method, path)
    # Every kind of page: the section, its history, print, new item, edit.
    paths = {path for _, path in tried}
    for kind in ("events", "progress"):
        base = f"/circles/{world.circle.id}/plan/{kind}"
        assert {base, f"{base}/history", f"{base}/new", f"{base}/{rows[kind].id}/edit"} <= paths
    assert f"/circles/{world.circle.id}/plan/home_safety/print" in paths or not SPECS["home_safety"].printable
    # What they still read opens as before.
    for kind in SEEN:
        assert client.get(f"/circles/{world.circle.id}/plan/{kind}").status_code == 200, kind


def test_without_the_limit_the_same_caregiver_opens_them(app, world, login_as):
    """The other half of the test above: the refusals come from the limit."""
    client = login_as(world.users[CG])
    for kind in HIDDEN:
        assert client.get(f"/circles/{world.circle.id}/plan/{kind}").status_code == 200, kind
    assert client.get(f"/circles/{world.circle.id}/who-has-seen").status_code == 200


def test_who_has_seen_is_not_shown_to_them(app, world, limited, login_as):
    response = login_as(limited).get(f"/circles/{world.circle.id}/who-has-seen")
    assert response.status_code == 403 and CALM in response.get_data(as_text=True)


def test_a_limit_hiding_nothing_still_keeps_who_has_seen(app, world, place, login_as):
    place(())
    client = login_as(world.users[CG])
    assert client.get(f"/circles/{world.circle.id}/who-has-seen").status_code == 403
    assert client.get(f"/circles/{world.circle.id}/plan/events").status_code == 200


# -- the calm page -----------------------------------------------------------------


def test_the_calm_page_names_the_clinicians_and_how_to_reach_them(app, world, limited, login_as):
    care_team_entry(world)
    page = login_as(limited).get(f"/circles/{world.circle.id}/plan/events").get_data(as_text=True)
    assert CALM in page
    assert "If you have questions, the care team can talk it through with you." in page
    assert "Dr Ana Rivera" in page and "555 0101" in page and "ana.rivera@clinic.example" in page
    for word in NEVER_SAID:
        assert word not in page.lower(), word
    assert "not shared with you" not in page


def test_with_the_care_team_hidden_the_calm_page_gives_names_only(app, world, place, login_as):
    care_team_entry(world)
    place(("care_team", "events"))
    page = login_as(world.users[CG]).get(f"/circles/{world.circle.id}/plan/events").get_data(as_text=True)
    assert CALM in page and "Dr Ana Rivera" in page
    assert "555 0101" not in page and "ana.rivera@clinic.example" not in page


def test_others_get_the_ordinary_refusal(app, world, limited, login_as):
    # A part of the plan no caregiver reads: their role, not the limit.
    page = login_as(limited).get(f"/circles/{world.circle.id}/plan/clinical").get_data(as_text=True)
    assert CALM not in page and "not shared with you" in page
    for role in (ST, policy.YOUNG_PERSON):
        response = login_as(world.users[role], app.test_client()).get(f"/circles/{world.circle.id}/plan/clinical")
        assert response.status_code == 403 and CALM not in response.get_data(as_text=True)


# -- notices and email ----------------------------------------------------------------


def test_no_notice_at_all_of_a_change_in_a_hidden_section(app, world, limited, mail_server):
    plant(world, ("events", "home_safety", "progress", "episodes"), "NOTICE")
    assert notices(limited) == []
    send_pending()
    assert limited.email not in "".join(mail_server.messages)
    # The unlimited reader of the same sections was told.
    assert notices(world.users[C])


@pytest.mark.parametrize("kind, notice", [("events", "event_recorded"), ("episodes", "episode_recorded")])
def test_events_and_uses_of_the_school_plan_wait_for_the_digest(app, world, place, mail_server, frozen_clock, kind, notice):
    place(("progress",))  # events and episodes not hidden
    caregiver = world.users[CG]
    plant(world, (kind,), "DIGEST")
    (told,) = notices(caregiver, notice)
    assert told.email_state == "digest"
    send_pending()
    assert caregiver.email not in "".join(mail_server.messages)
    assert mail_server.messages  # the others who hear of it at once still do
    mail_server.messages.clear()
    from portal.notify.scheduler import digests

    frozen_clock.current = frozen_clock.current.replace(hour=23, minute=30)
    with app.test_request_context():
        digests()
    send_pending()
    assert [m for m in mail_server.messages if f"To: {caregiver.email}" in m]
    assert not any(f"DIGEST{kind.upper()}" in m for m in mail_server.messages)


def test_their_own_choice_of_no_email_is_kept(app, world, place, mail_server):
    place(("progress",))
    caregiver = world.users[CG]
    db.session.add(NotificationPreference(user_id=caregiver.id, kind="event_recorded", mode="portal"))
    db.session.commit()
    plant(world, ("events",), "PORTAL")
    assert notices(caregiver, "event_recorded")[0].email_state == "portal"


def test_without_a_limit_an_event_reaches_the_caregiver_at_once(app, world, mail_server):
    plant(world, ("events",), "ATONCE")
    assert notices(world.users[CG], "event_recorded")[0].email_state == "immediate"
    send_pending()
    assert any(f"To: {world.users[CG].email}" in m for m in mail_server.messages)


# -- the canary ------------------------------------------------------------------------


LINK = re.compile(r'href="(/[^"#?]*)')
SKIP = ("/logout", "/sign-out", "/static/", "/urgent-help", ".ics")


def crawl(client, starts) -> dict[str, str]:
    """Every page reachable by links from ``starts``, by GET only."""
    seen: dict[str, str] = {}
    queue = list(starts)
    while queue and len(seen) < 400:
        path = queue.pop(0)
        if path in seen or any(part in path for part in SKIP):
            continue
        response = client.get(path)
        assert response.status_code < 500, path
        text = response.get_data(as_text=True)
        seen[path] = text if response.status_code == 200 else ""
        if response.status_code == 200 and response.mimetype == "text/html":
            queue.extend(LINK.findall(text))
    return seen


def test_canary_nothing_of_a_hidden_section_reaches_the_limited_caregiver(app, world, limited, login_as, mail_server):
    plant(world, HIDDEN, "CANARYHID")
    plant(world, SEEN, "CANARYSEEN")
    client = login_as(limited)
    base = f"/circles/{world.circle.id}"
    starts = ["/dashboard", "/circles", "/notifications", base, f"{base}/right-now", f"{base}/members", f"{base}/reviews",
              "/calendar"]
    starts += [f"{base}/plan/{kind}/print" for kind in SPECS if SPECS[kind].printable]
    pages = crawl(client, starts)
    # Their calendar feed, made the way they would make it.
    renewed = client.post("/calendar/renew", data={}).get_data(as_text=True)
    token = re.search(r"/calendar/([A-Za-z0-9_\-]+)\.ics", renewed).group(1)
    pages["feed"] = app.test_client().get(f"/calendar/{token}.ics").get_data(as_text=True)
    everything = "\n".join(pages.values())
    assert "CANARYSEEN" in everything, "the walk saw the plan at all"
    for kind in HIDDEN:
        marker = f"CANARYHID{kind.upper()}"
        leaks = [path for path, text in pages.items() if marker in text]
        assert leaks == [], (kind, leaks)
    for notice in notices(limited):
        assert "CANARY" not in notice.text
        assert notice.section not in HIDDEN
    send_pending()
    for message in mail_server.messages:
        if f"To: {limited.email}" in message:
            assert "CANARY" not in message


def test_what_a_limit_keeps_from_them_is_shown_on_who_has_seen_only_to_those_who_see_limits(app, world, limited, login_as):
    """A refusal the limit caused is audited like any other, but the young
    person and the rest of the family never read it: it would tell them a limit exists."""
    from portal.audit.models import AuditEvent

    parent = login_as(limited, app.test_client())
    assert parent.get(f"/circles/{world.circle.id}/plan/events").status_code == 403
    assert parent.get(f"/circles/{world.circle.id}/who-has-seen").status_code == 403
    db.session.expire_all()
    kept = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == limited.id, AuditEvent.action == "denied")).all()
    assert {event.outcome for event in kept} == {"kept"} and len(kept) == 2
    name = limited.name
    young_person = login_as(world.users[policy.YOUNG_PERSON], app.test_client())
    seen = young_person.get(f"/circles/{world.circle.id}/who-has-seen?when=all").get_data(as_text=True)
    assert f"{name}, caregiver, tried" not in seen
    clinician = login_as(world.users[C], app.test_client())
    seen = clinician.get(f"/circles/{world.circle.id}/who-has-seen?when=all").get_data(as_text=True)
    assert f"{name}, caregiver, tried" in seen


def test_a_refusal_that_is_not_the_limits_is_shown_as_before(app, world, login_as):
    from portal.audit.models import AuditEvent

    parent = login_as(world.users[CG], app.test_client())
    assert parent.get(f"/circles/{world.circle.id}/plan/clinical").status_code == 403
    db.session.expire_all()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one()
    assert event.outcome == "refused"
