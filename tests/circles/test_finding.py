"""Finding a circle among hundreds: by the young person's name, with filters
for school, role and what needs attention, on /circles, the dashboard and
the counselor's caseload; a bad search or page is said so, never ignored."""

from __future__ import annotations

import re
from datetime import timedelta

from portal import clock
from portal.access import policy
from portal.extensions import db
from tests import factories

LISTED = re.compile(r'<li><a href="/circles/\d+">([^<]+)</a> <span class="muted">as ([^<]+)</span>')
CASELOAD = re.compile(r'<th scope="row"><a href="/circles/\d+">([^<]+)</a>')


def _listed(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [name for name, _ in LISTED.findall(response.text)]


def _setting(world):
    """The school contact in Jordan's circle and three more; two at another school;
    Ana has an overdue review, and the contact is a caregiver in Dee's."""
    contact = world.users[policy.SCHOOL_CONTACT]
    other_school = factories.organisation("Hillside Middle School")
    ana, ben, cai = (factories.circle(contact, name) for name in ("Ana Ruiz", "Ben Ortiz", "Cai 100%"))
    for circle in (ana, ben, cai, world.circle):
        circle.school_organisation_id = world.school.id
    ben.school_organisation_id = other_school.id
    cai.school_organisation_id = other_school.id
    dee = factories.circle(world.users[policy.CLINICIAN], "Dee")
    factories.member(dee, contact, policy.CAREGIVER, world.users[policy.CLINICIAN])
    db.session.commit()
    factories.write_section(
        ana,
        "follow_ups",
        contact,
        "ANAREV",
        kind="school_review",
        status="scheduled",
        due_at=clock.now() - timedelta(days=1),
    )
    return contact, other_school


def test_circles_are_found_by_name_school_role_and_attention(app, world, login_as):
    contact, other_school = _setting(world)
    client = login_as(contact, app.test_client())
    assert _listed(client, "/circles") == ["Ana Ruiz", "Ben Ortiz", "Cai 100%", "Dee", "Jordan"]
    assert _listed(client, "/circles?q=or") == ["Ben Ortiz", "Jordan"]  # any part of the name, any case
    assert _listed(client, "/circles?q=%25") == ["Cai 100%"], "a % is a character searched for, not a wildcard"
    assert _listed(client, f"/circles?school={other_school.id}") == ["Ben Ortiz", "Cai 100%"]
    assert _listed(client, "/circles?role=caregiver") == ["Dee"]
    assert _listed(client, "/circles?attention=yes") == ["Ana Ruiz"]
    assert "Ana Ruiz" not in _listed(client, "/circles?attention=no")
    page = client.get("/circles?q=ana").text
    assert "One circle matches." in page and 'value="ana"' in page and "needs your attention" in page
    # Nobody else's circles, whatever is searched.
    assert _listed(client, "/circles?q=Alex") == []


def test_a_bad_search_or_page_on_circles_says_so(app, world, login_as):
    contact, _ = _setting(world)
    client = login_as(contact, app.test_client())
    for bad in (
        "/circles?school=abc",
        "/circles?school=99999",
        "/circles?school=%C2%B2",
        "/circles?role=boss",
        "/circles?attention=maybe",
        f"/circles?q={'x' * 121}",
    ):
        response = client.get(bad)
        assert response.status_code == 400, bad
        assert 'role="alert"' in response.text, bad
    assert 'value="Jord"' in client.get("/circles?q=Jord&role=boss").text, "what was typed is kept"
    for missing in (
        "/circles?page=abc",
        "/circles?page=0",
        "/circles?page=%C2%B2",
        "/circles?page=2",
        "/circles?page=99999999999",
    ):
        assert client.get(missing).status_code == 404, missing


def test_the_dashboard_searches_every_circle_and_refuses_bad_pages(app, world, login_as):
    contact, _ = _setting(world)
    client = login_as(contact, app.test_client())
    page = client.get("/dashboard").text
    # Ana needs attention: a card above, not in the list of the others.
    assert "Needs your attention" in page and "Your other circles" in page
    others = page.split('class="other-circles"', 1)[1]
    assert "Ana Ruiz" not in others and "Ben Ortiz" in others
    found = client.get("/dashboard?q=ana").text.split('class="other-circles"', 1)[1]
    assert [name for name, _ in LISTED.findall(found)] == ["Ana Ruiz"] and "needs your attention" in found
    nothing = client.get("/dashboard?q=zzz").text
    assert "No circle of yours has a young person by that name." in nothing
    for missing in (
        "/dashboard?page=abc",
        "/dashboard?page=2",
        "/dashboard?circles_page=2",
        "/dashboard?page=-1",
        "/dashboard?circles_page=%C2%B2",
    ):
        assert client.get(missing).status_code == 404, missing


def test_the_caseload_is_searched_by_name_and_filtered_by_school(app, world, login_as):
    contact, other_school = _setting(world)
    client = login_as(contact, app.test_client())

    def shown(query):
        response = client.get(f"/school/caseload{query}")
        assert response.status_code == 200, query
        return CASELOAD.findall(response.text)

    assert shown("") == ["Ana Ruiz", "Ben Ortiz", "Cai 100%", "Jordan"]  # Dee: a caregiver there, not on it
    assert shown("?q=OR") == ["Ben Ortiz", "Jordan"]
    assert shown(f"?school={other_school.id}") == ["Ben Ortiz", "Cai 100%"]
    assert shown(f"?school={other_school.id}&q=ben&sort=review") == ["Ben Ortiz"]
    page = client.get(f"/school/caseload?school={other_school.id}&q=ben").text
    assert "1 of 4 students match." in page
    bad = client.get("/school/caseload?school=abc&q=kept")
    assert bad.status_code == 400 and 'role="alert"' in bad.text and 'value="kept"' in bad.text
