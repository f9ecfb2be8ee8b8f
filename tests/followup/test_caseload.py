"""The clinician's caseload (issue 5, part 7): slipping follow-ups first, then
reviews due, then recent episodes; paginated; and a page costs the same
number of SQL statements for ten circles as for five hundred."""

from __future__ import annotations

import re
from datetime import timedelta

from portal import clock
from portal.access import policy
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.followup.routes import CASELOAD_PER_PAGE
from portal.plan.models import Episode, FollowUp
from tests import factories
from tests.web import counting_statements, figures

FIGURES = "follow-through: SQL statements per page (issue 5)"


def _circle(clinician, name: str) -> Circle:
    circle = Circle(young_person_name=name, created_by_id=clinician.id, created_at=clock.now())
    db.session.add(circle)
    db.session.flush()
    db.session.add(Membership(circle_id=circle.id, user_id=clinician.id, role=policy.CLINICIAN, added_at=clock.now()))
    return circle


def _follow_up(circle, at, kind="appointment", status="scheduled"):
    db.session.add(FollowUp(circle_id=circle.id, kind=kind, due_at=at, status=status, created_at=clock.now(),
                            updated_at=clock.now()))


def _episode(circle, at):
    db.session.add(Episode(circle_id=circle.id, occurred_at=at, outcome="returned_to_class", created_at=clock.now(),
                           updated_at=clock.now()))


def _varied(clinician, count: int, start: int = 0) -> None:
    """Circles in every state the ordering knows, cycling."""
    now = clock.now()
    for n in range(start, start + count):
        circle = _circle(clinician, f"Young person {n:04d}")
        state = n % 5
        if state == 0:
            _follow_up(circle, now - timedelta(days=3), status="missed")
        elif state == 1:
            _episode(circle, now - timedelta(days=1))
        elif state == 2:
            _follow_up(circle, now + timedelta(days=2), kind="plan_review")
        elif state == 3:
            _follow_up(circle, now + timedelta(days=60), kind="plan_review")
            _episode(circle, now - timedelta(days=2))
            _follow_up(circle, now + timedelta(days=1))
        else:
            _follow_up(circle, now + timedelta(days=60), kind="plan_review")
    db.session.commit()


def _names(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/circles/\d+">([^<]+)</a></h2>', html)


def test_the_caseload_puts_slipping_follow_ups_first_then_reviews_then_episodes(app, world, login_as):
    clinician = factories.user("Dr Caseload", staff_role="clinician", org=world.clinic)
    now = clock.now()
    names = {}
    for label in ("Quiet", "Episode", "Review soon", "Missed", "Due", "No review"):
        names[label] = _circle(clinician, label)
    _follow_up(names["Quiet"], now + timedelta(days=90), kind="plan_review")
    _follow_up(names["Episode"], now + timedelta(days=90), kind="plan_review")
    _episode(names["Episode"], now - timedelta(days=2))
    _follow_up(names["Episode"], now + timedelta(days=3))
    _follow_up(names["Review soon"], now + timedelta(days=2), kind="plan_review")
    _follow_up(names["Missed"], now + timedelta(days=90), kind="plan_review")
    _follow_up(names["Missed"], now - timedelta(days=4), status="missed")
    _follow_up(names["Due"], now + timedelta(days=90), kind="plan_review")
    _episode(names["Due"], now - timedelta(days=1))
    # A circle where they are the caregiver is not on their caseload.
    elsewhere = factories.circle(world.users[policy.CLINICIAN], "Not mine")
    factories.member(elsewhere, clinician, policy.CAREGIVER, world.users[policy.CLINICIAN])
    db.session.commit()

    html = login_as(clinician, app.test_client()).get("/clinician/caseload").get_data(as_text=True)
    assert _names(html) == ["Due", "Missed", "No review", "Review soon", "Episode", "Quiet"]
    assert "A follow-up is due by" in html and "was missed" in html and "No plan review is booked" in html
    assert "Not mine" not in html


def test_someone_with_no_caseload_sees_a_plain_note(app, world, login_as):
    html = login_as(world.users[policy.CAREGIVER], app.test_client()).get("/clinician/caseload").get_data(as_text=True)
    assert "You are not a clinician in any circle yet." in html and "Jordan" not in html


def test_pages_hold_every_circle_once_and_bad_page_numbers_are_harmless(app, world, login_as):
    clinician = factories.user("Dr Pages", staff_role="clinician", org=world.clinic)
    _varied(clinician, CASELOAD_PER_PAGE * 2 + 3)
    client = login_as(clinician, app.test_client())
    seen = []
    for page in (1, 2, 3):
        response = client.get(f"/clinician/caseload?page={page}")
        assert response.status_code == 200
        seen += _names(response.get_data(as_text=True))
    assert len(seen) == len(set(seen)) == CASELOAD_PER_PAGE * 2 + 3
    for page in ("0", "-4", "abc", "99999999999999999999", "3.5"):
        assert client.get(f"/clinician/caseload?page={page}").status_code == 200, page


def test_the_caseload_costs_the_same_for_ten_circles_as_for_five_hundred(app, world, login_as, request):
    clinician = factories.user("Dr Busy", staff_role="clinician", org=world.clinic)
    _varied(clinician, 10)
    client = login_as(clinician, app.test_client())
    counts = {}
    for size, more in ((10, 0), (500, 490)):
        _varied(clinician, more, start=10)
        for url in ("/clinician/caseload", "/clinician/caseload?page=2", "/dashboard"):
            with counting_statements() as statements:
                assert client.get(url).status_code == 200
            counts[(size, url)] = len(statements)
    lines = figures(request.config, FIGURES)
    for url in ("/clinician/caseload", "/clinician/caseload?page=2", "/dashboard"):
        lines[f"{url} (10 circles / 500 circles)"] = f"{counts[(10, url)]} / {counts[(500, url)]}"
        assert counts[(10, url)] == counts[(500, url)], url
