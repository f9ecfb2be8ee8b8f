"""The right-now page, for each role: the first steps, who can be reached at
this hour with tappable numbers, the urgent numbers; refused where the
safety plan is not read; audited like any view of the plan."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.access.sections import section_access
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.plan.sections import SPECS
from portal.sharing import services as sharing_services
from tests import factories
from tests.rightnow.conftest import FIRST_STEP
from tests.web import valid_section_post

READERS = (policy.CLINICIAN, policy.PRIMARY_CARE, policy.CAREGIVER, policy.YOUNG_PERSON)
SCHOOL = (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF)


def url(world) -> str:
    return f"/circles/{world.circle.id}/right-now"


def reachable_part(html: str) -> str:
    return html.split('id="reach-heading"', 1)[1].split("Not reachable right now", 1)[0]


def not_reachable_part(html: str) -> str:
    return html.split("Not reachable right now", 1)[1].split('id="urgent-heading"', 1)[0]


@pytest.mark.parametrize("role", READERS)
def test_each_reader_sees_first_steps_who_is_reachable_now_and_the_numbers(client, login_as, circle, role):
    login_as(circle.users[role])
    response = client.get(url(circle))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The first step, with its number tappable, then the first three lines of what to try.
    assert 'Tell Mum or call <a href="tel:988">988</a>. Stay where someone is.' in html
    assert "<li>Hold ice</li>" in html and "<li>Listen to the playlist</li>" in html
    assert "Write it down" not in html  # only the first lines
    # Wednesday 19:00 is the evening: Mum and the after-hours line now, the office not.
    now = reachable_part(html)
    assert "(evenings)" in html
    assert "Maria Lopez, Mum" in now and '<a href="tel:5550102">555-0102</a>' in now
    assert "Riverside after-hours line" in now and '<a href="tel:5550102345">(555) 010-2345</a>' in now
    assert "Dr Ana Rivera&#39;s office" not in now
    later = not_reachable_part(html)
    assert "Dr Ana Rivera&#39;s office" in later and '<a href="tel:+15550109999">' in later
    assert "Can be reached: School hours" in later
    # The urgent numbers, tappable.
    assert '<a href="tel:911">911</a>' in html and '<a href="tel:988">988</a>' in html
    # Nothing else of the plan: no other safety-plan field, no check-in.
    assert "SAFETY-warning_signs" not in html and "SAFETY-what_matters" not in html
    assert "thoughts of suicide?" not in html


def test_the_young_person_is_spoken_to_as_you(client, login_as, circle):
    login_as(circle.users[policy.YOUNG_PERSON])
    html = client.get(url(circle)).get_data(as_text=True)
    assert "Your first steps" in html and "Who you can reach now" in html
    login_as(circle.users[policy.CAREGIVER])
    html = client.get(url(circle)).get_data(as_text=True)
    assert "Your first steps" not in html and "First steps from the safety plan" in html


def test_on_a_saturday_night_the_weekend_decides(client, login_as, circle, monkeypatch):
    from datetime import UTC, datetime

    from portal import clock

    # 23:00 on Saturday 5 December in New York.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 6, 4, 0, tzinfo=UTC))
    login_as(circle.users[policy.CAREGIVER])
    html = client.get(url(circle)).get_data(as_text=True)
    assert "(weekends)" in html
    assert "Maria Lopez, Mum" in reachable_part(html)
    assert "Riverside after-hours line" in not_reachable_part(html)


@pytest.mark.parametrize("role", SCHOOL)
def test_school_roles_are_refused(client, login_as, circle, role):
    login_as(circle.users[role])
    response = client.get(url(circle))
    assert response.status_code == 403
    assert FIRST_STEP not in response.get_data(as_text=True)


def test_the_school_contact_sees_it_while_the_safety_plan_is_shared(client, login_as, circle):
    young_person = circle.users[policy.YOUNG_PERSON]
    sharing_services.record(circle.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None, young_person)
    db.session.commit()
    login_as(circle.users[policy.SCHOOL_CONTACT])
    html = client.get(url(circle)).get_data(as_text=True)
    assert "Tell Mum or call" in html and "Maria Lopez, Mum" in html
    login_as(circle.users[policy.SCHOOL_STAFF])
    assert client.get(url(circle)).status_code == 403


def test_outsiders_get_404_and_anonymous_is_sent_to_sign_in(client, login_as, circle):
    assert client.get(url(circle)).status_code == 302
    login_as(circle.outsider)
    assert client.get(url(circle)).status_code == 404
    login_as(circle.removed)
    assert client.get(url(circle)).status_code == 404


def test_each_view_is_audited_by_section_without_content(client, login_as, circle):
    caregiver = circle.users[policy.CAREGIVER]
    login_as(caregiver)
    client.get(url(circle))
    db.session.expire_all()
    views = db.session.execute(
        select(AuditEvent.section, AuditEvent.role).where(
            AuditEvent.user_id == caregiver.id, AuditEvent.action == "view", AuditEvent.circle_id == circle.circle.id
        )
    ).all()
    assert sorted(views) == [("care_team", policy.CAREGIVER), ("safety_plan", policy.CAREGIVER)]


def test_an_empty_plan_says_so_and_still_gives_the_numbers(client, login_as, world, evening):
    login_as(world.users[policy.YOUNG_PERSON])
    html = client.get(url(world)).get_data(as_text=True)
    assert "Your safety plan has no first steps written yet." in html
    assert "No one in the care team has said they can be reached at this time." in html
    assert '<a href="tel:988">988</a>' in html


def test_editing_a_check_in_to_not_sure_opens_right_now(client, login_as, circle):
    young_person = circle.users[policy.YOUNG_PERSON]
    row = factories.write_section(circle.circle, "progress", young_person, "EDITED", suicidal_thoughts="no")
    login_as(young_person)
    membership = circle.memberships[policy.YOUNG_PERSON]
    progress = SPECS["progress"]
    data = valid_section_post(progress, membership, section_access(membership, progress).editable, "EDITED2")
    data.update(suicidal_thoughts="unsure", base_version=str(row.version))
    response = client.post(f"/circles/{circle.circle.id}/plan/progress/{row.id}/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/right-now")


@pytest.mark.parametrize("role", READERS + SCHOOL)
def test_the_plan_overview_links_to_right_now_for_those_who_may_open_it(client, login_as, circle, role):
    login_as(circle.users[role])
    html = client.get(f"/circles/{circle.circle.id}").get_data(as_text=True)
    assert (f'href="{url(circle)}"' in html) == (role in READERS)
