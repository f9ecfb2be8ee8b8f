"""Journeys 10 and 11 of DESIGN.md: care at night and in hospital, and the
direct question, end to end in Debian's Chromium against the live demo.

10. A parent records on a phone at night that Jordan was seen at the
    emergency department; the clinicians see aftercare due within 48 hours,
    and overdue after; the counselor and the teacher never see the event on
    any page, print view, history, notice, email or calendar.
11. The young person answers "yes" to the check-in's question about thoughts
    of suicide: the next page shows their plan's first steps and numbers, the
    clinicians are told at once, and nothing of it reaches the school.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.access import policy
from tests.browser.test_journeys import (
    CLINICIAN,
    COUNSELOR,
    PARENT,
    PSYCHIATRIST,
    STUDENT,
    TEACHER,
    WAIT_MS,
    assert_private,
    field_named,
    follow,
    local_now,
    members_of,
    open_circle,
    open_section,
    run_in_app,
    status_of,
    unread,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _waits():
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=None)


def _patient(page: Page) -> Page:
    page.set_default_timeout(WAIT_MS)
    return page


@pytest.fixture
def person(signed_in):
    return lambda email, **size: _patient(signed_in(email, **size))


@pytest.fixture
def fresh(page_as):
    return lambda email, **size: _patient(page_as(email, **size))


def dashboard_card(page: Page, name: str = "Jordan"):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    return page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=f"{name}'s plan", exact=True).or_(
            page.get_by_role("heading", name="Your plan", exact=True)
        )
    )


def school_pages(live_server, circle_id: int) -> list[str]:
    """Every page a school role might open that could carry the event: the
    dashboard, the circle, each section, its history and print view, the
    notices, the school's week and the calendar feed's page."""
    from portal.plan.sections import SPECS

    pages = [
        "/dashboard", "/circles", "/notifications", "/calendar", "/school/caseload", "/school/this-week",
        "/school/this-week/print", f"/circles/{circle_id}/plan", f"/circles/{circle_id}/school",
        f"/circles/{circle_id}/reviews", f"/circles/{circle_id}/members", f"/circles/{circle_id}/sharing",
        f"/circles/{circle_id}/right-now",
    ]
    for kind, spec in SPECS.items():
        pages.append(f"/circles/{circle_id}/plan/{kind}")
        pages.append(f"/circles/{circle_id}/plan/{kind}/history")
        if spec.printable:
            pages.append(f"/circles/{circle_id}/plan/{kind}/print")
    return pages


def assert_school_never_sees(page: Page, live_server, circle_id: int, *secrets: str) -> int:
    """Open every page the school might reach; none carries a secret, and the
    events section itself is refused. Returns the pages looked at."""
    looked = 0
    for path in school_pages(live_server, circle_id):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None, path
        if path.endswith("/plan/events") or "/plan/events/" in path:
            assert response.status in (403, 404), (path, response.status)
        if response.status >= 400:
            continue
        looked += 1
        body = page.content()
        for secret in secrets:
            assert secret not in body, (path, secret)
        if path == "/calendar":
            # The calendar feed itself, as a calendar app would fetch it.
            for link in page.locator('a[href$=".ics"], input[value$=".ics"]').all():
                feed = link.get_attribute("href") or link.get_attribute("value") or ""
                text = page.request.get(feed if feed.startswith("http") else f"{live_server.url}{feed}").text()
                for secret in (*secrets, "ftercare"):
                    assert secret not in text, ("calendar feed", secret)
    return looked


# -- 10. An emergency visit at night: aftercare within 48 hours; the school never sees it --


def test_journey_10_an_emergency_visit_at_night_starts_aftercare_the_school_never_sees(
    person, fresh, live_server, jordan, mail, frozen_clock
):
    done = "Seen in the ER at St Vincent after cutting deeper than before; wounds closed with steri-strips"
    place = "St Vincent children's ER"
    # Late evening at home; the visit was an hour ago.
    visit = (local_now(live_server) - timedelta(hours=1)).replace(second=0, microsecond=0)
    told = {PARENT: None, CLINICIAN: person(CLINICIAN), PSYCHIATRIST: person(PSYCHIATRIST)}
    before = {email: unread(page) for email, page in told.items() if page is not None}

    parent = person(PARENT, **PHONE)
    open_circle(parent, "Jordan")
    open_section(parent, "Events outside school")
    follow(parent, "Add an event")
    parent.get_by_label(field_named("What happened")).select_option(label="A visit to an emergency department")
    parent.get_by_label(field_named("When")).fill(visit.strftime("%Y-%m-%dT%H:%M"))
    parent.get_by_label("Where").fill(place)
    parent.get_by_label(field_named("What was done")).fill(done)
    parent.get_by_label("Medical care was needed").select_option(label="Yes")
    parent.get_by_label("Who knows about it").fill("Both parents and Dr Rivera's answering service")
    parent.get_by_role("button", name="Save").click()
    expect(parent.get_by_role("status")).to_contain_text("The event was added.")
    events = parent.locator('[data-section="events"]')
    expect(events).to_contain_text(done)
    # On a phone nothing runs off the side.
    assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The parent sees that aftercare is being arranged, and by whom.
    open_circle(parent, "Jordan")
    open_section(parent, "Follow-ups and reviews")
    aftercare = parent.get_by_role("complementary").filter(has_text="being arranged")
    expect(aftercare).to_contain_text(re.compile(r"Aftercare after the emergency visit is being arranged by .*Rivera"))

    # The clinicians see aftercare due within 48 hours, at once.
    due_by = visit + timedelta(hours=48)
    for email in (CLINICIAN, PSYCHIATRIST):
        page = told[email]
        page.reload()
        assert unread(page) == before[email] + 1, email
        item = dashboard_card(page).get_by_role("listitem").filter(has_text=re.compile(r"[Aa]ftercare"))
        expect(item.first).to_contain_text(f"{due_by:%d %b}".lstrip("0"))
        expect(dashboard_card(page)).not_to_contain_text(done)

    # Emails went at once to the caregivers and clinicians (and primary care), saying nothing.
    mail.deliver()
    expected = members_of(live_server, jordan, policy.CLINICIAN, policy.CAREGIVER, policy.PRIMARY_CARE) - {PARENT}
    assert expected <= mail.recipients()
    assert {COUNSELOR, TEACHER}.isdisjoint(mail.recipients())
    for message in mail.messages:
        assert_private(message, "Jordan", done, place, "emergency department", "emergency visit", "hospital", "aftercare")

    # Two days on and nobody has booked it: overdue, first on the clinicians' dashboards.
    frozen_clock.advance(hours=49)
    mail.deliver()
    for email in (CLINICIAN, PSYCHIATRIST):
        card = dashboard_card(fresh(email))
        item = card.get_by_role("listitem").filter(has_text=re.compile(r"[Aa]ftercare"))
        expect(item.first).to_contain_text(f"Aftercare was due by {due_by:%a} {due_by.day} {due_by:%b}")
        expect(item.first).to_contain_text("not booked yet")
    assert CLINICIAN in mail.recipients()
    for message in mail.messages:
        assert_private(message, "Jordan", done, place, "emergency department", "emergency visit", "hospital")

    # The counselor and the teacher: not one page carries the event or its aftercare.
    for email in (COUNSELOR, TEACHER):
        page = fresh(email)
        looked = assert_school_never_sees(page, live_server, jordan, done, place, "St Vincent", "steri-strips")
        assert looked >= 10, (email, looked)
        card = dashboard_card(page)
        expect(card).not_to_contain_text(re.compile(r"[Aa]ftercare|emergency", re.I))
        assert status_of(page, f"{live_server.url}/circles/{jordan}/plan/events") in (403, 404)


# -- 11. The direct question: "yes" shows the first steps and numbers, and the clinicians are told --


def test_journey_11_a_yes_to_the_direct_question_shows_first_steps_and_tells_the_clinicians(
    person, fresh, live_server, jordan, mail
):
    from portal.plan import queries
    from portal.plan.sections import spec_for

    note = "Hard week after the group chat thing; I told Mom on Wednesday"
    first_step = run_in_app(
        live_server, lambda: queries.document(jordan, spec_for("safety_plan")).if_suicidal_thoughts
    ).splitlines()[0]
    clinicians = {email: person(email) for email in (CLINICIAN, PSYCHIATRIST)}
    before = {email: unread(page) for email, page in clinicians.items()}

    student = person(STUDENT, **PHONE)
    open_circle(student, "Jordan")
    open_section(student, "Your check-ins")
    follow(student, "Add a check-in")
    student.get_by_label(field_named("Week of")).fill(f"{local_now(live_server):%Y-%m-%d}")
    student.get_by_label(field_named("Times you hurt yourself since the last check-in")).fill("0")
    student.get_by_label(field_named("Since the last check-in, have you had thoughts of suicide?")).select_option(
        label="Yes"
    )
    student.get_by_label("Anything else").fill(note)
    student.get_by_role("button", name="Save").click()

    # The very next page: the plan's first steps, who can be reached now, tappable numbers.
    main = student.get_by_role("main")
    expect(main).to_contain_text(first_step)
    calls = main.locator('a[href^="tel:"]')
    assert calls.count() >= 1
    expect(main).to_contain_text("988")
    expect(main).not_to_contain_text(re.compile(r"risk (score|level)|high risk|low risk", re.I))

    # The clinicians are told at once, with no content.
    for email, page in clinicians.items():
        page.reload()
        # The notice that asks for contact (beside the plain "progress changed" one).
        assert unread(page) >= before[email] + 1, email
        page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Notifications")).click()
        expect(page.get_by_role("main")).to_contain_text("asks for contact soon")
        expect(page.get_by_role("main")).not_to_contain_text(note)
    mail.deliver()
    assert {CLINICIAN, PSYCHIATRIST} <= mail.recipients()
    assert {COUNSELOR, TEACHER}.isdisjoint(mail.recipients())
    for message in mail.messages:
        assert_private(message, "Jordan", note, "suicide", "check-in")

    # Nothing of it reaches the school, even with progress shared with the school contact.
    def share_progress():
        from portal.sharing import services as sharing_services
        from tests.browser.test_journeys import user_named

        agreement = sharing_services.record(
            jordan, "progress", policy.SCHOOL_CONTACT, "young_person", None, user_named(STUDENT)
        )
        return agreement.id

    run_in_app(live_server, share_progress)
    # The shared check-in reaches the counselor without its answer; the teacher not at all.
    counselor = fresh(COUNSELOR)
    assert_school_never_sees(counselor, live_server, jordan, "have there been thoughts of suicide", "asks for contact soon")
    counselor.goto(f"{live_server.url}/circles/{jordan}/plan/progress")
    # Shared with school, a check-in is cut to what helps school act (policy.SHARED_FIELDS): not its notes.
    expect(counselor.locator('[data-section="progress"]')).to_be_visible()
    expect(counselor.locator('[data-section="progress"]')).not_to_contain_text(note)
    teacher = fresh(TEACHER)
    assert_school_never_sees(teacher, live_server, jordan, note, "have there been thoughts of suicide", "asks for contact soon")
