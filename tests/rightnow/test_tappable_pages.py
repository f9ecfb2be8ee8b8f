"""Phone numbers are tappable where plan text and care-team phones are shown
(section pages, print views), hostile text stays escaped, dates stay text;
the right-now page costs the same statements however many contacts."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.access import policy
from portal.plan.sections import SPECS
from tests import factories
from tests.web import counting_statements

HOSTILE_NAME = '<script>alert(1)</script> "Aunt" & co'


def add_contact(world, name, phone, reachable="evenings"):
    values = factories.section_values("care_team", "EXTRA", name=name, phone=phone, reachable=reachable,
                                      contact_kind="person", responsibilities="")
    return factories.plan_services.add_item(world.circle.id, SPECS["care_team"], values, world.users[policy.CLINICIAN])


def test_care_team_phones_and_plan_text_are_tappable_on_section_and_print_pages(client, login_as, circle):
    add_contact(circle, "Grandad", "5550107777")
    login_as(circle.users[policy.CAREGIVER])
    team = client.get(f"/circles/{circle.circle.id}/plan/care_team").get_data(as_text=True)
    assert '<a href="tel:5550102">555-0102</a>' in team
    assert '<a href="tel:5550107777">5550107777</a>' in team  # a plain number in the phone field
    plan = client.get(f"/circles/{circle.circle.id}/plan/safety_plan").get_data(as_text=True)
    assert 'call <a href="tel:988">988</a>. Stay' in plan
    printed = client.get(f"/circles/{circle.circle.id}/plan/safety_plan/print").get_data(as_text=True)
    assert 'call <a href="tel:988">988</a>. Stay' in printed
    assert 'Emergency: <a href="tel:911">911</a>' in printed


def test_dates_and_times_on_a_section_page_stay_text(client, login_as, circle):
    clinician = circle.users[policy.CLINICIAN]
    factories.write_section(circle.circle, "follow_ups", clinician, "FOLLOW", kind="appointment", status="scheduled",
                            due_at=datetime(2026, 12, 9, 15, 30, tzinfo=UTC), details="Room 214 on 2026-12-09 at 10:30")
    login_as(clinician)
    html = client.get(f"/circles/{circle.circle.id}/plan/follow_ups").get_data(as_text=True)
    section = html.split('data-section="follow_ups"', 1)[1]
    assert "Room 214 on 2026-12-09 at 10:30" in section
    assert "tel:" not in section


def test_hostile_contact_text_stays_escaped_on_right_now_and_the_dashboard(client, login_as, circle):
    add_contact(circle, HOSTILE_NAME, '<img src=x onerror=alert(1)> 555-0123')
    login_as(circle.users[policy.CAREGIVER])
    for path in (f"/circles/{circle.circle.id}/right-now", "/dashboard"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;Aunt&#34; &amp; co" in html, path
        assert '&lt;img src=x onerror=alert(1)&gt; <a href="tel:5550123">555-0123</a>' in html, path


def test_right_now_costs_the_same_statements_however_many_contacts(client, login_as, circle):
    login_as(circle.users[policy.YOUNG_PERSON])
    url = f"/circles/{circle.circle.id}/right-now"
    client.get(url)
    with counting_statements() as few:
        client.get(url)
    for number in range(8):
        add_contact(circle, f"Helper {number}", f"555-01{number:02d}", "evenings" if number % 2 else "weekends")
    with counting_statements() as many:
        html = client.get(url).get_data(as_text=True)
    assert "Helper 7" in html
    assert len(many) == len(few)
