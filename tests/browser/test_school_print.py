"""The one-page promise for school: the teacher's weekly sheet and the
in-school plan, printed to PDF by Chromium from the demo, fit on one page
each, on Letter and on A4 (issue 4, part 7)."""

from __future__ import annotations

import pytest

from tests.browser.test_print import pdf_pages

pytestmark = pytest.mark.browser

TEACHER = "teacher@demo.example.org"
COUNSELOR = "counselor@demo.example.org"


def _pages_printed(page) -> dict[str, int]:
    page.emulate_media(media="print")
    assert not page.locator("#print-button").is_visible()
    return {size: pdf_pages(page.pdf(format=size, print_background=False)) for size in ("Letter", "A4")}


@pytest.mark.parametrize("email", [TEACHER, COUNSELOR])
def test_the_weekly_sheet_prints_on_one_page(page_as, live_server, email):
    page = page_as(email)
    page.goto(f"{live_server.url}/school/this-week/print")
    assert page.locator('[data-section="adjustments"]').count() == 1
    text = page.content()
    # Jordan's and Casey's adjustments, without the reasons behind them.
    assert "Jordan" in text and "Casey" in text and "Leave-class pass" in text
    assert "Agreed with Jordan and Maria" not in text and "waiting for a first appointment" not in text
    assert _pages_printed(page) == {"Letter": 1, "A4": 1}


def test_the_teachers_in_school_plan_prints_on_one_page(page_as, live_server, jordan):
    page = page_as(TEACHER)
    page.goto(f"{live_server.url}/circles/{jordan}/plan/school_plan/print")
    assert "Steps staff take" in page.content() and "Background notes" not in page.content()
    assert _pages_printed(page) == {"Letter": 1, "A4": 1}


def test_the_teacher_reaches_the_episode_form_in_one_click(page_as, live_server, jordan):
    page = page_as(TEACHER)
    page.goto(f"{live_server.url}/school/this-week")
    page.click(f'#student-{jordan} a:has-text("Record an episode")')
    page.wait_for_url(f"{live_server.url}/circles/{jordan}/plan/episodes/new")
    assert page.input_value("#occurred_at")
    assert "blue card" in page.locator(".reminder").first.inner_text()


def test_the_teacher_prints_only_the_students_ticked(page_as, live_server, jordan):
    page = page_as(TEACHER)
    page.goto(f"{live_server.url}/school/this-week")
    assert "Casey" in page.content()
    page.check(f"#choose-{jordan}")
    page.click('button:has-text("Print the chosen students")')
    page.wait_for_url(f"{live_server.url}/school/this-week/print?student={jordan}")
    text = page.content()
    assert "Jordan" in text and "Leave-class pass" in text and "Casey" not in text
    assert "Agreed with Jordan and Maria" not in text
    assert _pages_printed(page) == {"Letter": 1, "A4": 1}
