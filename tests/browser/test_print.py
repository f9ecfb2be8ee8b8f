"""The one-page promise: the in-school plan and the safety plan, printed to PDF
by Chromium from the demo's realistic plan, each fit on one page."""

import re

import pytest

ACCOUNTS = {
    "school_plan": ["counselor@demo.example.org", "teacher@demo.example.org"],
    "safety_plan": ["student@demo.example.org", "parent@demo.example.org"],
}


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", pytest.param("es", marks=pytest.mark.rendering)])
@pytest.mark.parametrize("kind", sorted(ACCOUNTS))
def test_print_view_fits_one_page(page_as, live_server, jordan, kind, language):
    """In English and in Spanish, whose sentences run longer."""
    for email in ACCOUNTS[kind]:
        page = page_as(email)
        page.goto(f"{live_server.url}/circles/{jordan}/plan/{kind}/print?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator(f'[data-section="{kind}"]').count() == 1
        page.emulate_media(media="print")
        assert not page.locator("#print-button").is_visible()
        pdf = page.pdf(format="Letter", print_background=False)
        assert pdf_pages(pdf) == 1, (kind, email, pdf_pages(pdf))
        a4 = page.pdf(format="A4", print_background=False)
        assert pdf_pages(a4) == 1, (kind, email, "A4")


@pytest.mark.browser
def test_teacher_print_of_school_plan_has_no_notes(page_as, live_server, jordan):
    page = page_as("teacher@demo.example.org")
    page.goto(f"{live_server.url}/circles/{jordan}/plan/school_plan/print")
    assert "Background notes" not in page.content()
    assert "Steps staff take" in page.content()
