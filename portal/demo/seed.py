"""The demo: a school, a clinic, and Jordan's circle with every section filled in.

Everything is written through the same services the pages use, by the member
who would write it, so the history pages, the dashboard and the access rules
behave exactly as they would after weeks of real use. Dates are relative to
today, so the demo always looks current whenever it is loaded.

Jordan, Casey and every adult here are fictional. Phone numbers use the
555-01xx range that North America reserves for fiction; the crisis and
emergency numbers come from the deployment's configuration.

This module tells the story in order; the machinery that writes it is
writer.py, the people and the days in cast.py, Jordan's plan sections in
jordan_plan.py, the hard weeks in jordan_setback.py and what happened
around them in jordan_history.py. Every date is counted back from today
(cast.StoryCalendar), so the story reads the same on any day it is loaded.
"""

from __future__ import annotations

from flask import current_app

from portal import clock
from portal.access import policy
from portal.auth.models import Organisation
from portal.circles import services as circle_services
from portal.circles.models import Circle
from portal.dashboard import attention
from portal.demo import jordan_history, jordan_plan, jordan_setback
from portal.demo.cast import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_TOTP_SECRET, People, StoryCalendar, accounts
from portal.demo.writer import CircleWriter, clock_at, database_is_empty
from portal.extensions import db

# What `flask seed-demo`, the tests and the screenshots take from here.
__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "DEMO_TOTP_SECRET", "database_is_empty", "seed"]


def _forget_demo_emails() -> None:
    """Loading the demo makes weeks of changes at once; the notices stay in the
    portal to look at, but the emails to fictional addresses are dropped."""
    from sqlalchemy import delete

    from portal.notify.models import OutboxMessage

    db.session.execute(delete(OutboxMessage))
    db.session.commit()


def seed() -> list[tuple[str, str]]:
    """Load the demo into an empty database; the accounts to sign in with, and who they are."""
    if not database_is_empty():
        raise RuntimeError("The demo loads only into a database without accounts.")
    cal = StoryCalendar(clock.today())
    config = current_app.config
    numbers = {
        "emergency": config["EMERGENCY_NUMBER"],
        "crisis": config["CRISIS_LINE_NUMBER"],
        "crisis_name": config["CRISIS_LINE_NAME"],
        "crisis_text": config["CRISIS_TEXT_LINE"],
    }

    people, school = accounts(cal)
    _jordans_circle(cal, people, school, numbers)
    _caseys_circle(cal, people, numbers)
    _forget_demo_emails()
    # Written as of the story's days; what needs attention is as of now.
    attention.refresh_all()
    return [
        (people.clinician.email, "Dr Ana Rivera, clinical psychologist: clinician in Jordan's circle"),
        (people.psychiatrist.email, "Dr Ken Mori, psychiatrist: clinician and prescriber in Jordan's circle"),
        (people.doctor.email, "Dr Helen Brooks, family doctor: primary care in Jordan's circle"),
        (people.parent.email, "Maria Lopez, Jordan's mother: caregiver"),
        (people.student.email, "Jordan Lopez, 15: the young person"),
        (people.counselor.email, "Sam Okafor, school counselor: school contact for Jordan and Casey"),
        (people.teacher.email, "Lee Park, math teacher: school staff for Jordan and Casey"),
        (people.admin.email, "Priya Shah: Lakeview High School's account admin, sees no plan content"),
    ]


def _jordans_circle(cal: StoryCalendar, p: People, school: Organisation, numbers: dict) -> Circle:
    started = cal.assessed
    created = cal.at(started, 13, 30)
    with clock_at(created):
        circle = circle_services.create_circle(p.clinician, "Jordan", "Clinical psychologist")
    circle.created_at = created
    # The circle is started at the clinic, but Jordan goes to Lakeview; the
    # school is recorded as the young person's, not the creator's.
    circle.school = school
    db.session.commit()

    w = CircleWriter(circle)
    w.add_member(p.psychiatrist, policy.CLINICIAN, "Psychiatrist (prescriber)", p.clinician, cal.at(started, 13, 35))
    w.add_member(p.parent, policy.CAREGIVER, "Mother", p.clinician, cal.at(started, 13, 40))
    w.add_member(p.student, policy.YOUNG_PERSON, "Student, 10th grade", p.clinician, cal.at(started, 13, 45))
    w.add_member(p.counselor, policy.SCHOOL_CONTACT, "School counselor", p.clinician, cal.at(cal.first_session, 14))

    # In the order it happened: a plan review confirms the text as it was then.
    jordan_plan.clinical_assessment(w, cal, p)
    first_safety_plan = jordan_plan.safety_plan(w, cal, p, numbers)
    jordan_plan.home_safety(w, cal, p, numbers)
    jordan_plan.school_plan_and_adjustments(w, cal, p, numbers)
    jordan_plan.care_team(w, cal, p, numbers)
    jordan_plan.medication_started(w, cal, p, numbers)
    whole_plan_review = jordan_plan.first_plan_review(w, cal, p)
    jordan_plan.jordan_adds_to_the_safety_plan(w, cal, p, first_safety_plan)
    review_after_dose_change = jordan_plan.dose_increased(w, cal, p)

    jordan_setback.not_sure_and_a_call_back(w, cal, p)
    visit, booked = jordan_setback.events(w, cal, p, numbers)
    jordan_setback.aftercare(w, cal, p, visit, booked)
    jordan_setback.home_after_the_setback(w, cal, p)
    jordan_setback.setback_review(w, cal, p, first_safety_plan)
    jordan_setback.medication_review(w, cal, p, review_after_dose_change)
    jordan_setback.return_to_school(w, cal, p)

    jordan_history.episodes_and_school_follow_up(w, cal, p, numbers)
    jordan_history.follow_ups(w, cal, p, whole_plan_review)
    jordan_history.progress(w, cal, p)
    return circle


def _caseys_circle(cal: StoryCalendar, p: People, numbers: dict) -> Circle:
    """A second, lighter circle started by the school, so school caseloads hold
    more than one young person and Dr Rivera sees only her own."""
    started = cal.day(-40, school_day=True)
    with clock_at(cal.at(started, 10)):
        circle = circle_services.create_circle(p.counselor, "Casey", "School counselor")
    circle.created_at = cal.at(started, 10)
    db.session.commit()

    w = CircleWriter(circle)
    w.add_member(p.teacher, policy.SCHOOL_STAFF, "Math teacher", p.counselor, cal.at(started, 10, 5))
    w.write(
        "school_plan",
        p.counselor,
        cal.at(started, 10, 30),
        warning_signs="Very quiet, not taking part, leaving the room often.",
        student_actions="Casey can go to the library quiet room at any time and tell the librarian, who calls Mr Okafor.",
        staff_steps=(
            "1. Let Casey go without questions.\n"
            "2. Call the front office (ext. 100) so Mr Okafor knows.\n"
            "3. Before the end of the day, write down in Support Circle what you saw."
        ),
        who_to_call="Sam Okafor, school counselor, ext. 114. If Sam is out: Ms Grant, assistant principal, through the front office.",
        call_caregivers_when="Sam calls Casey's father the same day whenever the plan is used.",
        call_emergency_when=(
            f"Call {numbers['emergency']} first if Casey is seriously hurt, may have taken something harmful, says they want to die, "
            "or cannot keep safe. Stay with Casey while you wait."
        ),
        return_to_class="Casey comes back when ready; no comment in front of the class.",
    )
    w.add(
        "adjustments",
        p.counselor,
        cal.at(started, 10, 35),
        kind="leave_class_pass",
        subjects="All classes",
        details="Casey may leave any class for the library quiet room without giving a reason.",
        start_date=started,
        approved_by="Sam Okafor, School counselor",
        reason="Agreed with Casey and their father; Casey is waiting for a first appointment with a clinic.",
    )
    w.add(
        "follow_ups",
        p.counselor,
        cal.at(started, 10, 40),
        kind="school_review",
        due_at=cal.at(cal.day(6, school_day=True), 13, 30),
        with_whom="Sam Okafor with Casey and their father",
        location="Lakeview High School, Room 114",
        status="scheduled",
        details="Six-week review of the in-school plan.",
    )
    return circle
