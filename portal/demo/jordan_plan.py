"""Jordan's plan, section by section, as its members wrote it over eleven weeks."""

from __future__ import annotations

from datetime import timedelta

from portal.access import policy
from portal.demo.cast import People, StoryCalendar
from portal.demo.writer import TUESDAY, CircleWriter, said


def clinical(w: CircleWriter, cal: StoryCalendar, p: People) -> None:
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
            f"Asked directly at assessment on {said(assessed)}: no current suicidal thoughts, intent or plan. "
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
            f"Started 10 mg each morning on {said(started)}."
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
            f"Started 10 mg each morning on {said(started)}; increased to 20 mg on {said(increased)}. "
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
            f"{said(cal.setback)} with two episodes that needed first aid (see the setback review). Since then urges "
            "on most days, but Jordan has acted on them less often and told Maria sooner."
        ),
        suicidal_thoughts=(
            f"Asked directly at assessment on {said(assessed)}: no current suicidal thoughts, intent or plan. "
            "One period of passive thoughts last winter ('wishing I could disappear'), none since.\n"
            f"Asked again directly on {said(reviewed)}, after the setback: Jordan denied any suicidal thoughts, "
            "intent or plan, before or since. Keep asking at every session; Jordan and Maria know the signs for "
            "urgent help."
        ),
        therapy_frequency=(
            "Individual DBT-A weekly (Tuesdays, 16:00). Skills group weekly (Thursdays, 17:00). Phone coaching for "
            "Jordan between sessions, in clinic hours.\n"
            f"Since {said(reviewed)}, for four weeks: family session every two weeks instead of four, and a short "
            "phone check-in with Dr Rivera on Fridays."
        ),
    )


def safety_plan(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
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


def school_plan_and_adjustments(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
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
            f"Agreed with Jordan and Maria at the meeting on {said(meeting)}. Jordan asked that classmates are "
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
            f"Part of the in-school plan agreed with Jordan and Maria on {said(meeting)}. Jordan asked for a way "
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
            f"{said(extension_starts)}."
        ),
    }
    w.add("adjustments", p.counselor, cal.at(extension_starts, 14), **extension)
    # Saved twice by a double click; removing the copy shows that removal is a
    # mark a clinician can undo, not a delete.
    duplicate = w.add("adjustments", p.counselor, cal.at(extension_starts, 14, 1), **extension)
    w.remove("adjustments", duplicate, p.counselor, cal.at(extension_starts, 14, 3))


def care_team(w: CircleWriter, cal: StoryCalendar, p: People, numbers: dict) -> None:
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
            f"Kitchen knives, razors and the craft knife moved to the locked drawer on {said(cal.setback_reviewed + timedelta(days=1))}.\n"
            "Still to do: the wine in the pantry. Moving it to the garage cupboard this weekend."
        ),
    )


