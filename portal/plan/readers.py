"""Words for one kind of reader: the helpers the section specs use to hold a
title, guidance or label per audience, and the plain explanations several
sections share. Who may read what is the policy's (portal/access/policy.py);
these only choose the words once the page is theirs."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.access import policy

# Words written for one kind of reader: (role, text) pairs, the first match
# wins; a reader with no pair reads the default. Tuples, not dicts, so a spec
# stays hashable (portal/plan/forms.py caches form classes by spec).
ByRole = tuple[tuple[str, str], ...]

YP, CAREGIVER, CLINICIAN, PRIMARY_CARE = policy.YOUNG_PERSON, policy.CAREGIVER, policy.CLINICIAN, policy.PRIMARY_CARE
SCHOOL_CONTACT, SCHOOL_STAFF = policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF
# The family: the young person and their caregivers read a use of the
# in-school plan as what it is, never as an "episode" (DESIGN.md, principle 6).
FAMILY = (YP, CAREGIVER)


def for_role(words: ByRole, role: str | None, default: str) -> str:
    for reader, text in words:
        if reader == role:
            return text
    return default


def each(roles, text: str) -> ByRole:
    """The same words for several readers."""
    return tuple((role, text) for role in roles)


@dataclass(frozen=True)
class ItemWords:
    """What one item of a list section is called: alone ("contact"), and whole
    inside a sentence, so that a language can give each its own article and
    agreement ("a contact", "the contact", "contacts")."""

    one: str
    a: str
    the: str
    many: str


def joined(*paragraphs) -> LazyString:
    """Whole sentences (each its own message) read one after another, in the
    page's language when the page is drawn, not when the module is imported."""
    return LazyString(lambda: " ".join(str(part) for part in paragraphs))


# A short plain explanation, where it helps: hurting oneself without meaning
# to die is not a suicide attempt, but what someone intends can change.
ABOUT_INTENT = _l(
    "Self-harm without wanting to die is not a suicide attempt. What someone feels and intends can change, "
    "though, so the question about thoughts of suicide is always asked, calmly and directly."
)
ABOUT_INTENT_YOU = _l(
    "Hurting yourself without wanting to die is not the same as a suicide attempt. Feelings can change, "
    "though, so you will always be asked about thoughts of suicide. Saying yes or not sure is all right: "
    "it means someone gets in touch with you soon."
)


SCHOOL = (SCHOOL_CONTACT, SCHOOL_STAFF)

# Each section's words for the readers who need their own: the title, the
# guidance, what one item is called (items_for) and what an empty list says. A reader
# not named reads the section's default words (portal/plan/sections.py).
SECTION_WORDS: dict[str, dict[str, ByRole]] = {
    "care_team": {
        "titles": ((YP, _l("Your care team and how to reach them")),),
        "guidances": (
            (YP, _l("The people whose job is to help you, how and when you can reach each of them, and who "
                    "looks after what. If you are not sure whom to ask about something, ask any of them.")),
            (CAREGIVER, _l("Who is helping, how and when to reach each person, and who looks after what. "
                           "If you are not sure whom to call, start with the person who holds crisis planning.")),
            (PRIMARY_CARE, _l("Who is in the team, and who holds what. The family doctor holds physical health, "
                              "wound care and the medicines review; the treating clinicians hold therapy and crisis "
                              "planning.")),
            *each(SCHOOL, _l("Whom to reach in the care team, and when. For anything about the student's treatment, "
                             "go to the named clinician; the school liaison is the first call from school.")),
        ),
    },
    "school_plan": {
        "titles": ((YP, _l("Your plan for hard moments at school")),),
        "guidances": (
            (YP, _l("What you can do if things get hard during the school day, and what staff will do to help: "
                    "a private way out of class, a quiet place, a named adult. It tells staff what to do, not your "
                    "reasons.")),
            (CAREGIVER, _l("What school staff do if your child becomes distressed during the day: the private route "
                           "to help, the steps staff follow, and when they call you. It says what to do, never why.")),
            (SCHOOL_STAFF, _l("What to do if the student becomes distressed in your lesson: let them use their "
                              "private route to help without questions in front of the class, follow the steps in "
                              "order, and call the named adult. You do not need to know why.")),
        ),
    },
    "adjustments": {
        "titles": ((YP, _l("Your deadline flexibility and school adjustments")),),
        "guidances": (
            (YP, _l("Extra time and lighter work that school has agreed for you, and until when. If something is "
                    "not working, tell your school contact or a parent.")),
            (CAREGIVER, _l("Extra time, lighter work and exam arrangements the school has agreed, and until when. "
                           "Ask the school contact if something is not being followed.")),
            (SCHOOL_STAFF, _l("What to allow in your subject, and until when. Apply it quietly, without asking the "
                              "student to explain; questions go to the school contact.")),
        ),
    },
    "return_to_school": {
        "titles": ((YP, _l("Going back to school")),),
        "guidances": (
            (YP, _l("After time away, how you go back to school, a step at a time: when, who you see first, and "
                    "what is allowed while you settle in. Teachers are told what to do, not why you were away.")),
            (CAREGIVER, _l("After time away, how your child goes back, step by step: the meeting, a phased timetable "
                           "and who checks in. School is told what to do and allow, never why.")),
        ),
    },
    "safety_plan": {
        "titles": ((YP, _l("Your safety plan, in your words")),),
        "guidances": (
            (YP, joined(_l("Your plan for when things get hard, written with you and in your own words. Short and real "
                           "works better than long and perfect. Start at the top and go down the steps until you feel "
                           "safer."), ABOUT_INTENT_YOU)),
            (CAREGIVER, joined(_l("Your child's plan for hard moments, written with them in their own words. Read it "
                                  "together when things are calm, so you know what they will try and how you can help. "
                                  "Keep changes to their words few, and talk about them first."), ABOUT_INTENT)),
            (PRIMARY_CARE, _l("The young person's own plan for hard moments, for reference at appointments. "
                              "The treating clinicians keep it up to date with them.")),
        ),
    },
    "home_safety": {
        "guidances": (
            (CAREGIVER, joined(_l("You do not have to watch every move or have every answer. What helps most: staying "
                                  "calm, showing you care, listening more than you talk, and putting medicines and sharp "
                                  "things away. What tends to make things harder: lots of questions at once, punishment, "
                                  "checking their body for marks, or trying to fix everything in one conversation."),
                        ABOUT_INTENT)),
            (CLINICIAN, _l("Guidance for the family in everyday words: steady concern, curiosity and a safer home "
                           "help more than repeated questioning, punishment or body checks. Write it with them, and "
                           "keep the medication-safety part practical.")),
        ),
    },
    "clinical": {
        "guidances": (
            (PRIMARY_CARE, _l("What the treating clinicians understood and agreed, for the medicines review and "
                              "physical care. Support Circle never rates or scores anyone; talk to the clinician "
                              "before changing a prescription.")),
        ),
    },
    "follow_ups": {
        "titles": ((YP, _l("Your appointments and reviews")),),
        "guidances": (
            (YP, _l("Your next appointments and reviews: when, where and with whom. If a time does not work for "
                    "you, tell your clinician or a parent so it can be moved, not missed.")),
            (CAREGIVER, _l("Appointments and reviews coming up, each with a date and a person. After a hard time, "
                           "keeping these matters most; if one cannot happen, call to move it rather than miss it.")),
        ),
    },
    # To the family a time the school plan was used is never an "episode":
    # the word also means self-harm, and a parent must not read it so (issue 16).
    "episodes": {
        "titles": each(FAMILY, _l("Uses of the school plan")),
        "items_for": each(FAMILY, ItemWords(_l("time the school plan was used"),
                                            _l("a time the school plan was used"),
                                            _l("the time the school plan was used"),
                                            _l("times the school plan was used"))),
        "empties": each(FAMILY, _l("The school plan has not been used yet.")),
        "guidances": (
            (CAREGIVER, _l("Each time staff followed the in-school plan: when, what they noticed, the steps they "
                           "took, who they called and how the day went on. Usually it means your child used their "
                           "pass or took a break, then went back to class. It does not mean they hurt themselves at "
                           "school; if anything like that happens, the school calls you.")),
            (YP, _l("Each time the in-school plan was used for you: when, what staff did, and how the day went on. "
                    "Using it means the plan is working.")),
            (CLINICIAN, _l("What school staff saw and did when the in-school plan was used. Staff record what they "
                           "saw, not causes; the family reads these as times the school plan was used.")),
        ),
    },
    "events": {
        "titles": ((YP, _l("Things that happened outside school")),),
        "guidances": (
            (YP, joined(_l("Things that happened away from school, like a hard night at home, a hospital visit or a call "
                           "to a crisis line, and what was done. You can add one yourself. It says what happened, not why. "
                           "After an emergency visit, your clinician will be in touch within a day or two."),
                 ABOUT_INTENT_YOU)),
            (CAREGIVER, joined(_l("Anything that happened away from school, like self-harm at home, a visit to the emergency "
                                  "department or a call to a crisis line, and what was done. Write what happened, not why. "
                                  "After an emergency visit or a discharge, the clinicians arrange aftercare within a day "
                                  "or two."), ABOUT_INTENT)),
        ),
    },
    "setback_reviews": {
        "guidances": (
            (CAREGIVER, _l("A setback does not undo the progress made. It is a moment to look back together at "
                           "what changed and whether the plan still fits. Nobody is being blamed, you included.")),
        ),
    },
    "progress": {
        "titles": ((YP, _l("Your check-ins")),),
        "guidances": (
            (YP, _l("A few questions each week about how things have been. Getting better is rarely a straight "
                    "line: fewer or smaller times, longer gaps before acting on an urge, asking for help sooner and "
                    "telling someone sooner all count, even before self-harm stops. There are no right answers.")),
            (CAREGIVER, _l("A few questions each week, answered with your child or on your own. Progress is rarely "
                           "a straight line: self-harm less often or less severely, longer gaps before acting on an "
                           "urge, asking for help sooner and telling someone sooner all count, even before it stops.")),
        ),
    },
}

# A field's label and help for the readers who need their own.
FIELD_WORDS: dict[tuple[str, str], dict[str, ByRole]] = {
    ("safety_plan", "warning_signs"): {
        "helps": ((YP, _l("Thoughts, feelings or situations you notice before urges come.")),),
    },
    ("safety_plan", "if_suicidal_thoughts"): {
        "helps": ((YP, _l("The first things you will do and whom you will call, simple enough to follow at a "
                          "bad moment.")),),
    },
    ("episodes", "outcome"): {"labels": ((YP, _l("Afterwards you")), (CAREGIVER, _l("Afterwards your child")))},
    ("progress", "episodes"): {"labels": ((YP, _l("Times you hurt yourself since the last check-in")),)},
    ("progress", "sought_help_sooner"): {"labels": ((YP, _l("Did you ask for help sooner?")),)},
    ("progress", "less_secrecy"): {
        "labels": ((YP, _l("Did you tell someone sooner?")),),
        "helps": ((YP, _l("About urges or self-harm: telling someone sooner than before, or talking about it "
                                             "more openly.")),),
    },
    ("progress", "suicidal_thoughts"): {
        "labels": ((YP, _l("Since the last check-in, have you had thoughts of suicide?")),),
        "helps": ((YP, _l("It is all right to answer yes or not sure. Nothing is scored; it means someone from "
                                             "your care team gets in touch with you soon.")),),
    },
}


@dataclass(frozen=True)
class PlanWords:
    """How a page names the plan and the reader's place in it."""

    name: str  # "Your plan", "Jordan's plan"
    heading: str  # "Your support plan", "Jordan's support plan"
    role_line: str


def plan_words(role: str | None, young_person_name: str) -> PlanWords:
    """The plan's name as ``role`` reads it: the young person's own plan is "your plan"."""
    if role == YP:
        return PlanWords(
            _("Your plan"),
            _("Your support plan"),
            _("This is your plan, shared with the people who help you. Some parts, like your clinicians' notes, "
              "are only for them; you can see what is shared, and with whom."),
        )
    label = policy.ROLE_LABELS[role] if role in policy.ROLE_LABELS else ""
    return PlanWords(
        _("%(name)s's plan", name=young_person_name),
        _("%(name)s's support plan", name=young_person_name),
        _("You are in this circle as: %(role)s. You see the parts of the plan your role needs.", role=label),
    )


def school_plan_used(role: str | None) -> str:
    """The line on a dashboard for a recent use of the in-school plan."""
    return for_role(each(FAMILY, _("The school plan was used")), role, _("An in-school episode was recorded"))
