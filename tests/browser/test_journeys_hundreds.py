"""Journey 14 of DESIGN.md, the counselor's half, in Debian's Chromium: a
counselor with 300 students finds one by name in two actions (type, submit)
and sees what needs attention on the first screen at a desktop width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.access import policy
from portal.auth.models import User
from portal.dashboard.attention import refresh_all
from portal.extensions import db
from tests.browser.test_journeys import COUNSELOR, TEACHER, WAIT_MS
from tests.school.test_school_query_counts import add_students

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 800


@pytest.fixture(scope="module")
def three_hundred(live_server) -> None:
    """The demo counselor's two students and 298 more, made in a few bulk
    inserts; the backfill gives them what needs attention."""
    with live_server.app.app_context():
        counselor = db.session.scalars(select(User).where(User.email == COUNSELOR)).one()
        teacher = db.session.scalars(select(User).where(User.email == TEACHER)).one()
        add_students(counselor, 298, {counselor.id: policy.SCHOOL_CONTACT, teacher.id: policy.SCHOOL_STAFF}, start=1)
        refresh_all()
        db.session.remove()


def test_journey_14_a_counselor_with_300_students_finds_one_and_sees_what_needs_attention_first(
    signed_in, live_server, three_hundred
):
    page = signed_in(COUNSELOR, width=WIDTH, height=HEIGHT)
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{live_server.url}/dashboard")

    # The first screen: what needs attention, the most urgent card first, above the fold.
    heading = page.get_by_role("heading", name="Needs your attention")
    expect(heading).to_be_visible()
    first_item = page.locator("article.circle-card ul.attention li").first
    expect(first_item).to_be_visible()
    box = first_item.bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT, box
    expect(page.locator("article.circle-card")).to_have_count(20)

    # Two actions: type the name, submit.
    page.get_by_label("Find a young person by name").fill("Student 0137")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="Circles matching your search")).to_be_visible()
    results = page.locator("section.other-circles ul.circle-list li")
    expect(results).to_have_count(1)
    expect(results.first.get_by_role("link", name="Student 0137")).to_be_visible()
    results.first.get_by_role("link", name="Student 0137").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Student 0137")
