"""Choosing from lists: the school a circle's student attends, recorded once
while none is, and a teacher added from the staff list of the circle's
school. Both work without JavaScript (a GET search, then a POST), refuse
what the lists would not offer, and show no more than the chooser may see."""

from __future__ import annotations

from sqlalchemy import select

from portal.access import policy
from portal.circles.models import Circle, Membership
from portal.extensions import db
from tests import factories
from tests.records import audited


def school_of(circle) -> int | None:
    db.session.expire_all()
    return db.session.get(Circle, circle.id).school_organisation_id


def membership(circle, user) -> Membership | None:
    db.session.expire_all()
    return db.session.scalars(
        select(Membership).where(Membership.circle_id == circle.id, Membership.user_id == user.id)
    ).first()


def test_who_records_the_school_is_the_policys():
    assert set(policy.CIRCLE_ACTIONS["record_school"]) == {policy.CLINICIAN, policy.SCHOOL_CONTACT}


# --- Which school the student attends --------------------------------------------------------------


def test_the_clinician_records_the_school_from_the_members_page(app, world, login_as):
    other = factories.organisation("Lakeside Primary", "school")
    assert world.circle.school_organisation_id is None  # a clinician's circle starts without one
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    members = clinician.get(f"/circles/{world.circle.id}/members").text
    attends = f"/circles/{world.circle.id}/school/attends"
    assert f'href="{attends}"' in members
    # Those the policy does not let record it are not offered the link.
    parent = login_as(world.users[policy.CAREGIVER], app.test_client())
    assert f'href="{attends}"' not in parent.get(f"/circles/{world.circle.id}/members").text
    assert parent.get(attends).status_code == 403

    page = clinician.get(attends).text
    assert "Lakeview High School" in page and "Lakeside Primary" in page
    assert world.clinic.name not in page  # schools only
    page = clinician.get(attends, query_string={"q": "view"}).text
    assert f'value="{world.school.id}"' in page and f'value="{other.id}"' not in page

    response = clinician.post(attends, data={"school": world.school.id})
    assert response.status_code == 302
    assert school_of(world.circle) == world.school.id
    (entry,) = audited("school_recorded")
    assert (entry.user_id, entry.circle_id, entry.outcome) == (world.users[policy.CLINICIAN].id, world.circle.id, "ok")
    school_page = clinician.get(f"/circles/{world.circle.id}/school").text
    assert "Lakeview High School" in school_page and f'href="{attends}"' not in school_page
    assert f'href="{attends}"' not in clinician.get(f"/circles/{world.circle.id}/members").text

    # Once recorded, only a move of school changes it: not this form.
    page = clinician.post(attends, data={"school": other.id})
    assert page.status_code == 409
    assert "A school is already recorded for this circle" in page.text
    assert school_of(world.circle) == world.school.id


def test_bad_choices_are_refused_and_nothing_is_recorded(app, world, login_as):
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    attends = f"/circles/{world.circle.id}/school/attends"
    for school in (world.clinic.id, 999999, "abc", ""):
        page = clinician.post(attends, data={"school": school})
        assert page.status_code == 422, school
    assert "Please choose the school from the list." in page.text
    page = clinician.get(attends, query_string={"q": "x" * 101})
    assert page.status_code == 422 and "Please search with fewer than 100 characters." in page.text
    # Wildcards are searched for as typed.
    page = clinician.get(attends, query_string={"q": "%"})
    assert page.status_code == 200 and "Lakeview High School" not in page.text
    assert school_of(world.circle) is None
    # The two ids the list would not offer (a clinic, none at all) are recorded as refused.
    assert [e.outcome for e in audited("school_recorded")] == ["refused", "refused"]


def test_a_school_contact_names_only_their_own_school(app, world, login_as):
    other = factories.organisation("Lakeside Primary", "school")
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    attends = f"/circles/{world.circle.id}/school/attends"
    page = contact.get(attends).text
    assert "Lakeview High School" in page and "Lakeside Primary" not in page
    assert contact.post(attends, data={"school": other.id}).status_code == 422
    assert school_of(world.circle) is None
    assert contact.post(attends, data={"school": world.school.id}).status_code == 302
    assert school_of(world.circle) == world.school.id


def test_many_schools_are_found_by_search(app, world, login_as):
    for n in range(25):
        factories.organisation(f"Northgate Academy {n:02d}", "school")
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    page = clinician.get(f"/circles/{world.circle.id}/school/attends").text
    assert page.count('name="school"') == 20 and "More schools match" in page
    page = clinician.get(f"/circles/{world.circle.id}/school/attends", query_string={"q": "academy 17"}).text
    assert page.count('name="school"') == 1 and "Northgate Academy 17" in page and "More schools match" not in page


# --- A teacher from the school's staff list ----------------------------------------------------------


def staff(world):
    """Teachers of the circle's school and of another, a counselor, and a teacher who left."""
    elsewhere = factories.organisation("Lakeside Primary", "school")
    made = {
        "teacher": factories.user(
            "Lee Chen", email="lee.chen@lakeview.example.org", staff_role="school_staff", org=world.school
        ),
        "elsewhere": factories.user(
            "Lee Other", email="lee.other@lakeside.example.org", staff_role="school_staff", org=elsewhere
        ),
        "counselor": factories.user("Lee Counsel", staff_role="school_contact", org=world.school),
        "clinician": factories.user("Lee Clinic", staff_role="school_staff", org=world.clinic),
        "left": factories.user("Lee Gone", staff_role="school_staff", org=world.school),
    }
    made["teacher"].title = "Art teacher"
    made["left"].active = False
    db.session.commit()
    return made


def test_the_school_contact_adds_a_teacher_found_on_the_staff_list(app, school_world, login_as):
    world = school_world
    people = staff(world)
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    school_page = contact.get(f"/circles/{world.circle.id}/school").text
    find = f"/circles/{world.circle.id}/school/teachers/find"
    assert f'href="{find}"' in school_page

    page = contact.get(find, query_string={"q": "lee"}).text
    listed = {user_id for user_id in (p.id for p in people.values()) if f'data-staff="{user_id}"' in page}
    assert listed == {people["teacher"].id}
    assert "Art teacher" in page
    # Names and titles only: no address, and nobody of another organisation.
    assert "@" not in page.replace(world.users[policy.SCHOOL_CONTACT].email, "")
    assert "Lee Other" not in page and "Lee Clinic" not in page and "Lee Gone" not in page
    # Lee Park teaches here already: not offered again.
    assert "Lee Park" not in page

    response = contact.post(
        f"/circles/{world.circle.id}/school/teachers/from-staff",
        data={"teacher": people["teacher"].id, "teacher_label": "Art teacher"},
    )
    assert response.status_code == 302
    added = membership(world.circle, people["teacher"])
    assert (added.role, added.relationship_label, added.removed_at) == (policy.SCHOOL_STAFF, "Art teacher", None)
    assert [e.subject_user_id for e in audited("member_added")][-1] == people["teacher"].id
    assert f'data-staff="{people["teacher"].id}"' not in contact.get(find, query_string={"q": "lee"}).text


def test_an_id_the_list_would_not_offer_is_refused(app, school_world, login_as):
    world = school_world
    people = staff(world)
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    url = f"/circles/{world.circle.id}/school/teachers/from-staff"
    for key in ("elsewhere", "clinician", "counselor", "left"):
        page = contact.post(url, data={"teacher": people[key].id, "teacher_label": "Kept words"})
        assert page.status_code == 422, key
        assert (
            "Please choose a teacher from the school&#39;s staff list." in page.text
            or "Please choose a teacher from the school's staff list." in page.text
        )
        assert 'value="Kept words"' in page.text
        assert membership(world.circle, people[key]) is None
        # The refusal names nobody: the same page whoever the id was.
        assert people[key].name not in page.text
    assert contact.post(url, data={"teacher": "abc"}).status_code == 422
    assert contact.post(url, data={"teacher": 999999}).status_code == 422
    assert len([e for e in audited("membership_refused") if e.circle_id == world.circle.id]) >= 5
    # Already in the circle: the policy's reason.
    page = contact.post(url, data={"teacher": world.users[policy.SCHOOL_STAFF].id})
    assert page.status_code == 409 and "They are already in the circle" in page.text


def test_the_staff_list_is_only_for_the_schools_own_people(app, school_world, login_as):
    world = school_world
    people = staff(world)
    find = f"/circles/{world.circle.id}/school/teachers/find"
    # The clinician may add teachers by the policy, but the list is the school's: no names shown to them.
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    assert f'href="{find}"' not in clinician.get(f"/circles/{world.circle.id}/school").text
    page = clinician.get(find, query_string={"q": "lee"})
    assert page.status_code == 200
    assert "Lee Chen" not in page.text and "only they add teachers from it" in page.text
    response = clinician.post(
        f"/circles/{world.circle.id}/school/teachers/from-staff", data={"teacher": people["teacher"].id}
    )
    assert response.status_code == 422 and membership(world.circle, people["teacher"]) is None
    # A teacher and the family cannot open it at all.
    for role in (policy.SCHOOL_STAFF, policy.CAREGIVER):
        client = login_as(world.users[role], app.test_client())
        assert client.get(find).status_code == 403
    # A school contact of another school, in the circle after a move elsewhere: nothing of this school.
    world.circle.school_organisation_id = factories.organisation("Far School", "school").id
    db.session.commit()
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    assert "Lee Chen" not in contact.get(find, query_string={"q": "lee"}).text


def test_many_teachers_are_found_by_search(app, school_world, login_as):
    world = school_world
    for n in range(25):
        factories.user(f"Teacher {n:02d}", staff_role="school_staff", org=world.school)
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    find = f"/circles/{world.circle.id}/school/teachers/find"
    page = contact.get(find).text
    assert page.count('name="teacher"') == 20 and "More teachers match" in page
    page = contact.get(find, query_string={"q": "teacher 24"}).text
    assert page.count('name="teacher"') == 1 and "More teachers match" not in page
    assert contact.get(find, query_string={"q": "y" * 101}).status_code == 422


def test_a_new_circle_asks_for_the_school_straight_away(app, world, login_as):
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    response = clinician.post(
        "/circles/new", data={"young_person_name": "Robin", "relationship_label": "Therapist"}, follow_redirects=True
    )
    assert response.status_code == 200
    circle = db.session.scalars(select(Circle).where(Circle.young_person_name == "Robin")).one()
    assert f'href="/circles/{circle.id}/school/attends"' in response.text
    assert "No school is recorded for Robin yet." in response.text


def test_junk_posted_to_either_list_breaks_nothing(app, school_world, login_as, poster):
    """school.record_school and school.add_teacher_from_staff take hostile and
    malformed posts without a 5xx or an unescaped echo, and change nothing."""
    from tests.bad_input import HOSTILE

    world = school_world
    world.circle.school_organisation_id = None
    db.session.commit()
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    base = f"/circles/{world.circle.id}/school"
    for value in [*HOSTILE.values(), "9" * 30, "-1", "1e3"]:
        for url, data in (
            (f"{base}/attends", {"school": value}),
            (f"{base}/teachers/from-staff", {"teacher": value, "teacher_label": value}),
        ):
            response = poster.send(contact, url, data, url)
            assert response.status_code == 422, (url, value, response.status_code)
        poster.get(contact, f"{base}/attends?q={value}", [value], "search")
    assert school_of(world.circle) is None
    assert contact.get(f"{base}/teachers/from-staff").status_code == 405
