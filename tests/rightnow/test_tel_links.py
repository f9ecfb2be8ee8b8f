"""Phone numbers in typed text become tappable tel: links; nothing else does,
and markup typed into the plan stays text."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from portal.templating import phone_link, tel_links


@pytest.mark.parametrize(
    ("text", "dialled"),
    [
        ("988", "988"),
        ("(555) 010-2345", "5550102345"),
        ("+1 555 010 2345", "+15550102345"),
        ("555-0102 ext 3", "5550102;ext=3"),
        ("1-800-273-8255", "18002738255"),
        ("020 7946 0958", "02079460958"),
        ("911", "911"),
    ],
)
def test_a_phone_number_becomes_a_link(app, text, dialled):
    linked = tel_links(f"Call {text} now.")
    assert str(linked) == f'Call <a href="tel:{dialled}">{text}</a> now.'


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-02",
        "Tue 2 Dec 2026, 21:59",
        "12-02-2026",
        "08:00-15:30",
        "from 15:30 to 22:00",
        "Room 214",
        "2 episodes, 7.5 hours of sleep",
        "Text HOME to 741741",
        "1530",
    ],
)
def test_dates_times_and_other_figures_stay_text(app, text):
    assert "<a" not in tel_links(text)
    assert tel_links(text) == Markup.escape(text)


def test_markup_typed_into_the_plan_stays_escaped(app):
    hostile = '<script>alert(1)</script> call <a href="javascript:x">555-0102</a> "988" & \'911\''
    linked = str(tel_links(hostile))
    assert "<script>" not in linked and "&lt;script&gt;" in linked
    assert '<a href="javascript' not in linked and "&lt;a href=&#34;javascript:x&#34;&gt;" in linked
    assert '<a href="tel:5550102">555-0102</a>' in linked
    assert '<a href="tel:988">988</a>' in linked
    assert "&amp;" in linked


def test_several_numbers_in_one_text_and_nothing_given(app):
    linked = str(tel_links("Mum 555-0102, or the crisis line 988.\nAfter 22:00 call (555) 010-2345"))
    assert linked.count('<a href="tel:') == 3
    assert tel_links(None) == Markup("")
    assert tel_links("") == Markup("")


def test_the_deployments_own_short_numbers_are_links(app):
    app.config["EMERGENCY_NUMBER"] = "999"
    app.config["CRISIS_LINE_NUMBER"] = "116 123"
    assert '<a href="tel:999">999</a>' in tel_links("Call 999")
    # Not a known short number anywhere: left as text.
    assert "<a" not in tel_links("Call 995")


def test_a_care_team_phone_written_plainly_is_one_link(app):
    assert phone_link("5550102345") == Markup('<a href="tel:5550102345">5550102345</a>')
    assert phone_link("<b>5550102345</b>") == Markup("&lt;b&gt;5550102345&lt;/b&gt;")
    assert phone_link("ask at reception") == Markup("ask at reception")


def test_long_hostile_input_is_quick_and_escaped(app):
    text = ("1-" * 5000) + "<i>" + ("(5" * 3000)
    linked = str(tel_links(text))
    assert "<i>" not in linked
