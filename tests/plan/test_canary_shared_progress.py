"""Canary (SECURITY.md, figure 4): progress shared with the school contact
carries only what helps school act (policy.SHARED_FIELDS).

A guardian shares the progress log with the school contact. The check-ins
carry a unique marker in their text fields and distinctive values in the
others (an episode count of 37, "Needed medical care", "Every day", "A few
minutes", "yes" to the direct question). On every page the contact can try
(the section, each item, history, print, the charts, the dashboard and the
school's caseload), none of the fields outside SHARED_FIELDS shows: no
marker, no label, no value. The caregiver's same pages show all of them, and
the contact's show the shared ones (the week, the hours of sleep), so the
test can fail.
"""

from __future__ import annotations

import re
from datetime import date

from portal.access import policy
from portal.plan.sections import SPECS
from portal.sharing import services as sharing_services
from tests.plan.test_canary import MARKER, Canary, client_for, fetch

SPEC = SPECS["progress"]
SHARED = policy.SHARED_FIELDS[("progress", policy.SCHOOL_CONTACT)]
NOT_SHARED = tuple(f.name for f in SPEC.fields if f.name not in SHARED)
EPISODES = 37
# Values no other page text carries, so that finding one is finding the field.
WRITTEN = {
    "checked_on": date(2026, 11, 23),
    "episodes": EPISODES,
    "severity": "medical",
    "urges": "every_day",
    "urge_to_action": "minutes",
    "sought_help_sooner": "yes",
    "less_secrecy": "unsure",
    "sleep_hours": 6.5,
    "suicidal_thoughts": "yes",
}
# How each field not shared would show itself on a page, besides its marker
# and its label: the choices whose labels say nothing else ("Yes" could be
# the shared answer about asking for help sooner), and the episode count.
DISTINCT_CHOICES = ("severity", "urges", "urge_to_action")
EPISODE_COUNT = re.compile(rf"(?<![\w.-]){EPISODES}(?![\w.-])")


def choice_label(name: str) -> str:
    return str(dict(SPEC.field(name).choices)[WRITTEN[name]])


def signs(text: str) -> dict[str, list[str]]:
    """Each field outside SHARED_FIELDS, and what of it the page shows."""
    found = {}
    for name in NOT_SHARED:
        field_spec = SPEC.field(name)
        shown = [what for what in (str(field_spec.label), f'name="{name}"') if what in text]
        if name == "episodes" and EPISODE_COUNT.search(text):
            shown.append(str(EPISODES))
        if name in DISTINCT_CHOICES and choice_label(name) in text:
            shown.append(choice_label(name))
        found[name] = shown
    for token in MARKER.findall(text):
        found.setdefault("marker", []).append(token)
    return {name: shown for name, shown in found.items() if shown}


def share_and_write(world) -> tuple[Canary, object]:
    users = world.users
    world.circle.school = world.school
    sharing_services.record(world.circle.id, "progress", policy.SCHOOL_CONTACT, "guardian", None, users[policy.CAREGIVER])
    canary = Canary(world.circle)
    row = canary.write("progress", users[policy.CAREGIVER], **WRITTEN)
    canary.revise("progress", row, users[policy.YOUNG_PERSON])  # so history holds old and new text
    assert {marker.field for marker in canary.markers.values()} == {"what_helped", "notes"}
    assert not {marker.field for marker in canary.markers.values()} & SHARED
    return canary, row


def pages_of(app, login_as, world, urls: list[str]) -> dict[str, dict[str, tuple[int, str]]]:
    pages = {}
    for who in (policy.SCHOOL_CONTACT, policy.CAREGIVER):
        client = client_for(app, login_as, world.users[who].id)
        pages[who] = {url: fetch(app, client, url) for url in urls}
    return pages


def test_progress_shared_with_the_school_contact_shows_only_the_shared_fields(app, world, login_as, canary_figures):
    _, row = share_and_write(world)
    base = f"/circles/{world.circle.id}"
    urls = [
        f"{base}/plan/progress", f"{base}/plan/progress/history", f"{base}/plan/progress/{row.id}/edit",
        "/dashboard", "/school/caseload", "/school/this-week", "/school/this-week/print", base,
    ]
    if SPEC.printable:
        urls.append(f"{base}/plan/progress/print")
    pages = pages_of(app, login_as, world, urls)

    contact, caregiver = pages[policy.SCHOOL_CONTACT], pages[policy.CAREGIVER]
    leaks = [(url, found) for url, (_, text) in contact.items() if (found := signs(text))]
    server_errors = [(who, url, status) for who in pages for url, (status, _) in pages[who].items() if status >= 500]
    canary_figures["shared progress: pages the school contact tried (charts apart)"] = len(contact)
    canary_figures["shared progress: pages showing the school contact a field outside SHARED_FIELDS"] = len(leaks)
    assert server_errors == []
    assert leaks == []
    # The agreement does reach the contact: the hours of sleep and asking for help sooner, on the section and its history.
    for url in (f"{base}/plan/progress", f"{base}/plan/progress/history"):
        status, text = contact[url]
        assert status == 200, url
        assert str(SPEC.field("sleep_hours").label) in text and "6.5" in text, url
        assert str(SPEC.field("sought_help_sooner").label) in text, url
    # Not vacuous: the caregiver's section page and history show every field the contact's hide.
    status, text = caregiver[f"{base}/plan/progress"]
    assert status == 200
    shown = signs(text)
    assert set(NOT_SHARED) <= set(shown), set(NOT_SHARED) - set(shown)
    assert "marker" in shown and "marker" in signs(caregiver[f"{base}/plan/progress/history"][1])


def test_the_progress_charts_show_the_school_contact_only_the_shared_fields(app, world, login_as, canary_figures):
    share_and_write(world)
    url = f"/circles/{world.circle.id}/progress/charts?period=all"
    pages = pages_of(app, login_as, world, [url])
    status, text = pages[policy.SCHOOL_CONTACT][url]
    assert status == 200
    # Not vacuous: the caregiver's charts draw the episode count and the urges.
    assert {"episodes", "urges"} <= set(signs(pages[policy.CAREGIVER][url][1]))
    canary_figures["shared progress: fields outside SHARED_FIELDS on the school contact's charts (known leak)"] = len(
        signs(text)
    )
    assert signs(text) == {}
