"""The circle as a FHIR R4 Bundle for the clinic's record, built with the
fhir.resources library (its R4B models, FHIR 4.3.0) and validated by it
before it is served.

- ``Patient``: the young person, with only the name the circle uses.
- ``CareTeam``: the care-team contacts; each as a ``RelatedPerson`` (the
  family), a ``Practitioner`` with a ``PractitionerRole`` (other people: how
  to reach them, when) or an ``Organization`` (services), their roles and
  responsibilities as participant roles.
- ``Consent``: each agreement to share a section beyond its usual readers,
  in force or not, with its period and whose word it rests on.
- ``Appointment``: each follow-up, plan review and school review.
- ``Goal``: the return to school, where the plan has one.
- ``CarePlan``: the plan, linking the above; the adjustments at school as its
  activities; the plan's written parts as its notes. The assessment and
  treatment text goes in only when the clinician asks for it.

Every field comes through the one policy (the reader's role and standing,
the fields it hides, the rows it scopes), as on the pages: nothing of a part
the reader may not read is in the file.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from fhir.resources.R4B.bundle import Bundle
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.access.queries import member_can, standing_for
from portal.circles.models import Membership
from portal.extensions import db
from portal.plan.queries import document, items
from portal.plan.sections import SPECS
from portal.sharing.services import agreements

# Ids stable across downloads of the same circle (a record that imports the
# file twice can tell a resource it has from a new one), made with this
# deployment's secret: another deployment's circle 1 never shares them, and
# they say nothing of the ids inside the portal.
_ID_LABEL = b"support-circle-fhir-ids"
# The written parts of the plan that become the CarePlan's notes, in order.
NOTED = ("safety_plan", "school_plan", "home_safety", "return_to_school")
ASSESSMENT = "clinical"
APPOINTMENT_STATUS = {
    "scheduled": "booked",
    "to_arrange": "proposed",
    "attended": "fulfilled",
    "missed": "noshow",
    "rescheduled": "cancelled",
}
CONSENT_SCOPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]}
CONSENT_CATEGORY = [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}]
FAMILY_ROLES = frozenset({policy.CAREGIVER})


def _when(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


@dataclass
class _Reader:
    """What one member may read, asked of the policy once."""

    membership: object
    standing: object = None

    def __post_init__(self):
        self.standing = standing_for(self.membership)

    def reads(self, kind: str) -> bool:
        return member_can(self.membership, kind, policy.READ)

    def sees(self, kind: str, name: str) -> bool:
        return policy.field_visible(self.membership.role, kind, name, self.standing)


@dataclass
class _Builder:
    reader: _Reader
    circle: object
    entries: list = field(default_factory=list)
    included: list = field(default_factory=list)  # the sections whose content went in
    _id_key: bytes = b""
    _documents: dict = field(default_factory=dict)  # each document section read once

    def __post_init__(self):
        self._id_key = hmac.new(current_app.config["SECRET_KEY"].encode(), _ID_LABEL, hashlib.sha256).digest()

    def ref(self, *parts) -> str:
        name = "/".join(str(part) for part in (self.circle.id, *parts)).encode()
        return str(uuid.UUID(bytes=hmac.new(self._id_key, name, hashlib.sha256).digest()[:16], version=4))

    def document(self, kind: str):
        if kind not in self._documents:
            self._documents[kind] = document(self.circle.id, SPECS[kind])
        return self._documents[kind]

    def add(self, resource: dict) -> dict:
        self.entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
        return {"reference": f"urn:uuid:{resource['id']}"}

    def include(self, kind: str) -> None:
        if kind not in self.included:
            self.included.append(kind)

    def value(self, kind: str, row, name: str):
        """A field's value, or None when the policy hides it or it is empty."""
        if row is None or not self.reader.sees(kind, name):
            return None
        found = getattr(row, name, None)
        return found if found not in ("", None) else None

    def rows(self, kind: str) -> list:
        if not self.reader.reads(kind):
            return []
        return items(self.circle.id, SPECS[kind], self.reader.membership)

    def written(self, kind: str) -> str | None:
        """A document section as "Label: value" lines, in the reader's language."""
        if not self.reader.reads(kind):
            return None
        spec = SPECS[kind]
        row = self.document(kind)
        lines = []
        for field_spec in spec.fields:
            value = self.value(kind, row, field_spec.name)
            if value is not None:
                lines.append(f"{field_spec.label}: {_shown(field_spec, value)}")
        if not lines:
            return None
        self.include(kind)
        return f"{spec.title}\n" + "\n".join(lines)


def _shown(field_spec, value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime | date):
        return _when(value)
    choices = dict(field_spec.choices or ())
    if choices:
        codes = str(value).split(",")
        return ", ".join(str(choices.get(code, code)) for code in codes)
    return str(value)


def _choice(kind: str, name: str, code: str) -> str:
    return str(dict(SPECS[kind].field(name).choices or ()).get(code, code))


def _telecom(phone, email) -> list[dict]:
    found = [{"system": "phone", "value": phone}] if phone else []
    return found + ([{"system": "email", "value": email}] if email else [])


def _care_team(build: _Builder, patient: dict) -> dict | None:
    contacts = build.rows("care_team")
    if not contacts:
        return None
    build.include("care_team")
    roles = dict(db.session.execute(select(Membership.id, Membership.role).where(Membership.circle_id == build.circle.id)).all())
    participants = []
    for contact in contacts:
        def value(name, row=contact):
            return build.value("care_team", row, name)

        name, telecom = value("name") or "", _telecom(value("phone"), value("email"))
        rid = build.ref("care_team", contact.id)
        if roles.get(contact.membership_id) == policy.YOUNG_PERSON:
            member = patient  # their own entry: the Patient, with only the circle's name
        elif value("contact_kind") == "service":
            member = build.add({"resourceType": "Organization", "id": rid, "name": name, "telecom": telecom or None})
        elif roles.get(contact.membership_id) in FAMILY_ROLES:
            member = build.add({
                "resourceType": "RelatedPerson", "id": rid, "patient": patient, "name": [{"text": name}],
                "telecom": telecom or None,
                "relationship": [{"text": value("role_title")}] if value("role_title") else None,
            })
        else:
            person = build.add({"resourceType": "Practitioner", "id": build.ref("practitioner", contact.id),
                                "name": [{"text": name}], "telecom": telecom or None})
            member = build.add({
                "resourceType": "PractitionerRole", "id": rid, "practitioner": person,
                "organization": {"display": value("organisation")} if value("organisation") else None,
                "code": [{"text": value("role_title")}] if value("role_title") else None,
                "telecom": telecom or None,
                "availabilityExceptions": value("availability"),
            })
        member = {**member, "display": build.circle.young_person_name if member is patient else name}
        responsibilities = value("responsibilities")
        if responsibilities:
            responsibilities = _shown(SPECS["care_team"].field("responsibilities"), responsibilities)
        participant_roles = [{"text": text} for text in (value("role_title"), responsibilities) if text]
        participants.append({"member": member, "role": participant_roles or None})
    return build.add({
        "resourceType": "CareTeam", "id": build.ref("care_team"), "status": "active",
        "name": "Support Circle", "subject": patient, "participant": participants,
    })


def _consents(build: _Builder, patient: dict) -> None:
    now = clock.now()
    for agreement in agreements(build.circle.id):
        if agreement.section not in policy.SECTIONS:
            continue
        # Agreed, and in force or still to start (its period says when): active; ended or withdrawn: inactive.
        ended = agreement.withdrawn_at is not None or (agreement.ends_at is not None and agreement.ends_at <= now)
        status = "inactive" if ended else "active"
        ends = agreement.withdrawn_at or agreement.ends_at
        role = str(policy.ROLE_LABELS[agreement.role])
        build.add({
            "resourceType": "Consent", "id": build.ref("agreement", agreement.id), "status": status,
            "scope": CONSENT_SCOPE, "category": CONSENT_CATEGORY, "patient": patient,
            "dateTime": _when(agreement.starts_at),
            "performer": [{"display": _agreed_by(agreement.agreed_by)}],
            "policyRule": {"text": _("An agreement to share, recorded in Support Circle")},
            "provision": {
                "type": "permit",
                "period": {"start": _when(agreement.starts_at), "end": _when(ends)},
                "actor": [{"role": {"text": role}, "reference": {"display": role}}],
                "code": [{"text": str(policy.SECTION_TITLES[agreement.section])}],
            },
        })


def _agreed_by(agreed_by: str) -> str:
    if agreed_by == "young_person":
        return _("the young person")
    if agreed_by == "guardian":
        return _("a parent or guardian")
    return _("the young person and a parent or guardian")


def _appointments(build: _Builder, patient: dict) -> list[dict]:
    found = []
    for follow_up in build.rows("follow_ups"):
        def value(name, row=follow_up):
            return build.value("follow_ups", row, name)

        build.include("follow_ups")
        with_whom = value("with_whom")
        participants = [{"actor": patient, "status": "accepted"}]
        if with_whom:
            participants.append({"actor": {"display": with_whom}, "status": "accepted"})
        comment = "\n".join(str(text) for text in (value("location"), value("details")) if text) or None
        kind, status = value("kind"), APPOINTMENT_STATUS.get(value("status") or "scheduled", "booked")
        due = _when(value("due_at"))
        # Still being arranged, the time is a deadline ("due by"), not a slot: a requested period.
        when = {"requestedPeriod": [{"end": due}]} if status == "proposed" else {"start": due, "end": due}
        found.append(build.add({
            "resourceType": "Appointment", "id": build.ref("follow_up", follow_up.id), "status": status,
            "description": _choice("follow_ups", "kind", kind) if kind else None,
            **when,
            "comment": comment,
            "participant": participants,
        }))
    return found


def _goals(build: _Builder, patient: dict) -> list[dict]:
    if not build.reader.reads("return_to_school"):
        return []
    row = build.document("return_to_school")
    ready_from = build.value("return_to_school", row, "ready_from")
    if ready_from is None:
        return []
    build.include("return_to_school")
    # The day the young person may start going back: when the goal starts, not proof that it was met.
    return [build.add({
        "resourceType": "Goal", "id": build.ref("goal", "return_to_school"), "lifecycleStatus": "active",
        "description": {"text": _("Return to school")}, "subject": patient, "startDate": _when(ready_from),
    })]


def _activities(build: _Builder, appointments: list[dict]) -> list[dict]:
    activities = [{"reference": appointment} for appointment in appointments]
    today = clock.today()
    for adjustment in build.rows("adjustments"):
        def value(name, row=adjustment):
            return build.value("adjustments", row, name)

        build.include("adjustments")
        start, end = value("start_date"), value("end_date")
        status = "not-started" if start and start > today else ("completed" if end and end < today else "in-progress")
        kind = value("kind")
        described = "\n".join(str(text) for text in (value("subjects"), value("details")) if text) or None
        activities.append({"detail": {
            "status": status,
            "code": {"text": _choice("adjustments", "kind", kind)} if kind else None,
            "scheduledPeriod": {"start": _when(start), "end": _when(end)} if start else None,
            "description": described,
        }})
    return activities


def build_bundle(membership, *, with_assessment: bool = False) -> tuple[Bundle, tuple[str, ...]]:
    """The circle as a validated FHIR Bundle for this member, and the sections it holds content of."""
    circle = membership.circle
    build = _Builder(_Reader(membership), circle)
    patient = build.add({"resourceType": "Patient", "id": build.ref("patient"), "name": [{"text": circle.young_person_name}]})
    care_team = _care_team(build, patient)
    _consents(build, patient)
    appointments = _appointments(build, patient)
    goals = _goals(build, patient)
    notes = [text for kind in NOTED if (text := build.written(kind))]
    if with_assessment and (assessment := build.written(ASSESSMENT)):
        notes.append(assessment)
    build.add({
        "resourceType": "CarePlan", "id": build.ref("care_plan"), "status": "active", "intent": "plan",
        "title": _("Support plan"), "subject": patient, "created": _when(circle.created_at),
        "careTeam": [care_team] if care_team else None,
        "goal": goals or None,
        "activity": _activities(build, appointments) or None,
        "note": [{"text": text} for text in notes] or None,
    })
    data = {
        # In the reader's language: the labels and the words around what was typed.
        "resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection", "language": str(get_locale()),
        "timestamp": _when(clock.now()),
        "entry": build.entries,
    }
    # Validated by the library before anyone is given it: a field it refuses is a 500 here, not a bad file there.
    return Bundle.model_validate(_pruned(data)), tuple(build.included)


def _pruned(value):
    """Without the Nones and the empty lists that FHIR does not allow."""
    if isinstance(value, dict):
        kept = {key: _pruned(found) for key, found in value.items() if found is not None}
        return {key: found for key, found in kept.items() if found not in ([], {})}
    if isinstance(value, list):
        return [_pruned(found) for found in value if found is not None]
    return value


def as_json(bundle: Bundle) -> str:
    return bundle.model_dump_json(exclude_none=True)
