"""Progress over time (issue 5, part 4): a year of weekly check-ins drawn on
the server as SVG, each chart with a table of the same numbers, read back
here with xml.etree and checked against the data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from html import unescape

import pytest

from portal import clock
from portal.access import policy
from portal.followup import charts
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from portal.timezone import to_local
from tests.followup.conftest import add

SVG = "{http://www.w3.org/2000/svg}"
URGES = ("none", "some_days", "most_days", "every_day")
URGE_TO_ACTION = ("minutes", "under_hour", "hours", "no_action")
# No score, no trend label, no risk words (DESIGN.md, principle 5).
FORBIDDEN = re.compile(r"\b(score|trend\w*|risk\w*|improv\w*|worsen\w*|getting (better|worse)|(low|medium|high)\b)", re.I)


def _year_of_check_ins(world):
    """52 weekly check-ins, uneven on purpose, some with nothing recorded."""
    today = to_local(clock.now()).date()
    made = []
    for week in range(52):
        values = {
            "checked_on": today - timedelta(days=7 * (51 - week)),
            "episodes": (week * 7) % 5,
            "urges": URGES[week % 4] if week % 9 else "",
            "urge_to_action": URGE_TO_ACTION[(week // 2) % 4] if week % 11 else "",
            "sleep_hours": None if week % 13 == 5 else 5 + (week % 6) * 0.5,
            "notes": f"NOTE{week}",
        }
        made.append(add(world, "progress", policy.CAREGIVER, **values))
    return made


def _svgs(html: str) -> dict[str, ET.Element]:
    found = {}
    for raw in re.findall(r"<svg\b.*?</svg>", html, re.S):
        element = ET.fromstring(raw)  # noqa: S314 - our own page, in a test
        found[element.find(f"{SVG}title").get("id")] = element
    return found


def _tables(html: str) -> dict[str, list[tuple[str, str]]]:
    tables = {}
    for caption_id, body in re.findall(r'<caption id="caption-([\w-]+)">.*?</caption>.*?<tbody>(.*?)</tbody>', html, re.S):
        rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", body)
        tables[caption_id] = [(unescape(day), unescape(value)) for day, value in rows]
    return tables


def _linear(pairs, tolerance=0.02):
    """True when y = a + b * x for every pair (x, y)."""
    # Through the two points furthest apart, so that rounding in the SVG
    # attributes (two decimals) barely moves the slope.
    (x0, y0), (x1, y1) = min(pairs), max(pairs)
    slope = (y1 - y0) / (x1 - x0)
    return all(abs(y0 + slope * (x - x0) - y) <= tolerance for x, y in pairs)


def test_a_year_of_weekly_check_ins_is_drawn_as_the_data_says(app, world, login_as):
    check_ins = _year_of_check_ins(world)
    client = login_as(world.users[policy.CAREGIVER], app.test_client())
    response = client.get(f"/circles/{world.circle.id}/progress/charts?period=12m")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Progress is rarely a straight line" in html
    svgs, tables = _svgs(html), _tables(html)
    assert set(svgs) == {"chart-episodes-title", "chart-urges-title", "chart-urge-to-action-title", "chart-sleep-title"}

    by_day = {c.checked_on.isoformat(): c for c in check_ins}
    first = min(c.checked_on for c in check_ins)

    # Episodes: one bar a check-in, standing on the baseline, height in proportion.
    svg = svgs["chart-episodes-title"]
    bars = svg.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 52
    heights, centres = [], []
    for bar in bars:
        check_in = by_day[bar.get("data-day")]
        assert float(bar.get("data-value")) == check_in.episodes
        heights.append((check_in.episodes, float(bar.get("height"))))
        centres.append(((check_in.checked_on - first).days, float(bar.get("x")) + float(bar.get("width")) / 2))
    assert _linear([(0, 0.0), *heights])
    assert _linear(centres)
    bottoms = {round(float(b.get("y")) + float(b.get("height")), 1) for b in bars}
    assert len(bottoms) == 1

    # The others: a point for each check-in that recorded a value, nothing
    # for those that did not; y in proportion to the value, x to the date.
    expected = {
        "chart-urges-title": lambda c: URGES.index(c.urges) if c.urges else None,
        "chart-urge-to-action-title": lambda c: URGE_TO_ACTION.index(c.urge_to_action) if c.urge_to_action else None,
        "chart-sleep-title": lambda c: c.sleep_hours,
    }
    for title, value_of in expected.items():
        svg = svgs[title]
        points = svg.findall(f".//{SVG}circle[@class='point']")
        recorded = [c for c in check_ins if value_of(c) is not None]
        assert len(points) == len(recorded), title
        assert [p.get("data-day") for p in points] == [c.checked_on.isoformat() for c in recorded]
        ys, xs = [], []
        for point, check_in in zip(points, recorded, strict=True):
            assert float(point.get("data-value")) == pytest.approx(float(value_of(check_in)))
            ys.append((float(value_of(check_in)), float(point.get("cy"))))
            xs.append(((check_in.checked_on - first).days, float(point.get("cx"))))
        assert _linear(ys), title
        assert _linear(xs), title
        assert all(b[1] < a[1] for a, b in zip(ys, ys[1:], strict=False) if b[0] > a[0]), "higher values are drawn higher"
        # The line breaks where nothing was recorded.
        lines = svg.findall(f".//{SVG}polyline")
        assert sum(len(line.get("points").split()) for line in lines) <= len(points)

    # Each chart is an image with a name and a description, and a table of the same numbers.
    for svg in svgs.values():
        assert svg.get("role") == "img"
        labelled = svg.get("aria-labelledby").split()
        assert labelled == [svg.find(f"{SVG}title").get("id"), svg.find(f"{SVG}desc").get("id")]
        assert svg.find(f"{SVG}desc").text.strip()
    days = [f"{c.checked_on.day} {c.checked_on:%b %Y}" for c in check_ins]
    assert [day for day, _ in tables["episodes"]] == days
    assert [value for _, value in tables["episodes"]] == [
        "1 time" if c.episodes == 1 else f"{c.episodes} times" for c in check_ins
    ]
    labels = dict(SPECS["progress"].field("urges").choices)
    assert [value for _, value in tables["urges"]] == [labels[c.urges] if c.urges else "Not recorded" for c in check_ins]
    assert [value for _, value in tables["sleep"]] == [
        f"{c.sleep_hours:g} hours" if c.sleep_hours is not None else "Not recorded" for c in check_ins
    ]


def test_the_page_has_no_score_trend_or_risk_words_and_no_inline_style_or_script(app, world, login_as):
    _year_of_check_ins(world)
    client = login_as(world.users[policy.YOUNG_PERSON], app.test_client())
    for period in ("3m", "12m", "all", "nonsense", ""):
        response = client.get(f"/circles/{world.circle.id}/progress/charts?period={period}")
        assert response.status_code == 200, period
        html = response.get_data(as_text=True)
        main = html[html.index('<main'): html.index("</main>")]
        text = re.sub(r"<[^>]+>", " ", main)
        assert not FORBIDDEN.search(text), FORBIDDEN.search(text)
        assert "style=" not in main and "<style" not in main and "<script" not in main
        # Check-in notes are not charted.
        assert "NOTE" not in main


def test_the_last_three_months_show_only_their_check_ins(app, world, login_as):
    _year_of_check_ins(world)
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    html = client.get(f"/circles/{world.circle.id}/progress/charts").get_data(as_text=True)
    bars = _svgs(html)["chart-episodes-title"].findall(f".//{SVG}rect[@class='bar']")
    today = to_local(clock.now()).date()
    assert bars and all((today - date.fromisoformat(b.get("data-day"))).days <= 91 for b in bars)
    assert len(bars) == 14


def test_no_check_ins_yet_is_said_plainly(app, world, login_as):
    client = login_as(world.users[policy.CAREGIVER], app.test_client())
    html = client.get(f"/circles/{world.circle.id}/progress/charts").get_data(as_text=True)
    assert "No check-ins in this period yet." in html
    assert len(_svgs(html)) == 4


def test_who_may_see_the_charts_follows_the_progress_section(app, world, login_as):
    url = f"/circles/{world.circle.id}/progress/charts"
    for role in policy.ROLES:
        client = login_as(world.users[role], app.test_client())
        expected = 200 if policy.can(role, "progress", policy.READ) else 403
        assert client.get(url).status_code == expected, role
    assert login_as(world.outsider, app.test_client()).get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302


def test_one_check_in_and_a_removed_one(app, world, login_as):
    kept = add(world, "progress", policy.CAREGIVER, checked_on=clock.today(), episodes=2, sleep_hours=7.0)
    gone = add(world, "progress", policy.CAREGIVER, checked_on=clock.today() - timedelta(days=7), episodes=9)
    plan_services.set_removed(gone, SPECS["progress"], world.users[policy.CLINICIAN], removed=True)
    client = login_as(world.users[policy.CAREGIVER], app.test_client())
    html = client.get(f"/circles/{world.circle.id}/progress/charts").get_data(as_text=True)
    bars = _svgs(html)["chart-episodes-title"].findall(f".//{SVG}rect[@class='bar']")
    assert [b.get("data-value") for b in bars] == ["2"]
    assert kept.episodes == 2
    assert charts.DEFAULT_PERIOD in charts.PERIODS
