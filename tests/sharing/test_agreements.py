"""Sharing follows agreement: recording, withdrawing and expiry change what the
school contact sees on the very next request; clinical notes never move."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.sharing.models import Agreement
from tests import factories
from tests.notify.conftest import Clock


@pytest.fixture
def plan(world):
    clinician = world.users[policy.CLINICIAN]
    factories.write_section(world.circle, "safety_plan", world.users[policy.YOUNG_PERSON], "CANARY-SAFETY")
    factories.write_section(world.circle, "progress", world.users[policy.CAREGIVER], "CANARY-PROGRESS")
    factories.write_section(world.circle, "clinical", clinician, "CANARY-CLINICAL")
    return world


def as_user(app, login_as, user):
    return login_as(user, app.test_client())


def safety_status(app, login_as, world, role=policy.SCHOOL_CONTACT):
    client = as_user(app, login_as, world.users[role])
    response = client.get(f"/circles/{world.circle.id}/plan/safety_plan")
    return response.status_code, "CANARY-SAFETY" in response.text


def record(app, login_as, world, role, **form):
    client = as_user(app, login_as, world.users[role])
    return client.post(f"/circles/{world.circle.id}/sharing", data=form)


def test_recording_and_withdrawing_change_the_next_request(app, plan, login_as):
    world = plan
    assert safety_status(app, login_as, world) == (403, False)
    response = record(app, login_as, world, policy.YOUNG_PERSON, share="safety_plan:school_contact", agreed_by="young_person")
    assert response.status_code == 302
    assert safety_status(app, login_as, world) == (200, True)
    # Shared for reading only, and only the safety plan.
    contact = as_user(app, login_as, world.users[policy.SCHOOL_CONTACT])
    assert contact.get(f"/circles/{world.circle.id}/plan/safety_plan/edit").status_code == 403
    assert contact.get(f"/circles/{world.circle.id}/plan/progress").status_code == 403
    # Teachers are not the school contact: nothing changes for them.
    assert safety_status(app, login_as, world, policy.SCHOOL_STAFF) == (403, False)
    # Everyone who reads the section sees with whom it is shared.
    caregiver = as_user(app, login_as, world.users[policy.CAREGIVER])
    assert "Shared, by agreement, with: school contact" in caregiver.get(f"/circles/{world.circle.id}/plan/safety_plan").text

    agreement = db.session.scalars(select(Agreement)).one()
    young = as_user(app, login_as, world.users[policy.YOUNG_PERSON])
    assert young.post(f"/circles/{world.circle.id}/sharing/{agreement.id}/withdraw").status_code == 302
    assert safety_status(app, login_as, world) == (403, False)
    # The history stays.
    page = young.get(f"/circles/{world.circle.id}/sharing").text
    assert "Withdrawn" in page and "Safety plan" in page


def test_an_agreement_ends_by_itself(app, plan, login_as, monkeypatch):
    world = plan
    end = clock.today() + timedelta(days=2)
    response = record(
        app, login_as, world, policy.CAREGIVER, share="progress:school_contact", agreed_by="guardian", ends_on=end.isoformat()
    )
    assert response.status_code == 302
    contact = as_user(app, login_as, world.users[policy.SCHOOL_CONTACT])
    page = contact.get(f"/circles/{world.circle.id}/plan/progress")
    # Shared, but only what helps school act (policy.SHARED_FIELDS): never the notes.
    assert page.status_code == 200 and "CANARY-PROGRESS" not in page.text
    frozen = Clock(monkeypatch)
    frozen.advance(days=3)
    # Three days on, the old session has long ended; a new one sees the share ended too.
    assert contact.get(f"/circles/{world.circle.id}/plan/progress").status_code == 302
    contact = as_user(app, login_as, world.users[policy.SCHOOL_CONTACT])
    assert contact.get(f"/circles/{world.circle.id}/plan/progress").status_code == 403
    assert "Ended" in as_user(app, login_as, world.users[policy.CAREGIVER]).get(f"/circles/{world.circle.id}/sharing").text


def test_clinical_notes_never_reach_school_roles_whatever_is_recorded(app, plan, login_as):
    world = plan
    # Rows written past the forms: the policy still refuses.
    for section, role in (("clinical", policy.SCHOOL_CONTACT), ("clinical", policy.SCHOOL_STAFF), ("safety_plan", policy.SCHOOL_STAFF)):
        db.session.add(
            Agreement(
                circle_id=world.circle.id, section=section, role=role, agreed_by="both",
                recorded_by_id=world.users[policy.CLINICIAN].id, starts_at=clock.now(),
            )
        )
    db.session.commit()
    for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        client = as_user(app, login_as, world.users[role])
        for path in ("clinical", "clinical/history"):
            response = client.get(f"/circles/{world.circle.id}/plan/{path}")
            assert response.status_code == 403 and "CANARY-CLINICAL" not in response.text
    assert safety_status(app, login_as, world, policy.SCHOOL_STAFF) == (403, False)
    # Nor can such a share be recorded through the form.
    response = record(app, login_as, world, policy.CLINICIAN, share="clinical:school_contact", agreed_by="both")
    assert response.status_code == 422
    assert db.session.scalar(select(Agreement.id).where(Agreement.recorded_by_id == world.users[policy.CLINICIAN].id, Agreement.section == "clinical", Agreement.role == policy.SCHOOL_CONTACT, Agreement.id > 3)) is None


@pytest.mark.parametrize(
    ("role", "agreed_by", "status"),
    [
        (policy.YOUNG_PERSON, "young_person", 302),
        (policy.YOUNG_PERSON, "guardian", 422),  # a young person speaks for themselves
        (policy.CAREGIVER, "guardian", 302),
        (policy.CAREGIVER, "young_person", 422),
        (policy.CLINICIAN, "both", 302),
        (policy.SCHOOL_CONTACT, "both", 403),
        (policy.SCHOOL_STAFF, "both", 403),
    ],
)
def test_who_may_record_what(app, plan, login_as, role, agreed_by, status):
    response = record(app, login_as, plan, role, share="safety_plan:school_contact", agreed_by=agreed_by)
    assert response.status_code == status


def test_a_past_end_date_is_refused_with_the_form_kept(app, plan, login_as):
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    response = record(
        app, login_as, plan, policy.CAREGIVER, share="safety_plan:school_contact", agreed_by="guardian", ends_on=yesterday
    )
    assert response.status_code == 422
    assert "Please choose a date after today." in response.text and yesterday in response.text
    assert db.session.scalar(select(Agreement.id)) is None


def test_the_young_person_sees_what_is_shared_with_whom_and_since_when(app, plan, login_as):
    world = plan
    record(app, login_as, world, policy.CAREGIVER, share="safety_plan:school_contact", agreed_by="both")
    page = as_user(app, login_as, world.users[policy.YOUNG_PERSON]).get(f"/circles/{world.circle.id}/sharing").text
    assert "Safety plan" in page and "School contact" in page and "Shared now" in page
    # Spoken to them: "you", never "the young person", on their own page.
    assert "You and a parent or guardian" in page and "the young person" not in page.lower()
    # A teacher, who cannot read the safety plan, is not told of sharing it.
    teacher_page = as_user(app, login_as, world.users[policy.SCHOOL_STAFF]).get(f"/circles/{world.circle.id}/sharing").text
    assert "Safety plan" not in teacher_page


def test_the_same_share_is_not_recorded_twice(app, plan, login_as):
    first = record(app, login_as, plan, policy.YOUNG_PERSON, share="safety_plan:school_contact", agreed_by="young_person")
    assert first.status_code == 302
    again = record(app, login_as, plan, policy.CAREGIVER, share="safety_plan:school_contact", agreed_by="guardian")
    assert again.status_code == 422 and "already shared" in again.text
    assert len(db.session.scalars(select(Agreement)).all()) == 1


def test_nothing_is_chosen_for_the_person_recording_an_agreement(app, plan, login_as):
    """Who agreed, and what is shared, are stated by the person recording it: an
    untouched form shares nothing and records nobody's agreement."""
    from tests.web import forms_in

    world = plan
    for role in (policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON):
        client = as_user(app, login_as, world.users[role])
        page = client.get(f"/circles/{world.circle.id}/sharing").text
        (form,) = [f for f in forms_in(page) if f["action"] == f"/circles/{world.circle.id}/sharing"]
        sent = dict(form["fields"])
        assert sent["share"] == "" and sent["agreed_by"] == "", role
        response = client.post(f"/circles/{world.circle.id}/sharing", data=sent)
        assert response.status_code == 422
        assert "Please choose what to share." in response.text and "Please choose who agreed." in response.text
    assert db.session.scalar(select(Agreement.id)) is None
