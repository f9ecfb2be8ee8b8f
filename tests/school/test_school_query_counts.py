"""The counselor's caseload and the teacher's week cost the same number of
SQL statements for 10 students as for 1,000 (issue 4, parts 3 and 5).

The students are made with bulk inserts: building a thousand circles through
the services would take minutes and test nothing more here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent, AuditShown
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.plan.models import Adjustment, Episode, FollowUp, SchoolPlan
from portal.school.caseload import PER_PAGE
from portal.school.models import FlexibilityReview
from portal.school.sheet import this_week, week_sheet
from portal.school.sheet_choices import PER_PAGE as PER_SHEET_PAGE
from tests.web import counting_statements, figures

FIGURES = "school: SQL statements per page (10 students = 1,000)"
FEW, MANY = 10, 1000

COUNSELOR_URLS = [
    "/school/caseload",
    "/school/caseload?sort=last_episode",
    "/school/caseload?sort=ending&page=2",
    "/school/caseload?sort=review&page=3",
    "/school/caseload?filter=episodes_this_week&filter=active_adjustments",
    "/school/caseload?filter=reviews_due&sort=ending",
    "/school/caseload?filter=no_school_plan&page=99999",
    "/dashboard",
]


def add_students(creator, count: int, memberships: dict[int, str], start: int = 0) -> None:
    """``count`` circles, each with its members in ``memberships`` (user id -> role), and
    varied episodes, adjustments, school reviews and plans, in a handful of statements."""
    now = clock.now()
    today = clock.today()
    ids = list(db.session.scalars(
        insert(Circle).returning(Circle.id, sort_by_parameter_order=True),
        [{"young_person_name": f"Student {start + n:04d}", "created_by_id": creator.id, "created_at": now}
         for n in range(count)],
    ))
    db.session.execute(insert(Membership), [
        {"circle_id": circle_id, "user_id": user_id, "role": role, "relationship_label": "", "added_at": now}
        for circle_id in ids for user_id, role in memberships.items()
    ])
    item = {"created_at": now, "updated_at": now, "position": 0, "version": 1}
    episodes, adjustments, reviews, plans, looked = [], [], [], [], []
    for n, circle_id in enumerate(ids, start=start):
        for k in range(n % 3):
            episodes.append({**item, "circle_id": circle_id, "occurred_at": now - timedelta(days=k * 4 + n % 5),
                             "observed": "Seen", "outcome": "returned_to_class", "created_at": now - timedelta(days=k)})
        for k in range(n % 4):
            adjustments.append({**item, "circle_id": circle_id, "kind": "extension", "subjects": "Maths",
                                "details": "Two more weeks", "reason": "Kept from teachers",
                                "start_date": today - timedelta(days=10 + k),
                                "end_date": None if k == 0 else today + timedelta(days=(n + k) % 20 - 5)})
        if n % 2:
            reviews.append({**item, "circle_id": circle_id, "kind": "school_review", "status": "scheduled",
                            "due_at": now + timedelta(days=n % 15 - 3)})
        if n % 3:
            plans.append({"circle_id": circle_id, "staff_steps": "Step one", "version": 1, "updated_at": now})
        if n % 7 == 0:
            looked.append({"circle_id": circle_id, "reviewed_by_id": creator.id, "reviewed_at": now})
    for model, rows in ((Episode, episodes), (Adjustment, adjustments), (FollowUp, reviews),
                        (SchoolPlan, plans), (FlexibilityReview, looked)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()


def _count(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        with counting_statements() as statements:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = len(statements)
    return counts


def test_the_caseload_costs_the_same_for_10_and_1000_students(app, world, login_as, request):
    contact = world.users[policy.SCHOOL_CONTACT]
    teacher = world.users[policy.SCHOOL_STAFF]
    # Other counselors' students, which must stay out of this caseload.
    other_contact = world.outsider
    add_students(other_contact, 50, {other_contact.id: policy.SCHOOL_CONTACT}, start=5000)
    add_students(contact, FEW - 1, {contact.id: policy.SCHOOL_CONTACT, teacher.id: policy.SCHOOL_STAFF})
    client = login_as(contact, app.test_client())
    few = _count(client, COUNSELOR_URLS)
    first_page = client.get("/school/caseload").text
    assert f"{FEW} students" in first_page and "Student 5000" not in first_page

    add_students(contact, MANY - FEW, {contact.id: policy.SCHOOL_CONTACT, teacher.id: policy.SCHOOL_STAFF}, start=FEW)
    many = _count(client, COUNSELOR_URLS)
    page = client.get("/school/caseload").text
    assert f"{MANY} students" in page and f"Page 1 of {MANY // PER_PAGE}" in page
    assert page.count('<th scope="row">') == PER_PAGE

    lines = figures(request.config, FIGURES)
    for url in COUNSELOR_URLS:
        lines[f"{url} (10 / 1,000 students)"] = f"{few[url]} / {many[url]}"
    assert few == many


SHEET_FIGURES = "school: SQL statements per page of the weekly sheet (10 = 150 = 1,000 students)"
SHEET_STEPS = (10, 150, 1000)


def _label_the_teachers_classes(teacher) -> None:
    """Half the teacher's students in their maths class, half in their form."""
    for parity, label in ((0, "Maths teacher"), (1, "Form tutor 9B")):
        db.session.execute(
            update(Membership)
            .where(Membership.user_id == teacher.id, Membership.circle_id % 2 == parity)
            .values(relationship_label=label)
        )
    db.session.commit()


def _sheet_urls(teacher) -> list[str]:
    """Every way of asking for the sheet: narrowed, paged, a bad page, printed whole, narrowed or chosen."""
    first_two = [student.circle_id for student in week_sheet(teacher, *this_week())[:2]]
    chosen = "&".join(f"student={circle_id}" for circle_id in first_two)
    return [
        "/school/this-week",
        "/school/this-week?subject=maths",
        "/school/this-week?class=maths+teacher",
        "/school/this-week?subject=maths&class=form+tutor+9b",
        "/school/this-week?page=abc",
        "/school/this-week?subject=nonsense",
        "/school/this-week/print",
        "/school/this-week/print?subject=maths",
        f"/school/this-week/print?{chosen}",
        f"/school/this-week/print?{chosen}&student=999999",
        "/dashboard",
    ]


def test_the_weekly_sheet_and_the_dashboard_cost_the_same_for_10_150_and_1000_students(app, world, login_as, request):
    contact = world.users[policy.SCHOOL_CONTACT]
    teacher = world.users[policy.SCHOOL_STAFF]
    client = login_as(teacher, app.test_client())
    counts, made = {}, 1  # the world's circle is the first student
    for step in SHEET_STEPS:
        add_students(contact, step - made, {contact.id: policy.SCHOOL_CONTACT, teacher.id: policy.SCHOOL_STAFF},
                     start=made)
        made = step
        _label_the_teachers_classes(teacher)
        counts[step] = _count(client, _sheet_urls(teacher))
    # A page further on costs what the first does.
    with counting_statements() as statements:
        assert client.get("/school/this-week?page=7").status_code == 200
    assert len(statements) == counts[SHEET_STEPS[-1]]["/school/this-week"]

    page = client.get("/school/this-week").text
    assert f"{SHEET_STEPS[-1]} students on your sheet" in page and "Page 1 of 50" in page
    assert page.count('class="week-student item"') == PER_SHEET_PAGE

    # One entry for the printed sheet, however many students, listing each circle whose adjustments it showed.
    shown = {student.circle_id for student in week_sheet(teacher, *this_week()) if student.adjustments}

    def printed() -> list[AuditEvent]:
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.user_id == teacher.id, AuditEvent.action == "print", AuditEvent.endpoint == "school.this_week_print"
        ).order_by(AuditEvent.seq)))

    before = len(printed())
    with counting_statements() as statements:
        assert client.get("/school/this-week/print").status_code == 200
    entries = printed()
    assert len(entries) == before + 1 and entries[-1].circle_id is None
    listed = set(db.session.scalars(select(AuditShown.circle_id).where(
        AuditShown.seq == entries[-1].seq, AuditShown.section == "adjustments")))
    assert listed == shown and len(shown) > 500
    assert len(statements) == counts[SHEET_STEPS[-1]]["/school/this-week/print"]

    lines = figures(request.config, SHEET_FIGURES)
    for url in counts[SHEET_STEPS[0]]:
        lines[f"{url} as a teacher"] = " / ".join(str(counts[step][url]) for step in SHEET_STEPS)
    assert counts[SHEET_STEPS[0]] == counts[SHEET_STEPS[1]] == counts[SHEET_STEPS[2]]
