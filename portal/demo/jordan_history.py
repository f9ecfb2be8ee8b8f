"""What happened in Jordan's circle after the plan was made: episodes at
school, the setback and its review, follow-ups and the weekly check-ins."""

from __future__ import annotations

from datetime import timedelta

from portal.demo.cast import People, StoryCalendar
from portal.demo.writer import CircleWriter, said


def episodes_and_school_follow_up(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
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
        reason=f"Agreed with Jordan and Maria after Jordan left a Maths test on {said(recent)}.",
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


def setback_review(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
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


def follow_ups(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
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


def progress(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
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


