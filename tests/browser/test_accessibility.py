"""WCAG 2.2 AA in Debian's Chromium: axe-core on every page as every role that
can reach it, plus what axe cannot judge alone (errors tied to their fields,
visible focus, signing in and recording an episode with the keyboard only)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import (
    ROLES,
    SERIOUS,
    SIGN_IN_ENDPOINTS,
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

AXE = Axe()
# WCAG 2.0, 2.1 and 2.2, levels A and AA, and axe's best practices (landmarks,
# heading order, one main) as well.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
}

# Form controls a person fills in or chooses, with how each is labelled.
UNLABELLED_FIELDS_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""


@dataclass
class Finding:
    role: str
    path: str
    rule: str
    impact: str
    nodes: list[str]


@dataclass
class Sweep:
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    unlabelled: list[tuple[str, str, str]] = field(default_factory=list)
    covered: dict[str, set[str]] = field(default_factory=dict)

    def serious(self) -> list[Finding]:
        return [f for f in self.findings if f.impact in SERIOUS]


# axe-core is loaded into every page by the context (faster than injecting it
# after each load); only the violations come back.
AXE_RUN_JS = """options => axe.run(document, options).then(results => results.violations.map(v => ({
  rule: v.id, impact: v.impact || '',
  nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 160)),
})))"""


def check_page(sweep: Sweep, page, role: str, endpoint: str) -> None:
    violations = page.evaluate(AXE_RUN_JS, AXE_OPTIONS)
    sweep.checked += 1
    sweep.covered.setdefault(endpoint, set()).add(role)
    path = "/" + page.url.split("//", 1)[-1].split("/", 1)[-1]
    for violation in violations:
        sweep.findings.append(Finding(role, path, violation["rule"], violation["impact"], violation["nodes"]))
    for html in page.evaluate(UNLABELLED_FIELDS_JS):
        sweep.unlabelled.append((role, page.url, html))


def run_sweep(browser, live_server, pages, config, *, locale: str | None = None, label: str = "axe") -> Sweep:
    """axe on every page, as every role that can reach it (in ``locale``'s language when given)."""
    result = Sweep()
    browsers = RoleBrowsers(browser, live_server, init_script=AXE.axe_script, locale=locale)
    error_pages_seen: set[tuple[str, int]] = set()

    def signed_in(role):
        return browsers.page_for(role, on_step=lambda endpoint, step, role=role: check_page(result, step, role, endpoint))

    try:
        for role in ROLES:
            page = signed_in(role)
            for target in pages:
                outcome = probe(page, live_server.url, target, role)
                if reached(outcome):
                    open_page(page, live_server.url, target)
                    check_page(result, page, role, target.endpoint)
                elif outcome.generic_error and (role, outcome.status) not in error_pages_seen:
                    # Refusals are pages too: check each role's 403 and 404 once.
                    error_pages_seen.add((role, outcome.status))
                    page.goto(live_server.url + target.path)
                    check_page(result, page, role, f"error {outcome.status}")
        enrol = browsers.enrolment_page()
        check_page(result, enrol, "enrolling clinician", "auth.login_enrol")
    finally:
        browsers.close()
    counts = Counter(f.rule for f in result.serious())
    plugin = summary_plugin(config, "a11y-summary")
    # Every finding, whatever its impact, for whoever fixes the next one.
    Path(config.rootpath / ".pytest_cache").mkdir(exist_ok=True)
    (config.rootpath / ".pytest_cache" / f"{label}-findings.txt").write_text(
        "\n".join(f"{f.impact:8} {f.rule:28} {f.role:12} {f.path}  {f.nodes}" for f in result.findings) + "\n"
    )
    plugin.lines.append(
        f"{label}: {result.checked} pages x roles checked, {len(result.serious())} serious/critical violations"
        + (f" ({', '.join(f'{rule}: {n}' for rule, n in counts.most_common())})" if counts else "")
    )
    return result


@pytest.fixture(scope="module")
def sweep(browser, live_server, site_pages, request) -> Sweep:  # noqa: F811
    return run_sweep(browser, live_server, site_pages, request.config)


def test_no_serious_or_critical_axe_violations(sweep):
    report = "\n".join(
        f"{f.impact:8} {f.rule:28} {f.role:12} {f.path}  {f.nodes}" for f in sweep.serious()
    )
    assert not sweep.serious(), f"{len(sweep.serious())} serious/critical axe violations:\n{report}"


def test_every_html_page_is_checked_for_some_role(sweep, live_server):
    expected = html_get_endpoints(live_server.app)
    missing = sorted(expected - set(sweep.covered))
    assert not missing, f"GET pages no role could open, so axe never checked them: {missing}"
    assert set(SIGN_IN_ENDPOINTS) <= set(sweep.covered)


def test_every_form_field_has_a_label(sweep):
    assert not sweep.unlabelled, "\n".join(f"{role} {url}: {html}" for role, url, html in sweep.unlabelled)


def test_colour_contrast_meets_aa(sweep):
    contrast = [f for f in sweep.findings if f.rule == "color-contrast"]
    assert not contrast, "\n".join(f"{f.role} {f.path}: {f.nodes}" for f in contrast)


# ------------------------------------------------------- errors, focus, keyboard

ERRORS_TIED_JS = """(fields) => {
  const problems = [];
  const alerts = [...document.querySelectorAll('[role=alert], [aria-live=assertive], [aria-live=polite]')]
    .filter(el => el.textContent.trim());
  if (!alerts.length) problems.push('no error announced (role=alert or aria-live)');
  const invalid = [...document.querySelectorAll('[aria-invalid=true]')];
  if (fields && !invalid.length) problems.push('no field marked aria-invalid');
  for (const el of invalid) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const errors = ids.map(id => document.getElementById(id)).filter(e => e && e.textContent.trim() && e.classList.contains('field-error'));
    if (!errors.length) problems.push(`${el.id || el.name}: aria-invalid but no error text in aria-describedby`);
  }
  for (const link of document.querySelectorAll('.error-summary a[href^="#"]')) {
    const target = document.getElementById(link.getAttribute('href').slice(1));
    if (!target) problems.push(`summary links to missing #${link.getAttribute('href').slice(1)}`);
    else if (target.getAttribute('aria-invalid') !== 'true' && !target.closest('fieldset[aria-describedby]'))
      problems.push(`${target.id}: listed in the summary but not aria-invalid`);
  }
  for (const error of document.querySelectorAll('.field-error')) {
    if (!document.querySelector(`[aria-describedby~="${error.id}"]`)) problems.push(`${error.id}: an error tied to no field`);
  }
  return problems;
}"""


def assert_errors_tied(page, what: str, fields: bool = True) -> None:
    """The error is announced; each field in error says so and points at its message."""
    problems = page.evaluate(ERRORS_TIED_JS, fields)
    assert not problems, f"{what}: {problems}"


def test_errors_are_announced_and_tied_to_their_fields(browser, live_server, jordan):
    browsers = RoleBrowsers(browser, live_server)
    base = live_server.url
    try:
        anonymous = browsers.page_for("anonymous")
        anonymous.goto(f"{base}/login")
        anonymous.click("main button[type=submit]")
        assert_errors_tied(anonymous, "sign-in, nothing typed")
        anonymous.fill("#email", ROLES["parent"])
        anonymous.fill("#password", "not the password")
        anonymous.click("main button[type=submit]")
        # One message for a wrong address or password, on purpose: it must not
        # say which (it would tell whether an account exists). It is announced.
        assert_errors_tied(anonymous, "sign-in, wrong password", fields=False)
        anonymous.goto(f"{base}/reset-password")
        anonymous.fill("#email", "not an address")
        anonymous.click("main button[type=submit]")
        assert_errors_tied(anonymous, "password reset request")

        step = browsers.new_page()
        from portal.demo.seed import DEMO_PASSWORD

        step.goto(f"{base}/login")
        step.fill("#email", ROLES["clinician"])
        step.fill("#password", DEMO_PASSWORD)
        step.click("main button[type=submit]")
        step.wait_for_url(f"{base}/login/code")
        step.click("main button[type=submit]")
        assert_errors_tied(step, "code step, nothing typed")

        counselor = browsers.page_for("counselor")
        for kind in ("episodes", "adjustments", "follow_ups"):
            counselor.goto(f"{base}/circles/{jordan}/plan/{kind}/new")
            counselor.click("main form[method=post] button[type=submit]")
            assert_errors_tied(counselor, f"new {kind}, nothing typed")
        counselor.goto(f"{base}/account/password")
        counselor.click("main form[method=post] button[type=submit]")
        assert_errors_tied(counselor, "change password, nothing typed")
    finally:
        browsers.close()


FOCUS_STYLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  return {tag: el.outerHTML.slice(0, 100), visible: outline || ring};
}"""


def tab_through(page, stops: int = 60) -> list[dict]:
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STYLE_JS)
        if focused is None or (seen and focused["tag"] == seen[0]["tag"]):
            break
        seen.append(focused)
    return seen


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("anonymous", "/login"),
        ("anonymous", "/urgent-help"),
        ("counselor", "/dashboard"),
        ("counselor", "/circles/{circle}/plan/episodes/new"),
        ("clinician", "/circles/{circle}"),
        ("clinician", "/circles/{circle}/plan/safety_plan/edit"),
        ("parent", "/circles/{circle}/sharing"),
        ("teacher", "/circles/{circle}/plan/adjustments"),
    ],
)
def test_focus_is_visible(browser, live_server, jordan, role, path):
    browsers = RoleBrowsers(browser, live_server)
    try:
        page = browsers.page_for(role)
        page.goto(live_server.url + path.format(circle=jordan))
        stops = tab_through(page)
        assert len(stops) > 3, stops
        hidden = [stop["tag"] for stop in stops if not stop["visible"]]
        assert not hidden, f"focus not visible on: {hidden}"
    finally:
        browsers.close()


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until ``selector`` has the focus, as someone without a mouse would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_sign_in_with_the_keyboard_alone(browser, live_server):
    """Tab, typing and Enter, no clicks: password, then the authenticator code."""
    from portal.demo.seed import DEMO_PASSWORD
    from tests.browser.pages import _code

    browsers = RoleBrowsers(browser, live_server)
    base = live_server.url
    try:
        page = browsers.new_page()
        page.goto(f"{base}/login")
        tab_to(page, "#email")
        page.keyboard.type(ROLES["counselor"])
        tab_to(page, "#password")
        page.keyboard.type(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/login/code")
        tab_to(page, "#code")
        page.keyboard.type(_code(live_server, ROLES["counselor"]))
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/dashboard")
        assert page.get_by_role("button", name="Sign out").count() == 1
    finally:
        browsers.close()


def test_in_school_episode_form_with_the_keyboard_alone(browser, live_server, jordan):
    browsers = RoleBrowsers(browser, live_server)
    base = live_server.url
    marker = "Keyboard-only episode: sat in the quiet room"
    try:
        page = browsers.page_for("counselor")
        page.goto(f"{base}/circles/{jordan}/plan/episodes")
        # From the section page to the form, by keyboard.
        tab_to(page, f'a[href="/circles/{jordan}/plan/episodes/new"]')
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/circles/{jordan}/plan/episodes/new")
        when = page.locator("#occurred_at")
        tab_to(page, "#occurred_at")
        if when.get_attribute("type") == "datetime-local":
            # Chromium's date-time field takes its parts typed in order.
            page.keyboard.type("01152026")
            page.keyboard.press("Tab")
            page.keyboard.type("1030AM")
        else:
            page.keyboard.type("2026-01-15 10:30")
        tab_to(page, "#observed")
        page.keyboard.type(marker)
        tab_to(page, "#steps_taken")
        page.keyboard.type("Followed steps 1 and 2 of the plan.")
        tab_to(page, "#emergency_services")
        tab_to(page, "#outcome")
        # A closed select takes the first letters of an option.
        page.keyboard.type("Returned")
        assert page.eval_on_selector("#outcome", "el => el.value") == "returned_to_class"
        tab_to(page, "main form[method=post] button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.startswith(f"{base}/circles/{jordan}/plan/episodes"), page.url
        assert not page.url.endswith("/new"), "the form was not accepted"
        assert marker in page.content()
    finally:
        browsers.close()
