"""Who is in the demo: its accounts, with their published password and key,
and the days Jordan's story turns on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from config import DEMO_EMAIL_DOMAIN
from portal.auth import mfa
from portal.auth.models import Organisation, User
from portal.auth.services import create_user
from portal.demo.writer import TUESDAY, WEDNESDAY, Calendar
from portal.extensions import db

# Public on purpose (README, the CLI prints it): demo accounts guard nothing,
# and the production configuration refuses to load them.
# The documented demo password; the demo never loads under the production config.
DEMO_PASSWORD = "support-circle-demo"  # noqa: S105  # nosec B105
DEMO_DOMAIN = DEMO_EMAIL_DOMAIN  # production refuses sign-in to this domain
# Public for the same reason: the demo clinicians and the counselor need a
# second factor, as real ones do; add this key to any authenticator app.
DEMO_TOTP_SECRET = "SUPPORTCIRCLEDEMOONLYNOTASECRET2"  # noqa: S105  # nosec B105


class StoryCalendar(Calendar):
    """The days Jordan's story turns on, named once so that every section that
    mentions them agrees."""

    # Therapy is on Tuesdays, Dr Mori's clinic on Wednesdays.

    @property
    def assessed(self) -> date:
        return self.day(-78, school_day=True)

    @property
    def medication_started(self) -> date:
        return self.weekday(-60, WEDNESDAY)

    @property
    def dose_increased(self) -> date:
        return self.weekday(-39, WEDNESDAY)

    @property
    def medication_review(self) -> date:
        return self.weekday(-14, WEDNESDAY)

    @property
    def setback(self) -> date:
        return self.day(-24)

    @property
    def setback_reviewed(self) -> date:
        """The first therapy session after the setback."""
        return self.weekday(-23, TUESDAY, later=True)

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
    parent: User
    student: User
    counselor: User
    teacher: User
    admin: User


def accounts(cal: StoryCalendar) -> tuple[People, Organisation]:
    joined = cal.at(cal.day(-84), 9)
    school = Organisation(name="Lakeview High School", kind="school", created_at=joined)
    clinic = Organisation(name="Riverside Child and Adolescent Mental Health Service", kind="clinic", created_at=joined)
    db.session.add_all([school, clinic])

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
        clinician=account("clinician", "Dr Ana Rivera", "Clinical psychologist", clinic, "clinician"),
        psychiatrist=account("psychiatrist", "Dr Ken Mori", "Consultant psychiatrist", clinic, "clinician"),
        parent=account("parent", "Maria Lopez"),
        student=account("student", "Jordan Lopez"),
        counselor=account("counselor", "Sam Okafor", "School counselor", school, "school_contact"),
        teacher=account("teacher", "Lee Park", "Maths teacher", school, "school_staff"),
        admin=account("admin", "Priya Shah", "School office manager", school, is_org_admin=True),
    )
    for person in (people.clinician, people.psychiatrist, people.counselor):
        mfa.enrol_with_secret(person, DEMO_TOTP_SECRET)
        person.mfa_enrolled_at = joined
    db.session.commit()
    return people, school
