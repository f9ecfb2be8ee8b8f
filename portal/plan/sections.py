"""What each section of the plan holds: its fields, labels, help and guidance.

Pages, forms, history, print views and the demo all read these specs; who may
see or change a field is decided in portal/access/policy.py, not here, and
every line saying who sees a section or a field is worked out from it
(portal/access/audience.py): none is written by hand in a label or a help text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

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
from portal.plan.readers import ABOUT_INTENT, FIELD_WORDS, SECTION_WORDS, ByRole, for_role


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
class SectionSpec:
    kind: str
    title: str
    short_title: str
    model: type
    fields: tuple[FieldSpec, ...]
    is_list: bool = False
    guidance: str = ""
    item_noun: str = "entry"
    order_by: str = "position"  # list sections: position, or a date field (newest first)
    headline: tuple[str, ...] = field(default_factory=tuple)  # fields that name an item
    printable: bool = False
    # A pointer on the edit page to another section where something belongs:
    # (text before the link, the section linked to, the link's text, text after).
    edit_note: tuple[str, str, str, str] | None = None
    # What a reader reads when it differs from the title, guidance and item
    # noun above (a page is drawn with spec_for(kind, reader)).
    titles: ByRole = ()
    guidances: ByRole = ()
    item_nouns: ByRole = ()
    empty: str = "Nothing here yet."
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
            item_noun=for_role(self.item_nouns, role, self.item_noun),
            empty=for_role(self.empties, role, self.empty),
            fields=tuple(f.for_reader(role) for f in self.fields),
        )

    @property
    def article(self) -> str:
        return "an" if self.item_noun[0] in "aeiou" else "a"

    @property
    def audience(self) -> str:
        """Who sees this section, from the policy as it is now, said to the reader."""
        return audience.section_words(self.kind, reader=self.reader)

    def field_audience(self, name: str) -> str:
        """Who sees a field, when fewer see it than see the section; else ""."""
        self.field(name)  # an unknown field raises
        return audience.field_words(self.kind, name, reader=self.reader)

    def field_help(self, name: str) -> str:
        return " ".join(part for part in (self.field(name).help, self.field_audience(name)) if part)

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
        title="Care team and named contacts",
        short_title="Care team",
        model=models.CareTeamContact,
        is_list=True,
        item_noun="contact",
        headline=("name", "role_title"),
        guidance=(
            "Who is in the team around the young person, how and when to reach each of them, "
            "and who is responsible for what. When roles are unclear, confusion builds quickly: "
            "name one person for each responsibility."
        ),
        fields=(
            F("contact_kind", "Kind of contact", CHOICE, required=True, choices=CONTACT_KINDS),
            F("name", "Name", LINE, required=True, max_length=200),
            F("role_title", "Role or title", LINE, max_length=200, help="For example: therapist, mother, school counselor."),
            F("organisation", "Organisation", LINE, max_length=200),
            F("phone", "Phone", LINE, max_length=60),
            F("email", "Email", LINE, max_length=254),
            F("availability", "How and when to reach them", TEXT, max_length=1000,
              help="Hours, after-hours arrangements, the best way to get a message through."),
            F("reachable", "Can be reached", MULTI, choices=REACHABLE,
              help="The times this person or service answers, so the plan can show who to call right now."),
            F("responsibilities", "Responsible for", MULTI, choices=RESPONSIBILITIES),
        ),
    )
)

_register(
    SectionSpec(
        kind="school_plan",
        title="In-school distress plan",
        short_title="In-school plan",
        model=models.SchoolPlan,
        printable=True,
        guidance=(
            "What staff do if distress rises during the school day: a private route to help for the "
            "student, the steps staff take in order, and whom they call. It says what to do, never why."
        ),
        fields=(
            F("warning_signs", "Signs staff may notice", help="What staff might see, in plain words."),
            F("student_actions", "What the student will do",
              help="The private route to help: a pass, a quiet room, a named adult."),
            F("staff_steps", "Steps staff take, in order", required=True, help="One step a line."),
            F("who_to_call", "Whom staff call, and when"),
            F("call_caregivers_when", "When to call caregivers"),
            F("call_emergency_when", "When to call emergency services"),
            F("return_to_class", "How the student returns to class"),
            F("staff_notes", "Background notes", help="Context behind the steps, in a few words."),
        ),
    )
)

_register(
    SectionSpec(
        kind="adjustments",
        title="Deadline flexibility and school adjustments",
        short_title="Adjustments",
        model=models.Adjustment,
        is_list=True,
        item_noun="adjustment",
        order_by="start_date",
        headline=("kind", "subjects"),
        guidance=(
            "Flexibility with deadlines and school work after a crisis: what to allow, and until when."
        ),
        fields=(
            F("kind", "Kind of adjustment", CHOICE, required=True, choices=ADJUSTMENT_KINDS),
            F("subjects", "Subjects", LINE, max_length=300, help="Separate subjects with commas."),
            F("details", "What to allow", max_length=2000),
            F("start_date", "From", DATE, required=True),
            F("end_date", "Until", DATE),
            F("approved_by", "Approved by", LINE, max_length=200),
            F("reason", "Reason", max_length=2000),
        ),
    )
)

_register(
    SectionSpec(
        kind="return_to_school",
        title="Return to school",
        short_title="Return to school",
        model=models.ReturnToSchool,
        printable=True,
        guidance=(
            "After time away from school: how the student comes back, step by step. "
            "It says what happens and what to allow, never why."
        ),
        edit_note=(
            "What to allow in lessons and with deadlines goes in ",
            "adjustments",
            "Adjustments",
            ", so teachers see it with the dates it applies.",
        ),
        fields=(
            F("ready_from", "Ready to go back from", DATE,
              help="Set by the care team. The school contact is then asked to plan the return."),
            F("meeting_at", "Return meeting", DATETIME),
            F("meeting_attendees", "Who attends the meeting", max_length=1000),
            F("timetable", "Phased timetable", help="For example: mornings only in the first week. One step a line."),
            F("adjustments_needed", "Adjustments the return needs", max_length=2000),
            F("first_days", "Who checks in on the first days, and when", max_length=2000),
            F("staff_steps", "What staff do and allow", help="What teachers need to know to help, in plain words."),
        ),
    )
)

_register(
    SectionSpec(
        kind="safety_plan",
        title="Safety plan",
        short_title="Safety plan",
        model=models.SafetyPlan,
        printable=True,
        guidance=(
            "Written with the young person, in their own words, so it can be used under stress. "
            "Short, specific and realistic beats long and complete. " + ABOUT_INTENT
        ),
        fields=(
            F("warning_signs", "My warning signs", help="Thoughts, feelings or situations that come before urges."),
            F("triggers", "Things that can set it off"),
            F("coping_steps", "Things I can try first, on my own"),
            F("people_places", "People and places that help me feel better"),
            F("people_to_ask", "People I can ask for help",
              help="With their number and when they can be reached: school hours, evenings, nights, weekends."),
            F("professionals", "People whose job is to help, and when I can reach them",
              help="Your clinician, a crisis line, after-hours services: each with its number and the hours it "
              "answers (school hours, evenings, nights, weekends). The care team's contacts say the same, for the "
              "right-now page."),
            F("safer_environment", "Making my surroundings safer"),
            F("what_matters", "What matters most to me"),
            F("if_suicidal_thoughts", "If thoughts of suicide come",
              help="The first things to do and whom to call, written so they can be followed at a bad moment."),
            F("what_helped", "What helped after a close call"),
        ),
    )
)

_register(
    SectionSpec(
        kind="home_safety",
        title="Home safety and caregiver guidance",
        short_title="Home safety",
        model=models.HomeSafety,
        guidance=(
            "Caregivers do not have to watch every move or have every answer. What helps most is a calm, "
            "caring manner, listening with interest, and a home where medicines and sharp things are put away. "
            "Questioning again and again, punishment, or checking their body for marks tend to make things harder "
            "and push self-harm out of sight. " + ABOUT_INTENT
        ),
        fields=(
            F("medicines_locked", "Medicines are stored locked away", BOOL),
            F("medicines_limited", "Medicines at home are kept to small quantities", BOOL),
            F("sharps_secured", "Sharp items are put away", BOOL),
            F("alcohol_secured", "Alcohol and non-prescribed drugs are out of reach", BOOL),
            F("checklist_notes", "Notes on the checklist"),
            F("helpful_responses", "Responses that help"),
            F("unhelpful_responses", "Responses that make things harder"),
            F("when_urges_rise", "What to do when urges rise at home"),
            F("medication_safety", "Medication safety, from the prescriber",
              help="Storage, quantities, and which changes need urgent contact, written for the family. "
              "The diagnosis, the medicine's purpose and the treatment notes stay in Assessment and treatment."),
        ),
    )
)

_register(
    SectionSpec(
        kind="clinical",
        title="Assessment and treatment",
        short_title="Assessment and treatment",
        model=models.ClinicalRecord,
        guidance=(
            "Record what was understood and agreed, not a label: Support Circle never rates or scores anyone. "
            "Non-suicidal self-harm and a suicide attempt are not the same, but they can overlap and intent can "
            "shift, so ask about it directly at each review and record the answer in the person's words."
        ),
        # Caregivers never read this section, so what they must do about
        # medicines at home is written for them there, without the detail here.
        edit_note=(
            "Medication-safety instructions for the family go in ",
            "home_safety",
            "Home safety",
            ": caregivers read them there, without the clinical detail on this page.",
        ),
        fields=(
            F("assessment_function", "What the behaviour does for the person"),
            F("assessment_triggers", "Triggers"),
            F("frequency_change", "Frequency and change over time"),
            F("methods", "Methods", help="What has been used, and whether it has changed."),
            F("medical_care_needed", "Whether medical care has been needed"),
            F("suicidal_thoughts", "Suicidal thoughts or intent",
              help="Asked directly and recorded in the person's words; intent can shift, so ask again at each review."),
            F("wider_context", "The wider context",
              help="Sleep, school, relationships, bullying, abuse, losses, online life, and any safeguarding concern."),
            F("coexisting", "Coexisting conditions", MULTI, choices=COEXISTING_CONDITIONS),
            F("coexisting_conditions", "Notes on coexisting conditions",
              help="How each one shows, and how it is being treated."),
            F("therapy_modality", "Therapy", MULTI, choices=THERAPY_MODALITIES,
              help="Choose every approach in use; DBT-A with family work is common."),
            F("therapy_provider", "Therapy provided by"),
            F("therapy_frequency", "How often"),
            F("therapy_description", "What therapy looks like",
              help="Individual, family or group sessions; skills practice between them."),
            F("medication", "Medication"),
            F("medication_for", "The condition it treats",
              help="Medication treats a coexisting condition, such as depression; it is not a treatment for self-harm itself."),
            F("prescriber", "Prescriber"),
            F("quantity_limits", "Quantity limits"),
            F("medication_monitoring", "Monitoring plan"),
            F("medication_review_on", "Next medication review", DATE,
              help="After a start or a change of dose; saving it books a follow-up for that day."),
            F("harm_minimisation", "Harm-minimisation advice",
              help="Only where the clinician judges it right, as part of the wider plan."),
        ),
    )
)

_register(
    SectionSpec(
        kind="follow_ups",
        title="Follow-ups and reviews",
        short_title="Follow-ups",
        model=models.FollowUp,
        is_list=True,
        item_noun="follow-up",
        order_by="due_at",
        headline=("kind", "due_at"),
        guidance=(
            "After a hard time, close follow-up matters more than good intentions. "
            "Every appointment and review has a date and a person."
        ),
        fields=(
            F("kind", "Kind", CHOICE, required=True, choices=FOLLOW_UP_KINDS),
            F("due_at", "When", DATETIME, required=True),
            F("with_whom", "With whom", LINE, max_length=200),
            F("location", "Where", LINE, max_length=200),
            F("status", "Status", CHOICE, required=True, choices=FOLLOW_UP_STATUSES),
            F("details", "What it is for", max_length=2000),
        ),
    )
)

_register(
    SectionSpec(
        kind="episodes",
        title="In-school episodes",
        short_title="Uses of the school plan",
        model=models.Episode,
        is_list=True,
        item_noun="episode",
        order_by="occurred_at",
        headline=("occurred_at", "outcome"),
        guidance="Record what staff saw and did. Do not guess at causes.",
        fields=(
            F("occurred_at", "When", DATETIME, required=True),
            F("observed", "What staff observed", required=True, max_length=3000),
            F("steps_taken", "Steps from the plan that were taken", max_length=3000),
            F("contacted", "Who was contacted, and when", max_length=2000),
            F("emergency_services", "Emergency services were called", BOOL),
            F("outcome", "Afterwards the student", CHOICE, required=True, choices=EPISODE_OUTCOMES),
        ),
    )
)

_register(
    SectionSpec(
        kind="events",
        title="Events outside school",
        short_title="Events outside school",
        model=models.OutsideEvent,
        is_list=True,
        item_noun="event",
        order_by="occurred_at",
        headline=("kind", "occurred_at"),
        guidance=(
            "What happened away from school, and what was done: at home, at an emergency department, "
            "in hospital or on a crisis line. Record what happened, not why. An emergency visit or a "
            "discharge starts aftercare, which the clinicians arrange within a day or two. " + ABOUT_INTENT
        ),
        fields=(
            F("kind", "What happened", CHOICE, required=True, choices=EVENT_KINDS),
            F("occurred_at", "When", DATETIME, required=True),
            F("place", "Where", LINE, max_length=200, help="For example: at home, or the hospital's name."),
            F("what_was_done", "What was done", required=True, max_length=3000),
            F("medical_care", "Medical care was needed", CHOICE, choices=YES_NO_UNSURE),
            F("who_knows", "Who knows about it", max_length=1000),
        ),
    )
)

_register(
    SectionSpec(
        kind="setback_reviews",
        title="Setback reviews",
        short_title="Setback reviews",
        model=models.SetbackReview,
        is_list=True,
        item_noun="review",
        order_by="setback_on",
        headline=("setback_on",),
        guidance=(
            "A setback does not erase progress. It is a signal to review what changed and whether "
            "the plan still fits, with concern and without blame."
        ),
        fields=(
            F("setback_on", "Date of the setback", DATE, required=True),
            F("before", "What was different in the days or hours before"),
            F("missed_signs", "Looking back, were there signs that things were getting harder?",
              help="Signs anyone might notice only afterwards. This is about learning for next time, not blame."),
            F("plan_fit", "Did the safety plan still fit?"),
            F("more_intensive", "Does care need to be more intensive for a while?"),
            F("new_problem", "Any new problem that needs direct care"),
            F("plan_changes", "Changes to the plan that follow"),
        ),
    )
)

_register(
    SectionSpec(
        kind="progress",
        title="Progress check-ins",
        short_title="Progress",
        model=models.CheckIn,
        is_list=True,
        item_noun="check-in",
        order_by="checked_on",
        headline=("checked_on",),
        guidance=(
            "Progress is rarely a straight line. Self-harm less often or less severely, more time between "
            "an urge and acting on it, asking for help sooner and telling someone sooner all count, "
            "even before self-harm stops."
        ),
        fields=(
            F("checked_on", "Week of", DATE, required=True),
            F("episodes", "Times of self-harm since the last check-in", INT, required=True, minimum=0, maximum=100),
            F("severity", "The most serious one", CHOICE, choices=SEVERITY),
            F("urges", "Urges", CHOICE, choices=URGES),
            F("urge_to_action", "Time between an urge and acting on it", CHOICE, choices=URGE_TO_ACTION),
            F("sought_help_sooner", "Asked for help sooner", CHOICE, choices=YES_NO_UNSURE),
            F("less_secrecy", "Told someone sooner?", CHOICE, choices=YES_NO_UNSURE,
              help="About urges or self-harm: telling someone sooner than before, or talking about it more openly."),
            F("sleep_hours", "Average sleep (hours a night)", NUMBER, minimum=0, maximum=24),
            F("suicidal_thoughts", "Since the last check-in, have there been thoughts of suicide?", CHOICE,
              required=True, choices=NO_YES_UNSURE,
              help="It is all right to answer yes or not sure. It does not change a score; it tells the care team "
              "to be in touch soon."),
            F("what_helped", "What helped after a close call", max_length=2000),
            F("notes", "Anything else", max_length=2000),
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
