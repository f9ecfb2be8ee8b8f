"""The plan's sections as typed models, and the history every save leaves.

Each section row carries a ``version`` that SQLAlchemy checks on UPDATE
(``version_id_col``): a save from an outdated form is caught in the service,
and a race between two saves is caught by the database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal.clock import UTCDateTime, now
from portal.extensions import db


class VersionedRow:
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # The language of the page its words were last typed on (a code of
    # LANGUAGES): shown as written, marked with it where the reader's page is
    # in another (portal/languages.py). None: from before languages, English.
    language: Mapped[str | None] = mapped_column(String(8))

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id"))

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class DocumentSection(VersionedRow):
    """A section that is one document per circle."""

    @declared_attr
    def circle_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("circle.id"), unique=True)


class ListItem(VersionedRow):
    """One entry of a list section; removal is a mark, never a delete."""

    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def circle_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("circle.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id"))

    @declared_attr
    def removed_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id"))


def _text() -> Mapped[str]:
    return mapped_column(Text, default="")


class SchoolPlan(DocumentSection, db.Model):
    __tablename__ = "school_plan"
    warning_signs: Mapped[str] = _text()
    student_actions: Mapped[str] = _text()
    staff_steps: Mapped[str] = _text()
    who_to_call: Mapped[str] = _text()
    call_caregivers_when: Mapped[str] = _text()
    call_emergency_when: Mapped[str] = _text()
    return_to_class: Mapped[str] = _text()
    staff_notes: Mapped[str] = _text()


class SafetyPlan(DocumentSection, db.Model):
    __tablename__ = "safety_plan"
    warning_signs: Mapped[str] = _text()
    triggers: Mapped[str] = _text()
    coping_steps: Mapped[str] = _text()
    people_places: Mapped[str] = _text()
    people_to_ask: Mapped[str] = _text()
    professionals: Mapped[str] = _text()
    safer_environment: Mapped[str] = _text()
    what_matters: Mapped[str] = _text()
    if_suicidal_thoughts: Mapped[str] = _text()
    what_helped: Mapped[str] = _text()


class HomeSafety(DocumentSection, db.Model):
    __tablename__ = "home_safety"
    medicines_locked: Mapped[bool] = mapped_column(default=False)
    medicines_limited: Mapped[bool] = mapped_column(default=False)
    sharps_secured: Mapped[bool] = mapped_column(default=False)
    alcohol_secured: Mapped[bool] = mapped_column(default=False)
    checklist_notes: Mapped[str] = _text()
    helpful_responses: Mapped[str] = _text()
    unhelpful_responses: Mapped[str] = _text()
    when_urges_rise: Mapped[str] = _text()
    medication_safety: Mapped[str] = _text()


class ClinicalRecord(DocumentSection, db.Model):
    __tablename__ = "clinical_record"
    assessment_function: Mapped[str] = _text()
    assessment_triggers: Mapped[str] = _text()
    frequency_change: Mapped[str] = _text()
    suicidal_thoughts: Mapped[str] = _text()
    methods: Mapped[str] = _text()
    medical_care_needed: Mapped[str] = _text()
    wider_context: Mapped[str] = _text()
    # Comma-separated codes from sections.COEXISTING_CONDITIONS; the notes beside them.
    coexisting: Mapped[str] = mapped_column(String(200), default="")
    coexisting_conditions: Mapped[str] = _text()
    # Comma-separated codes from sections.THERAPY_MODALITIES: often more than one.
    therapy_modality: Mapped[str] = mapped_column(String(200), default="")
    therapy_provider: Mapped[str] = _text()
    therapy_frequency: Mapped[str] = _text()
    therapy_description: Mapped[str] = _text()
    medication: Mapped[str] = _text()
    medication_for: Mapped[str] = _text()
    prescriber: Mapped[str] = _text()
    quantity_limits: Mapped[str] = _text()
    medication_monitoring: Mapped[str] = _text()
    medication_review_on: Mapped[date | None] = mapped_column(Date)
    harm_minimisation: Mapped[str] = _text()


class ReturnToSchool(DocumentSection, db.Model):
    """How the student comes back after hospital or a long absence; never why."""

    __tablename__ = "return_to_school"
    ready_from: Mapped[date | None] = mapped_column(Date)
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_attendees: Mapped[str] = _text()
    timetable: Mapped[str] = _text()
    adjustments_needed: Mapped[str] = _text()
    first_days: Mapped[str] = _text()
    staff_steps: Mapped[str] = _text()


class CareTeamContact(ListItem, db.Model):
    __tablename__ = "care_team_contact"
    contact_kind: Mapped[str] = mapped_column(String(20), default="person")
    name: Mapped[str] = mapped_column(String(200))
    role_title: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    availability: Mapped[str] = _text()
    # Comma-separated codes from sections.REACHABLE: when they can be reached.
    reachable: Mapped[str] = mapped_column(String(100), default="")
    # Comma-separated codes from sections.RESPONSIBILITIES.
    responsibilities: Mapped[str] = mapped_column(String(200), default="")
    # Set when the contact is a member's own entry, which they may edit.
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"))


class Adjustment(ListItem, db.Model):
    __tablename__ = "adjustment"
    kind: Mapped[str] = mapped_column(String(40))
    subjects: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[str] = _text()
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = _text()


class FollowUp(ListItem, db.Model):
    __tablename__ = "follow_up"
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    with_whom: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    details: Mapped[str] = _text()
    # The event outside school this aftercare answers (kind "aftercare").
    outside_event_id: Mapped[int | None] = mapped_column(ForeignKey("outside_event.id"), index=True)


class Episode(ListItem, db.Model):
    __tablename__ = "episode"
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[str] = _text()
    steps_taken: Mapped[str] = _text()
    contacted: Mapped[str] = _text()
    emergency_services: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    # The school the circle was at when this was recorded: a school that takes
    # over after a move does not reach it (policy.SCHOOL_RECORDS). Stamped by
    # plan.services.add_item; NULL when the circle had no school then, until
    # the school is recorded (portal/school/schools.py: it was made there).
    school_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))

    @declared_attr
    def recorded_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id"), index=True)


class OutsideEvent(ListItem, db.Model):
    """Something that happened away from school: at home, in hospital, on a
    crisis line. Never read by school roles (policy.NEVER_SHARED_WITH_SCHOOL)."""

    __tablename__ = "outside_event"
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    what_was_done: Mapped[str] = _text()
    medical_care: Mapped[str] = mapped_column(String(20), default="")
    who_knows: Mapped[str] = _text()


class SetbackReview(ListItem, db.Model):
    __tablename__ = "setback_review"
    setback_on: Mapped[date] = mapped_column(Date)
    before: Mapped[str] = _text()
    missed_signs: Mapped[str] = _text()
    plan_fit: Mapped[str] = _text()
    more_intensive: Mapped[str] = _text()
    new_problem: Mapped[str] = _text()
    plan_changes: Mapped[str] = _text()


class CheckIn(ListItem, db.Model):
    __tablename__ = "check_in"
    checked_on: Mapped[date] = mapped_column(Date)
    episodes: Mapped[int] = mapped_column(default=0)
    severity: Mapped[str] = mapped_column(String(40), default="")
    urges: Mapped[str] = mapped_column(String(40), default="")
    urge_to_action: Mapped[str] = mapped_column(String(40), default="")
    sought_help_sooner: Mapped[str] = mapped_column(String(20), default="")
    less_secrecy: Mapped[str] = mapped_column(String(20), default="")
    sleep_hours: Mapped[float | None] = mapped_column()
    # The direct question, asked every time: yes, no or not sure. Nothing is
    # computed from it (DESIGN.md, principle 5).
    suicidal_thoughts: Mapped[str] = mapped_column(String(20), default="")
    what_helped: Mapped[str] = _text()
    notes: Mapped[str] = _text()


class SectionVersion(db.Model):
    """One saved state of a section or list item: who, when, and every field.

    Read only through the section's policy, and filtered field by field, so
    history shows a role no more than the section page does.
    """

    __tablename__ = "section_version"
    __table_args__ = (Index("ix_section_version_circle_kind", "circle_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"))
    kind: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column()
    number: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(20))
    snapshot: Mapped[dict] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # The setback review this change follows from, when the clinician said so:
    # history shows the review's answers beside the change (portal/followup).
    setback_review_id: Mapped[int | None] = mapped_column(ForeignKey("setback_review.id"), index=True)


class ConflictCopy(db.Model):
    """The text someone submitted from an outdated version: kept, never lost."""

    __tablename__ = "conflict_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column()
    base_version: Mapped[int] = mapped_column()
    current_version: Mapped[int] = mapped_column()
    submitted: Mapped[dict] = mapped_column(JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
