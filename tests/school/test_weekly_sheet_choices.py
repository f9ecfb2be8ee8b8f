"""The teacher's week for many students (issue 17, part 2): narrowed to a
subject or a class of theirs, a page at a time, printed for only the students
ticked; one audit entry a view, naming each circle it showed, which each
circle's "who has seen this plan" still reads."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from portal import clock
from portal.access import policy
from portal.audit import chain
from portal.audit.models import AuditEvent, AuditRecordIsFinal, AuditShown
from portal.circles.models import Membership
from portal.extensions import db
from portal.school.sheet_choices import PER_PAGE
from tests import factories
from tests.school.test_school_query_counts import add_students

TEACHER_SEES = "Lee Park, teacher / school staff, opened the school adjustments"
TEACHER_PRINTED = "Lee Park, teacher / school staff, printed the school adjustments"


def add_adjustment(circle, author, marker: str, *, subjects: str):
    """An adjustment in force all this week, in ``subjects``."""
    today = clock.today()
    return factories.write_section(
        circle,
        "adjustments",
        author,
        marker,
        kind="extension",
        subjects=subjects,
        start_date=today - timedelta(days=7),
        end_date=today + timedelta(days=30),
    )


def _label(circle, user, label: str) -> None:
    db.session.execute(
        update(Membership)
        .where(Membership.circle_id == circle.id, Membership.user_id == user.id)
        .values(relationship_label=label)
    )
    db.session.commit()


@pytest.fixture
def sheet(world):
    """Jordan in the teacher's maths class (maths and English; art), Bea and Cal
    in their form (Bea's for every class, Cal's science); Alex, whose circle
    the teacher is not in, has a maths adjustment of his own."""
    clinician, contact, teacher = (
        world.users[role] for role in (policy.CLINICIAN, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF)
    )
    circles = {"jordan": world.circle}
    for name in ("Bea", "Cal"):
        circle = factories.circle(clinician, name)
        factories.member(circle, contact, policy.SCHOOL_CONTACT, clinician)
        factories.member(circle, teacher, policy.SCHOOL_STAFF, clinician)
        circles[name.lower()] = circle
    factories.member(world.other_circle, contact, policy.SCHOOL_CONTACT, world.outsider)
    circles["alex"] = world.other_circle
    add_adjustment(circles["jordan"], contact, "JORDAN-MATHS", subjects="Maths, English")
    add_adjustment(circles["jordan"], contact, "JORDAN-ART", subjects="Art")
    add_adjustment(circles["bea"], contact, "BEA-ALL", subjects="")
    add_adjustment(circles["cal"], contact, "CAL-SCI", subjects="Science")
    add_adjustment(circles["alex"], contact, "ALEX-CANARY", subjects="Maths")
    _label(circles["jordan"], teacher, "Maths teacher")
    for name in ("bea", "cal"):
        _label(circles[name], teacher, "Form tutor 9B")
    return circles


def _students(html: str) -> list[str]:
    return re.findall(r'<article class="week-student item" id="student-(\d+)"', html)


def _sheet_entries(teacher, endpoint="school.this_week"):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.user_id == teacher.id, AuditEvent.endpoint == endpoint)
            .order_by(AuditEvent.seq)
        )
    )


def _lines(entry) -> set[tuple[int, str, str]]:
    return {
        tuple(row)
        for row in db.session.execute(
            select(AuditShown.circle_id, AuditShown.role, AuditShown.section).where(AuditShown.seq == entry.seq)
        )
    }


def test_the_subjects_and_classes_offered_are_those_on_the_sheet(app, world, sheet, login_as):
    page = login_as(world.users[policy.SCHOOL_STAFF], app.test_client()).get("/school/this-week").text
    subjects = re.findall(r'<option value="([^"]*)"', page.split('name="subject"')[1].split("</select>")[0])
    classes = re.findall(r'<option value="([^"]*)"', page.split('name="class"')[1].split("</select>")[0])
    # "All" first; Alex's circle is not the teacher's, and an adjustment for every class is not a subject.
    assert subjects == ["", "art", "english", "maths", "science"]
    assert classes == ["", "form tutor 9b", "maths teacher"]
    assert "3 students on your sheet" in page and "Alex" not in page


def test_a_subject_keeps_its_own_adjustments_and_those_for_every_class(app, world, sheet, login_as):
    client = login_as(world.users[policy.SCHOOL_STAFF], app.test_client())
    for url in (
        "/school/this-week?subject=maths",
        "/school/this-week?subject=Maths",
        "/school/this-week/print?subject=maths",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "JORDAN-MATHS-details" in page.text and "BEA-ALL-details" in page.text, url
        for hidden in ("JORDAN-ART-details", "CAL-SCI-details", "Cal", "ALEX-CANARY"):
            assert hidden not in page.text, (url, hidden)
    screen = client.get("/school/this-week?subject=maths").text
    assert _students(screen) == [str(sheet["bea"].id), str(sheet["jordan"].id)]
    assert "2 of 3 students on your sheet match." in screen
    # The printed sheet keeps the subject, and the reason is never on it.
    printed = client.get("/school/this-week/print?subject=maths").text
    assert "-reason" not in printed and "-reason" not in screen


def test_a_class_keeps_the_students_in_it(app, world, sheet, login_as):
    client = login_as(world.users[policy.SCHOOL_STAFF], app.test_client())
    page = client.get("/school/this-week?class=form+tutor+9b").text
    assert _students(page) == [str(sheet["bea"].id), str(sheet["cal"].id)]
    assert "JORDAN-MATHS-details" not in page and "CAL-SCI-details" in page
    both = client.get("/school/this-week?class=form+tutor+9b&subject=science").text
    assert _students(both) == [str(sheet["bea"].id), str(sheet["cal"].id)] and "BEA-ALL-details" in both
    # The print link and the chosen-students form keep what was chosen.
    assert 'href="/school/this-week/print?class=form+tutor+9b"' in page
    assert '<input type="hidden" name="class" value="form tutor 9b">' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("subject=Chemistry", "That subject is not on your sheet this week, so every subject is shown."),
        ("subject=<b>x</b>", "That subject is not on your sheet this week, so every subject is shown."),
        ("class=Year+11", "That class is not one of yours on this sheet, so every class is shown."),
        ("page=abc", "That is not a page number, so the first page is shown."),
        ("page=0", "That is not a page number, so the first page is shown."),
        ("page=-1", "That is not a page number, so the first page is shown."),
        ("page=" + "9" * 40, "That is not a page number, so the first page is shown."),
    ],
)
def test_a_choice_that_is_not_on_the_sheet_is_said_and_everyone_shown(app, world, sheet, login_as, query, message):
    page = login_as(world.users[policy.SCHOOL_STAFF], app.test_client()).get(f"/school/this-week?{query}")
    assert page.status_code == 200
    assert message in page.text and "<b>x</b>" not in page.text
    assert len(_students(page.text)) == 3


def test_the_sheet_comes_a_page_at_a_time_and_a_page_past_the_end_is_not_found(app, world, login_as):
    contact, teacher = world.users[policy.SCHOOL_CONTACT], world.users[policy.SCHOOL_STAFF]
    add_students(contact, PER_PAGE + 4, {contact.id: policy.SCHOOL_CONTACT, teacher.id: policy.SCHOOL_STAFF})
    client = login_as(teacher, app.test_client())
    first, second = client.get("/school/this-week").text, client.get("/school/this-week?page=2").text
    assert len(_students(first)) == PER_PAGE and len(_students(second)) == 5
    assert not set(_students(first)) & set(_students(second))
    assert "Page 1 of 2" in first and 'href="/school/this-week?page=2"' in first
    assert "Page 2 of 2" in second and 'href="/school/this-week?page=1"' in second
    assert client.get("/school/this-week?page=3").status_code == 404
    assert client.get("/school/this-week?page=2&subject=maths").status_code == 404  # every adjustment here is in maths
    # Only the page's students are recorded as seen.
    listed = {circle_id for circle_id, _role, _section in _lines(_sheet_entries(teacher)[-1])}
    assert {str(circle_id) for circle_id in listed} <= set(_students(second))


def test_only_the_chosen_students_are_printed(app, world, sheet, login_as):
    client = login_as(world.users[policy.SCHOOL_STAFF], app.test_client())
    screen = client.get("/school/this-week").text
    assert 'form="print-chosen"' in screen and "Print the chosen students" in screen
    printed = client.get(f"/school/this-week/print?student={sheet['bea'].id}&student={sheet['cal'].id}")
    assert printed.status_code == 200
    assert "BEA-ALL-details" in printed.text and "CAL-SCI-details" in printed.text
    assert "Jordan" not in printed.text and "JORDAN-MATHS" not in printed.text and "-reason" not in printed.text
    entry = _sheet_entries(world.users[policy.SCHOOL_STAFF], "school.this_week_print")[-1]
    assert {circle_id for circle_id, _r, _s in _lines(entry)} == {sheet["bea"].id, sheet["cal"].id}


@pytest.mark.parametrize("others", [["{alex}"], ["abc"], ["9" * 30], ["-1"], ["{alex}", "abc"]])
def test_a_student_not_on_the_sheet_is_never_printed(app, world, sheet, login_as, others):
    teacher = world.users[policy.SCHOOL_STAFF]
    client = login_as(teacher, app.test_client())
    asked = [value.format(alex=sheet["alex"].id) for value in others]
    alone = client.get("/school/this-week/print", query_string={"student": asked})
    assert alone.status_code == 400
    assert "None of the students chosen is on your sheet this week" in alone.text
    for hidden in ("ALEX-CANARY", "Alex", "JORDAN-MATHS", "BEA-ALL", "CAL-SCI"):
        assert hidden not in alone.text, hidden
    with_bea = client.get("/school/this-week/print", query_string={"student": [*asked, str(sheet["bea"].id)]})
    assert with_bea.status_code == 200 and "BEA-ALL-details" in with_bea.text
    assert "ALEX-CANARY" not in with_bea.text and "Alex" not in with_bea.text and "Jordan" not in with_bea.text
    left_out = "One of the students asked for" if len(asked) == 1 else f"{len(asked)} of the students asked for"
    assert left_out in with_bea.text
    # Nothing of Alex's circle is recorded as seen, in any entry.
    assert db.session.scalar(select(AuditShown.id).where(AuditShown.circle_id == sheet["alex"].id)) is None


def test_one_audit_entry_a_view_lists_each_circle_it_showed(app, world, sheet, login_as):
    teacher = world.users[policy.SCHOOL_STAFF]
    client = login_as(teacher, app.test_client())
    before = len(_sheet_entries(teacher))
    client.get("/school/this-week")
    entries = _sheet_entries(teacher)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.action, entry.circle_id, entry.section, entry.role) == ("view", None, None, None)
    assert _lines(entry) == {(sheet[name].id, policy.SCHOOL_STAFF, "adjustments") for name in ("jordan", "bea", "cal")}
    client.get("/school/this-week?class=form+tutor+9b")
    assert _lines(_sheet_entries(teacher)[-1]) == {
        (sheet[name].id, policy.SCHOOL_STAFF, "adjustments") for name in ("bea", "cal")
    }
    # No entry names a circle as a row of its own for the sheet.
    assert (
        db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.endpoint.like("school.this_week%"), AuditEvent.circle_id.is_not(None)
            )
        )
        is None
    )
    assert chain.verify(db.session.connection()).whole


def test_each_circle_shown_says_who_has_seen_it(app, world, sheet, login_as):
    teacher, clinician = world.users[policy.SCHOOL_STAFF], world.users[policy.CLINICIAN]
    reader = login_as(clinician, app.test_client())

    def seen(circle) -> str:
        return reader.get(f"/circles/{circle.id}/who-has-seen?person={teacher.id}&part=adjustments").text

    assert TEACHER_SEES not in seen(sheet["jordan"])
    client = login_as(teacher, app.test_client())
    client.get("/school/this-week")
    client.get(f"/school/this-week/print?student={sheet['bea'].id}")
    for name in ("jordan", "bea", "cal"):
        assert TEACHER_SEES in seen(sheet[name]), name
    assert TEACHER_PRINTED in seen(sheet["bea"])
    assert TEACHER_PRINTED not in seen(sheet["jordan"]) and TEACHER_PRINTED not in seen(sheet["cal"])
    # The caregiver's own page and its summary say so too.
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    page = caregiver.get(f"/circles/{sheet['jordan'].id}/who-has-seen").text
    assert (
        TEACHER_SEES in page
        and "school adjustments" in page.split('id="seen-summary-heading"')[1].split("</section>")[0]
    )


def test_what_the_sheet_showed_cannot_be_added_to_through_the_application(app, world, sheet, login_as):
    login_as(world.users[policy.SCHOOL_STAFF], app.test_client()).get("/school/this-week")
    db.session.add(
        AuditShown(
            seq=_sheet_entries(world.users[policy.SCHOOL_STAFF])[-1].seq,
            circle_id=sheet["alex"].id,
            role=policy.SCHOOL_STAFF,
            section="adjustments",
        )
    )
    with pytest.raises(AuditRecordIsFinal):
        db.session.flush()
    db.session.rollback()


@pytest.mark.audit_chain_tampered
@pytest.mark.parametrize(
    "tamper",
    [
        "DELETE FROM audit_shown WHERE circle_id = :jordan",
        "UPDATE audit_shown SET circle_id = :alex WHERE circle_id = :jordan",
        "INSERT INTO audit_shown (seq, circle_id, role, section) SELECT seq, :alex, role, section FROM audit_shown LIMIT 1",
    ],
)
def test_a_changed_list_of_circles_breaks_the_chain_at_its_entry(app, world, sheet, login_as, tamper):
    login_as(world.users[policy.SCHOOL_STAFF], app.test_client()).get("/school/this-week")
    entry = _sheet_entries(world.users[policy.SCHOOL_STAFF])[-1]
    assert chain.verify(db.session.connection()).whole
    db.session.execute(text(tamper), {"jordan": sheet["jordan"].id, "alex": sheet["alex"].id})
    db.session.commit()
    verdict = chain.verify(db.session.connection())
    assert not verdict.whole and verdict.broken_at == entry.id
    assert verdict.reason == "its content does not match its hash: it was changed"


def test_a_subject_and_class_with_nobody_in_both_says_so_and_records_no_view(app, world, sheet, login_as):
    teacher = world.users[policy.SCHOOL_STAFF]
    client = login_as(teacher, app.test_client())
    before = len(_sheet_entries(teacher))
    page = client.get("/school/this-week?subject=science&class=maths+teacher")
    assert page.status_code == 200 and _students(page.text) == []
    assert "No student on your sheet matches this week." in page.text
    assert "0 of 3 students on your sheet match." in page.text and "-details" not in page.text
    # Nothing of any plan was shown, so nothing is recorded as seen.
    assert len(_sheet_entries(teacher)) == before
