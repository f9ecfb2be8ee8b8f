"""The dashboard: each person's items that need attention, counted from the
deployment's local date."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from portal.access import policy
from tests import factories
from tests.local_evening import LOCAL_TODAY, NEW_YORK_EVENING

ITEM = re.compile(r'<li class="(?P<kind>attention-[\w-]+)"[^>]*><a [^>]*>(?P<text>[^<]*)</a> <span class="muted">(?P<when>[^<]*)</span>')


def _attention(client) -> list[tuple[str, str]]:
    """The dashboard's items as (kind, "text / when")."""
    response = client.get("/dashboard")
    assert response.status_code == 200
    return [(m["kind"], f"{unescape(m['text'])} / {unescape(m['when'])}") for m in ITEM.finditer(response.text)]


def test_the_dashboard_counts_days_from_the_local_date(app, world, login_as, new_york_evening):
    contact = world.users[policy.SCHOOL_CONTACT]
    soon = app.config["ADJUSTMENT_ENDING_SOON_DAYS"]

    def adjustment(marker: str, end: date):
        factories.write_section(world.circle, "adjustments", contact, marker, kind="extension",
                                subjects=marker, start_date=LOCAL_TODAY - timedelta(days=20), end_date=end)

    adjustment("ENDSTODAY", LOCAL_TODAY)  # still in force tonight: it ends soon
    adjustment("ENDEDYESTERDAY", LOCAL_TODAY - timedelta(days=1))
    adjustment("LASTSOON", LOCAL_TODAY + timedelta(days=soon))
    adjustment("NOTSOONYET", LOCAL_TODAY + timedelta(days=soon + 1))
    # A follow-up booked for earlier this evening is overdue, and shown on its local day.
    factories.write_section(world.circle, "follow_ups", world.users[policy.CLINICIAN], "EVENING", kind="appointment",
                            status="scheduled", due_at=NEW_YORK_EVENING - timedelta(hours=2))

    items = _attention(login_as(world.users[policy.CAREGIVER], app.test_client()))
    ending = [text for kind, text in items if kind == "attention-adjustment_ending"]
    assert any("ENDSTODAY" in text for text in ending), items
    assert any("LASTSOON" in text for text in ending), items
    assert not any("ENDEDYESTERDAY" in text or "NOTSOONYET" in text for text in ending), items
    overdue = [text for kind, text in items if kind == "attention-overdue"]
    assert overdue and "Tue 10 Mar 2026" in overdue[0], items
