"""Progress check-ins as small charts, drawn on the server as SVG.

Each chart shows what was recorded and nothing more: no score, no line of
best fit, no word for which way things are going. Progress is rarely a
straight line, and a summary would hide the weeks that matter. Every chart
carries the same numbers as a table for screen readers and for anyone who
prefers to read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.languages import moment
from portal.plan import sections

# Period shown -> (label, days back from today; None for every check-in).
PERIODS = {
    "3m": (_l("Last 3 months"), 91),
    "12m": (_l("Last 12 months"), 365),
    "all": (_l("Everything"), None),
}
DEFAULT_PERIOD = "3m"

# The drawing area, in SVG units; CSS scales the whole chart to its box.
# Narrow, so that on a phone the labels stay large enough to read.
WIDTH, HEIGHT = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 100, 14, 12, 30
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
MAX_BAR_WIDTH = 14.0
INSET = MAX_BAR_WIDTH / 2 + 2
MAX_MONTH_LABELS = 12


@dataclass(frozen=True)
class Mark:
    """One check-in's value where it is drawn: a point, or a bar from the baseline."""

    day: date
    value: float
    x: float
    y: float
    width: float = 0.0
    height: float = 0.0


@dataclass(frozen=True)
class Row:
    day: str
    value: str


@dataclass
class Chart:
    slug: str
    title: str
    value_heading: str
    style: str  # "bars" or "points"
    description: str = ""
    marks: list[Mark] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # polyline points, broken where nothing was recorded
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    baseline: float = TOP + PLOT_HEIGHT


@dataclass(frozen=True)
class Series:
    slug: str
    title: str
    value_heading: str
    style: str
    value: object  # check-in -> number or None
    label: object  # check-in -> words for the table
    scale: object  # values -> (low, high, ticks)


def _choice_series(field_name: str, order: tuple[str, ...], short: tuple[str, ...]):
    labels = dict(sections.spec_for("progress").field(field_name).choices)
    positions = {code: number for number, code in enumerate(order)}

    def value(check_in):
        return positions.get(getattr(check_in, field_name) or "")

    def label(check_in):
        code = getattr(check_in, field_name) or ""
        return labels.get(code, _("Not recorded")) if code else _("Not recorded")

    def scale(values):
        # A little room below the first answer, so its points sit clear of the axis.
        return -0.4, float(len(order) - 1), [(float(n), text) for n, text in enumerate(short)]

    return value, label, scale


def _count_scale(values):
    top = max([4, *values])
    top = int(math.ceil(top / 2) * 2)
    step = max(1, int(math.ceil(top / 4)))
    return 0.0, float(top), [(float(n), str(n)) for n in range(0, top + 1, step)]


def _hours_scale(values):
    top = max([12.0, *values])
    top = float(math.ceil(top / 4) * 4)
    return 0.0, top, [(float(n), _("%(hours)s h", hours=n)) for n in range(0, int(top) + 1, 4)]


def _episodes_label(check_in):
    return ngettext("%(num)s time", "%(num)s times", check_in.episodes)


def _sleep_label(check_in):
    if check_in.sleep_hours is None:
        return _("Not recorded")
    return _("%(hours)s hours", hours=f"{check_in.sleep_hours:g}")


_URGES = _choice_series("urges", ("none", "some_days", "most_days", "every_day"),
                        (_l("None"), _l("Some days"), _l("Most days"), _l("Every day")))
_URGE_TO_ACTION = _choice_series("urge_to_action", ("minutes", "under_hour", "hours", "no_action"),
                                 (_l("Minutes"), _l("Under an hour"), _l("Hours"), _l("Did not act")))  # fits LEFT at 13px

SERIES = (
    Series("episodes", _l("Times of self-harm since the last check-in"), _l("Times of self-harm"), "bars",
           lambda c: c.episodes, _episodes_label, _count_scale),
    Series("urges", _l("Urges"), _l("Urges"), "points", *_URGES),
    Series("urge-to-action", _l("Time between an urge and acting on it"), _l("Time between urge and action"), "points",
           *_URGE_TO_ACTION),
    Series("sleep", _l("Average sleep, hours a night"), _l("Sleep"), "points",
           lambda c: c.sleep_hours, _sleep_label, _hours_scale),
)


def _day_words(day: date) -> str:
    return moment(day, "short_date")


def window(period: str, today: date, first_day: date | None, last_day: date | None) -> tuple[date, date]:
    # A week typed ahead of today still shows, at the right-hand end.
    end = max(today, last_day or today)
    days = PERIODS[period][1]
    if days is None:
        return min(first_day or end, end), end
    return today - timedelta(days=days), end


def _x(day: date, start: date, end: date) -> float:
    span = (end - start).days
    share = 0.5 if span <= 0 else (day - start).days / span
    # Inset, so that a bar at either end of the period stays inside the plot.
    return round(LEFT + INSET + share * (PLOT_WIDTH - 2 * INSET), 2)


def _y(value: float, low: float, high: float) -> float:
    share = 0.0 if high == low else (value - low) / (high - low)
    return round(TOP + PLOT_HEIGHT - share * PLOT_HEIGHT, 2)


def _month_ticks(start: date, end: date) -> list[tuple[float, str]]:
    firsts = []
    month = date(start.year, start.month, 1)
    if month < start:
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    while month <= end:
        firsts.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    step = max(1, math.ceil(len(firsts) / MAX_MONTH_LABELS))
    ticks = []
    for number, first in enumerate(firsts[::step]):
        label = moment(first, "month_year") if number == 0 or first.month == 1 else moment(first, "month")
        ticks.append((_x(first, start, end), label))
    return ticks


def _draw(series: Series, check_ins: list, start: date, end: date) -> Chart:
    chart = Chart(series.slug, series.title, series.value_heading, series.style)
    values = [float(v) for v in (series.value(c) for c in check_ins) if v is not None]
    low, high, ticks = series.scale(values)
    chart.y_ticks = [(_y(value, low, high), text) for value, text in ticks]
    chart.x_ticks = _month_ticks(start, end)
    chart.baseline = _y(low, low, high)
    bar_width = round(min(MAX_BAR_WIDTH, PLOT_WIDTH / max(len(check_ins), 1) * 0.6), 2)
    line: list[str] = []
    for check_in in check_ins:
        chart.rows.append(Row(_day_words(check_in.checked_on), series.label(check_in)))
        raw = series.value(check_in)
        if raw is None:
            if line:
                chart.lines.append(" ".join(line))
            line = []
            continue
        value = float(raw)
        x, y = _x(check_in.checked_on, start, end), _y(value, low, high)
        if series.style == "bars":
            chart.marks.append(Mark(check_in.checked_on, value, round(x - bar_width / 2, 2), y, bar_width,
                                    round(chart.baseline - y, 2)))
        else:
            chart.marks.append(Mark(check_in.checked_on, value, x, y))
            line.append(f"{x},{y}")
    if line:
        chart.lines.append(" ".join(line))
    chart.lines = [points for points in chart.lines if " " in points]  # a lone point needs no line
    recorded = len(chart.marks)
    if check_ins:
        chart.description = _(
            "%(title)s: %(recorded)s of %(total)s check-ins recorded a value, from %(start)s to %(end)s. "
            "The same numbers are in the table beside the chart.",
            title=series.title, recorded=recorded, total=len(check_ins),
            start=_day_words(check_ins[0].checked_on), end=_day_words(check_ins[-1].checked_on),
        )
    else:
        chart.description = _("%(title)s: no check-ins in this period.", title=series.title)
    return chart


# The check-in field each chart draws, so a reader who may not see a field
# (the school contact, under an agreement: policy.SHARED_FIELDS) gets no chart of it.
SERIES_FIELDS = {"episodes": "episodes", "urges": "urges", "urge-to-action": "urge_to_action", "sleep": "sleep_hours"}
if set(SERIES_FIELDS) != {series.slug for series in SERIES}:
    raise RuntimeError("every chart needs the check-in field it draws")


def charts_for(check_ins: list, period: str, today: date, shows=lambda field: True) -> tuple[list[Chart], date, date]:
    """The charts, of the fields ``shows`` lets the reader see, for the
    check-ins inside the period, oldest first."""
    ordered = sorted(check_ins, key=lambda c: (c.checked_on, c.id))
    start, end = window(period, today, *((ordered[0].checked_on, ordered[-1].checked_on) if ordered else (None, None)))
    shown = [c for c in ordered if start <= c.checked_on <= end]
    return [_draw(series, shown, start, end) for series in SERIES if shows(SERIES_FIELDS[series.slug])], start, end
