"""The organisation admin sets the organisation up (name, kind, time zone),
and the time zone takes effect: each reader's times are in their own
organisation's zone, whatever organisation wrote them."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.access import policy
from portal.auth.models import Organisation
from portal.extensions import db
from tests import factories
from tests.records import audited

TYPED = {"organisation_name": "Lakeview High School (North site)", "kind": "school", "timezone": "Europe/Lisbon"}


def stored(organisation) -> Organisation:
    db.session.expire_all()
    return db.session.get(Organisation, organisation.id)


def test_the_admin_sets_the_name_and_time_zone_and_each_change_is_audited(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    page = admin.get("/admin/organisation")
    assert page.status_code == 200
    assert 'value="Lakeview High School"' in page.text
    assert '<option value="Europe/Lisbon">Europe/Lisbon</option>' in page.text
    assert "The portal&#39;s own (America/New_York)" in page.text or "The portal's own (America/New_York)" in page.text
    # An admin sees no plan content, nor which young people the school's circles are about.
    assert world.circle.young_person_name not in page.text

    response = admin.post("/admin/organisation", data=TYPED)
    assert response.status_code == 302
    school = stored(world.school)
    assert (school.name, school.kind, school.timezone) == (
        "Lakeview High School (North site)",
        "school",
        "Europe/Lisbon",
    )
    assert [(e.user_id, e.circle_id) for e in audited("organisation_renamed")] == [(world.org_admin.id, None)]
    assert [(e.user_id, e.circle_id) for e in audited("organisation_zone_changed")] == [(world.org_admin.id, None)]
    assert audited("organisation_kind_changed") == []
    # Back to the deployment's zone: empty, and audited again.
    assert admin.post("/admin/organisation", data={**TYPED, "timezone": ""}).status_code == 302
    assert stored(world.school).timezone is None
    assert len(audited("organisation_zone_changed")) == 2
    # Saving it unchanged writes and audits nothing.
    before = len(audited("organisation_renamed"))
    assert admin.post("/admin/organisation", data={**TYPED, "timezone": ""}).status_code == 302
    assert len(audited("organisation_renamed")) == before


def test_an_unknown_zone_or_an_empty_name_is_refused_with_what_was_typed_kept(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    for zone in ("Mars/Olympus_Mons", "posixrules", "Etc/GMT+5", "../../etc/passwd"):
        page = admin.post("/admin/organisation", data={**TYPED, "timezone": zone})
        assert page.status_code == 422, zone
        assert "That is not a time zone we know" in page.text
        assert 'value="Lakeview High School (North site)"' in page.text
    page = admin.post("/admin/organisation", data={**TYPED, "organisation_name": "   "})
    assert page.status_code == 422
    assert (
        "Please enter the organisation&#39;s name." in page.text or "Please enter the organisation's name." in page.text
    )
    page = admin.post("/admin/organisation", data={**TYPED, "kind": "hospital"})
    assert page.status_code == 422
    page = admin.post("/admin/organisation", data={**TYPED, "organisation_name": "x" * 201})
    assert page.status_code == 422
    school = stored(world.school)
    assert (school.name, school.timezone) == ("Lakeview High School", None)
    assert audited("organisation_renamed") == [] and audited("organisation_zone_changed") == []


def test_a_school_with_teachers_cannot_become_a_clinic(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    page = admin.post("/admin/organisation", data={**TYPED, "kind": "clinic"})
    assert page.status_code == 409
    assert "Some accounts here have a role that a clinic does not give" in page.text
    assert stored(world.school).kind == "school" and stored(world.school).name == "Lakeview High School"


def test_a_school_that_circles_record_stays_a_school(app, world, login_as):
    # No account with a school role left: still, circles record it as their school.
    for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        world.users[role].staff_role = None
    world.circle.school_organisation_id = world.school.id
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    page = admin.post("/admin/organisation", data={**TYPED, "kind": "clinic"})
    assert page.status_code == 409
    assert "Circles record this organisation as the school" in page.text
    assert stored(world.school).kind == "school"


def test_a_new_organisation_changes_kind_when_nothing_depends_on_it(app, login_as):
    org = factories.organisation("Hillside Practice", "school")
    admin = factories.user("Hillside Admin", org=org, is_org_admin=True)
    client = login_as(admin, app.test_client())
    assert (
        client.post(
            "/admin/organisation", data={**TYPED, "organisation_name": "Hillside", "kind": "clinic"}
        ).status_code
        == 302
    )
    assert stored(org).kind == "clinic"
    (entry,) = audited("organisation_kind_changed")
    assert entry.user_id == admin.id


def test_only_an_admin_of_the_organisation_sets_it_up(app, world, login_as):
    for user in (world.users[policy.SCHOOL_CONTACT], world.users[policy.CLINICIAN]):
        client = login_as(user, app.test_client())
        assert client.get("/admin/organisation").status_code == 403
        assert client.post("/admin/organisation", data=TYPED).status_code == 403
    assert stored(world.school).name == "Lakeview High School"


# --- The zone in use -------------------------------------------------------------------------------------


# 14:30 UTC on a day of summer time in both zones: 10:30 in New York (the
# deployment's), 23:30 in Tokyo (the clinic's, once it sets it).
SEEN_AT = datetime(2026, 6, 10, 14, 30, tzinfo=UTC)


def test_a_time_reads_in_each_readers_own_organisations_zone(app, world, login_as):
    contact = world.users[policy.SCHOOL_CONTACT]
    factories.write_section(world.circle, "episodes", contact, "CANARY-ZONE", occurred_at=SEEN_AT)
    path = f"/circles/{world.circle.id}/plan/episodes"
    clinic_admin = factories.user("Clinic Admin", org=world.clinic, is_org_admin=True)
    admin = login_as(clinic_admin, app.test_client())
    assert (
        admin.post(
            "/admin/organisation",
            data={"organisation_name": world.clinic.name, "kind": "clinic", "timezone": "Asia/Tokyo"},
        ).status_code
        == 302
    )

    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    clinic_page = clinician.get(path).text
    assert "CANARY-ZONE" in clinic_page and "23:30" in clinic_page and "10:30" not in clinic_page
    # The teacher's school set no zone: the deployment's, though a clinic in Tokyo shares the circle.
    teacher_page = login_as(contact, app.test_client()).get(path).text
    assert "CANARY-ZONE" in teacher_page and "10:30" in teacher_page and "23:30" not in teacher_page
    # The family, in no organisation: the deployment's.
    parent_page = login_as(world.users[policy.CAREGIVER], app.test_client()).get(path).text
    assert "10:30" in parent_page and "23:30" not in parent_page
    # The school sets Lisbon: its teacher's page follows, the clinic's does not.
    school_admin = login_as(world.org_admin, app.test_client())
    assert (
        school_admin.post("/admin/organisation", data={**TYPED, "organisation_name": world.school.name}).status_code
        == 302
    )
    teacher_page = login_as(contact, app.test_client()).get(path).text
    assert "15:30" in teacher_page and "10:30" not in teacher_page
    assert "23:30" in clinician.get(path).text
