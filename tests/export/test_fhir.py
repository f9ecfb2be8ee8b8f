"""The circle as FHIR R4 for the clinic (issue 18): a clinician's download is a
Bundle the fhir.resources library validates and reads back unchanged, with
every resource of its kind; it holds each part the clinician reads (a marker
in every text field shows where), the assessment only when asked, nothing the
policy hides or that is not part of the plan; every other role is refused,
and the download is in "who has seen this plan"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.sharing import services as sharing_services
from tests import factories

README = Path(__file__).resolve().parents[2] / "README.md"
WRITTEN = ("safety_plan", "school_plan", "home_safety", "return_to_school", "clinical", "care_team",
           "follow_ups", "adjustments", "events", "progress", "episodes", "setback_reviews")


@pytest.fixture
def written(world):
    users = world.users
    authors = {"school_plan": policy.SCHOOL_CONTACT, "adjustments": policy.SCHOOL_CONTACT,
               "return_to_school": policy.SCHOOL_CONTACT, "episodes": policy.SCHOOL_CONTACT}
    for kind in WRITTEN:
        factories.write_section(world.circle, kind, users[authors.get(kind, policy.CLINICIAN)], f"MARK{kind}")
    agreement = sharing_services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person",
                                        None, users[policy.YOUNG_PERSON])
    sharing_services.record(world.circle.id, "progress", policy.SCHOOL_CONTACT, "both", None, users[policy.CLINICIAN])
    sharing_services.withdraw(agreement, users[policy.YOUNG_PERSON])
    db.session.commit()
    return world


def download(app, login_as, world, role=policy.CLINICIAN, **args):
    client = login_as(world.users[role], app.test_client())
    return client.get(f"/circles/{world.circle.id}/fhir/bundle.json", query_string=args)


def markers(text: str) -> set[str]:
    return set(re.findall(r"MARK([a-z_]+)-", text))


def test_the_download_is_a_valid_bundle_that_reads_back_unchanged(app, login_as, written):
    response = download(app, login_as, written)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert written.circle.young_person_name not in response.headers["Content-Disposition"]
    bundle = Bundle.model_validate_json(response.text)  # refuses what FHIR R4 does not allow
    again = Bundle.model_validate_json(bundle.model_dump_json(exclude_none=True))
    assert json.loads(again.model_dump_json(exclude_none=True)) == json.loads(response.text)
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    for kind in ("Patient", "CareTeam", "Consent", "Appointment", "Goal", "CarePlan"):
        assert kind in kinds, kind
    # Each resource is the library's own model of its kind, references resolve inside the bundle.
    urls = {entry.fullUrl for entry in bundle.entry}
    for entry in bundle.entry:
        assert type(entry.resource).__name__ == entry.resource.get_resource_type()
    assert set(re.findall(r'"reference":"(urn:uuid:[0-9a-f-]+)"', response.text)) <= urls


def test_the_patient_has_only_the_name_the_circle_uses(app, login_as, written):
    data = json.loads(download(app, login_as, written).text)
    patient = next(entry["resource"] for entry in data["entry"] if entry["resource"]["resourceType"] == "Patient")
    assert set(patient) == {"resourceType", "id", "name"}
    assert patient["name"] == [{"text": written.circle.young_person_name}]


def test_it_holds_the_plan_and_the_assessment_only_when_asked(app, login_as, written):
    plain = download(app, login_as, written).text
    assert markers(plain) == {"safety_plan", "school_plan", "home_safety", "return_to_school", "care_team",
                              "follow_ups", "adjustments"}
    asked = download(app, login_as, written, assessment="1").text
    assert markers(asked) == markers(plain) | {"clinical"}
    # Records of what happened are not the plan: never in the file.
    for kind in ("events", "progress", "episodes", "setback_reviews"):
        assert f"MARK{kind}" not in asked


def test_a_field_the_policy_hides_is_not_in_the_file(app, login_as, written, monkeypatch):
    monkeypatch.setitem(policy.HIDDEN_FIELDS, ("safety_plan", "triggers"), frozenset({policy.CLINICIAN}))
    monkeypatch.setitem(policy.HIDDEN_FIELDS, ("care_team", "phone"), frozenset({policy.CLINICIAN}))
    text = download(app, login_as, written).text
    assert "MARKsafety_plan-triggers" not in text and "MARKsafety_plan-warning_signs" in text
    assert '"system":"phone"' not in text


def test_each_agreement_is_a_consent_with_its_period_and_status(app, login_as, written):
    data = json.loads(download(app, login_as, written).text)
    consents = [entry["resource"] for entry in data["entry"] if entry["resource"]["resourceType"] == "Consent"]
    by_part = {consent["provision"]["code"][0]["text"]: consent for consent in consents}
    safety, progress = (by_part[str(policy.SECTION_TITLES[kind])] for kind in ("safety_plan", "progress"))
    assert safety["status"] == "inactive" and "end" in safety["provision"]["period"]
    assert progress["status"] == "active" and "end" not in progress["provision"]["period"]
    assert progress["performer"] == [{"display": "the young person and a parent or guardian"}]
    for consent in consents:
        assert consent["provision"]["actor"][0]["role"]["text"] == str(policy.ROLE_LABELS[policy.SCHOOL_CONTACT])


@pytest.mark.parametrize("role", [role for role in policy.ROLES if role != policy.CLINICIAN])
def test_every_other_role_is_refused(app, login_as, written, role):
    for path in ("fhir", "fhir/bundle.json"):
        client = login_as(written.users[role], app.test_client())
        response = client.get(f"/circles/{written.circle.id}/{path}")
        assert response.status_code == 403, (role, path)
        assert "MARK" not in response.text


def test_the_download_is_in_who_has_seen(app, login_as, written):
    download(app, login_as, written, assessment="1")
    rows = db.session.execute(
        select(AuditEvent.section).where(AuditEvent.action == "download", AuditEvent.circle_id == written.circle.id)
    ).scalars().all()
    assert "clinical" in rows and "safety_plan" in rows and "events" not in rows
    client = login_as(written.users[policy.CAREGIVER], app.test_client())
    page = client.get(f"/circles/{written.circle.id}/who-has-seen").text
    assert "downloaded" in page


def test_the_page_says_what_the_file_holds_and_offers_the_choice(app, login_as, written):
    client = login_as(written.users[policy.CLINICIAN], app.test_client())
    page = client.get(f"/circles/{written.circle.id}/fhir").text
    assert 'name="assessment"' in page and "MARK" not in page
    overview = client.get(f"/circles/{written.circle.id}").text
    assert f"/circles/{written.circle.id}/fhir" in overview


def test_the_readme_example_is_a_valid_bundle():
    section = README.read_text().split("### The clinic's copy, as FHIR", 1)[1]
    example = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    Bundle.model_validate_json(example)
