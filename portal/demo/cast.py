"""Who is in the demo: its accounts, with their published password and key,
and the days Jordan's story turns on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from config import DEMO_EMAIL_DOMAIN
from portal.access import policy
from portal.auth import mfa
from portal.auth.models import Organisation, User
from portal.auth.services import create_user
from portal.demo.writer import FRIDAY, MONDAY, SATURDAY, SUNDAY, THURSDAY, TUESDAY, WEDNESDAY, Calendar
from portal.extensions import db

# Public on purpose (README, the CLI prints it): demo accounts guard nothing,
# and the production configuration refuses to load them.
# The documented demo password; the demo never loads under the production config.
DEMO_PASSWORD = "support-circle-demo"  # noqa: S105  # nosec B105
DEMO_DOMAIN = DEMO_EMAIL_DOMAIN  # production refuses sign-in to this domain
# Public for the same reason: the demo clinicians, the family doctor and the
# counselor need a second factor, as real ones do; add this key to any
# authenticator app.
DEMO_TOTP_SECRET = "SUPPORTCIRCLEDEMOONLYNOTASECRET2"  # noqa: S105  # nosec B105

# Dr Rivera works Monday to Thursday; her sessions with Jordan are on Tuesdays
# at 16:00, so her other meetings with the family avoid Tuesdays.
RIVERA_DAYS = (MONDAY, TUESDAY, WEDNESDAY, THURSDAY)
MEETING_DAYS = (MONDAY, WEDNESDAY, THURSDAY)
# Jordan's school day ends at 15:10.
SCHOOL_ENDS = (15, 10)


class StoryCalendar(Calendar):
    """The days Jordan's story turns on, named once so that every section that
    mentions them agrees. Counted in whole weeks back from this week's Monday,
    so that a weekday in the story is always that weekday, whatever today is.

    Weeks ago: 11 assessment and the plan; 9 fluoxetine started; 7 the first
    plan review; 5 the dose goes up; 3 a hard week and, at its end, the
    setback and a visit to the emergency department; 2 aftercare, the
    setback review, the medication review, four days off school and the
    return meeting; 1 back at school.
    """

    # Therapy is on Tuesdays, Dr Mori's clinic on Wednesdays.

    def week(self, weeks_ago: int, weekday: int) -> date:
        this_monday = self.today - timedelta(days=self.today.weekday())
        return this_monday - timedelta(weeks=weeks_ago) + timedelta(days=weekday)

    def last_of(self, weekdays, offset: int = -1) -> date:
        """The latest of these weekdays on or before ``offset`` days from today."""
        day = self.day(offset)
        while day.weekday() not in weekdays:
            day -= timedelta(days=1)
        return day

    def next_of(self, weekdays, offset: int = 1) -> date:
        day = self.day(offset)
        while day.weekday() not in weekdays:
            day += timedelta(days=1)
        return day

    @property
    def assessed(self) -> date:
        return self.week(11, MONDAY)

    @property
    def first_session(self) -> date:
        return self.week(11, TUESDAY)

    @property
    def school_meeting(self) -> date:
        return self.week(11, THURSDAY)

    @property
    def medication_started(self) -> date:
        return self.week(9, WEDNESDAY)

    @property
    def family_session(self) -> date:
        return self.week(8, MONDAY)

    @property
    def first_review(self) -> date:
        return self.week(7, MONDAY)

    @property
    def dose_increased(self) -> date:
        return self.week(5, WEDNESDAY)

    @property
    def review_after_dose_change(self) -> date:
        """Booked four weeks after the dose went up; brought forward after the setback."""
        return self.dose_increased + timedelta(weeks=4)

    @property
    def unsure_check_in(self) -> date:
        return self.week(3, WEDNESDAY)

    @property
    def called_back(self) -> date:
        return self.week(3, THURSDAY)

    @property
    def crisis_call(self) -> date:
        return self.week(3, FRIDAY)

    @property
    def setback(self) -> date:
        return self.week(3, SATURDAY)

    @property
    def emergency_visit(self) -> date:
        return self.week(3, SUNDAY)

    @property
    def aftercare(self) -> date:
        return self.week(2, MONDAY)

    @property
    def setback_reviewed(self) -> date:
        """The first therapy session after the setback."""
        return self.week(2, TUESDAY)

    @property
    def medication_review(self) -> date:
        """Dr Mori's review, brought forward to the day after the setback review."""
        return self.week(2, WEDNESDAY)

    @property
    def next_medication_review(self) -> date:
        return self.medication_review + timedelta(weeks=4)

    @property
    def days_off_school(self) -> tuple[date, date]:
        return self.week(2, MONDAY), self.week(2, THURSDAY)

    @property
    def return_meeting(self) -> date:
        return self.week(2, THURSDAY)

    @property
    def back_at_school(self) -> date:
        return self.week(2, FRIDAY)

    @property
    def full_days_again(self) -> date:
        return self.week(1, MONDAY)

    @property
    def plan_review_due(self) -> date:
        """The whole-plan review, booked at the first one; not yet recorded."""
        return self.last_of(MEETING_DAYS)

    @property
    def last_session(self) -> date:
        return self.weekday(-1, TUESDAY)

    @property
    def next_session(self) -> date:
        return self.weekday(1, TUESDAY, later=True)


@dataclass
class People:
    clinician: User
    psychiatrist: User
    doctor: User
    parent: User
    student: User
    counselor: User
    teacher: User
    admin: User


def accounts(cal: StoryCalendar) -> tuple[People, Organisation]:
    joined = cal.at(cal.week(12, MONDAY), 9)
    school = Organisation(name="Lakeview High School", kind="school", created_at=joined)
    clinic = Organisation(name="Riverside Child and Adolescent Mental Health Service", kind="clinic", created_at=joined)
    practice = Organisation(name="Lakeview Family Practice", kind="clinic", created_at=joined)
    db.session.add_all([school, clinic, practice])

    def account(local_part, name, title="", organisation=None, staff_role=None, is_org_admin=False) -> User:
        user = create_user(
            email=f"{local_part}@{DEMO_DOMAIN}",
            name=name,
            title=title,
            password=DEMO_PASSWORD,
            organisation=organisation,
            staff_role=staff_role,
            is_org_admin=is_org_admin,
        )
        user.created_at = joined
        return user

    people = People(
        clinician=account("clinician", "Dr Ana Rivera", "Clinical psychologist", clinic, policy.CLINICIAN),
        psychiatrist=account("psychiatrist", "Dr Ken Mori", "Child and adolescent psychiatrist", clinic, policy.CLINICIAN),
        doctor=account("doctor", "Dr Helen Brooks", "Family doctor", practice, policy.PRIMARY_CARE),
        parent=account("parent", "Maria Lopez"),
        student=account("student", "Jordan Lopez"),
        counselor=account("counselor", "Sam Okafor", "School counselor", school, policy.SCHOOL_CONTACT),
        teacher=account("teacher", "Lee Park", "Math teacher", school, policy.SCHOOL_STAFF),
        admin=account("admin", "Priya Shah", "School office manager", school, is_org_admin=True),
    )
    for person in (people.clinician, people.psychiatrist, people.doctor, people.counselor):
        mfa.enrol_with_secret(person, DEMO_TOTP_SECRET)
        person.mfa_enrolled_at = joined
    db.session.commit()
    return people, school
