"""Therapy and medication stay with the clinicians (issue 5, part 5) and the
family doctor, who reviews medicines (issue 15, part 5).

Every text of the clinical section carries a marker (the methods, the wider
context, what therapy looks like, what the medication treats and the
harm-minimisation advice among them), and so does the prescriber's
medication-safety instruction in home safety. Then everyone fetches every
page this issue added or changed, the calendar feed included: the clinical
markers appear for clinicians and primary care only; the medication-safety
instruction reaches caregivers.
"""

from __future__ import annotations

import re
from datetime import timedelta

from portal import clock
from portal.access import policy
from portal.plan.sections import SPECS
from tests import factories
from tests.followup.conftest import add, appointment, episode
from tests.web import section_form

CLINICAL = re.compile(r"CLINCANARY\d+X")
THERAPY_LABEL = "DBT or DBT-A"
MED_SAFETY = "MEDSAFETYCANARY keep the box locked, one week at a time"
# Written out by hand: who reads the assessment and treatment.
CLINICAL_READERS = {policy.CLINICIAN, policy.PRIMARY_CARE}


def _write(world):
    clinician = world.users[policy.CLINICIAN]
    texts = {f.name: f"CLINCANARY{n}X {f.name}" for n, f in enumerate(SPECS["clinical"].fields) if f.type == "text"}
    assert {"methods", "wider_context", "therapy_description", "medication_for", "harm_minimisation"} <= set(texts)
    factories.write_section(world.circle, "clinical", clinician, "X", therapy_modality="dbt,family", **texts)
    factories.write_section(world.circle, "home_safety", clinician, "HOME", medication_safety=MED_SAFETY)
    review = add(world, "setback_reviews", policy.CLINICIAN, setback_on=clock.today() - timedelta(days=2))
    episode(world)
    appointment(world, clock.now() + timedelta(days=3))
    for week in range(6):
        add(world, "progress", policy.CAREGIVER, checked_on=clock.today() - timedelta(days=7 * week), episodes=week % 3)
    return review


def _link_a_clinical_change(app, world, login_as, review) -> None:
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    url = f"/circles/{world.circle.id}/plan/clinical/edit"
    data = dict(section_form(client.get(url).get_data(as_text=True))["fields"])
    data.update(medication="CLINCANARY901X a new dose", follows_setback_review=str(review.id))
    assert client.post(url, data=data).status_code == 302
    for url in (f"/circles/{world.circle.id}/plan/home_safety/edit",):
        data = dict(section_form(client.get(url).get_data(as_text=True))["fields"])
        data.update(medication_safety=MED_SAFETY + " (after the review)", follows_setback_review=str(review.id))
        assert client.post(url, data=data).status_code == 302


def _pages(circle_id: int, review_id: int) -> list[str]:
    base = f"/circles/{circle_id}"
    return [
        "/dashboard", "/clinician/caseload", "/calendar", base, f"{base}/reviews", f"{base}/reviews/new",
        f"{base}/setback-reviews/{review_id}", f"{base}/progress/charts?period=all",
        *(f"{base}/plan/{kind}" for kind in SPECS), *(f"{base}/plan/{kind}/history" for kind in SPECS),
    ]


def test_therapy_and_medication_details_reach_clinicians_only(app, world, login_as):
    assert {role for role in policy.ROLES if policy.can(role, "clinical", policy.READ)} == CLINICAL_READERS
    review = _write(world)
    _link_a_clinical_change(app, world, login_as, review)
    circle_id = world.circle.id
    leaks, seen_by = [], set()
    for role in policy.ROLES:
        client = login_as(world.users[role], app.test_client())
        seen_clinical = False
        for url in _pages(circle_id, review.id):
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            html = response.get_data(as_text=True)
            found = set(CLINICAL.findall(html))
            if found or THERAPY_LABEL in html:
                seen_clinical = True
                seen_by |= found
                if role not in CLINICAL_READERS:
                    leaks.append((role, url, sorted(found)))
        feed_page = client.post("/calendar/renew")
        token = re.search(r"/calendar/([A-Za-z0-9_\-]{43})\.ics", feed_page.get_data(as_text=True)).group(1)
        feed = app.test_client().get(f"/calendar/{token}.ics").get_data(as_text=True)
        if CLINICAL.search(feed) or "CLINCANARY" in feed:
            leaks.append((role, "calendar feed", CLINICAL.findall(feed)))
        assert seen_clinical == (role in CLINICAL_READERS), role
    assert leaks == []
    # Every clinical text, the new fields' included, reached its readers.
    assert len(seen_by) >= len([f for f in SPECS["clinical"].fields if f.type == "text"])


def test_the_medication_safety_instructions_reach_caregivers(app, world, login_as):
    _write(world)
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    page = caregiver.get(f"/circles/{world.circle.id}/plan/home_safety").get_data(as_text=True)
    assert MED_SAFETY in page and not CLINICAL.search(page)
    for role in (policy.YOUNG_PERSON, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        client = login_as(world.users[role], app.test_client())
        assert client.get(f"/circles/{world.circle.id}/plan/home_safety").status_code == 403, role


def test_the_clinical_edit_page_points_to_home_safety(app, world, login_as):
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    html = client.get(f"/circles/{world.circle.id}/plan/clinical/edit").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", html)
    assert "Medication-safety instructions for the family go in Home safety" in text
    assert f'href="/circles/{world.circle.id}/plan/home_safety"' in html
