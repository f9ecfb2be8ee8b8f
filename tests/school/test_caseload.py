"""The counselor's caseload: every circle where they are the school contact,
sorted and filtered as asked, a page at a time."""

from __future__ import annotations

import re
from datetime import timedelta

from portal import clock
from portal.access import policy
from tests import factories
from tests.school.conftest import add_adjustment


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/circles/\d+">([^<]+)</a>', html)


def test_sorting_and_filtering_the_caseload(app, world, login_as):
    contact_user = world.users[policy.SCHOOL_CONTACT]
    now = clock.now()
    ana, ben, cai = (factories.circle(contact_user, name) for name in ("Ana", "Ben", "Cai"))
    factories.write_section(ana, "school_plan", contact_user, "ANA")
    factories.write_section(ben, "school_plan", contact_user, "BEN")
    factories.write_section(ana, "episodes", contact_user, "ANAEP", occurred_at=now - timedelta(minutes=1))
    add_adjustment(ben, contact_user, "BENADJ", starts=-5, ends=3)
    add_adjustment(cai, contact_user, "CAIADJ", starts=-5, ends=20)
    add_adjustment(ana, contact_user, "ANAOLD", starts=-50, ends=-20)
    factories.write_section(ben, "follow_ups", contact_user, "BENREV", kind="school_review", status="scheduled",
                            due_at=now + timedelta(days=2))
    factories.write_section(cai, "follow_ups", contact_user, "CAIREV", kind="school_review", status="scheduled",
                            due_at=now + timedelta(days=30))
    # The world's circle, Jordan, has the school contact too, and nothing else yet.
    client = login_as(contact_user, app.test_client())

    def shown(query: str = "") -> list[str]:
        response = client.get(f"/school/caseload{query}")
        assert response.status_code == 200, query
        return _names(response.text)

    assert shown() == ["Ana", "Ben", "Cai", "Jordan"]
    assert shown("?sort=last_episode") == ["Ana", "Ben", "Cai", "Jordan"]
    assert shown("?sort=ending") == ["Ben", "Cai", "Ana", "Jordan"]
    assert shown("?sort=review") == ["Ben", "Cai", "Ana", "Jordan"]
    assert shown("?filter=episodes_this_week") == ["Ana"]
    assert shown("?filter=active_adjustments&sort=ending") == ["Ben", "Cai"]
    assert shown("?filter=reviews_due") == ["Ben"]
    assert shown("?filter=no_school_plan") == ["Cai", "Jordan"]
    assert shown("?filter=no_school_plan&filter=active_adjustments") == ["Cai"]
    page = client.get("/school/caseload?filter=reviews_due").text
    assert "1 of 4 students match" in page and "Ends soon" in page
    # Each row offers the episode form in one click.
    assert f'href="/circles/{ana.id}/plan/episodes/new"' in page or f'href="/circles/{ben.id}/plan/episodes/new"' in page

    # Junk in the address is ignored, never a server error, never echoed as markup.
    for query in ("?sort=<script>alert(1)</script>", "?filter=bogus&filter=<b>x</b>", "?page=abc", "?page=-5",
                  f"?page={10**30}", "?page=99999&sort=review", "?sort=&filter=", "?filter=reviews_due&page=0"):
        response = client.get(f"/school/caseload{query}")
        assert response.status_code == 200, query
        assert "<script>alert(1)</script>" not in response.text and "<b>x</b>" not in response.text
    assert _names(client.get("/school/caseload?page=99999").text) == ["Ana", "Ben", "Cai", "Jordan"]


def test_the_caseload_holds_only_circles_where_one_is_the_school_contact(app, world, login_as):
    users = world.users
    for role in (policy.SCHOOL_STAFF, policy.CLINICIAN, policy.CAREGIVER):
        text = login_as(users[role], app.test_client()).get("/school/caseload").text
        assert "You are not the school contact for any student yet" in text and "Jordan" not in text
    # Another counselor's students never appear.
    other = factories.user("Other Counselor", staff_role="school_contact", org=world.school)
    factories.circle(other, "Quinn")
    text = login_as(users[policy.SCHOOL_CONTACT], app.test_client()).get("/school/caseload").text
    assert "Jordan" in text and "Quinn" not in text
    assert login_as(world.org_admin, app.test_client()).get("/school/caseload").status_code == 200
    assert app.test_client().get("/school/caseload").status_code == 302
