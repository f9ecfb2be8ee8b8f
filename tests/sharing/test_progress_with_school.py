"""Progress shared with the school contact is the minimum that helps school
act (policy.SHARED_FIELDS): the week, sleep, asking for help sooner. No count
of self-harm, how severe, urges or the time from urge to action reaches them
on any page they can open (the canary of issue 16, part 3)."""

from __future__ import annotations

from datetime import date

from portal.access import policy
from portal.plan.sections import SPECS
from portal.sharing import services
from tests import factories

# Values no other part of the page would print: a count, and each choice's words.
EPISODES = 47
HIDDEN_WORDS = ("47 times", "47 episodes", "Needed medical care", "Every day", "A few minutes", "Urges passed without acting")
# The headings of what they must not see: the fields' labels and the charts' titles.
HIDDEN_HEADINGS = (
    "Episodes since the last check-in", "The most serious one", "Time between an urge and acting on it",
    "Time between urge and action", 'id="heading-episodes"', 'id="heading-urges"', 'id="heading-urge-to-action"',
)


def write_check_ins(world):
    clinician = world.users[policy.CLINICIAN]
    rows = []
    for week, (severity, urges, urge_to_action) in enumerate(
        (("medical", "every_day", "minutes"), ("medical", "every_day", "no_action"))
    ):
        rows.append(factories.write_section(
            world.circle, "progress", clinician, f"CANARY-PROGRESS-{week}",
            checked_on=date(2026, 11, 2 + 7 * week), episodes=EPISODES, severity=severity, urges=urges,
            urge_to_action=urge_to_action, sleep_hours=6.5, sought_help_sooner="yes", suicidal_thoughts="no",
        ))
    return rows


def pages_of_progress(world, item_id):
    base = f"/circles/{world.circle.id}"
    return [
        f"{base}/plan/progress",
        f"{base}/plan/progress/history",
        f"{base}/plan/progress/print",
        f"{base}/plan/progress/{item_id}/edit",
        f"{base}/progress/charts",
        f"{base}/progress/charts?period=all",
        base,
        f"{base}/sharing",
        "/dashboard",
        "/notifications",
    ]


def test_progress_shared_with_school_carries_no_counts_severity_or_urges(app, world, login_as):
    rows = write_check_ins(world)
    services.record(world.circle.id, "progress", policy.SCHOOL_CONTACT, "guardian", None, world.users[policy.CAREGIVER])
    # What they may see is there: sleep and asking for help sooner.
    assert policy.SHARED_FIELDS[("progress", policy.SCHOOL_CONTACT)] == {"checked_on", "sleep_hours", "sought_help_sooner"}
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    opened = 0
    for url in pages_of_progress(world, rows[0].id):
        response = contact.get(url)
        if response.status_code != 200:
            continue
        opened += 1
        page = response.text
        for words in (*HIDDEN_WORDS, *HIDDEN_HEADINGS, "CANARY-PROGRESS"):
            assert words not in page, f"{url} shows {words!r} to the school contact"
    assert opened >= 6
    section = contact.get(f"/circles/{world.circle.id}/plan/progress").text
    assert "6.5" in section
    charts = contact.get(f"/circles/{world.circle.id}/progress/charts").text
    assert 'id="heading-sleep"' in charts and "6.5 hours" in charts
    # A caregiver, who reads progress by default, still sees all of it.
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    theirs = caregiver.get(f"/circles/{world.circle.id}/progress/charts").text
    assert "47 times" in theirs and 'id="heading-urges"' in theirs
    assert str(SPECS["progress"].field("episodes").label) in caregiver.get(f"/circles/{world.circle.id}/plan/progress").text
