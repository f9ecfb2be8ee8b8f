"""A young person's or caregiver's home page opens with "right now"; other
roles' do not; what the card quotes is audited with the dashboard's views."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.sharing import services as sharing_services
from tests import factories
from tests.rightnow.conftest import FIRST_STEP
from tests.web import counting_statements


def dashboard(client) -> str:
    response = client.get("/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def card_of(html: str) -> str:
    assert 'class="right-now-cards"' in html
    top = html.split('class="right-now-cards"', 1)[1].split("</section>", 1)[0]
    # It opens the page: before any circle's card.
    assert html.index('class="right-now-cards"') < html.index('class="circle-card"')
    return top


@pytest.mark.parametrize("role", [policy.YOUNG_PERSON, policy.CAREGIVER])
def test_the_home_page_opens_with_right_now(client, login_as, circle, role):
    login_as(circle.users[role])
    card = card_of(dashboard(client))
    assert 'Tell Mum or call <a href="tel:988">988</a>. Stay where someone is.' in card
    assert "Maria Lopez, Mum" in card and '<a href="tel:5550102">555-0102</a>' in card
    assert "Riverside after-hours line" in card
    assert "Dr Ana Rivera&#39;s office" not in card  # not reachable in the evening
    assert f'href="/circles/{circle.circle.id}/right-now"' in card
    assert ("Your first steps" in card) == (role == policy.YOUNG_PERSON)


@pytest.mark.parametrize("role", [policy.CLINICIAN, policy.PRIMARY_CARE, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF])
def test_other_roles_home_pages_do_not(client, login_as, circle, role):
    login_as(circle.users[role])
    html = dashboard(client)
    assert 'class="right-now-cards"' not in html
    assert FIRST_STEP not in html


def test_the_card_quotes_the_plan_and_so_is_audited(client, login_as, circle):
    caregiver = circle.users[policy.CAREGIVER]
    login_as(caregiver)
    dashboard(client)
    db.session.expire_all()
    sections = set(db.session.scalars(
        select(AuditEvent.section).where(AuditEvent.user_id == caregiver.id, AuditEvent.endpoint == "dashboard.index")
    ))
    assert {"safety_plan", "care_team"} <= sections


def test_a_card_for_each_circle_in_a_fixed_number_of_statements(client, login_as, circle):
    caregiver = circle.users[policy.CAREGIVER]
    login_as(caregiver)
    with counting_statements() as one_circle:
        dashboard(client)
    for name in ("Alex", "Sam", "Robin"):
        other = factories.circle(circle.users[policy.CLINICIAN], name)
        factories.member(other, caregiver, policy.CAREGIVER, circle.users[policy.CLINICIAN])
        factories.write_section(other, "safety_plan", caregiver, name.upper(), if_suicidal_thoughts=f"Step for {name}")
    with counting_statements() as four_circles:
        html = dashboard(client)
    assert html.count('class="right-now-card"') == 4
    assert "Step for Robin" in html
    assert len(four_circles) <= len(one_circle) + 2


def test_a_caregiver_kept_from_the_safety_plan_would_get_no_card(client, login_as, circle, monkeypatch):
    """The card asks the policy, not the role: take the safety plan from caregivers and the card goes."""
    rows = dict(policy.POLICY["safety_plan"])
    rows.pop(policy.CAREGIVER)
    monkeypatch.setitem(policy.POLICY, "safety_plan", rows)
    login_as(circle.users[policy.CAREGIVER])
    html = dashboard(client)
    assert FIRST_STEP not in html and 'class="right-now-card"' not in html


def test_sharing_with_the_school_gives_the_school_no_card(client, login_as, circle):
    sharing_services.record(circle.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None,
                            circle.users[policy.YOUNG_PERSON])
    db.session.commit()
    login_as(circle.users[policy.SCHOOL_CONTACT])
    assert FIRST_STEP not in dashboard(client)
