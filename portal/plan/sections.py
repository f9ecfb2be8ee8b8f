"""What each section of the plan holds: its fields, labels, help and guidance.

Pages, forms, history, print views and the demo all read these specs; who may
see or change a field is decided in portal/access/policy.py, not here, and
every line saying who sees a section or a field is worked out from it
(portal/access/audience.py): none is written by hand in a label or a help text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

from flask_babel import lazy_gettext as _l

from portal.access import audience, policy
from portal.plan import models
from portal.plan.choices import (  # noqa: F401 - REACHABLE and the rest are read from here too
    ADJUSTMENT_KINDS,
    COEXISTING_CONDITIONS,
    CONTACT_KINDS,
    EPISODE_OUTCOMES,
    EVENT_KINDS,
    FOLLOW_UP_KINDS,
    FOLLOW_UP_STATUSES,
    NO_YES_UNSURE,
    REACHABLE,
    RESPONSIBILITIES,
    SEVERITY,
    THERAPY_MODALITIES,
    URGE_TO_ACTION,
    URGES,
    YES_NO_UNSURE,
)
from portal.plan.fields import BOOL, CHOICE, DATE, DATETIME, INT, LINE, MULTI, NUMBER, TEXT, FieldType
from portal.plan.readers import ABOUT_INTENT, FIELD_WORDS, SECTION_WORDS, ByRole, ItemWords, for_role, joined


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    # What kind of value it holds, and so how it is asked for, stored, read and kept (portal/plan/fields.py).
    field_type: FieldType = TEXT
    required: bool = False
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 5000
    minimum: float | None = None
    maximum: float | None = None
    # The label and help a reader reads when it differs from the default.
    labels: ByRole = ()
    helps: ByRole = ()

    def for_reader(self, role: str | None) -> FieldSpec:
        return replace(self, label=for_role(self.labels, role, self.label), help=for_role(self.helps, role, self.help))

    @property
    def type(self) -> str:
        """The kind's name: "line", "text", "date", ..."""
        return self.field_type.name

    def to_snapshot(self, value):
        return self.field_type.to_snapshot(value)


@dataclass(frozen=True)
class EditNote:
    """A pointer on the edit page to another section where something belongs:
    one sentence, with ``%(link)s`` where the link to ``kind`` goes, and the
    link's words. Read as a template reads a tuple: (text before the link, the
    section linked to, the link's text, text after), in the page's language."""

    sentence: str
    kind: str
    link: str

    def parts(self) -> tuple[str, str, str, str]:
        before, _, after = str(self.sentence).partition("%(link)s")
        return (before, self.kind, str(self.link), after)

    def __getitem__(self, index):
        return self.parts()[index]

    def __iter__(self):
        return iter(self.parts())

    def __len__(self) -> int:
        return 4


# What one item of a list section is called where nothing else says: rarely read.
ENTRY = ItemWords(_l("entry"), _l("an entry"), _l("the entry"), _l("entries"))


@dataclass(frozen=True)
class SectionSpec:
    kind: str
    title: str
    short_title: str
    model: type
    fields: tuple[FieldSpec, ...]
    is_list: bool = False
    guidance: str = ""
    # What one item is called, alone and inside a sentence (portal/plan/readers.py).
    item: ItemWords = ENTRY
    order_by: str = "position"  # list sections: position, or a date field (newest first)
    headline: tuple[str, ...] = field(default_factory=tuple)  # fields that name an item
    printable: bool = False
    # A pointer on the edit page to another section where something belongs.
    edit_note: EditNote | None = None
    # The section named inside a sentence ("the safety plan"), from its short title.
    the_title: str = ""
    # What a reader reads when it differs from the title, guidance and item
    # words above (a page is drawn with spec_for(kind, reader)).
    titles: ByRole = ()
    guidances: ByRole = ()
    items_for: ByRole = ()
    empty: str = _l("Nothing here yet.")
    empties: ByRole = ()
    # Whom the words were chosen for; None: the default words.
    reader: str | None = None

    def for_reader(self, role: str | None) -> SectionSpec:
        """The same section, in the words written for ``role``."""
        return replace(
            self,
            reader=role,
            title=for_role(self.titles, role, self.title),
            guidance=for_role(self.guidances, role, self.guidance),
            item=for_role(self.items_for, role, self.item),
            empty=for_role(self.empties, role, self.empty),
            fields=tuple(f.for_reader(role) for f in self.fields),
        )

    @property
    def item_noun(self) -> str:
        """What one item is called, alone: "contact"."""
        return self.item.one

    @property
    def article(self) -> str:
        """English's "a" or "an" before the item noun; another language reads ``item.a`` whole."""
        return "an" if str(self.item.one)[:1] in tuple("aeiou") else "a"

    @property
    def audience(self) -> str:
        """Who sees this section, from the policy as it is now, said to the reader."""
        return audience.section_words(self.kind, reader=self.reader)

    def field_audience(self, name: str) -> str:
        """Who sees a field, when fewer see it than see the section; else ""."""
        self.field(name)  # an unknown field raises
        return audience.field_words(self.kind, name, reader=self.reader)

    def field_help(self, name: str) -> str:
        return " ".join(str(part) for part in (self.field(name).help, self.field_audience(name)) if part)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise policy.UnknownName(f"unknown field {name!r} in {self.kind}")

    def snapshot(self, row) -> dict:
        return {f.name: f.to_snapshot(getattr(row, f.name)) for f in self.fields}


F = FieldSpec

SPECS: dict[str, SectionSpec] = {}


def _register(spec: SectionSpec) -> None:
    """Keep a spec, with the words written for each reader (portal/plan/readers.py)."""
    policy.check_section(spec.kind)
    fields = tuple(replace(f, **FIELD_WORDS.get((spec.kind, f.name), {})) for f in spec.fields)
    SPECS[spec.kind] = replace(spec, fields=fields, **SECTION_WORDS.get(spec.kind, {}))


_register(
    SectionSpec(
        kind="care_team",
        title=_l("Care team and named contacts"),
        short_title=_l("Care team"),
        the_title=_l("the care team"),
        model=models.CareTeamContact,
        is_list=True,
        item=ItemWords(_l("contact"), _l("a contact"), _l("the contact"), _l("contacts")),
        headline=("name", "role_title"),
        guidance=_l(
            "Who is in the team around the young person, how and when to reach each of them, "
            "and who is responsible for what. When roles are unclear, confusion builds quickly: "
            "name one person for each responsibility."
        ),
        fields=(
            F("contact_kind", _l("Kind of contact"), CHOICE, required=True, choices=CONTACT_KINDS),
            F("name", _l("Name"), LINE, required=True, max_length=200),
            F("role_title", _l("Role or title"), LINE, max_length=200, help=_l("For example: therapist, mother, school counselor.")),
            F("organisation", _l("Organisation"), LINE, max_length=200),
            F("phone", _l("Phone"), LINE, max_length=60),
            F("email", _l("Email"), LINE, max_length=254),
            F("availability", _l("How and when to reach them"), TEXT, max_length=1000,
              help=_l("Hours, after-hours arrangements, the best way to get a message through.")),
            F("reachable", _l("Can be reached"), MULTI, choices=REACHABLE,
              help=_l("The times this person or service answers, so the plan can show who to call right now.")),
            F("responsibilities", _l("Responsible for"), MULTI, choices=RESPONSIBILITIES),
        ),
    )
)

_register(
    SectionSpec(
        kind="school_plan",
        title=_l("In-school distress plan"),
        short_title=_l("In-school plan"),
        the_title=_l("the in-school plan"),
        model=models.SchoolPlan,
        printable=True,
        guidance=_l(
            "What staff do if distress rises during the school day: a private route to help for the "
            "student, the steps staff take in order, and whom they call. It says what to do, never why."
        ),
        fields=(
            F("warning_signs", _l("Signs staff may notice"), help=_l("What staff might see, in plain words.")),
            F("student_actions", _l("What the student will do"),
              help=_l("The private route to help: a pass, a quiet room, a named adult.")),
            F("staff_steps", _l("Steps staff take, in order"), required=True, help=_l("One step a line.")),
            F("who_to_call", _l("Whom staff call, and when")),
            F("call_caregivers_when", _l("When to call caregivers")),
            F("call_emergency_when", _l("When to call emergency services")),
            F("return_to_class", _l("How the student returns to class")),
            F("staff_notes", _l("Background notes"), help=_l("Context behind the steps, in a few words.")),
        ),
    )
)

_register(
    SectionSpec(
        kind="adjustments",
        title=_l("Deadline flexibility and school adjustments"),
        short_title=_l("Adjustments"),
        the_title=_l("the adjustments"),
        model=models.Adjustment,
        is_list=True,
        item=ItemWords(_l("adjustment"), _l("an adjustment"), _l("the adjustment"), _l("adjustments")),
        order_by="start_date",
        headline=("kind", "subjects"),
        guidance=_l(
            "Flexibility with deadlines and school work after a crisis: what to allow, and until when."
        ),
        fields=(
            F("kind", _l("Kind of adjustment"), CHOICE, required=True, choices=ADJUSTMENT_KINDS),
            F("subjects", _l("Subjects"), LINE, max_length=300, help=_l("Separate subjects with commas.")),
            F("details", _l("What to allow"), max_length=2000),
            F("start_date", _l("From"), DATE, required=True),
            F("end_date", _l("Until"), DATE),
            F("approved_by", _l("Approved by"), LINE, max_length=200),
            F("reason", _l("Reason"), max_length=2000),
        ),
    )
)

_register(
    SectionSpec(
        kind="return_to_school",
        title=_l("Return to school"),
        short_title=_l("Return to school"),
        the_title=_l("the return to school"),
        model=models.ReturnToSchool,
        printable=True,
        guidance=_l(
            "After time away from school: how the student comes back, step by step. "
            "It says what happens and what to allow, never why."
        ),
        edit_note=EditNote(
            _l("What to allow in lessons and with deadlines goes in %(link)s, so teachers see it with the dates "
               "it applies."),
            "adjustments",
            _l("Adjustments"),
        ),
        fields=(
            F("ready_from", _l("Ready to go back from"), DATE,
              help=_l("Set by the care team. The school contact is then asked to plan the return.")),
            F("meeting_at", _l("Return meeting"), DATETIME),
            F("meeting_attendees", _l("Who attends the meeting"), max_length=1000),
            F("timetable", _l("Phased timetable"), help=_l("For example: mornings only in the first week. One step a line.")),
            F("adjustments_needed", _l("Adjustments the return needs"), max_length=2000),
            F("first_days", _l("Who checks in on the first days, and when"), max_length=2000),
            F("staff_steps", _l("What staff do and allow"), help=_l("What teachers need to know to help, in plain words.")),
        ),
    )
)

_register(
    SectionSpec(
        kind="safety_plan",
        title=_l("Safety plan"),
        short_title=_l("Safety plan"),
        the_title=_l("the safety plan"),
        model=models.SafetyPlan,
        printable=True,
        guidance=joined(
            _l(
                "Written with the young person, in their own words, so it can be used under stress. "
                "Short, specific and realistic beats long and complete."
            ),
            ABOUT_INTENT,
        ),
        fields=(
            F("warning_signs", _l("My warning signs"), help=_l("Thoughts, feelings or situations that come before urges.")),
            F("triggers", _l("Things that can set it off")),
            F("coping_steps", _l("Things I can try first, on my own")),
            F("people_places", _l("People and places that help me feel better")),
            F("people_to_ask", _l("People I can ask for help"),
              help=_l("With their number and when they can be reached: school hours, evenings, nights, weekends.")),
            F("professionals", _l("People whose job is to help, and when I can reach them"),
              help=_l("Your clinician, a crisis line, after-hours services: each with its number and the hours it "
                      "answers (school hours, evenings, nights, weekends). The care team's contacts say the same, for the "
                      "right-now page.")),
            F("safer_environment", _l("Making my surroundings safer")),
            F("what_matters", _l("What matters most to me")),
            F("if_suicidal_thoughts", _l("If thoughts of suicide come"),
              help=_l("The first things to do and whom to call, written so they can be followed at a bad moment.")),
            F("what_helped", _l("What helped after a close call")),
        ),
    )
)

_register(
    SectionSpec(
        kind="home_safety",
        title=_l("Home safety and caregiver guidance"),
        short_title=_l("Home safety"),
        the_title=_l("the home safety"),
        model=models.HomeSafety,
        guidance=joined(
            _l(
                "Caregivers do not have to watch every move or have every answer. What helps most is a calm, "
                "caring manner, listening with interest, and a home where medicines and sharp things are put away. "
                "Questioning again and again, punishment, or checking their body for marks tend to make things harder "
                "and push self-harm out of sight."
            ),
            ABOUT_INTENT,
        ),
        fields=(
            F("medicines_locked", _l("Medicines are stored locked away"), BOOL),
            F("medicines_limited", _l("Medicines at home are kept to small quantities"), BOOL),
            F("sharps_secured", _l("Sharp items are put away"), BOOL),
            F("alcohol_secured", _l("Alcohol and non-prescribed drugs are out of reach"), BOOL),
            F("checklist_notes", _l("Notes on the checklist")),
            F("helpful_responses", _l("Responses that help")),
            F("unhelpful_responses", _l("Responses that make things harder")),
            F("when_urges_rise", _l("What to do when urges rise at home")),
            F("medication_safety", _l("Medication safety, from the prescriber"),
              help=_l("Storage, quantities, and which changes need urgent contact, written for the family. "
                      "The diagnosis, the medicine's purpose and the treatment notes stay in Assessment and treatment.")),
        ),
    )
)

_register(
    SectionSpec(
        kind="clinical",
        title=_l("Assessment and treatment"),
        short_title=_l("Assessment and treatment"),
        the_title=_l("the assessment and treatment"),
        model=models.ClinicalRecord,
        guidance=_l(
            "Record what was understood and agreed, not a label: Support Circle never rates or scores anyone. "
            "Non-suicidal self-harm and a suicide attempt are not the same, but they can overlap and intent can "
            "shift, so ask about it directly at each review and record the answer in the person's words."
        ),
        # Caregivers never read this section, so what they must do about
        # medicines at home is written for them there, without the detail here.
        edit_note=EditNote(
            _l("Medication-safety instructions for the family go in %(link)s: caregivers read them there, "
               "without the clinical detail on this page."),
            "home_safety",
            _l("Home safety"),
        ),
        fields=(
            F("assessment_function", _l("What the behaviour does for the person")),
            F("assessment_triggers", _l("Triggers")),
            F("frequency_change", _l("Frequency and change over time")),
            F("methods", _l("Methods"), help=_l("What has been used, and whether it has changed.")),
            F("medical_care_needed", _l("Whether medical care has been needed")),
            F("suicidal_thoughts", _l("Suicidal thoughts or intent"),
              help=_l("Asked directly and recorded in the person's words; intent can shift, so ask again at each review.")),
            F("wider_context", _l("The wider context"),
              help=_l("Sleep, school, relationships, bullying, abuse, losses, online life, and any safeguarding concern.")),
            F("coexisting", _l("Coexisting conditions"), MULTI, choices=COEXISTING_CONDITIONS),
            F("coexisting_conditions", _l("Notes on coexisting conditions"),
              help=_l("How each one shows, and how it is being treated.")),
            F("therapy_modality", _l("Therapy"), MULTI, choices=THERAPY_MODALITIES,
              help=_l("Choose every approach in use; DBT-A with family work is common.")),
            F("therapy_provider", _l("Therapy provided by")),
            F("therapy_frequency", _l("How often")),
            F("therapy_description", _l("What therapy looks like"),
              help=_l("Individual, family or group sessions; skills practice between them.")),
            F("medication", _l("Medication")),
            F("medication_for", _l("The condition it treats"),
              help=_l("Medication treats a coexisting condition, such as depression; it is not a treatment for self-harm itself.")),
            F("prescriber", _l("Prescriber")),
            F("quantity_limits", _l("Quantity limits")),
            F("medication_monitoring", _l("Monitoring plan")),
            F("medication_review_on", _l("Next medication review"), DATE,
              help=_l("After a start or a change of dose; saving it books a follow-up for that day.")),
            F("harm_minimisation", _l("Harm-minimisation advice"),
              help=_l("Only where the clinician judges it right, as part of the wider plan.")),
        ),
    )
)

_register(
    SectionSpec(
        kind="follow_ups",
        title=_l("Follow-ups and reviews"),
        short_title=_l("Follow-ups"),
        the_title=_l("the follow-ups"),
        model=models.FollowUp,
        is_list=True,
        item=ItemWords(_l("follow-up"), _l("a follow-up"), _l("the follow-up"), _l("follow-ups")),
        order_by="due_at",
        headline=("kind", "due_at"),
        guidance=_l(
            "After a hard time, close follow-up matters more than good intentions. "
            "Every appointment and review has a date and a person."
        ),
        fields=(
            F("kind", _l("Kind"), CHOICE, required=True, choices=FOLLOW_UP_KINDS),
            F("due_at", _l("When"), DATETIME, required=True),
            F("with_whom", _l("With whom"), LINE, max_length=200),
            F("location", _l("Where"), LINE, max_length=200),
            F("status", _l("Status"), CHOICE, required=True, choices=FOLLOW_UP_STATUSES),
            F("details", _l("What it is for"), max_length=2000),
        ),
    )
)

_register(
    SectionSpec(
        kind="episodes",
        title=_l("In-school episodes"),
        short_title=_l("Uses of the school plan"),
        the_title=_l("the uses of the school plan"),
        model=models.Episode,
        is_list=True,
        item=ItemWords(_l("episode"), _l("an episode"), _l("the episode"), _l("episodes")),
        order_by="occurred_at",
        headline=("occurred_at", "outcome"),
        guidance=_l("Record what staff saw and did. Do not guess at causes."),
        fields=(
            F("occurred_at", _l("When"), DATETIME, required=True),
            F("observed", _l("What staff observed"), required=True, max_length=3000),
            F("steps_taken", _l("Steps from the plan that were taken"), max_length=3000),
            F("contacted", _l("Who was contacted, and when"), max_length=2000),
            F("emergency_services", _l("Emergency services were called"), BOOL),
            F("outcome", _l("Afterwards the student"), CHOICE, required=True, choices=EPISODE_OUTCOMES),
        ),
    )
)

_register(
    SectionSpec(
        kind="events",
        title=_l("Events outside school"),
        short_title=_l("Events outside school"),
        the_title=_l("the events outside school"),
        model=models.OutsideEvent,
        is_list=True,
        item=ItemWords(_l("event"), _l("an event"), _l("the event"), _l("events")),
        order_by="occurred_at",
        headline=("kind", "occurred_at"),
        guidance=joined(
            _l(
                "What happened away from school, and what was done: at home, at an emergency department, "
                "in hospital or on a crisis line. Record what happened, not why. An emergency visit or a "
                "discharge starts aftercare, which the clinicians arrange within a day or two."
            ),
            ABOUT_INTENT,
        ),
        fields=(
            F("kind", _l("What happened"), CHOICE, required=True, choices=EVENT_KINDS),
            F("occurred_at", _l("When"), DATETIME, required=True),
            F("place", _l("Where"), LINE, max_length=200, help=_l("For example: at home, or the hospital's name.")),
            F("what_was_done", _l("What was done"), required=True, max_length=3000),
            F("medical_care", _l("Medical care was needed"), CHOICE, choices=YES_NO_UNSURE),
            F("who_knows", _l("Who knows about it"), max_length=1000),
        ),
    )
)

_register(
    SectionSpec(
        kind="setback_reviews",
        title=_l("Setback reviews"),
        short_title=_l("Setback reviews"),
        the_title=_l("the setback reviews"),
        model=models.SetbackReview,
        is_list=True,
        item=ItemWords(_l("review"), _l("a review"), _l("the review"), _l("reviews")),
        order_by="setback_on",
        headline=("setback_on",),
        guidance=_l(
            "A setback does not erase progress. It is a signal to review what changed and whether "
            "the plan still fits, with concern and without blame."
        ),
        fields=(
            F("setback_on", _l("Date of the setback"), DATE, required=True),
            F("before", _l("What was different in the days or hours before")),
            F("missed_signs", _l("Looking back, were there signs that things were getting harder?"),
              help=_l("Signs anyone might notice only afterwards. This is about learning for next time, not blame.")),
            F("plan_fit", _l("Did the safety plan still fit?")),
            F("more_intensive", _l("Does care need to be more intensive for a while?")),
            F("new_problem", _l("Any new problem that needs direct care")),
            F("plan_changes", _l("Changes to the plan that follow")),
        ),
    )
)

_register(
    SectionSpec(
        kind="progress",
        title=_l("Progress check-ins"),
        short_title=_l("Progress"),
        the_title=_l("the progress"),
        model=models.CheckIn,
        is_list=True,
        item=ItemWords(_l("check-in"), _l("a check-in"), _l("the check-in"), _l("check-ins")),
        order_by="checked_on",
        headline=("checked_on",),
        guidance=_l(
            "Progress is rarely a straight line. Self-harm less often or less severely, more time between "
            "an urge and acting on it, asking for help sooner and telling someone sooner all count, "
            "even before self-harm stops."
        ),
        fields=(
            F("checked_on", _l("Week of"), DATE, required=True),
            F("episodes", _l("Times of self-harm since the last check-in"), INT, required=True, minimum=0, maximum=100),
            F("severity", _l("The most serious one"), CHOICE, choices=SEVERITY),
            F("urges", _l("Urges"), CHOICE, choices=URGES),
            F("urge_to_action", _l("Time between an urge and acting on it"), CHOICE, choices=URGE_TO_ACTION),
            F("sought_help_sooner", _l("Asked for help sooner"), CHOICE, choices=YES_NO_UNSURE),
            F("less_secrecy", _l("Told someone sooner?"), CHOICE, choices=YES_NO_UNSURE,
              help=_l("About urges or self-harm: telling someone sooner than before, or talking about it more openly.")),
            F("sleep_hours", _l("Average sleep (hours a night)"), NUMBER, minimum=0, maximum=24),
            F("suicidal_thoughts", _l("Since the last check-in, have there been thoughts of suicide?"), CHOICE,
              required=True, choices=NO_YES_UNSURE,
              help=_l("It is all right to answer yes or not sure. It does not change a score; it tells the care team "
                      "to be in touch soon.")),
            F("what_helped", _l("What helped after a close call"), max_length=2000),
            F("notes", _l("Anything else"), max_length=2000),
        ),
    )
)

if set(SPECS) != set(policy.SECTIONS):
    raise RuntimeError("every section in the policy needs a spec, and every spec a policy row")


def spec_for(kind: str, reader: str | None = None) -> SectionSpec:
    """A section's spec; with ``reader`` (a role), in the words written for them."""
    spec = SPECS[policy.check_section(kind)]
    return spec if reader is None else _for_reader(kind, policy.check_role(reader))


@cache
def _for_reader(kind: str, reader: str) -> SectionSpec:
    return SPECS[kind].for_reader(reader)


def ordered_specs(reader: str | None = None) -> list[SectionSpec]:
    return [spec_for(kind, reader) for kind in policy.SECTIONS]


def title_for(kind: str, reader: str | None) -> str:
    """A section's title as ``reader`` reads it, for other features' pages."""
    return spec_for(kind, reader).title
