"""Issue 15, part 6: the return to school after hospital or absence.

The care team says when the young person is ready to go back; the school
contact is asked to plan the return, told only that it needs planning and
from when, never why; it stays on their dashboard until it has a meeting and
a timetable; teachers see the steps and what to allow, on the plan and on
their weekly sheet, and nothing of the events behind it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent, AuditShown
from portal.circles.models import Circle
from portal.dashboard.attention import refresh_all, refresh_come_due
from portal.dashboard.services import PER_PAGE
from portal.extensions import db
from portal.notify.models import Notification, NotificationPreference, OutboxMessage
from portal.notify.services import EMAIL_SUBJECT, email_body
from portal.plan import services as plan_services
from portal.plan.models import ReturnToSchool
from portal.plan.sections import SPECS
from tests import factories
from tests.mailbox import deliver_now
from tests.school.conftest import add_adjustment
from tests.school.test_school_query_counts import add_students
from tests.web import as_post_data, counting_statements, escaped, figures, section_form

# Wednesday 2 December 2026, 10:00 in New York (the tests' zone).
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
READY = date(2026, 12, 7)  # the Monday after
NOTICE = "The care team says Jordan is ready to go back to school from Monday 7 December. Please plan the return."
PLAN_ITEM = "Plan Jordan's return to school (ready from Mon 7 Dec 2026)"
# Words that would tell the school why: none may reach a school role.
REASON_WORDS = ("hospital", "emergency", "event", "discharge", "admission", "admitted", "self-harm", "crisis",
                "overdose", "injur", "suicid", "episode")
EVENT_MARK = "EVENTSECRET"


class Clock:
    def __init__(self, monkeypatch, at: datetime):
        self.current = at
        monkeypatch.setattr(clock, "now", lambda: self.current)

    def advance(self, **kwargs):
        self.current += timedelta(**kwargs)


@pytest.fixture
def frozen(monkeypatch):
    return Clock(monkeypatch, NOW)


@pytest.fixture
def returning(frozen, school_world):
    """The school world, with an emergency visit recorded at home (which the school must never see)."""
    world = school_world
    factories.write_section(world.circle, "events", world.users[policy.CAREGIVER], EVENT_MARK,
                            kind="emergency_visit", occurred_at=NOW - timedelta(days=3))
    db.session.execute(delete(Notification))
    db.session.execute(delete(OutboxMessage))
    db.session.commit()
    return world


def save_return(world, role: str, **values):
    """Save the return plan as the member in ``role``, changing only ``values``."""
    spec = SPECS["return_to_school"]
    row = plan_services.queries.document(world.circle.id, spec)
    return plan_services.save_document(world.circle.id, spec, values, row.version if row else 0, world.users[role])


def notices(user, kind: str = "return_to_plan") -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)))


def section_url(world) -> str:
    return f"/circles/{world.circle.id}/plan/return_to_school"


def return_block(html: str) -> str:
    """The return plan's own part of a page, up to the next part or the end of the main content."""
    after = html.split('data-section="return_to_school"', 1)[1]
    return re.split(r'data-section="|</main>|<p class="meta">If a student', after, maxsplit=1)[0]


def assert_no_reason(text: str) -> None:
    lowered = text.lower()
    for word in REASON_WORDS:
        assert word not in lowered, word
    assert EVENT_MARK not in text


def test_the_clinician_marks_ready_and_the_school_contact_is_asked_to_plan(app, returning, login_as):
    world = returning
    users = world.users
    contact = users[policy.SCHOOL_CONTACT]
    # Even a school contact who asked for no email hears of this by email at once.
    db.session.add(NotificationPreference(user_id=contact.id, kind="return_to_plan", mode="portal"))
    db.session.add(NotificationPreference(user_id=contact.id, kind="section_changed", mode="portal"))
    db.session.commit()

    clinician = login_as(users[policy.CLINICIAN], app.test_client())
    edit = f"{section_url(world)}/edit"
    page = clinician.get(edit)
    assert page.status_code == 200 and 'name="ready_from"' in page.text
    data = as_post_data(section_form(page.text)["fields"])
    data["ready_from"] = READY.isoformat()
    response = clinician.post(edit, data=data)
    assert response.status_code == 302, response.text

    told = notices(contact)
    assert [n.text for n in told] == [NOTICE]
    assert told[0].link == section_url(world) and told[0].section == "return_to_school"
    assert told[0].email_state == "immediate"
    assert_no_reason(told[0].text)
    # Only the one who plans the return is asked to: not the teacher, the family or the care team.
    for role in (policy.SCHOOL_STAFF, policy.CAREGIVER, policy.YOUNG_PERSON, policy.CLINICIAN, policy.PRIMARY_CARE):
        if role in users:
            assert notices(users[role]) == [], role

    # The email says only that there is something to see.
    sent = [message for message in deliver_now() if message["To"] == contact.email]
    assert len(sent) == 1
    body = sent[0].get_content()
    link = re.search(r"Sign in to see it: (\S+)", body).group(1)
    # The same few lines as every notice's email, word for word, with a link to the notices page.
    assert sent[0]["Subject"] == EMAIL_SUBJECT and body.strip() == email_body(link).strip()
    assert link.endswith("/notifications") and "return_to_school" not in link
    assert "Jordan" not in body and "return" not in body.lower() and "7 Dec" not in body

    # The notice opens the return plan, where the school contact reads the day.
    school = login_as(contact, app.test_client())
    shown = school.get(section_url(world)).text
    assert "Mon 07 Dec 2026" in shown or "7 Dec 2026" in shown
    assert_no_reason(return_block(shown))
    assert EVENT_MARK not in shown

    # Saving again without moving the day asks nothing new; moving it asks again.
    save_return(world, policy.CLINICIAN, meeting_attendees="Maria, Sam, Dr Rivera")
    assert len(notices(contact)) == 1
    save_return(world, policy.CLINICIAN, ready_from=READY + timedelta(days=7))
    assert [n.text for n in notices(contact)][-1] == NOTICE.replace("Monday 7 December", "Monday 14 December")
    # Clearing it asks nothing.
    save_return(world, policy.CLINICIAN, ready_from=None)
    assert len(notices(contact)) == 2


def test_the_school_contact_cannot_set_ready_from(app, returning, login_as):
    world = returning
    contact = world.users[policy.SCHOOL_CONTACT]
    assert policy.field_editable(policy.CLINICIAN, "return_to_school", "ready_from")
    for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF, policy.CAREGIVER, policy.YOUNG_PERSON):
        assert not policy.field_editable(role, "return_to_school", "ready_from"), role

    school = login_as(contact, app.test_client())
    edit = f"{section_url(world)}/edit"
    page = school.get(edit)
    assert page.status_code == 200
    assert 'name="ready_from"' not in page.text and 'name="timetable"' in page.text
    # The edit page points to Adjustments, where what to allow is kept with its dates.
    note = re.search(r'<p class="edit-note">(.*?)</p>', page.text, re.S).group(1)
    assert f'<a href="/circles/{world.circle.id}/plan/adjustments">Adjustments</a>' in note
    data = as_post_data(section_form(page.text)["fields"])
    data["timetable"] = "Mornings only in the first week"
    data["ready_from"] = "2027-01-04"  # not a field of this form: ignored
    response = school.post(edit, data=data)
    assert response.status_code == 302, response.text
    db.session.expire_all()
    row = db.session.scalars(select(ReturnToSchool).where(ReturnToSchool.circle_id == world.circle.id)).one()
    assert row.timetable == "Mornings only in the first week" and row.ready_from is None
    assert notices(contact) == []

    # Once the care team has set it, the school contact's saves keep it as it is.
    save_return(world, policy.CLINICIAN, ready_from=READY)
    page = school.get(edit)
    data = as_post_data(section_form(page.text)["fields"])
    data["ready_from"] = "2027-01-04"
    assert school.post(edit, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(ReturnToSchool, row.id).ready_from == READY
    # A teacher may not edit the return plan at all.
    teacher = login_as(world.users[policy.SCHOOL_STAFF], app.test_client())
    assert teacher.get(edit).status_code == 403
    assert teacher.post(edit, data=data).status_code == 403
    db.session.expire_all()
    assert db.session.get(ReturnToSchool, row.id).ready_from == READY


def test_the_dashboard_asks_until_the_return_has_a_meeting_and_a_timetable(app, returning, login_as, frozen):
    world = returning
    users = world.users
    school = login_as(users[policy.SCHOOL_CONTACT], app.test_client())
    teacher = login_as(users[policy.SCHOOL_STAFF], app.test_client())
    caregiver = login_as(users[policy.CAREGIVER], app.test_client())
    clinician = login_as(users[policy.CLINICIAN], app.test_client())
    assert "return to school" not in school.get("/dashboard").text.lower()

    save_return(world, policy.CLINICIAN, ready_from=READY)
    dashboard = school.get("/dashboard").text
    assert escaped(PLAN_ITEM) in dashboard and "it needs a meeting date and a timetable" in dashboard
    assert f'<li class="attention-return_to_plan" data-section="return_to_school"><a href="{section_url(world)}">' in dashboard
    for other in (teacher, caregiver, clinician):
        assert "Plan Jordan" not in other.get("/dashboard").text
    caseload = school.get("/school/caseload").text
    assert "Plan Jordan's return to school (ready from Mon 7 Dec)" in caseload
    assert "Jordan" in school.get("/school/caseload?filter=return_to_plan").text

    meeting = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)  # Friday, 9:30 in New York
    save_return(world, policy.SCHOOL_CONTACT, meeting_at=meeting, meeting_attendees="Sam, Maria, Jordan")
    dashboard = school.get("/dashboard").text
    assert escaped(PLAN_ITEM) in dashboard and "it needs a timetable" in dashboard and "a meeting date" not in dashboard

    save_return(world, policy.SCHOOL_CONTACT, timetable="Week 1: mornings only\nWeek 2: full days")
    assert "Plan Jordan" not in school.get("/dashboard").text
    caseload = school.get("/school/caseload?filter=return_to_plan").text
    assert "Plan Jordan" not in caseload and "No students match" in caseload

    # The meeting, the day before and on the day, for everyone who reads the plan.
    assert "Return meeting" not in school.get("/dashboard").text
    def later(days: int) -> None:
        """Move the clock on, and sign everyone in again: an idle session ends after 30 minutes."""
        frozen.advance(days=days)
        # What needs attention follows time through the scheduler's pass, as a deployment runs it.
        refresh_come_due()
        for role, client in ((policy.SCHOOL_CONTACT, school), (policy.SCHOOL_STAFF, teacher),
                             (policy.CAREGIVER, caregiver), (policy.CLINICIAN, clinician)):
            login_as(users[role], client)

    later(1)  # Thursday
    for client in (school, teacher, caregiver, clinician):
        assert "Return meeting tomorrow" in client.get("/dashboard").text
    assert "Return meeting tomorrow" in school.get("/school/caseload").text
    later(1)  # Friday
    assert "Return meeting today" in school.get("/dashboard").text
    later(1)
    assert "Return meeting" not in school.get("/dashboard").text


def test_teachers_see_the_steps_and_what_to_allow_never_why(app, returning, login_as, frozen):
    world = returning
    users = world.users
    contact = users[policy.SCHOOL_CONTACT]
    add_adjustment(world.circle, contact, "RETURNADJ", starts=5, ends=30, kind="reduced_workload")
    add_adjustment(world.circle, contact, "ENDEDADJ", starts=-30, ends=-2)
    save_return(world, policy.CLINICIAN, ready_from=READY)
    save_return(world, policy.SCHOOL_CONTACT, timetable="TIMETABLE-R mornings only", staff_steps="STEPS-R let them rest",
                first_days="FIRSTDAYS-R Sam at 8:30", adjustments_needed="NEEDED-R lighter homework")
    teacher = login_as(users[policy.SCHOOL_STAFF], app.test_client())

    page = teacher.get(section_url(world))
    assert page.status_code == 200
    block = page.text.split('data-section="return_to_school"', 1)[1].split('<section class="return-adjustments"', 1)[0]
    for shown in ("TIMETABLE-R", "STEPS-R", "FIRSTDAYS-R", "What staff do and allow"):
        assert shown in block
    # Never the clinicians' field to edit, nor a way to edit the plan at all.
    assert f'href="{section_url(world)}/edit"' not in page.text
    # The adjustments the return needs, as a teacher sees them: what to allow and when, never why.
    adjustments = page.text.split('<section class="return-adjustments" data-section="adjustments"', 1)[1]
    assert "RETURNADJ-details" in adjustments and "Reduced workload" in adjustments
    assert "ENDEDADJ" not in adjustments
    assert f'href="/circles/{world.circle.id}/plan/adjustments"' in adjustments
    assert "RETURNADJ-reason" not in page.text and "Add or change what the return needs" not in page.text
    assert EVENT_MARK not in page.text and "events" not in re.findall(r'data-section="(\w+)"', page.text)
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.user_id == users[policy.SCHOOL_STAFF].id, AuditEvent.section == "adjustments",
        AuditEvent.endpoint == "plan.section")) is not None
    assert teacher.get(f"/circles/{world.circle.id}/plan/events").status_code in (403, 404)

    # The weekly sheet, this week (the return starts on Monday) and printed.
    frozen.advance(days=4)  # Sunday: the sheet is for the coming week
    login_as(users[policy.SCHOOL_STAFF], teacher)  # an idle session ends after 30 minutes
    for url, action, endpoint in (("/school/this-week", "view", "school.this_week"),
                                  ("/school/this-week/print", "print", "school.this_week_print")):
        sheet = teacher.get(url)
        assert sheet.status_code == 200
        returning_block = sheet.text.split('data-section="return_to_school"', 1)[1]
        assert "TIMETABLE-R" in returning_block and "STEPS-R" in returning_block
        assert "Mon 7 Dec" in returning_block
        assert "RETURNADJ-details" in sheet.text
        for hidden in ("RETURNADJ-reason", "NEEDED-R", "FIRSTDAYS-R", EVENT_MARK):
            assert hidden not in sheet.text, (url, hidden)
        assert_no_reason(return_block(sheet.text))
        # One entry for the sheet, which lists this circle's return among what it showed.
        assert db.session.scalar(select(AuditEvent.id).join(AuditShown, AuditShown.seq == AuditEvent.seq).where(
            AuditEvent.user_id == users[policy.SCHOOL_STAFF].id, AuditShown.section == "return_to_school",
            AuditShown.circle_id == world.circle.id, AuditEvent.action == action, AuditEvent.endpoint == endpoint,
        )) is not None, url
    # Two weeks after the return it leaves the sheet.
    frozen.advance(days=21)
    login_as(users[policy.SCHOOL_STAFF], teacher)
    assert 'data-section="return_to_school"' not in teacher.get("/school/this-week").text
    # Nothing the teacher is told names the event.
    notified = " ".join(n.text for n in db.session.scalars(
        select(Notification).where(Notification.user_id == users[policy.SCHOOL_STAFF].id)))
    assert EVENT_MARK not in notified and "outside school" not in notified


def test_the_family_read_it_and_the_print_view_shows_it(app, returning, login_as):
    world = returning
    save_return(world, policy.CLINICIAN, ready_from=READY)
    save_return(world, policy.SCHOOL_CONTACT, timetable="TIMETABLE-R mornings only", staff_steps="STEPS-R rest",
                meeting_attendees="ATTENDEES-R")
    for role in (policy.CAREGIVER, policy.YOUNG_PERSON, policy.SCHOOL_STAFF, policy.SCHOOL_CONTACT):
        client = login_as(world.users[role], app.test_client())
        page = client.get(section_url(world))
        assert page.status_code == 200, role
        assert "TIMETABLE-R" in page.text and "STEPS-R" in page.text and "ATTENDEES-R" in page.text
        assert client.get(f"{section_url(world)}/edit").status_code == (
            200 if role == policy.SCHOOL_CONTACT else 403), role
        printed = client.get(f"{section_url(world)}/print")
        assert printed.status_code == 200
        main = printed.text.split('<main data-section="return_to_school">', 1)[1].split("</main>", 1)[0]
        for label in ("Ready to go back from", "Phased timetable", "What staff do and allow", "Who attends the meeting"):
            assert label in main, (role, label)
        assert "TIMETABLE-R" in main and "Mon 07 Dec 2026" in main
        # Empty fields are left off the printed page.
        assert "Who checks in on the first days" not in main
        assert EVENT_MARK not in printed.text


def test_the_return_costs_the_same_for_10_and_300_students(app, world, login_as, request, frozen):
    contact = world.users[policy.SCHOOL_CONTACT]
    teacher = world.users[policy.SCHOOL_STAFF]
    members = {contact.id: policy.SCHOOL_CONTACT, teacher.id: policy.SCHOOL_STAFF}

    def add_returns(count: int, start: int) -> None:
        add_students(contact, count, members, start=start)
        circles = db.session.execute(
            select(ReturnToSchool.circle_id.is_(None), Circle.id)
            .select_from(Circle).outerjoin(ReturnToSchool, ReturnToSchool.circle_id == Circle.id)
        ).all()
        rows = []
        for n, (missing, circle_id) in enumerate(circles):
            if missing:
                rows.append({"circle_id": circle_id, "version": 1, "updated_at": NOW,
                             "ready_from": READY - timedelta(days=n % 10),
                             "meeting_at": NOW + timedelta(days=n % 3) if n % 2 else None,
                             "timetable": "Mornings" if n % 4 == 0 else "", "staff_steps": "Let them rest"})
        db.session.execute(insert(ReturnToSchool), rows)
        db.session.commit()
        refresh_all()  # bulk inserts go around the session's listeners: the backfill gives them their rows

    urls = {contact: ["/dashboard", "/school/caseload", "/school/caseload?filter=return_to_plan"],
            teacher: ["/dashboard", "/school/this-week", "/school/this-week/print"]}
    clients = {user: login_as(user, app.test_client()) for user in urls}

    def count() -> dict:
        counts = {}
        for user, pages in urls.items():
            for url in pages:
                with counting_statements() as statements:
                    assert clients[user].get(url).status_code == 200
                counts[(user.name, url)] = len(statements)
        return counts

    add_returns(9, 0)
    few = count()
    add_returns(291, 10)
    many = count()
    # One page of what needs attention, the returns to plan among it; the rest are a list.
    dashboard = clients[contact].get("/dashboard").text
    assert dashboard.count('<article class="circle-card">') == PER_PAGE and dashboard.count("Plan Student") >= PER_PAGE // 2
    lines = figures(request.config, "return to school: SQL statements per page (10 / 300 students)")
    for (name, url), number in few.items():
        lines[f"{url} as {name}"] = f"{number} / {many[(name, url)]}"
    assert few == many
