"""Jordan's plan as its members wrote it in the first weeks: the assessment,
the safety plan, the in-school plan, the care team, home safety, the start of
medication and the first plan review. What happened later is in
jordan_setback.py and jordan_history.py."""

from __future__ import annotations

from datetime import timedelta

from portal.access import policy
from portal.demo.cast import People, StoryCalendar
from portal.demo.writer import TUESDAY, WEDNESDAY, CircleWriter, said

FIRST_FREQUENCY = (
    "Started about eight months ago, after a close friendship group fell apart; Jordan had settled into high "
    "school well before that. Over the two months before the plan: two to four times a week, hidden until a PE "
    "teacher noticed a bandage."
)
FIRST_THOUGHTS = (
    "Jordan described one period of passive thoughts about a year ago ('wishing I could disappear') and "
    "said there have been none since."
)


def clinical_assessment(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
    w.write(
        "clinical",
        p.clinician,
        cal.at(cal.assessed, 17),
        assessment_function=(
            "Jordan (15) describes self-harm as the quickest way to stop an overwhelming build-up of shame and "
            "tension, mostly after feeling they have failed or been left out. Relief lasts minutes and is followed "
            "by guilt and hiding it. At times also a way to 'feel something' when numb. Jordan does not link it to "
            "any wish to die."
        ),
        assessment_triggers=(
            "Feeling they have failed at school (tests, being corrected in front of others); conflict or exclusion "
            "among friends, often online late in the evening; arguments at home about school work; poor sleep. "
            "Urges are strongest late in the evening."
        ),
        frequency_change=FIRST_FREQUENCY,
        methods="Cutting, on the forearm, superficial. No other methods, no overdose, no alcohol or drugs.",
        medical_care_needed="None so far: first aid at home each time. No medical care needed, no ER visits.",
        suicidal_thoughts=(
            f"Asked directly at assessment on {said(cal.assessed)}: Jordan said they have no suicidal thoughts now, "
            "and no intent or plan. "
            f"{FIRST_THOUGHTS} To be asked at every session."
        ),
        wider_context=(
            "Sleep: five to six hours on school nights, phone in bed until late.\n"
            "School: 10th grade at Lakeview, good grades until this year; dreads tests.\n"
            "Relationships: close to Maria and to a younger brother, Leo; parents separated, dad in another state, "
            "calls on weekends. Left out by a friendship group since last year.\n"
            "Online life: the group chat is where most conflict happens, late at night. No contact with strangers, "
            "no self-harm content sought out, as far as Jordan knows.\n"
            "No bullying, abuse or recent losses reported. No safeguarding concern at assessment."
        ),
        coexisting="depression,anxiety",
        coexisting_conditions=(
            "Depression: low mood most days for about four months, with poor sleep and loss of interest in "
            "everything but art; meets criteria for a depressive episode. Treated with DBT-A; Dr Mori to see "
            "Jordan about medication for it.\n"
            "Anxiety: social and test anxiety, worked on in therapy; no medication for it.\n"
            "No eating-disorder symptoms, no substance use, no psychotic symptoms, no trauma reported."
        ),
        therapy_modality="dbt,family",
        therapy_provider=(
            "Dr Ana Rivera: individual DBT-A and family sessions. Riverside DBT-A skills group for teens, "
            "with Maria in the parallel caregiver group."
        ),
        therapy_frequency=(
            "Individual DBT-A weekly on Tuesdays: mornings for the first four weeks, then 16:00, after school. "
            "Skills group weekly (Thursdays, 17:00). Family session every four weeks. Phone coaching for Jordan "
            "between sessions, Monday to Thursday in clinic hours."
        ),
        therapy_description=(
            "Individual sessions go through the diary card and the week's urges step by step: what came before, "
            "what Jordan did, what helped. The skills group teaches distress tolerance, emotion regulation, "
            "interpersonal effectiveness and mindfulness, with practice at home. Family sessions work on how "
            "Jordan and Maria talk when things are hard, without interrogation or punishment."
        ),
        harm_minimisation=(
            "Talked through wound care with Jordan and Maria, and when a cut needs medical care: bleeding that "
            "does not stop after ten minutes of firm pressure, a wound that gapes, or signs of infection. A clean "
            "first-aid kit at home. This sits inside the plan and never replaces it; the aim stays fewer and "
            "safer moments, and help sooner."
        ),
    )


def safety_plan(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> dict:
    first = {
        "warning_signs": (
            "I go quiet and stay in my room with my headphones on but nothing playing.\n"
            "I stop replying in the group chat.\n"
            "Everything feels far away, like I'm watching myself from outside.\n"
            "I keep thinking \"I'm so stupid\" over and over."
        ),
        "triggers": (
            "Getting a bad grade, or messing up in front of people.\n"
            "Fights with friends, especially online late at night.\n"
            "Not sleeping.\n"
            "When Mom and I argue about school."
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
            "Mom: (555) 010-0177. I can just text her \"orange\" and she'll come, no questions first.\n"
            "Mr Okafor at school: I show my blue card and go to Room 114.\n"
            "Dani: (555) 010-0188."
        ),
        "professionals": (
            "Dr Rivera at the Riverside clinic: (555) 010-0120, Monday to Thursday, 9 to 6.\n"
            "Evenings, nights and weekends: the Riverside after-hours line, (555) 010-0199.\n"
            f"Any time, day or night: {numbers['crisis_name']}, {numbers['crisis']}.\n"
            f"If I'm badly hurt or can't keep myself safe: {numbers['emergency']}, or the emergency room "
            "at Riverside General."
        ),
        "safer_environment": (
            "Mom keeps all the medicines locked up and gives me mine.\n"
            "I gave Mom the things I was using, and I'll tell her if I find anything else.\n"
            "My phone charges in the kitchen after 11."
        ),
        "what_matters": (
            "Art, and getting into the art program at Westfield next year.\n"
            "Biscuit.\n"
            "My little brother Leo looks up to me.\n"
            "Feeling normal around my friends again."
        ),
        "if_suicidal_thoughts": (
            "1. Tell someone straight away, even if it feels like a lot: text Mom \"orange\", day or night.\n"
            "2. Go where other people are. Get away from anything I could hurt myself with.\n"
            f"3. Call or text the crisis line, {numbers['crisis']}, any time.\n"
            f"4. If I might act on them or can't keep myself safe: {numbers['emergency']}, or Mom takes me to "
            "the emergency room."
        ),
    }
    # Written in the first session, with Dr Rivera typing Jordan's words.
    w.write("safety_plan", p.clinician, cal.at(cal.first_session, 11, 10), **first)
    return first


def jordan_adds_to_the_safety_plan(w: CircleWriter, cal: StoryCalendar, p: People, first: dict) -> None:
    """Jordan adds to it on their own, a few weeks in."""
    w.write(
        "safety_plan",
        p.student,
        cal.at(cal.first_review + timedelta(days=6), 21, 15),
        coping_steps=first["coping_steps"] + "\n6. Watch the baking show. It's so calm it's funny.",
        people_places=first["people_places"] + "\nArt club on Wednesdays.",
        what_helped="After the bad Biology test: telling Mom the same evening, and the baking show.",
    )


def school_plan_and_adjustments(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
    meeting = cal.school_meeting
    steps = (
        "1. If Jordan shows the blue card, let Jordan go. Do not ask why, and do not comment in front of the class.\n"
        "2. Call the front office (ext. 100) and say only: \"Jordan is on the way to Room 114.\"\n"
        "3. If you notice the signs but Jordan has not used the card, go to the desk and ask quietly: \"Do you want "
        "to use your card?\" Accept yes or no.\n"
        "4. If Jordan cannot move or seems hurt, stay with Jordan, keep the class working, and send a student to "
        "the front office for Mr Okafor and the nurse.\n"
        "5. The school nurse (ext. 105) gives first aid for any injury.\n"
        "6. Before the end of the day, write down in Support Circle what you saw and did. Write what you saw, "
        "not why it might have happened."
    )
    first = {
        "warning_signs": (
            "Head down on the desk for a long time, or hood up and not answering.\n"
            "Pulling sleeves down over the hands and holding the arms.\n"
            "Stopping work and staring at the page, especially in tests.\n"
            "Asking to leave several times in one class."
        ),
        "student_actions": (
            "Jordan has a blue card. Jordan puts it on the corner of the desk, or shows it at the door, and leaves "
            "without explaining. Jordan goes straight to Mr Okafor's office, Room 114. If the door is closed, "
            "Jordan goes to the library quiet room and tells the librarian, who calls Mr Okafor."
        ),
        "staff_steps": steps,
        "who_to_call": (
            "First: Sam Okafor, school counselor, ext. 114 or (555) 010-0130.\n"
            "If Sam is out: Ms Grant, assistant principal, through the front office (ext. 100).\n"
            "First aid: the school nurse, ext. 105.\n"
            "Sam calls Jordan's mom; teachers do not need to."
        ),
        "call_caregivers_when": (
            "Sam calls Maria Lopez the same day whenever the plan is used, and straight away if Jordan is hurt, "
            "asks to go home, or has not settled after 30 minutes. Maria's cell: (555) 010-0177."
        ),
        "call_emergency_when": (
            f"Call {numbers['emergency']} first, then Sam and Maria, if Jordan is seriously hurt or bleeding heavily, "
            "may have taken pills or anything else harmful, is very drowsy or faints, says they want to die or have "
            "a plan to, or cannot keep themselves safe. Stay with Jordan while you wait. The Urgent help page lists "
            "these signs."
        ),
        "return_to_class": (
            "Jordan comes back when ready, usually within 20 to 40 minutes, with a note from Mr Okafor. Let Jordan "
            "come in quietly, without comment. Work missed is covered by the adjustments; do not ask Jordan to "
            "catch up the same day."
        ),
        "staff_notes": (
            f"Agreed with Jordan and Maria at the meeting on {said(meeting)}. Jordan asked that classmates are "
            "never told, and that the card is not called anything in front of others. Dr Rivera at the Riverside "
            "clinic is the clinical contact; I let her know each time the plan is used."
        ),
    }
    w.write("school_plan", p.counselor, cal.at(meeting, 15), **first)
    w.add_member(p.teacher, policy.SCHOOL_STAFF, "Math teacher", p.counselor, cal.at(meeting, 15, 30))

    w.add(
        "adjustments",
        p.counselor,
        cal.at(meeting, 15, 20),
        kind="leave_class_pass",
        subjects="All classes",
        details=(
            "Jordan may leave any class by showing the blue card, without giving a reason, and goes to Room 114. "
            "The steps are in the in-school plan."
        ),
        start_date=meeting,
        end_date=None,
        approved_by="Sam Okafor, School counselor",
        reason=(
            f"Part of the in-school plan agreed with Jordan and Maria on {said(meeting)}. Jordan asked for a way "
            "out of a class that does not draw attention."
        ),
    )
    w.add(
        "adjustments",
        p.counselor,
        cal.at(meeting, 15, 25),
        kind="attendance_flexibility",
        subjects="Tuesday periods 1 and 2",
        details="Jordan may arrive up to 90 minutes late on Tuesdays. Mark it as an excused absence.",
        start_date=meeting,
        end_date=cal.week(8, TUESDAY),
        approved_by="Sam Okafor, School counselor",
        reason=(
            "Dr Rivera's weekly sessions were on Tuesday mornings for the first four weeks. Ended when the sessions "
            "moved to after school."
        ),
    )

    # A first, bigger revision from the clinician after a family session.
    w.write(
        "school_plan",
        p.clinician,
        cal.at(cal.family_session, 17, 30),
        call_caregivers_when=(
            first["call_caregivers_when"]
            + "\nIf Maria cannot be reached within 30 minutes, call the Riverside clinic's front desk, "
            "(555) 010-0120, and ask for Dr Rivera or the clinician on duty."
        ),
        staff_notes=(
            first["staff_notes"]
            + "\nFrom Dr Rivera: Jordan settles faster with something to do with their hands. Please keep paper and "
            "pens in Room 114, and let Jordan draw without needing to talk at first."
        ),
    )


SCHOOL_HOURS, AFTER_HOURS, ANY_TIME = "school_hours", "evenings,nights,weekends", "school_hours,evenings,nights,weekends"


def care_team(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
    team_day = cal.week(11, WEDNESDAY)  # the Wednesday of the first week
    w.add_member(p.doctor, policy.PRIMARY_CARE, "Family doctor", p.clinician, cal.at(team_day, 9, 10))
    # Each member fills in their own entry, which joining the circle started for them.
    w.update(
        "care_team",
        w.own_contact(p.counselor),
        p.counselor,
        cal.at(team_day, 8, 15),
        phone="(555) 010-0130 (direct), ext. 114 from inside school",
        availability=(
            "School days 8:00 to 16:00, Room 114. If I'm out, the front office, (555) 010-0100 ext. 100, "
            "finds Ms Grant, the assistant principal. I read messages by the end of each school day."
        ),
        reachable=SCHOOL_HOURS,
    )
    w.update(
        "care_team",
        w.own_contact(p.parent),
        p.parent,
        cal.at(team_day, 20, 30),
        phone="(555) 010-0177 (cell)",
        availability=(
            "My cell, evenings, nights and weekends: I keep it on at night. I work 9:00 to 15:00 at the town "
            "library; if I don't answer then, text me and I'll call back within 15 minutes."
        ),
        reachable=AFTER_HOURS,
    )
    w.update(
        "care_team",
        w.own_contact(p.student),
        p.student,
        cal.at(team_day, 19),
        phone="(555) 010-0166 (cell)",
        availability="Text me, I don't always pick up calls. At school 8:30 to 3:10.",
        reachable="evenings,weekends",
    )
    w.update(
        "care_team",
        w.own_contact(p.psychiatrist),
        p.psychiatrist,
        cal.at(team_day, 12),
        phone="(555) 010-0120 (clinic front desk)",
        availability=(
            "Clinics on Wednesdays and Fridays. Medication questions through the front desk, answered within one "
            "working day. Urgent medication worries out of hours: the after-hours line."
        ),
        reachable=SCHOOL_HOURS,
    )
    w.update(
        "care_team",
        w.own_contact(p.doctor),
        p.doctor,
        cal.at(team_day, 13),
        phone="(555) 010-0142 (Lakeview Family Practice)",
        availability=(
            "Weekdays 8:00 to 18:00; same-day appointments if you call before 10:00. Physical health, wound "
            "checks, and a review of medicines with Dr Mori. Out of hours: the practice's answering service "
            "directs calls to the on-call doctor."
        ),
        reachable=SCHOOL_HOURS,
    )

    services = [
        {
            "contact_kind": "service",
            "name": numbers["crisis_name"],
            "role_title": "Crisis line",
            "phone": numbers["crisis"],
            "availability": f"Any time, day or night, free. Call or text. Also: {numbers['crisis_text']}.",
            "reachable": ANY_TIME,
        },
        {
            "contact_kind": "service",
            "name": "Riverside after-hours line",
            "role_title": "After-hours mental health advice",
            "organisation": "Riverside Child and Adolescent Mental Health Service",
            "phone": "(555) 010-0199",
            "availability": (
                "Weekday evenings from 17:00, nights, weekends and holidays. A clinician on duty answers and can "
                "see Jordan's plan."
            ),
            "reachable": AFTER_HOURS,
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
            "reachable": ANY_TIME,
        },
    ]
    for minute, service in enumerate(services):
        w.add("care_team", p.clinician, cal.at(team_day, 16, 30 + minute), **service)

    # Clinicians name one person for each responsibility, once everyone is in.
    w.update(
        "care_team",
        w.own_contact(p.clinician),
        p.clinician,
        cal.at(team_day, 17),
        phone="(555) 010-0120 (clinic front desk)",
        availability=(
            "Monday to Thursday, 9:00 to 18:00, at the Riverside clinic. Messages through the front desk; I reply "
            "the same working day. Fridays, evenings and weekends: the after-hours line."
        ),
        reachable=SCHOOL_HOURS,
        responsibilities="diagnosis,therapy,crisis_planning,monitoring",
    )
    w.update("care_team", w.own_contact(p.psychiatrist), p.clinician, cal.at(team_day, 17, 2),
             responsibilities="medication")
    w.update("care_team", w.own_contact(p.counselor), p.clinician, cal.at(team_day, 17, 4),
             responsibilities="school_liaison")
    w.update("care_team", w.own_contact(p.doctor), p.clinician, cal.at(team_day, 17, 6),
             responsibilities="physical_health,medicines_review")

    w.update(
        "care_team",
        w.own_contact(p.teacher),
        p.teacher,
        cal.at(cal.school_meeting + timedelta(days=1), 12, 30),
        phone="Front office, (555) 010-0100 ext. 100",
        availability="I teach Jordan's math class, periods 2 and 5. Messages through the front office.",
        reachable=SCHOOL_HOURS,
    )


LOCKED_BOX = "All medicines in the house, ours too, are in the locked box in my closet. The key is on my key ring."
PHARMACY = "Took the old pain relievers and cold medicine back to the pharmacy; one small pack left."


def home_safety(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
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
        cal.at(cal.week(11, WEDNESDAY), 21),
        medicines_locked=True,
        medicines_limited=False,
        sharps_secured=False,
        alcohol_secured=False,
        checklist_notes=LOCKED_BOX,
        **guidance,
    )


def medication_started(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
    started = cal.medication_started
    w.write(
        "clinical",
        p.psychiatrist,
        cal.at(started, 12, 30),
        medication=f"Fluoxetine (an SSRI). Started 10 mg each morning on {said(started)}.",
        medication_for="The depressive episode. Not a treatment for the self-harm itself.",
        prescriber="Dr Ken Mori, child and adolescent psychiatrist, Riverside clinic",
        quantity_limits=(
            "Two weeks' supply per prescription (14 capsules), no refills without a review. Maria holds the "
            "medicine, keeps it locked and gives Jordan one capsule each morning. See Home safety for the "
            "instructions given to Maria."
        ),
        medication_monitoring=(
            "Weekly contact for the first four weeks and for four weeks after any dose change: ask about "
            "agitation, restlessness, sleep, self-harm urges and suicidal thoughts. Then a medication review every "
            "four weeks. Jordan and Maria know to call the same day about agitation, worse sleep or stronger "
            "urges, and know the signs for urgent help."
        ),
    )
    w.write(
        "home_safety",
        p.psychiatrist,
        cal.at(started, 12, 45),
        medication_safety=(
            "Jordan takes fluoxetine, one capsule each morning. Maria keeps the box locked and gives Jordan one "
            "capsule a day.\n"
            "The pharmacy gives two weeks at a time. Please keep no spare boxes at home, and take old or unused "
            "medicines back to the pharmacy.\n"
            "Keep over-the-counter pain relievers to one small pack, locked away too.\n"
            "In the first weeks, and after any change of dose, watch for: restlessness or agitation, much worse "
            "sleep, stronger urges, or any talk of wanting to die. Call the clinic the same day (after hours: "
            "(555) 010-0199).\n"
            f"If Jordan may have taken extra pills or anything else, call {numbers['emergency']} or go to the "
            "emergency room now, even if Jordan seems fine.\n"
            "Please don't stop the medicine suddenly; talk to me first. (Dr Ken Mori)"
        ),
    )
    w.write(
        "home_safety",
        p.parent,
        cal.at(started + timedelta(days=3), 20, 15),
        medicines_limited=True,
        checklist_notes=f"{LOCKED_BOX}\n{PHARMACY}",
    )


REVIEWED_SECTIONS = ("care_team", "school_plan", "adjustments", "safety_plan", "home_safety", "clinical")


def first_plan_review(w: CircleWriter, cal: StoryCalendar, p: People):
    """Four weeks in, the whole plan reviewed with Jordan and Maria; the next
    review booked for about six weeks later, and returned."""
    booked = w.add(
        "follow_ups",
        p.clinician,
        cal.at(cal.week(11, WEDNESDAY), 17, 10),
        kind="plan_review",
        due_at=cal.at(cal.first_review, 16),
        with_whom="Dr Ana Rivera with Jordan and Maria",
        location="Riverside clinic, room 3",
        status="scheduled",
        details="Four-week review of the whole plan.",
    )
    w.review(
        p.clinician,
        cal.at(cal.first_review, 16, 50),
        REVIEWED_SECTIONS,
        held_at=booked,
        next_review=(cal.at(cal.plan_review_due, 16), "Dr Ana Rivera with Jordan and Maria; Sam Okafor for the school part"),
    )
    return w.booked_by_last_save[0]


def dose_increased(w: CircleWriter, cal: StoryCalendar, p: People):
    """The dose goes up, and a medication review is booked for four weeks on; it returns that booking."""
    started, increased = cal.medication_started, cal.dose_increased
    review = cal.review_after_dose_change
    w.write(
        "clinical",
        p.psychiatrist,
        cal.at(increased, 11, 50),
        medication=(
            f"Fluoxetine (an SSRI). Started 10 mg each morning on {said(started)}; increased to 20 mg on "
            f"{said(increased)}. No side effects reported apart from a few days of mild nausea."
        ),
        medication_review_on=review,
    )
    return w.book(
        p.psychiatrist,
        cal.at(increased, 12),
        booked=w.booked_by_last_save,
        kind="appointment",
        due_at=cal.at(review, 11),
        with_whom="Dr Ken Mori, with Jordan and Maria",
        location="Riverside clinic, room 2",
        status="scheduled",
        details="Medication review four weeks after the dose change: sleep, side effects, how Jordan feels on it.",
    )
