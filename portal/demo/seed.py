"""The demo: a school, a clinic, and Jordan's circle with every section filled in.

Everything is written through the same services the pages use, by the member
who would write it, so the history pages, the dashboard and the access rules
behave exactly as they would after weeks of real use. Dates are relative to
today, so the demo always looks current whenever it is loaded.

Jordan, Casey and every adult here are fictional. Phone numbers use the
555-01xx range that North America reserves for fiction; the crisis and
emergency numbers come from the deployment's configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from config import DEMO_EMAIL_DOMAIN
from portal import clock
from portal.access import policy
from portal.access.queries import scoped_values
from portal.access.sections import item_editable_fields, section_access
from portal.auth import mfa
from portal.auth.models import Organisation, User
from portal.auth.services import create_user
from portal.circles import services as circle_services
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.plan import queries
from portal.plan import services as plan_services
from portal.plan.sections import spec_for
from portal.timezone import zone

# Public on purpose (README, the CLI prints it): demo accounts guard nothing,
# and the production configuration refuses to load them.
# The documented demo password; the demo never loads under the production config.
DEMO_PASSWORD = "support-circle-demo"  # noqa: S105  # nosec B105
DEMO_DOMAIN = DEMO_EMAIL_DOMAIN  # production refuses sign-in to this domain
# Public for the same reason: the demo clinicians and the counselor need a
# second factor, as real ones do; add this key to any authenticator app.
DEMO_TOTP_SECRET = "SUPPORTCIRCLEDEMOONLYNOTASECRET2"  # noqa: S105  # nosec B105


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


@contextmanager
def _clock_at(moment: datetime) -> Iterator[None]:
    """Let the services stamp their history with a moment in the past.

    Every service reads the time from portal.clock, the one place meant for
    freezing time; without this, every change in the demo's history would
    carry the minute the demo was loaded.
    """
    real_now = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = real_now


TUESDAY, WEDNESDAY = 1, 2


@dataclass(frozen=True)
class _Calendar:
    """Days counted from today in the deployment's time zone, where people live."""

    today: date

    def day(self, offset: int, *, school_day: bool = False, later: bool = False) -> date:
        """A day ``offset`` days from today; a school day is moved off the weekend
        (earlier by default, so that 'a few days ago' stays in the past)."""
        day = self.today + timedelta(days=offset)
        step = timedelta(days=1 if later else -1)
        while school_day and day.weekday() >= 5:
            day += step
        return day

    def weekday(self, offset: int, weekday: int, *, later: bool = False) -> date:
        """That weekday (Monday is 0) on or before the day ``offset`` days from today, or on or after it."""
        day = self.today + timedelta(days=offset)
        while day.weekday() != weekday:
            day += timedelta(days=1 if later else -1)
        return day

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """Wall-clock time on ``day``, as the aware UTC datetime the columns keep."""
        return datetime.combine(day, time(hour, minute), tzinfo=zone()).astimezone(UTC)

    # The days Jordan's story turns on, named once so that every section that
    # mentions them agrees. Therapy is on Tuesdays, Dr Mori's clinic on Wednesdays.

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


def _said(day: date) -> str:
    """A date the way people write it in a note ('Tuesday 4 March')."""
    return f"{day:%A} {day.day} {day:%B}"


class _CircleWriter:
    """Writes one circle's plan as its members would through the pages.

    Each write is first checked against the access policy for the author's
    membership, so the demo can never show something that no one could have
    entered: a teacher writing the school plan, a caregiver assigning
    responsibilities.
    """

    def __init__(self, circle: Circle):
        self.circle = circle

    def membership(self, user: User) -> Membership:
        return db.session.scalars(
            select(Membership).where(
                Membership.circle_id == self.circle.id,
                Membership.user_id == user.id,
                Membership.removed_at.is_(None),
            )
        ).one()

    def add_member(self, user: User, role: str, relationship_label: str, by: User, at: datetime) -> None:
        granting_role = self.membership(by).role
        if not policy.can_act(granting_role, "manage_members"):
            raise RuntimeError(f"{by.name} may not add a {role} to the circle")
        # add_member asks the membership policy (portal/access/transitions.py) itself.
        with _clock_at(at):
            added = circle_services.add_member(self.circle, user.email, role, relationship_label, by)
        if not added:
            raise RuntimeError(f"no active account for {user.email}")

    def _check(self, author: User, section: str, fields, row=None) -> Membership:
        membership = self.membership(author)
        spec = spec_for(section)
        allowed = section_access(membership, spec).editable if row is None else item_editable_fields(membership, spec, row)
        refused = set(fields) - set(allowed)
        if refused:
            raise RuntimeError(f"{author.name} may not write {sorted(refused)} in {section}")
        return membership

    def write(self, section: str, author: User, at: datetime, /, **values):
        """Save a one-document section, on top of whatever version is there."""
        spec = spec_for(section)
        if spec.is_list:
            raise ValueError(f"{section} is a list section")
        self._check(author, section, values)
        current = queries.document(self.circle.id, spec)
        with _clock_at(at):
            return plan_services.save_document(
                self.circle.id, spec, values, current.version if current else 0, author
            )

    # The section comes positionally (and is not called "kind") because
    # adjustments and follow-ups have a field of that name.
    def add(self, section: str, author: User, at: datetime, /, **values):
        spec = spec_for(section)
        membership = self._check(author, section, values)
        # As the new-item page does: a row scope fixes some values (the school
        # books only school reviews), and an episode names who recorded it.
        values.update(scoped_values(section, membership))
        if section == "episodes":
            values["recorded_by_id"] = author.id
        with _clock_at(at):
            return plan_services.add_item(self.circle.id, spec, values, author)

    def update(self, section: str, row, author: User, at: datetime, /, **values):
        self._check(author, section, values, row)
        with _clock_at(at):
            return plan_services.update_item(row, spec_for(section), values, row.version, author)

    def remove(self, section: str, row, author: User, at: datetime) -> None:
        if not policy.can(self.membership(author).role, section, policy.EDIT):
            raise RuntimeError(f"{author.name} may not remove items from {section}")
        with _clock_at(at):
            plan_services.set_removed(row, spec_for(section), author, removed=True)

    def own_contact(self, user: User):
        model = spec_for("care_team").model
        return db.session.scalars(select(model).where(model.membership_id == self.membership(user).id)).one()


@dataclass
class _People:
    clinician: User
    psychiatrist: User
    parent: User
    student: User
    counselor: User
    teacher: User
    admin: User


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
    cal = _Calendar(clock.today())
    config = current_app.config
    numbers = {
        "emergency": config["EMERGENCY_NUMBER"],
        "crisis": config["CRISIS_LINE_NUMBER"],
        "crisis_name": config["CRISIS_LINE_NAME"],
        "crisis_text": config["CRISIS_TEXT_LINE"],
    }

    people, school = _accounts(cal)
    _jordans_circle(cal, people, school, numbers)
    _caseys_circle(cal, people, numbers)
    _forget_demo_emails()
    return [
        (people.clinician.email, "Dr Ana Rivera, clinical psychologist: clinician in Jordan's circle"),
        (people.psychiatrist.email, "Dr Ken Mori, psychiatrist: clinician and prescriber in Jordan's circle"),
        (people.parent.email, "Maria Lopez, Jordan's mother: caregiver"),
        (people.student.email, "Jordan Lopez, 15: the young person"),
        (people.counselor.email, "Sam Okafor, school counselor: school contact for Jordan and Casey"),
        (people.teacher.email, "Lee Park, maths teacher: school staff for Jordan and Casey"),
        (people.admin.email, "Priya Shah: Lakeview High School's account admin, sees no plan content"),
    ]


def _accounts(cal: _Calendar) -> tuple[_People, Organisation]:
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

    people = _People(
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


def _jordans_circle(cal: _Calendar, p: _People, school: Organisation, numbers: dict) -> Circle:
    created = cal.at(cal.day(-77), 9, 30)
    with _clock_at(created):
        circle = circle_services.create_circle(p.clinician, "Jordan", "Clinical psychologist")
    circle.created_at = created
    # The circle is started at the clinic, but Jordan goes to Lakeview; the
    # school is recorded as the young person's, not the creator's.
    circle.school = school
    db.session.commit()

    w = _CircleWriter(circle)
    w.add_member(p.psychiatrist, policy.CLINICIAN, "Psychiatrist (prescriber)", p.clinician, cal.at(cal.day(-77), 9, 35))
    w.add_member(p.parent, policy.CAREGIVER, "Mother", p.clinician, cal.at(cal.day(-77), 9, 40))
    w.add_member(p.student, policy.YOUNG_PERSON, "Student, 10th grade", p.clinician, cal.at(cal.day(-77), 9, 45))
    w.add_member(p.counselor, policy.SCHOOL_CONTACT, "School counselor", p.clinician, cal.at(cal.day(-76), 14))

    _clinical(w, cal, p)
    _safety_plan(w, cal, p, numbers)
    _school_plan_and_adjustments(w, cal, p, numbers)
    _care_team(w, cal, p, numbers)
    _home_safety(w, cal, p, numbers)
    _episodes_and_school_follow_up(w, cal, p, numbers)
    _setback_review(w, cal, p)
    _follow_ups(w, cal, p)
    _progress(w, cal, p)
    return circle


def _clinical(w: _CircleWriter, cal: _Calendar, p: _People) -> None:
    assessed = cal.assessed
    started = cal.medication_started
    increased = cal.dose_increased
    reviewed = cal.setback_reviewed
    w.write(
        "clinical",
        p.clinician,
        cal.at(cal.day(-77), 17),
        assessment_function=(
            "Jordan (15) describes self-harm, superficial cuts to the forearm, as the quickest way to stop an "
            "overwhelming build-up of shame and tension, mostly after feeling they have failed or been left out. "
            "Relief lasts minutes and is followed by guilt and hiding it. At times also a way to 'feel something' "
            "when numb. Jordan does not link it to any wish to die."
        ),
        assessment_triggers=(
            "Feeling they have failed at school (tests, being corrected in front of others); conflict or exclusion "
            "among friends, often online late in the evening; arguments at home about school work; poor sleep. "
            "Urges are strongest late in the evening."
        ),
        frequency_change=(
            "Started about eight months ago, around the move to high school. Over the last two months, two to four "
            "times a week, hidden until a PE teacher noticed a dressing. No other methods; no alcohol or drugs."
        ),
        suicidal_thoughts=(
            f"Asked directly at assessment on {_said(assessed)}: no current suicidal thoughts, intent or plan. "
            "One period of passive thoughts last winter ('wishing I could disappear'), none since. "
            "To be asked at every session."
        ),
        coexisting_conditions=(
            "Low mood most days for about four months, with poor sleep and loss of interest in everything but art: "
            "meets criteria for a depressive episode. Social and test anxiety. No eating-disorder symptoms, no "
            "substance use, no psychotic symptoms. No trauma reported. No current bullying; some exclusion in a "
            "friendship group."
        ),
        therapy_modality="dbt",
        therapy_provider=(
            "Dr Ana Rivera: individual DBT-A and family sessions. Riverside DBT-A skills group for teens, "
            "with Maria in the parallel caregiver group."
        ),
        therapy_frequency=(
            "Individual DBT-A weekly (Tuesdays, 16:00). Skills group weekly (Thursdays, 17:00). Family session "
            "every four weeks. Phone coaching for Jordan between sessions, in clinic hours."
        ),
    )
    w.write(
        "clinical",
        p.psychiatrist,
        cal.at(started, 12, 30),
        medication=(
            "Fluoxetine (an SSRI) for the depressive episode, not for the self-harm itself. "
            f"Started 10 mg each morning on {_said(started)}."
        ),
        prescriber="Dr Ken Mori, consultant child and adolescent psychiatrist, Riverside CAMHS",
        quantity_limits=(
            "Two weeks' supply per prescription (14 capsules), no repeats without a review. Maria holds the "
            "medicine, keeps it locked and gives Jordan one capsule each morning. See Home safety for the "
            "instructions given to Maria."
        ),
        medication_monitoring=(
            "Weekly contact for the first four weeks and for four weeks after any dose change: ask about "
            "agitation, restlessness, sleep, self-harm urges and suicidal thoughts. Then at each medication review, "
            "every four weeks. Jordan and Maria know to call the same day about agitation, worse sleep or stronger "
            "urges, and know the signs for urgent help."
        ),
    )
    w.write(
        "clinical",
        p.psychiatrist,
        cal.at(increased, 11, 50),
        medication=(
            "Fluoxetine (an SSRI) for the depressive episode, not for the self-harm itself. "
            f"Started 10 mg each morning on {_said(started)}; increased to 20 mg on {_said(increased)}. "
            "No side effects reported apart from a few days of mild nausea."
        ),
    )
    w.write(
        "clinical",
        p.clinician,
        cal.at(reviewed, 18),
        frequency_change=(
            "Started about eight months ago, around the move to high school. Before the plan: two to four times a "
            "week, hidden until a PE teacher noticed a dressing. No other methods; no alcohol or drugs.\n"
            "Since the plan: fewer episodes and longer gaps (none at all in week six), then a setback at home on "
            f"{_said(cal.setback)} with two episodes that needed first aid (see the setback review). Since then urges "
            "on most days, but Jordan has acted on them less often and told Maria sooner."
        ),
        suicidal_thoughts=(
            f"Asked directly at assessment on {_said(assessed)}: no current suicidal thoughts, intent or plan. "
            "One period of passive thoughts last winter ('wishing I could disappear'), none since.\n"
            f"Asked again directly on {_said(reviewed)}, after the setback: Jordan denied any suicidal thoughts, "
            "intent or plan, before or since. Keep asking at every session; Jordan and Maria know the signs for "
            "urgent help."
        ),
        therapy_frequency=(
            "Individual DBT-A weekly (Tuesdays, 16:00). Skills group weekly (Thursdays, 17:00). Phone coaching for "
            "Jordan between sessions, in clinic hours.\n"
            f"Since {_said(reviewed)}, for four weeks: family session every two weeks instead of four, and a short "
            "phone check-in with Dr Rivera on Fridays."
        ),
    )


def _safety_plan(w: _CircleWriter, cal: _Calendar, p: _People, numbers: dict) -> None:
    first = {
        "warning_signs": (
            "I go quiet and stay in my room with my headphones on but nothing playing.\n"
            "I stop replying in the group chat.\n"
            "Everything feels far away, like I'm watching myself from outside.\n"
            "I keep thinking \"I'm so stupid\" over and over."
        ),
        "triggers": (
            "Getting a bad mark, or messing up in front of people.\n"
            "Fights with friends, especially online late at night.\n"
            "Not sleeping.\n"
            "When Mum and I argue about school."
        ),
        "coping_steps": (
            "1. Tell myself: I only have to get through the next 10 minutes.\n"
            "2. Hold ice cubes or run my hands under really cold water.\n"
            "3. Put on my calm playlist and walk around the block.\n"
            "4. Draw. Anything, even just scribbling really hard.\n"
            "5. Breathe in for 4, hold for 4, out for 6. Five times."
        ),
        "people_places": (
            "My cousin Dani (she gets it and doesn't make a big deal of it).\n"
            "The art room at lunch.\n"
            "Walking Biscuit (our dog) by the lake.\n"
            "Grandma's kitchen on Sundays."
        ),
        "people_to_ask": (
            "Mum: (555) 010-0177. I can just text her \"orange\" and she'll come, no questions first.\n"
            "Mr Okafor at school: I show my blue card and go to Room 114.\n"
            "Dani: (555) 010-0188."
        ),
        "professionals": (
            "Dr Rivera at Riverside CAMHS: (555) 010-0120, weekdays.\n"
            "After hours: the Riverside after-hours line, (555) 010-0199.\n"
            f"Any time, day or night: {numbers['crisis_name']}, {numbers['crisis']}.\n"
            f"If I'm badly hurt or can't keep myself safe: {numbers['emergency']}, or the emergency department "
            "at Riverside General."
        ),
        "safer_environment": (
            "Mum keeps all the medicines locked up and gives me mine.\n"
            "I gave Mum the things I was using, and I'll tell her if I find anything else.\n"
            "My phone charges in the kitchen after 11."
        ),
        "what_matters": (
            "Art, and getting into the art programme at Westfield next year.\n"
            "Biscuit.\n"
            "My little brother Leo looks up to me.\n"
            "Feeling normal around my friends again."
        ),
    }
    # Written in the first session, with Dr Rivera typing Jordan's words.
    w.write("safety_plan", p.clinician, cal.at(cal.day(-76), 17, 10), **first)
    # Jordan adds to it on their own, a few weeks in.
    w.write(
        "safety_plan",
        p.student,
        cal.at(cal.day(-45), 21, 15),
        coping_steps=first["coping_steps"] + "\n6. Watch the baking show. It's so calm it's funny.",
        people_places=first["people_places"] + "\nArt club on Wednesdays.",
    )
    # After the setback, reviewed together: the plan had nothing for late at night.
    w.write(
        "safety_plan",
        p.clinician,
        cal.at(cal.setback_reviewed, 17, 30),
        warning_signs=first["warning_signs"] + "\nI'm still scrolling after midnight.\nI skip art club.",
        coping_steps=(
            first["coping_steps"]
            + "\n6. Watch the baking show. It's so calm it's funny.\n"
            "At night (my night list): get up, put the big light on, cold water on my hands, go and sit in the "
            "kitchen, and text Mum \"orange\" even if it's really late. She says she means it."
        ),
        safer_environment=first["safer_environment"] + "\nThe kitchen knives are in the locked drawer now.",
    )


def _school_plan_and_adjustments(w: _CircleWriter, cal: _Calendar, p: _People, numbers: dict) -> None:
    meeting = cal.day(-72, school_day=True)
    steps = (
        "1. If Jordan shows the blue card, let Jordan go. Do not ask why, and do not comment in front of the class.\n"
        "2. Call the front office (ext. 100) and say only: \"Jordan is on the way to Room 114.\"\n"
        "3. If you notice the signs but Jordan has not used the card, go to the desk and ask quietly: \"Do you want "
        "to use your card?\" Accept yes or no.\n"
        "4. If Jordan cannot move or seems hurt, stay with Jordan, keep the class working, and send a student to "
        "the front office for Mr Okafor and the nurse.\n"
        "5. The school nurse (ext. 105) gives first aid for any injury.\n"
        "6. Before the end of the day, record what you saw and did under In-school episodes. Write what you saw, "
        "not why it might have happened."
    )
    first = {
        "warning_signs": (
            "Head down on the desk for a long time, or hood up and not answering.\n"
            "Pulling sleeves down over the hands and holding the arms.\n"
            "Stopping work and staring at the page, especially in tests.\n"
            "Asking to leave several times in one lesson."
        ),
        "student_actions": (
            "Jordan has a blue card. Jordan puts it on the corner of the desk, or shows it at the door, and leaves "
            "without explaining. Jordan goes straight to Mr Okafor's office, Room 114. If the door is closed, "
            "Jordan goes to the library quiet room and tells the librarian, who calls Mr Okafor."
        ),
        "staff_steps": steps,
        "who_to_call": (
            "First: Sam Okafor, school counselor, ext. 114 or (555) 010-0130.\n"
            "If Sam is out: Ms Grant, deputy head, through the front office (ext. 100).\n"
            "First aid: the school nurse, ext. 105.\n"
            "Sam calls Jordan's mother; teachers do not need to."
        ),
        "call_caregivers_when": (
            "Sam calls Maria Lopez the same day whenever the plan is used, and straight away if Jordan is hurt, "
            "asks to go home, or has not settled after 30 minutes. Maria's mobile: (555) 010-0177."
        ),
        "call_emergency_when": (
            f"Call {numbers['emergency']} first, then Sam and Maria, if Jordan is seriously hurt or bleeding heavily, "
            "may have taken tablets or anything else harmful, is very drowsy or faints, says they want to die or have "
            "a plan to, or cannot keep themselves safe. Stay with Jordan while you wait. The Urgent help page lists "
            "these signs."
        ),
        "return_to_class": (
            "Jordan comes back when ready, usually within 20 to 40 minutes, with a note from Mr Okafor. Let Jordan "
            "come in quietly, without comment. Work missed is covered by the adjustments; do not ask Jordan to "
            "catch up the same day."
        ),
        "staff_notes": (
            f"Agreed with Jordan and Maria at the meeting on {_said(meeting)}. Jordan asked that classmates are "
            "never told, and that the card is not called anything in front of others. Dr Rivera at Riverside CAMHS "
            "is the clinical contact; I let her know after any episode."
        ),
    }
    w.write("school_plan", p.counselor, cal.at(meeting, 15), **first)
    w.add_member(p.teacher, policy.SCHOOL_STAFF, "Maths teacher", p.counselor, cal.at(meeting, 15, 30))

    w.add(
        "adjustments",
        p.counselor,
        cal.at(meeting, 15, 20),
        kind="leave_class_pass",
        subjects="All lessons",
        details=(
            "Jordan may leave any lesson by showing the blue card, without giving a reason, and goes to Room 114. "
            "The steps are in the in-school plan."
        ),
        start_date=meeting,
        end_date=None,
        approved_by="Sam Okafor, School counselor",
        reason=(
            f"Part of the in-school plan agreed with Jordan and Maria on {_said(meeting)}. Jordan asked for a way "
            "out of a lesson that does not draw attention."
        ),
    )
    w.add(
        "adjustments",
        p.counselor,
        cal.at(meeting, 15, 25),
        kind="attendance_flexibility",
        subjects="Tuesday periods 1 and 2",
        details="Jordan may arrive up to 90 minutes late on Tuesdays. Mark it as an authorised absence; no catch-up detention.",
        start_date=meeting,
        end_date=cal.weekday(-42, TUESDAY),
        approved_by="Sam Okafor, School counselor",
        reason="Weekly appointments outside school on Tuesday mornings. Ended when the appointments moved to after school.",
    )

    # A first, bigger revision from the clinician after a family session.
    w.write(
        "school_plan",
        p.clinician,
        cal.at(cal.day(-55), 17, 30),
        call_caregivers_when=(
            first["call_caregivers_when"]
            + "\nIf Maria cannot be reached within 30 minutes, call Riverside CAMHS reception, (555) 010-0120, "
            "and ask for Dr Rivera or the duty clinician."
        ),
        staff_notes=(
            first["staff_notes"]
            + "\nFrom Dr Rivera: Jordan settles faster with something to do with their hands. Please keep paper and "
            "pens in Room 114, and let Jordan draw without needing to talk at first."
        ),
    )

    extension_starts = cal.day(-9, school_day=True)
    extension = {
        "kind": "extension",
        "subjects": "Maths, English, Biology",
        "details": (
            "Two extra weeks on every homework and coursework deadline in these subjects that falls in this period, "
            "with no penalty. Jordan hands work in to the subject teacher as usual. Includes the Biology practical "
            "write-up."
        ),
        "start_date": extension_starts,
        "end_date": extension_starts + timedelta(days=14),
        "approved_by": "Sam Okafor, School counselor",
        "reason": (
            f"Jordan missed four days of school and is catching up. Agreed with Jordan and Maria on "
            f"{_said(extension_starts)}."
        ),
    }
    w.add("adjustments", p.counselor, cal.at(extension_starts, 14), **extension)
    # Saved twice by a double click; removing the copy shows that removal is a
    # mark a clinician can undo, not a delete.
    duplicate = w.add("adjustments", p.counselor, cal.at(extension_starts, 14, 1), **extension)
    w.remove("adjustments", duplicate, p.counselor, cal.at(extension_starts, 14, 3))


def _care_team(w: _CircleWriter, cal: _Calendar, p: _People, numbers: dict) -> None:
    # Each member fills in their own entry, which joining the circle started for them.
    w.update(
        "care_team",
        w.own_contact(p.counselor),
        p.counselor,
        cal.at(cal.day(-75), 8, 15),
        phone="(555) 010-0130 (direct), ext. 114 from inside school",
        availability=(
            "School days 8:00 to 16:00, Room 114. If I'm out, the front office, (555) 010-0100 ext. 100, "
            "finds Ms Grant, the deputy head. I read messages by the end of each school day."
        ),
    )
    w.update(
        "care_team",
        w.own_contact(p.parent),
        p.parent,
        cal.at(cal.day(-75), 20, 30),
        phone="(555) 010-0177 (mobile)",
        availability=(
            "My mobile, any time. I work 9:00 to 15:00 at the town library; if I don't answer, text me and I'll "
            "call back within 15 minutes."
        ),
    )
    w.update(
        "care_team",
        w.own_contact(p.student),
        p.student,
        cal.at(cal.day(-74), 19),
        availability="Text me, I don't always pick up calls. At school 8:30 to 15:10.",
    )
    w.update(
        "care_team",
        w.own_contact(p.psychiatrist),
        p.psychiatrist,
        cal.at(cal.day(-74), 12),
        phone="(555) 010-0120 (clinic reception)",
        availability=(
            "Clinics on Wednesdays and Fridays. Medication questions through clinic reception, answered within one "
            "working day. Urgent medication worries out of hours: the after-hours line."
        ),
    )

    services = [
        {
            "contact_kind": "service",
            "name": numbers["crisis_name"],
            "role_title": "Crisis line",
            "phone": numbers["crisis"],
            "availability": f"Any time, day or night, free. Call or text. Also: {numbers['crisis_text']}.",
        },
        {
            "contact_kind": "service",
            "name": "Riverside CAMHS after-hours line",
            "role_title": "After-hours mental health advice",
            "organisation": "Riverside Child and Adolescent Mental Health Service",
            "phone": "(555) 010-0199",
            "availability": (
                "Weekday evenings from 17:00, weekends and holidays. A duty clinician answers and can see "
                "Jordan's plan."
            ),
        },
        {
            "contact_kind": "person",
            "name": "Dr Helen Brooks",
            "role_title": "Family doctor (primary care)",
            "organisation": "Lakeview Family Practice",
            "phone": "(555) 010-0142",
            "availability": (
                "Weekdays 8:00 to 18:00; same-day appointments if you call before 10:00. Physical health, wound "
                "checks and the yearly review. Knows about the plan."
            ),
        },
        {
            "contact_kind": "service",
            "name": "Emergency services",
            "role_title": "Emergency",
            "phone": numbers["emergency"],
            "availability": (
                "For a serious injury, heavy bleeding, possible overdose or poisoning, a head injury, fainting, "
                "or if Jordan talks about wanting to die or cannot keep safe. See Urgent help."
            ),
        },
    ]
    for minute, service in enumerate(services):
        w.add("care_team", p.clinician, cal.at(cal.day(-74), 16, 30 + minute), **service)

    # Clinicians name one person for each responsibility, once everyone is in.
    w.update(
        "care_team",
        w.own_contact(p.clinician),
        p.clinician,
        cal.at(cal.day(-74), 17),
        phone="(555) 010-0120 (clinic reception)",
        availability=(
            "Monday to Thursday, 9:00 to 17:00, at Riverside CAMHS. Messages through reception; I reply the same "
            "working day. Out of hours: the after-hours line."
        ),
        responsibilities="diagnosis,therapy,crisis_planning,monitoring",
    )
    w.update("care_team", w.own_contact(p.psychiatrist), p.clinician, cal.at(cal.day(-74), 17, 2),
             responsibilities="medication")
    w.update("care_team", w.own_contact(p.counselor), p.clinician, cal.at(cal.day(-74), 17, 4),
             responsibilities="school_liaison")

    w.update(
        "care_team",
        w.own_contact(p.teacher),
        p.teacher,
        cal.at(cal.day(-71, school_day=True), 12, 30),
        phone="Front office, (555) 010-0100 ext. 100",
        availability="I teach Jordan's Maths class, periods 2 and 5. Messages through the front office.",
    )


def _home_safety(w: _CircleWriter, cal: _Calendar, p: _People, numbers: dict) -> None:
    guidance = {
        "helpful_responses": (
            "Stay calm and keep my voice low, even when I feel scared.\n"
            "Say \"I'm glad you told me\" before anything else.\n"
            "Ask \"What would help right now?\" and accept \"nothing\" for a while.\n"
            "Sit nearby doing something ordinary (making tea, folding laundry) so it isn't a big talk.\n"
            "Check calmly whether first aid is needed, and help with it."
        ),
        "unhelpful_responses": (
            "Lots of questions at once, or \"why would you do this?\"\n"
            "Taking the phone away or grounding as a punishment.\n"
            "Checking Jordan's arms without asking.\n"
            "Telling relatives or Jordan's friends without Jordan knowing.\n"
            "Trying to sort everything out in one conversation."
        ),
        "when_urges_rise": (
            "If Jordan texts \"orange\", go to Jordan straight away and don't ask for reasons first.\n"
            "Help Jordan start their safety plan: cold water, the calm playlist, a walk with Biscuit together.\n"
            "Stay with Jordan until the urge eases. It's fine to just sit there.\n"
            f"If Jordan is hurt, give first aid; call {numbers['emergency']} for anything serious (see Urgent help).\n"
            f"If I'm worried after hours: the Riverside after-hours line, (555) 010-0199, or {numbers['crisis']}.\n"
            "Tell Dr Rivera at the next session, or message the clinic the next working day."
        ),
    }
    w.write(
        "home_safety",
        p.parent,
        cal.at(cal.day(-73), 21),
        medicines_locked=True,
        medicines_limited=False,
        sharps_secured=False,
        alcohol_secured=False,
        checklist_notes=(
            "All medicines in the house, ours too, are in the locked box in my wardrobe. The key is on my keyring."
        ),
        **guidance,
    )
    w.write(
        "home_safety",
        p.psychiatrist,
        cal.at(cal.medication_started, 12, 45),
        medication_safety=(
            "Jordan takes fluoxetine, one capsule each morning. Maria keeps the box locked and gives Jordan one "
            "capsule a day.\n"
            "The pharmacy gives two weeks at a time. Please keep no spare boxes at home, and take old or unused "
            "medicines back to the pharmacy.\n"
            "Keep over-the-counter painkillers to one small pack, locked away too.\n"
            "In the first weeks, and after any change of dose, watch for: restlessness or agitation, much worse "
            "sleep, stronger urges, or any talk of wanting to die. Call the clinic the same day (after hours: "
            "(555) 010-0199).\n"
            f"If Jordan may have taken extra tablets or anything else, call {numbers['emergency']} or go to the "
            "emergency department now, even if Jordan seems fine.\n"
            "Please don't stop the medicine suddenly; talk to me first. (Dr Ken Mori)"
        ),
    )
    w.write(
        "home_safety",
        p.parent,
        cal.at(cal.day(-58), 20, 15),
        medicines_limited=True,
        checklist_notes=(
            "All medicines in the house, ours too, are in the locked box in my wardrobe. The key is on my keyring.\n"
            "Took the old painkillers and cold medicine back to the pharmacy; one small pack left."
        ),
    )
    w.write(
        "home_safety",
        p.parent,
        cal.at(cal.setback_reviewed + timedelta(days=1), 20),
        sharps_secured=True,
        checklist_notes=(
            "All medicines in the house, ours too, are in the locked box in my wardrobe. The key is on my keyring.\n"
            "Took the old painkillers and cold medicine back to the pharmacy; one small pack left.\n"
            f"Kitchen knives, razors and the craft knife moved to the locked drawer on {_said(cal.setback_reviewed + timedelta(days=1))}.\n"
            "Still to do: the wine in the pantry. Moving it to the garage cupboard this weekend."
        ),
    )


def _episodes_and_school_follow_up(w: _CircleWriter, cal: _Calendar, p: _People, numbers: dict) -> None:
    earlier = cal.day(-31, school_day=True)
    w.add(
        "episodes",
        p.counselor,
        cal.at(earlier, 13, 30),
        occurred_at=cal.at(earlier, 12, 35),
        observed=(
            "Jordan came to Room 114 at lunch using the card, crying, and said the urges were strong and they needed "
            "somewhere quiet. No injury seen; Jordan said there was none."
        ),
        steps_taken=(
            "Used the quiet room. Sat with Jordan and offered water. Jordan used the breathing and drawing from their "
            "own plan. After about 25 minutes Jordan said the urge had eased and wanted to go to art."
        ),
        contacted="Maria Lopez by phone at 13:05, as the plan says (same day, plan used). Jordan spoke to her too.",
        emergency_services=False,
        outcome="returned_to_class",
    )

    recent = cal.day(-3, school_day=True)
    episode = w.add(
        "episodes",
        p.teacher,
        cal.at(recent, 11, 40),
        occurred_at=cal.at(recent, 10, 5),
        observed=(
            "During the Maths test Jordan stopped writing, put their head down and kept pulling at their sleeves. "
            "Did not answer when I asked quietly if they were OK. No injury seen."
        ),
        steps_taken=(
            "Step 3: went to the desk and asked quietly if Jordan wanted to use the card. Jordan nodded and left "
            "with it. Step 2: called the front office to say Jordan was on the way to Room 114. Kept the class "
            "working on the test."
        ),
        contacted="Sam Okafor, through the front office, at 10:08. Sam confirmed at 10:12 that Jordan had arrived.",
        emergency_services=False,
        outcome="returned_to_class",
    )
    w.update(
        "episodes",
        episode,
        p.counselor,
        cal.at(recent, 14, 30),
        contacted=(
            "Sam Okafor, through the front office, at 10:08. Sam confirmed at 10:12 that Jordan had arrived.\n"
            "Sam called Maria Lopez at 10:40. Jordan went back to lessons for period 4."
        ),
    )

    # The same afternoon, Sam adjusts the plan for tests.
    w.write(
        "school_plan",
        p.counselor,
        cal.at(recent, 15, 30),
        return_to_class=(
            "Jordan comes back when ready, usually within 20 to 40 minutes, with a note from Mr Okafor. Let Jordan "
            "come in quietly, without comment. Work missed is covered by the adjustments; do not ask Jordan to "
            "catch up the same day.\n"
            "If Jordan leaves during a test, Jordan finishes it in Room 114 the same day or the next, with the "
            "time that was left. Send the paper to Room 114."
        ),
    )
    w.add(
        "adjustments",
        p.counselor,
        cal.at(recent, 15, 40),
        kind="exam_arrangement",
        subjects="All subjects",
        details=(
            "End-of-term tests in the small exam room (Room 110), with up to three 5-minute rest breaks. "
            "The blue card still applies during tests."
        ),
        start_date=cal.day(10, school_day=True, later=True),
        end_date=cal.day(24, school_day=True),
        approved_by="Sam Okafor, School counselor",
        reason=f"Agreed with Jordan and Maria after Jordan left a Maths test on {_said(recent)}.",
    )
    review = cal.day(4, school_day=True)
    w.add(
        "follow_ups",
        p.counselor,
        cal.at(recent, 15, 45),
        kind="school_review",
        due_at=cal.at(review, 15, 15),
        with_whom="Sam Okafor with Jordan and Maria",
        location="Lakeview High School, Room 114",
        status="scheduled",
        details="Review the in-school plan and the extension: does it need to run longer, and is the card still working?",
    )


def _setback_review(w: _CircleWriter, cal: _Calendar, p: _People) -> None:
    w.add(
        "setback_reviews",
        p.clinician,
        cal.at(cal.setback_reviewed, 17, 45),
        setback_on=cal.setback,
        before=(
            "Two late nights revising for a Biology test, then a falling-out in a friends' group chat the "
            "evening before. Jordan stopped going to art club that week. Sleep down to about five hours."
        ),
        missed_signs=(
            "Jordan spent more time alone in their room and said \"I'm fine\" more than usual, both on their own "
            "list of warning signs. Maria noticed but didn't want to push after a tense week. Jordan hadn't used "
            "the card at school that week."
        ),
        plan_fit=(
            "Partly. The steps worked for Jordan at school, but not at night at home when everyone else was asleep: "
            "Jordan did not feel able to wake Maria, and the plan had nothing for late evenings."
        ),
        more_intensive=(
            "For the next four weeks: a short phone check-in with Dr Rivera on Fridays, and family sessions every "
            "two weeks instead of four. Jordan and Maria agreed. Outpatient care continues as before."
        ),
        new_problem=(
            "Asked directly: no suicidal thoughts, intent or plan, before or since. Sleep now needs its own "
            "attention; Dr Mori to look at it at the next medication review."
        ),
        plan_changes=(
            "Safety plan: Jordan added a night list, and Maria confirmed the \"orange\" text works at any hour.\n"
            "Home: kitchen knives and razors into the locked drawer.\n"
            "School: no change needed. Sam was told only that the plan had been reviewed."
        ),
    )


def _follow_ups(w: _CircleWriter, cal: _Calendar, p: _People) -> None:
    medication_review = cal.medication_review
    booked = w.add(
        "follow_ups",
        p.psychiatrist,
        cal.at(cal.dose_increased, 12),
        kind="appointment",
        due_at=cal.at(medication_review, 11),
        with_whom="Dr Ken Mori, with Jordan and Maria",
        location="Riverside CAMHS, clinic room 2",
        status="scheduled",
        details="Medication review after the dose change: sleep, side effects, how Jordan feels on it.",
    )
    w.update("follow_ups", booked, p.psychiatrist, cal.at(medication_review, 11, 45), status="attended")

    session = cal.last_session
    booked = w.add(
        "follow_ups",
        p.clinician,
        cal.at(session - timedelta(days=7), 17, 5),
        kind="appointment",
        due_at=cal.at(session, 16),
        with_whom="Dr Ana Rivera",
        location="Riverside CAMHS, room 3",
        status="scheduled",
        details="Individual DBT-A session: diary card, going through the week's urges step by step, practising skills.",
    )
    w.update("follow_ups", booked, p.clinician, cal.at(session, 17), status="attended")

    w.add(
        "follow_ups",
        p.clinician,
        cal.at(cal.setback_reviewed, 18, 10),
        kind="plan_review",
        # Left unmarked on purpose: the dashboard asks to record it or rebook it.
        due_at=cal.at(cal.day(-3, school_day=True), 10),
        with_whom="Dr Ana Rivera with Jordan and Maria; Sam Okafor for the school part",
        location="Riverside CAMHS, room 3",
        status="scheduled",
        details=(
            "Review of the whole plan, the first since the setback: is the night list working, can the Friday "
            "check-ins stop, does the school plan still fit?"
        ),
    )
    w.add(
        "follow_ups",
        p.clinician,
        cal.at(session, 17, 5),
        kind="appointment",
        due_at=cal.at(cal.next_session, 16),
        with_whom="Dr Ana Rivera",
        location="Riverside CAMHS, room 3",
        status="scheduled",
        details="Individual DBT-A session.",
    )
    w.add(
        "follow_ups",
        p.clinician,
        cal.at(session, 17, 6),
        kind="appointment",
        due_at=cal.at(cal.day(9, school_day=True, later=True), 17),
        with_whom="Dr Ana Rivera with Jordan and Maria",
        location="Riverside CAMHS, family room",
        status="scheduled",
        details="Family session: how the night list is going, and planning for the exam weeks.",
    )


# Weekly check-ins, oldest first. Progress is uneven on purpose: a good run,
# an exam week held together with effort, a setback, then recovery again.
_CHECK_INS = (
    # weeks ago, who, episodes, most serious, urges, urge to action, help sooner, less secrecy, sleep, notes
    (10, "clinician", 3, "minor", "every_day", "minutes", "no", "unsure", 6.0,
     "First week with the plan. Jordan told Maria about one of them the next morning."),
    (9, "parent", 2, "minor", "every_day", "minutes", "no", "yes", 6.0,
     "Jordan showed me the safety plan and put a copy inside their wardrobe door."),
    (8, "student", 2, "first_aid", "most_days", "under_hour", "yes", "yes", 6.5,
     "used my card twice at school. one night was bad, mum helped with the plaster and didnt freak out"),
    (7, "clinician", 1, "minor", "most_days", "hours", "yes", "yes", 7.0,
     "Longer gap between the urge and acting on it. First week of the new sleep routine."),
    (6, "student", 0, "none", "some_days", "no_action", "yes", "yes", 7.5,
     "a whole week!! we got pizza"),
    (5, "parent", 1, "minor", "some_days", "hours", "yes", "yes", 7.0,
     "One after a hard Biology test. Jordan came and told me the same evening."),
    (4, "student", 0, "none", "most_days", "no_action", "unsure", "yes", 6.0,
     "exam week. didnt do anything but most nights were hard"),
    (3, "parent", 2, "first_aid", "every_day", "minutes", "no", "no", 5.0,
     "A hard week. Jordan told me about it themselves, the next morning."),
    (2, "clinician", 1, "minor", "most_days", "under_hour", "yes", "yes", 6.5,
     "Jordan used the night list twice and texted Maria \"orange\" once; Maria went straight in."),
    (1, "student", 0, "none", "some_days", "no_action", "yes", "yes", 7.5,
     "ok week. art club was good"),
)


def _progress(w: _CircleWriter, cal: _Calendar, p: _People) -> None:
    for weeks_ago, who, episodes, severity, urges, urge_to_action, sooner, secrecy, sleep, notes in _CHECK_INS:
        week = cal.day(-7 * weeks_ago)
        w.add(
            "progress",
            getattr(p, who),
            cal.at(week, 19),
            checked_on=week,
            episodes=episodes,
            severity=severity,
            urges=urges,
            urge_to_action=urge_to_action,
            sought_help_sooner=sooner,
            less_secrecy=secrecy,
            sleep_hours=sleep,
            notes=notes,
        )


def _caseys_circle(cal: _Calendar, p: _People, numbers: dict) -> Circle:
    """A second, lighter circle started by the school, so school caseloads hold
    more than one young person and Dr Rivera sees only her own."""
    started = cal.day(-40, school_day=True)
    with _clock_at(cal.at(started, 10)):
        circle = circle_services.create_circle(p.counselor, "Casey", "School counselor")
    circle.created_at = cal.at(started, 10)
    db.session.commit()

    w = _CircleWriter(circle)
    w.add_member(p.teacher, policy.SCHOOL_STAFF, "Maths teacher", p.counselor, cal.at(started, 10, 5))
    w.write(
        "school_plan",
        p.counselor,
        cal.at(started, 10, 30),
        warning_signs="Very quiet, not taking part, leaving the room often.",
        student_actions="Casey can go to the library quiet room at any time and tell the librarian, who calls Mr Okafor.",
        staff_steps=(
            "1. Let Casey go without questions.\n"
            "2. Call the front office (ext. 100) so Mr Okafor knows.\n"
            "3. Record what you saw under In-school episodes before the end of the day."
        ),
        who_to_call="Sam Okafor, school counselor, ext. 114. If Sam is out: Ms Grant, through the front office.",
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
        subjects="All lessons",
        details="Casey may leave any lesson for the library quiet room without giving a reason.",
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
