"""Every page on a phone, 375 CSS pixels wide: nothing scrolls sideways, and
urgent help is within reach (in the first screenful, or kept on screen)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.browser.pages import (
    ROLES,
    RoleBrowsers,
    html_get_endpoints,
    open_page,
    probe,
    reached,
    site_pages,  # noqa: F401 - a fixture
    summary_plugin,
)

# A rendering sweep: run once, in the SQLite pass (see the Makefile), not on both databases.
pytestmark = [pytest.mark.browser, pytest.mark.rendering]

WIDTH, HEIGHT = 375, 667

MEASURE_JS = """([width, height]) => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .filter(el => !el.closest('[data-scrolls]') && getComputedStyle(el).position !== 'fixed')
    .slice(0, 3).map(el => el.outerHTML.slice(0, 100));
  const link = [...document.querySelectorAll('a')].find(a => a.textContent.trim() === 'Urgent help');
  let urgent = 'missing';
  if (link) {
    const box = link.getBoundingClientRect();
    const sticky = ['sticky', 'fixed'].includes(getComputedStyle(link.closest('header') || link).position);
    const inFirstScreen = box.top >= 0 && box.bottom <= height && box.left >= 0 && box.right <= width;
    urgent = inFirstScreen || sticky ? 'in reach' : `at ${Math.round(box.left)},${Math.round(box.top)}`;
  }
  return {scrollWidth: root.scrollWidth, wide, urgent};
}"""


@dataclass
class PhoneSweep:
    checked: int = 0
    too_wide: list = field(default_factory=list)
    urgent_out_of_reach: list = field(default_factory=list)
    covered: set = field(default_factory=set)


def measure(result: PhoneSweep, page, role: str, endpoint: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    found = page.evaluate(MEASURE_JS, [WIDTH, HEIGHT])
    result.checked += 1
    result.covered.add(endpoint)
    where = f"{role} {page.url}"
    if found["scrollWidth"] > WIDTH:
        result.too_wide.append(f"{where}: {found['scrollWidth']}px wide; {found['wide']}")
    if found["urgent"] != "in reach":
        result.urgent_out_of_reach.append(f"{where}: urgent help {found['urgent']}")


@pytest.fixture(scope="module")
def phone_sweep(browser, live_server, site_pages, request) -> PhoneSweep:  # noqa: F811
    result = PhoneSweep()
    browsers = RoleBrowsers(browser, live_server, width=WIDTH, height=HEIGHT)
    try:
        for role in ROLES:
            page = browsers.page_for(role, on_step=lambda endpoint, step, role=role: measure(result, step, role, endpoint))
            for target in site_pages:
                if reached(probe(page, live_server.url, target, role)):
                    open_page(page, live_server.url, target)
                    measure(result, page, role, target.endpoint)
        measure(result, browsers.enrolment_page(), "enrolling clinician", "auth.login_enrol")
    finally:
        browsers.close()
    summary_plugin(request.config, "phone-summary").lines.append(
        f"phone ({WIDTH}px): {result.checked} pages x roles checked, {len(result.too_wide)} scroll sideways,"
        f" {len(result.urgent_out_of_reach)} without urgent help in reach"
    )
    return result


def test_every_page_is_covered(phone_sweep, live_server):
    missing = sorted(html_get_endpoints(live_server.app) - phone_sweep.covered)
    assert not missing, missing


def test_no_page_scrolls_sideways_on_a_phone(phone_sweep):
    assert not phone_sweep.too_wide, "\n".join(phone_sweep.too_wide)


def test_urgent_help_is_in_reach_on_every_page(phone_sweep):
    assert not phone_sweep.urgent_out_of_reach, "\n".join(phone_sweep.urgent_out_of_reach)
