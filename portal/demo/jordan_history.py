"""What happened in Jordan's circle around the plan: episodes at school,
follow-ups and the weekly check-ins. The hard weeks are in jordan_setback.py."""

from __future__ import annotations

from datetime import timedelta

from portal.demo.cast import MEETING_DAYS, People, StoryCalendar
from portal.demo.writer import MONDAY, WEDNESDAY, CircleWriter, said


def episodes_and_school_follow_up(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
    # The card, used in class a few weeks in ("used my card at school" in Jordan's check-in that week).
    first = cal.week(8, WEDNESDAY)
    w.add(
        "episodes",
        p.counselor,
        cal.at(first, 12),
        occurred_at=cal.at(first, 10, 20),
        observed=(
            "Jordan came to Room 114 in period 3 with the blue card, quiet and holding their arms. Said the "
            "urges were strong after an English presentation. No injury seen; Jordan said there was none."
        ),
        steps_taken=(
            "Sat with Jordan in Room 114 and put out paper and pens, as the plan suggests. Jordan drew for about "
            "15 minutes, then said it had eased and went back for period 4 with a note."
        ),
        contacted="Maria Lopez by phone at 11:15, as the plan says (same day, plan used).",
        emergency_services=False,
        outcome="returned_to_class",
    )
    earlier = cal.week(4, WEDNESDAY)
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
            "During the math test Jordan stopped writing, put their head down and kept pulling at their sleeves. "
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
            "Sam called Maria Lopez at 10:40. Jordan went back to class for period 4."
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
            "End-of-semester tests in the small exam room (Room 110), with up to three 5-minute rest breaks. "
            "The blue card still applies during tests."
        ),
        start_date=cal.day(10, school_day=True, later=True),
        end_date=cal.day(24, school_day=True),
        approved_by="Sam Okafor, School counselor",
        reason=f"Agreed with Jordan and Maria after Jordan left a math test on {said(recent)}.",
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


def follow_ups(w: CircleWriter, cal: StoryCalendar, p: People, review) -> None:
    """``review``: the whole-plan review booked at the first one."""
    session = cal.last_session
    booked = w.add(
        "follow_ups",
        p.clinician,
        cal.at(session - timedelta(days=7), 17, 5),
        kind="appointment",
        due_at=cal.at(session, 16),
        with_whom="Dr Ana Rivera",
        location="Riverside clinic, room 3",
        status="scheduled",
        details="Individual DBT-A session: diary card, going through the week's urges step by step, practicing skills.",
    )
    w.update("follow_ups", booked, p.clinician, cal.at(session, 17), status="attended")

    # Booked at the first plan review; left unmarked on purpose, so the
    # dashboard asks to record it or rebook it. It is after school, on a day
    # Dr Rivera works and Jordan has no session.
    w.update(
        "follow_ups",
        review,
        p.clinician,
        cal.at(cal.setback_reviewed, 18, 10),
        location="Riverside clinic, room 3",
        details=(
            "Review of the whole plan, the first since the setback: is the night list working, can the Thursday "
            "check-ins stop, is the return to school holding?"
        ),
    )
    w.add(
        "follow_ups",
        p.clinician,
        cal.at(session, 17, 5),
        kind="appointment",
        due_at=cal.at(cal.next_session, 16),
        with_whom="Dr Ana Rivera",
        location="Riverside clinic, room 3",
        status="scheduled",
        details="Individual DBT-A session.",
    )
    w.add(
        "follow_ups",
        p.clinician,
        cal.at(session, 17, 6),
        kind="appointment",
        due_at=cal.at(cal.next_of(MEETING_DAYS, 8), 16, 30),
        with_whom="Dr Ana Rivera with Jordan and Maria",
        location="Riverside clinic, family room",
        status="scheduled",
        details="Family session: how the night list is going, and planning for the exam weeks.",
    )


# Weekly check-ins, oldest first. Progress is uneven on purpose: a good run,
# an exam week held together with effort, a setback, then recovery again.
# The week of 3 weeks ago, Jordan's own check-in, is in jordan_setback.py.
_CHECK_INS = (
    # weeks ago, who, when it was written (days after the week's Monday, hour), episodes, most serious, urges,
    # urge to action, help sooner, less secrecy, sleep, thoughts of suicide, what helped, notes
    (10, "clinician", (8, 11), 3, "minor", "every_day", "minutes", "no", "unsure", 6.0, "no", "",
     "First week with the plan. Jordan told Maria about one of them the next morning."),
    (9, "parent", (6, 20), 2, "minor", "every_day", "minutes", "no", "yes", 6.0, "no", "",
     "Jordan showed me the safety plan and put a copy inside their closet door."),
    (8, "student", (6, 20), 2, "first_aid", "most_days", "under_hour", "yes", "yes", 6.5, "no",
     "drawing in mr okafors room",
     "used my card at school on wednesday. one night was bad, mom helped with the bandage and didnt freak out"),
    (7, "clinician", (8, 17), 1, "minor", "most_days", "hours", "yes", "yes", 7.0, "no", "",
     "Longer gap between the urge and acting on it. First week of the new sleep routine."),
    (6, "student", (6, 20), 0, "none", "some_days", "no_action", "yes", "yes", 7.5, "no",
     "ice cubes and walking biscuit", "a whole week!! we got pizza"),
    (5, "parent", (6, 20), 1, "minor", "some_days", "hours", "yes", "yes", 7.0, "no", "",
     "One after a hard Biology test. Jordan came and told me the same evening."),
    (4, "student", (6, 20), 0, "none", "most_days", "no_action", "unsure", "yes", 6.0, "no",
     "the quiet room at lunch on wednesday, and the baking show at night",
     "exam week. used my card once at lunch. didnt do anything but most nights were hard"),
    (2, "clinician", (1, 17), 2, "medical", "every_day", "minutes", "yes", "yes", 5.0, "no",
     "Telling Maria straight away, both nights. Texting the crisis line on the Friday.",
     "Jordan self-harmed twice at the weekend; after the second time, the emergency department (see Events "
     "outside school). "
     "Jordan told Maria about both themselves, straight away. Asked directly at aftercare and again today, "
     "Jordan said they have had no thoughts of suicide since Wednesday."),
    (1, "parent", (6, 20), 0, "none", "some_days", "no_action", "yes", "yes", 6.5, "no",
     "The night list: big light on, cold water, sitting in the kitchen with me.",
     "Back at school. Jordan used the night list twice and texted me \"orange\" once; I went straight in."),
)


def progress(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
    for (weeks_ago, who, written, episodes, severity, urges, urge_to_action, sooner, secrecy, sleep, thoughts,
         helped, notes) in _CHECK_INS:
        week = cal.week(weeks_ago, MONDAY)
        w.add(
            "progress",
            getattr(p, who),
            cal.at(week + timedelta(days=written[0]), written[1]),
            checked_on=week,
            episodes=episodes,
            severity=severity,
            urges=urges,
            urge_to_action=urge_to_action,
            sought_help_sooner=sooner,
            less_secrecy=secrecy,
            sleep_hours=sleep,
            suicidal_thoughts=thoughts,
            what_helped=helped,
            notes=notes,
        )
