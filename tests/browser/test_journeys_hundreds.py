"""Journey 14 of DESIGN.md in Debian's Chromium. The admin's half: a school
admin imports 40 staff from a CSV file with two bad rows, sees them in the
preview before anything is saved, fixes them, imports again, and 40
invitation emails arrive through a real SMTP server. The counselor's half: a
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
from tests.browser.pages import ROLES
from tests.browser.test_journeys import COUNSELOR, TEACHER, WAIT_MS, assert_private
from tests.school.test_school_query_counts import add_students

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 800
ADMIN = ROLES["admin"]
STAFF_DOMAIN = "staff.lakeview.example.org"


def staff_list(bad: bool) -> str:
    """40 people as a spreadsheet saves them; line 8 with a mistyped address
    and line 24 with a role the school does not give, when ``bad``."""
    rows = ["name,email,title,staff role"]
    for n in range(1, 41):
        email = f"teacher{n:02d}@{STAFF_DOMAIN}"
        role = "teacher" if n % 10 else "school contact"
        if bad and n == 7:
            email = f"teacher07 at {STAFF_DOMAIN}"
        if bad and n == 23:
            role = "supply"
        rows.append(f"Teacher {n:02d},{email},Subject teacher {n},{role}")
    return "\n".join(rows) + "\n"


def test_journey_14_an_admin_imports_forty_staff_and_forty_invitations_arrive(
    signed_in, live_server, mail, tmp_path
):
    page = signed_in(ADMIN, width=WIDTH, height=HEIGHT)
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("button", name="Import staff from a file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import staff from a file")

    first = tmp_path / "staff.csv"
    first.write_text(staff_list(bad=True), encoding="utf-8")
    page.get_by_label("Staff list (CSV file)").set_input_files(str(first))
    page.get_by_role("button", name="Show what would happen").click()

    # The preview: nothing saved, the two bad rows named with their problem.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the staff list")
    expect(page.get_by_text("Nothing is saved yet.")).to_be_visible()
    summary = page.locator("ul[data-summary]")
    expect(summary).to_contain_text("38 new accounts")
    expect(summary).to_contain_text("2 rows with problems, which will be left out")
    expect(page.locator('tr[data-outcome="problem"]')).to_have_count(2)
    expect(page.locator('tr[data-line="8"]')).to_contain_text("not a valid email address")
    expect(page.locator('tr[data-line="24"]')).to_contain_text("“supply” is not a staff role")
    page.get_by_role("button", name="Import these accounts").click()
    expect(page.get_by_role("status")).to_contain_text("2 rows with problems were left out.")

    # Fixed, and the whole list checked again: only the two are new.
    page.get_by_role("button", name="Import staff from a file").click()
    fixed = tmp_path / "staff-fixed.csv"
    fixed.write_text(staff_list(bad=False), encoding="utf-8")
    page.get_by_label("Staff list (CSV file)").set_input_files(str(fixed))
    page.get_by_role("button", name="Show what would happen").click()
    expect(page.locator('tr[data-outcome="create"]')).to_have_count(2)
    expect(page.locator('tr[data-outcome="unchanged"]')).to_have_count(38)
    expect(summary).to_contain_text("2 invitation emails to send")
    page.get_by_role("button", name="Import these accounts").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=STAFF_DOMAIN)).to_have_count(40)

    # The notify worker sends them: one each, saying nothing of the school.
    mail.deliver()
    invitations = [message for message in mail.messages if message["To"].endswith(f"@{STAFF_DOMAIN}")]
    assert sorted(message["To"] for message in invitations) == [
        f"teacher{n:02d}@{STAFF_DOMAIN}" for n in range(1, 41)
    ]
    for message in invitations:
        assert message["Subject"] == "Choose your password for Support Circle"
        assert f"{live_server.url}/set-password/" in message.get_content()
        assert_private(message, "Lakeview", "Teacher ")


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
