"""The pages issue 5 added or changed cost a fixed number of SQL statements,
however long the history, however many check-ins or linked changes; and so
do they with aftercare being arranged after events outside school (issue 15)."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.access import policy
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from tests import factories
from tests.followup.conftest import add, appointment, episode
from tests.web import counting_statements, figures

FIGURES = "follow-through: SQL statements per page (issue 5)"


def _grow(world, review, start: int, count: int) -> None:
    clinician = world.users[policy.CLINICIAN]
    for n in range(start, start + count):
        add(world, "progress", policy.CAREGIVER, checked_on=clock.today() - timedelta(days=7 * n), episodes=n % 4)
        for kind, follows in (("safety_plan", review.id), ("home_safety", review.id if n % 2 else None)):
            row = plan_services.queries.document(world.circle.id, SPECS[kind])
            values = factories.section_values(kind, f"{kind}{n}")
            plan_services.save_document(world.circle.id, SPECS[kind], values, row.version if row else 0, clinician,
                                        follows=follows)
        episode(world, clock.now() - timedelta(days=n))
        appointment(world, clock.now() + timedelta(days=n % 9 - 4), kind=("appointment", "plan_review")[n % 2])
        # Events outside school: each emergency visit or discharge starts aftercare, being arranged.
        add(world, "events", policy.CAREGIVER, kind=("emergency_visit", "crisis_call", "discharge")[n % 3],
            occurred_at=clock.now() - timedelta(hours=n))


def _measure(app, world, login_as, review) -> dict:
    base = f"/circles/{world.circle.id}"
    pages = [f"{base}/reviews", f"{base}/reviews/new", f"{base}/setback-reviews/{review.id}",
             f"{base}/progress/charts?period=all", f"{base}/plan/safety_plan/history", f"{base}/plan/safety_plan",
             f"{base}/plan/safety_plan/edit", f"{base}/plan/follow_ups", "/calendar", "/dashboard",
             "/clinician/caseload"]
    counts = {}
    for role in (policy.CLINICIAN, policy.CAREGIVER, policy.SCHOOL_CONTACT):
        client = login_as(world.users[role], app.test_client())
        for url in pages:
            with counting_statements() as statements:
                status = client.get(url).status_code
            assert status < 500, (role, url)
            if status == 200:
                counts[(role, url.replace(base, "/circles/<id>"))] = len(statements)
    return counts


def test_pages_cost_the_same_for_a_small_and_a_large_plan(app, world, login_as, request):
    review = add(world, "setback_reviews", policy.CLINICIAN, setback_on=clock.today())
    _grow(world, review, 0, 3)
    small = _measure(app, world, login_as, review)
    _grow(world, review, 3, 40)
    large = _measure(app, world, login_as, review)
    lines = figures(request.config, FIGURES)
    for (role, url), count in sorted(small.items()):
        lines[f"{url} as {role} (small / large plan)"] = f"{count} / {large[(role, url)]}"
    assert small == large
