"""The dashboard, the circle list and the counselor's caseload cost the same
number of SQL statements for 10 circles as for 300, searched or not (issue 17)."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from portal.access import policy
from portal.circles.models import Circle
from portal.dashboard.attention import refresh_all
from portal.dashboard.models import MembershipAttention
from portal.dashboard.services import PER_PAGE
from portal.extensions import db
from tests.school.test_school_query_counts import add_students
from tests.web import counting_statements, figures

FIGURES = "dashboard: SQL statements per page (10 circles = 300)"
FEW, MANY = 10, 300


def _urls(school_id: int) -> list[str]:
    return [
        "/dashboard",
        "/dashboard?q=student+00",
        "/dashboard?circles_page=1",
        "/circles",
        "/circles?q=student&attention=yes",
        f"/circles?school={school_id}&role=school_contact&attention=no",
        "/school/caseload?q=student+000",
        f"/school/caseload?school={school_id}&sort=ending",
    ]


def _count(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        with counting_statements() as statements:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = len(statements)
    return counts


def _students(world, count: int, start: int) -> None:
    contact = world.users[policy.SCHOOL_CONTACT]
    add_students(
        contact,
        count,
        {contact.id: policy.SCHOOL_CONTACT, world.users[policy.SCHOOL_STAFF].id: policy.SCHOOL_STAFF},
        start=start,
    )
    # Bulk inserts go around the session's listeners: the backfill gives them their rows.
    db.session.execute(update(Circle).values(school_organisation_id=world.school.id))
    db.session.commit()
    refresh_all()


def test_the_dashboard_circles_and_caseload_cost_the_same_for_10_and_300_circles(app, world, login_as, request):
    contact = world.users[policy.SCHOOL_CONTACT]
    urls = _urls(world.school.id)
    _students(world, FEW - 1, 0)
    client = login_as(contact, app.test_client())
    few = _count(client, urls)

    _students(world, MANY - FEW, FEW)
    many = _count(client, urls)
    needing = db.session.scalar(
        select(func.count()).select_from(MembershipAttention).where(MembershipAttention.user_id == contact.id)
    )
    assert needing > PER_PAGE, "enough circles need attention to fill more than one page"
    page = client.get("/dashboard").text
    assert page.count('<article class="circle-card">') == PER_PAGE
    assert "Your other circles" in page
    found = client.get("/dashboard?q=student+0042").text
    assert re.findall(r'href="/circles/\d+">(Student \d+)</a> <span', found) == ["Student 0042"]

    lines = figures(request.config, FIGURES)
    for url in urls:
        lines[f"{url} (10 / 300 circles)"] = f"{few[url]} / {many[url]}"
    assert few == many
