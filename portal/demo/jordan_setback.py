"""The hard weeks in Jordan's story: a check-in answering "not sure", a call
to the crisis line, the setback at home, a night at the emergency department
with its aftercare, the setback review that ties it to the dose change, the
medication review that follows, and the return to school after four days
off."""

from __future__ import annotations

from datetime import timedelta

from portal.demo.cast import SCHOOL_ENDS, People, StoryCalendar
from portal.demo.jordan_plan import FIRST_FREQUENCY, FIRST_THOUGHTS, LOCKED_BOX, PHARMACY
from portal.demo.writer import MONDAY, CircleWriter, said


def not_sure_and_a_call_back(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
    """Jordan's check-in answers "not sure"; Dr Rivera is in touch the next morning."""
    asked = cal.unsure_check_in
    w.add(
        "progress",
        p.student,
        cal.at(asked, 21),
        checked_on=cal.week(3, MONDAY),
        episodes=0,
        severity="none",
        urges="every_day",
        urge_to_action="no_action",
        sought_help_sooner="unsure",
        less_secrecy="yes",
        sleep_hours=5.0,
        suicidal_thoughts="unsure",
        notes="bad few days. studying late for biology and stuff in the group chat. havent done anything",
    )
    # If the answer booked a contact by itself, the call completes that one.
    call = w.book(
        p.clinician,
        cal.at(cal.called_back, 8, 40),
        booked=w.booked_by_last_save,
        kind="appointment",
        due_at=cal.at(cal.called_back, 12, 30),
        with_whom="Dr Ana Rivera with Jordan, by phone",
        location="Phone call, at lunch",
        status="scheduled",
        details="A call after Wednesday's check-in: how Jordan is, and the safety plan for the next few days.",
    )
    w.update("follow_ups", call, p.clinician, cal.at(cal.called_back, 13), status="attended")


def events(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict):
    """What happened at home and in hospital, recorded by Jordan and Maria; the
    emergency visit is recorded by Maria that night, from the waiting room."""
    w.add(
        "events",
        p.student,
        cal.at(cal.crisis_call + timedelta(days=1), 10, 30),
        kind="crisis_call",
        occurred_at=cal.at(cal.crisis_call, 23, 50),
        place="At home, by text",
        what_was_done=(
            f"I texted the crisis line ({numbers['crisis']}) after stuff in the group chat. We texted for about 40 minutes "
            "and the urge went down. I didn't do anything. I told Mom in the morning."
        ),
        medical_care="no",
        who_knows="Mom. I'll tell Dr Rivera on Tuesday.",
    )
    w.add(
        "events",
        p.parent,
        cal.at(cal.emergency_visit, 9, 30),
        kind="self_harm",
        occurred_at=cal.at(cal.setback, 23, 20),
        place="At home",
        what_was_done=(
            "Jordan came and told me straight away. I cleaned and covered the cuts; they did not need a doctor. "
            "We sat in the kitchen with the big light on until Jordan felt calmer, and I called the after-hours "
            "line, who called back within the hour."
        ),
        medical_care="no",
        who_knows="Me, and the after-hours clinician on duty.",
    )
    visit = w.add(
        "events",
        p.parent,
        cal.at(cal.emergency_visit + timedelta(days=1), 1, 40),
        kind="emergency_visit",
        occurred_at=cal.at(cal.emergency_visit, 22, 40),
        place="Riverside General Hospital, emergency department",
        what_was_done=(
            "Jordan cut again tonight and told me. One cut kept bleeding through firm pressure, so I drove Jordan "
            "to the ER. It was closed with adhesive strips. A mental health nurse talked with Jordan on their own, "
            "then with both of us, and asked Jordan directly about thoughts of suicide. We can go home; the "
            "hospital is asking the clinic to see Jordan within two days."
        ),
        medical_care="yes",
        who_knows="Me, the ER team and their mental health nurse. The hospital writes to Dr Rivera and Dr Brooks.",
    )
    # A feature that books aftercare when an emergency visit is saved may have
    # done so already; the demo then completes that one rather than add another.
    booked = [row for row in w.booked_by_last_save if row.kind == "aftercare"]
    return visit, booked


def aftercare(w: CircleWriter, cal: StoryCalendar, p: People, visit, booked) -> None:
    """Seen the next afternoon, well inside two days of the emergency visit."""
    day = cal.aftercare
    follow_up = w.book(
        p.clinician,
        cal.at(day, 8, 50),
        booked=booked,
        outside_event=visit,
        kind="aftercare",
        due_at=cal.at(day, 14),
        with_whom="Dr Ana Rivera with Jordan and Maria",
        location="Riverside clinic, room 3",
        status="scheduled",
        details=(
            "Aftercare after Sunday night's emergency visit: how Jordan is, the direct question about thoughts of "
            "suicide, the plan for the next few nights, and who checks in when."
        ),
    )
    w.update("follow_ups", follow_up, p.clinician, cal.at(day, 15, 5), status="attended")
    wound_check = w.add(
        "follow_ups",
        p.clinician,
        cal.at(day, 15, 15),
        kind="appointment",
        due_at=cal.at(cal.return_meeting, 9),
        with_whom="Dr Helen Brooks, with Jordan and Maria",
        location="Lakeview Family Practice",
        status="scheduled",
        details="Wound check, and when the adhesive strips can come off.",
    )
    w.update("follow_ups", wound_check, p.clinician, cal.at(cal.return_meeting, 12), status="attended")


def setback_review(w: CircleWriter, cal: StoryCalendar, p: People, first_safety_plan: dict) -> None:
    """The Tuesday session after the setback: the safety plan revised with Jordan
    and confirmed in a review, the setback reviewed, Jordan's return set."""
    day = cal.setback_reviewed
    increased = cal.dose_increased
    first = first_safety_plan
    w.write(
        "safety_plan",
        p.clinician,
        cal.at(day, 17, 30),
        warning_signs=first["warning_signs"] + "\nI'm still scrolling after midnight.\nI skip art club.",
        coping_steps=(
            first["coping_steps"]
            + "\n6. Watch the baking show. It's so calm it's funny.\n"
            "At night (my night list): get up, put the big light on, cold water on my hands, go and sit in the "
            "kitchen, and text Mom \"orange\" even if it's really late. She says she means it."
        ),
        safer_environment=first["safer_environment"] + "\nThe kitchen knives are in the locked drawer now.",
        what_helped=(
            "After the bad Biology test: telling Mom the same evening, and the baking show.\n"
            "Friday night: texting the crisis line. Someone answered straight away and the urge went down.\n"
            "Telling Mom straight away, both times. Sitting in the kitchen with the big light on."
        ),
    )
    w.review(p.clinician, cal.at(day, 17, 40), ("safety_plan",))
    w.add(
        "setback_reviews",
        p.clinician,
        cal.at(day, 17, 45),
        setback_on=cal.setback,
        before=(
            f"The fluoxetine dose went up to 20 mg on {said(increased)}, two and a half weeks before: the weeks "
            "when changes in mood, sleep or agitation are watched for. Then two late nights studying for a "
            "Biology test, sleep down to about five hours, and a falling-out in a friends' group chat. On "
            f"{said(cal.unsure_check_in)} Jordan answered \"not sure\" to the check-in's question about thoughts "
            "of suicide, and Dr Rivera called the next day. Jordan texted the crisis line on Friday night."
        ),
        missed_signs=(
            "Looking back: Jordan spent more time alone in their room and said \"I'm fine\" more than usual, "
            "both on their own list of warning signs. Maria noticed and gave Jordan space after a tense week, "
            "which made sense at the time. Poor sleep came up in that week's medication check-in and seemed to "
            "be about the test. Next time, either sign is a cue to use the plan early."
        ),
        plan_fit=(
            "Partly. The steps worked for Jordan at school, and texting the crisis line worked on Friday, but the "
            "plan had nothing for late at night at home: Jordan did not feel able to wake Maria."
        ),
        more_intensive=(
            "For the next four weeks: a short phone check-in with Dr Rivera on Thursday afternoons, and family "
            "sessions every two weeks instead of four. Dr Mori's medication review brought forward to "
            f"{said(cal.medication_review)}, because the setback came so soon after the dose change. Jordan and "
            "Maria agreed. Outpatient care continues."
        ),
        new_problem=(
            "Asked directly at aftercare and again today, Jordan reported passive thoughts on Wednesday ('I wanted "
            "everything to stop for a while') and none since, and said there was no intent or plan at any point. "
            "Sleep needs its own attention."
        ),
        plan_changes=(
            "Safety plan: a night list; Maria confirmed the \"orange\" text works at any hour.\n"
            "Home: kitchen knives and razors into the locked drawer.\n"
            f"School: four days off, back from {said(cal.back_at_school)}. Sam is planning the return and was "
            "told only that a return needs planning."
        ),
    )
    w.write(
        "clinical",
        p.clinician,
        cal.at(day, 18),
        frequency_change=(
            f"{FIRST_FREQUENCY}\n"
            "Since the plan: self-harm less often, with longer gaps (none at all in week six), then a setback at home on "
            f"{said(cal.setback)} and {said(cal.emergency_visit)}, two and a half weeks after the dose went up (see "
            "the setback review). Since then urges on most days, but Jordan has acted on them less often and told "
            "Maria sooner."
        ),
        medical_care_needed=(
            "First aid at home until the setback. On the second night of it, a cut that needed the emergency "
            f"department, closed with adhesive strips. Dr Brooks checks the wound on {said(cal.return_meeting)}."
        ),
        suicidal_thoughts=(
            f"Asked directly at assessment on {said(cal.assessed)}: no current suicidal thoughts, intent or plan. "
            f"{FIRST_THOUGHTS}\n"
            f"Jordan answered \"not sure\" in a check-in on {said(cal.unsure_check_in)}. On the phone the next day "
            "Jordan described passive thoughts ('I wanted everything to stop for a while') and said there was no "
            "intent or plan.\n"
            f"Asked again at the emergency department, at aftercare and on {said(day)}: Jordan reported no suicidal "
            "thoughts since, and no intent or plan. Intent can change, so keep asking at every session; Jordan and "
            "Maria know the signs for urgent help."
        ),
        therapy_frequency=(
            "Individual DBT-A weekly (Tuesdays, 16:00). Skills group weekly (Thursdays, 17:00). Phone coaching for "
            "Jordan between sessions, Monday to Thursday in clinic hours.\n"
            f"Since {said(day)}, for four weeks: family session every two weeks instead of four, and a short "
            "phone check-in with Dr Rivera on Thursday afternoons."
        ),
    )
    # The care team says when Jordan can go back; the school plans how.
    w.write("return_to_school", p.clinician, cal.at(day, 18, 20), ready_from=cal.back_at_school)


def medication_review(w: CircleWriter, cal: StoryCalendar, p: People, booked) -> None:
    """``booked``: the review booked after the dose change, brought forward after the setback."""
    day, next_review = cal.medication_review, cal.next_medication_review
    w.update(
        "follow_ups", booked, p.psychiatrist, cal.at(cal.setback_reviewed, 18, 30), status="rescheduled",
        details=booked.details + f" Brought forward to {said(day)} after the setback.",
    )
    brought_forward = w.book(
        p.psychiatrist,
        cal.at(cal.setback_reviewed, 18, 31),
        kind="appointment",
        due_at=cal.at(day, 11),
        with_whom="Dr Ken Mori, with Jordan and Maria",
        location="Riverside clinic, room 2",
        status="scheduled",
        details="Medication review, brought forward after the setback: sleep, agitation, how Jordan feels on 20 mg.",
    )
    w.update("follow_ups", brought_forward, p.psychiatrist, cal.at(day, 11, 45), status="attended")
    w.write(
        "clinical",
        p.psychiatrist,
        cal.at(day, 12),
        medication=(
            f"Fluoxetine (an SSRI). Started 10 mg each morning on {said(cal.medication_started)}; increased to "
            f"20 mg on {said(cal.dose_increased)}. No side effects reported apart from a few days of mild nausea.\n"
            f"Reviewed on {said(day)}, brought forward because the setback came two and a half weeks after the "
            "increase: no agitation or restlessness, mood a little better, sleep poor. Stays on 20 mg, with a "
            "sleep routine agreed with Jordan."
        ),
        medication_monitoring=(
            "Weekly contact for the first four weeks and for four weeks after any dose change: ask about "
            "agitation, restlessness, sleep, self-harm urges and suicidal thoughts. Then a medication review every "
            "four weeks. Jordan and Maria know to call the same day about agitation, worse sleep or stronger "
            f"urges, and know the signs for urgent help.\nFrom {said(day)}: weekly contact again for four weeks, "
            "and sleep asked about at each one."
        ),
        medication_review_on=next_review,
    )
    w.book(
        p.psychiatrist,
        cal.at(day, 12, 5),
        booked=w.booked_by_last_save,
        kind="appointment",
        due_at=cal.at(next_review, 11),
        with_whom="Dr Ken Mori, with Jordan and Maria",
        location="Riverside clinic, room 2",
        status="scheduled",
        details="Medication review, four weeks on: sleep, side effects, whether 20 mg is still right.",
    )


def home_after_the_setback(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
    moved = cal.aftercare
    w.write(
        "home_safety",
        p.parent,
        cal.at(moved, 21),
        sharps_secured=True,
        checklist_notes=(
            f"{LOCKED_BOX}\n{PHARMACY}\n"
            f"Kitchen knives, razors and the craft knife moved to the locked drawer on {said(moved)}.\n"
            "Still to do: the wine in the pantry. Moving it to the garage cabinet this weekend."
        ),
    )


def return_to_school(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
    """Sam plans the return with Jordan and Maria; the adjustments it needs."""
    first_off, last_off = cal.days_off_school
    meeting, back, full = cal.return_meeting, cal.back_at_school, cal.full_days_again
    w.write(
        "return_to_school",
        p.counselor,
        cal.at(cal.medication_review, 9),
        meeting_at=cal.at(meeting, *SCHOOL_ENDS) + timedelta(minutes=20),
        meeting_attendees="Jordan, Maria Lopez and Sam Okafor, in Room 114. Dr Rivera joins by phone for the first 15 minutes.",
    )
    w.write(
        "return_to_school",
        p.counselor,
        cal.at(meeting, 16, 30),
        timetable=(
            f"{said(back)}: a short morning, 8:30 to 11:30. Time with Sam first, then art.\n"
            f"{said(full)} and the day after: periods 1 to 4, home at lunch.\n"
            f"From {said(full + timedelta(days=2))}: the full day."
        ),
        adjustments_needed=(
            "Shorter days for the first three school days, and two extra weeks on deadlines in Math, English and "
            "Biology. Both are under Adjustments, with their dates."
        ),
        first_days=(
            "Sam meets Jordan at the front office at 8:20 on each of the first three days, and again at lunch in "
            "Room 114. Maria picks Jordan up on the short days. Sam and Maria talk by phone at the end of each of "
            "those days."
        ),
        staff_steps=(
            "Welcome Jordan back as after any absence, without questions about it. The blue card works from the "
            "first minute. Do not ask Jordan to make up missed work in class; the extension covers it. If a "
            "classmate asks, say only that Jordan is back, and move on."
        ),
    )
    reason = (
        f"Jordan missed four days of school, {said(first_off)} to {said(last_off)}; see Return to school. "
        f"Agreed with Jordan and Maria at the return meeting on {said(meeting)}."
    )
    w.add(
        "adjustments",
        p.counselor,
        cal.at(meeting, 16, 40),
        kind="attendance_flexibility",
        subjects="All classes",
        details="Shorter days while Jordan comes back, as in Return to school. Mark the periods missed as excused.",
        start_date=back,
        end_date=full + timedelta(days=1),
        approved_by="Sam Okafor, School counselor",
        reason=reason,
    )
    extension = {
        "kind": "extension",
        "subjects": "Math, English, Biology",
        "details": (
            "Two extra weeks on every homework and project deadline in these subjects that falls in this period, "
            "with no penalty. Jordan hands work in to the subject teacher as usual. Includes the Biology lab "
            "write-up."
        ),
        "start_date": full,
        "end_date": full + timedelta(days=14),
        "approved_by": "Sam Okafor, School counselor",
        "reason": reason,
    }
    w.add("adjustments", p.counselor, cal.at(meeting, 16, 45), **extension)
    # Saved twice by a double click; removing the copy shows that removal is a
    # mark a clinician can undo, not a delete.
    duplicate = w.add("adjustments", p.counselor, cal.at(meeting, 16, 46), **extension)
    w.remove("adjustments", duplicate, p.counselor, cal.at(meeting, 16, 48))
