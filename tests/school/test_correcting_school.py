"""A school recorded by mistake is corrected while nothing at that school
depends on it yet; after that only a move of school changes it. The records
a circle's school makes before its school is recorded stay in that school's
views, and recording or correcting the school recomputes the dashboard."""

from __future__ import annotations

from sqlalchemy import delete, select

from portal.access import policy
from portal.circles import services as circle_services
from portal.dashboard.models import MembershipAttention
from portal.extensions import db
from portal.notify.models import Notification
from portal.plan.models import Episode
from portal.school import services as school_services
from portal.school.models import FlexibilityReview
from tests import factories
from tests.records import audited, emails_to
from tests.school.test_finding import school_of


def attends(world) -> str:
    return f"/circles/{world.circle.id}/school/attends"


def correct(world) -> str:
    return f"/circles/{world.circle.id}/school/attends/correct"


def wrongly_recorded(app, world, login_as):
    """The clinician records Lakeside Primary; the student attends Lakeview High School."""
    wrong = factories.organisation("Lakeside Primary", "school")
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    assert clinician.post(attends(world), data={"school": wrong.id}).status_code == 302
    return wrong, clinician


def test_who_corrects_the_school_is_who_records_it():
    assert policy.CIRCLE_ACTIONS["correct_school"] == policy.CIRCLE_ACTIONS["record_school"]


def test_a_school_recorded_by_mistake_is_corrected(app, world, login_as):
    wrong, clinician = wrongly_recorded(app, world, login_as)
    factories.email_at_once(world.users[policy.SCHOOL_CONTACT])
    assert f'href="{correct(world)}"' in clinician.get(attends(world)).text
    assert f'href="{correct(world)}"' in clinician.get(f"/circles/{world.circle.id}/school").text
    # Those the policy does not let correct it are not offered the link.
    parent = login_as(world.users[policy.CAREGIVER], app.test_client())
    assert f'href="{correct(world)}"' not in parent.get(f"/circles/{world.circle.id}/school").text
    page = clinician.get(correct(world), query_string={"q": "lake"}).text
    assert f'value="{world.school.id}"' in page and "Lakeside Primary" in page

    response = clinician.post(correct(world), data={"school": world.school.id})
    assert response.status_code == 302
    assert school_of(world.circle) == world.school.id
    (entry,) = audited("school_corrected")
    assert (entry.user_id, entry.circle_id, entry.outcome) == (world.users[policy.CLINICIAN].id, world.circle.id, "ok")

    # The school contact and the clinicians are told that the record changed and
    # where to look, never which schools; the one who corrected it is not told.
    told = {
        n.user_id: n
        for n in db.session.scalars(select(Notification).where(Notification.circle_id == world.circle.id))
        if "school recorded" in n.text
    }
    assert set(told) == {world.users[policy.SCHOOL_CONTACT].id}
    (notice,) = told.values()
    assert notice.link == f"/circles/{world.circle.id}/school"
    assert "Lake" not in notice.text
    mail = emails_to(world.users[policy.SCHOOL_CONTACT])
    assert mail and all("Lake" not in body for body in mail)

    # The school contact of the school now recorded is in the circle: it is theirs, and stays.
    page = clinician.post(correct(world), data={"school": wrong.id})
    assert page.status_code == 409 and school_of(world.circle) == world.school.id


def test_the_correction_is_refused_once_the_school_has_come_into_the_circle(app, world, login_as):
    wrong, clinician = wrongly_recorded(app, world, login_as)
    # A teacher of the recorded school joined (and left again): that school has
    # been in the circle, so only a move of school changes it now.
    teacher = factories.user("Kim Lakeside", staff_role="school_staff", org=wrong)
    membership = factories.member(world.circle, teacher, policy.SCHOOL_STAFF, world.users[policy.CLINICIAN])
    circle_services.remove_member(membership, world.users[policy.CLINICIAN])
    db.session.commit()

    page = clinician.get(correct(world))
    assert "move of school" in page.text and 'name="school"' not in page.text
    assert f'href="{correct(world)}"' not in clinician.get(f"/circles/{world.circle.id}/school").text
    page = clinician.post(correct(world), data={"school": world.school.id})
    assert page.status_code == 409
    assert "a move of school" in page.text
    assert school_of(world.circle) == wrong.id
    assert [e.outcome for e in audited("school_corrected")] == ["refused"]


def test_the_correction_is_refused_once_a_move_is_agreed(app, world, login_as):
    wrong, clinician = wrongly_recorded(app, world, login_as)
    school_services.record_move_agreement(world.circle, "Hillside College", world.users[policy.CAREGIVER])
    page = clinician.post(correct(world), data={"school": world.school.id})
    assert page.status_code == 409 and school_of(world.circle) == wrong.id


def test_who_may_correct_and_what_they_may_choose(app, world, login_as):
    wrong, clinician = wrongly_recorded(app, world, login_as)
    parent = login_as(world.users[policy.CAREGIVER], app.test_client())
    assert parent.get(correct(world)).status_code == 403
    assert parent.post(correct(world), data={"school": world.school.id}).status_code == 403
    assert school_of(world.circle) == wrong.id

    # The school contact names only their own school, as when recording it.
    contact = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client())
    other = factories.organisation("Hillside College", "school")
    page = contact.post(correct(world), data={"school": other.id})
    assert page.status_code == 422 and "Please choose the school from the list." in page.text
    for bad in ("abc", "", world.clinic.id):
        page = contact.post(correct(world), data={"school": bad})
        assert page.status_code == 422, bad
    # What was chosen is kept when the form comes back.
    page = clinician.post(correct(world), data={"school": wrong.id})
    assert page.status_code == 422 and "This school is the one recorded already." in page.text
    assert f'value="{wrong.id}" checked' in page.text
    assert school_of(world.circle) == wrong.id
    assert contact.post(correct(world), data={"school": world.school.id}).status_code == 302
    assert school_of(world.circle) == world.school.id


def test_nothing_to_correct_while_no_school_is_recorded(app, world, login_as):
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    response = clinician.post(correct(world), data={"school": world.school.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(attends(world))
    assert school_of(world.circle) is None


# --- Records made before the school is recorded -----------------------------------------------------


def test_records_made_before_the_school_is_recorded_stay_in_its_views(app, world, login_as):
    contact_user = world.users[policy.SCHOOL_CONTACT]
    factories.write_section(world.circle, "episodes", contact_user, "EARLYEPISODE")
    school_services.mark_flexibility_reviewed(world.circle.id, contact_user)
    contact = login_as(contact_user, app.test_client())
    assert "EARLYEPISODE" in contact.get(f"/circles/{world.circle.id}/plan/episodes").text

    assert contact.post(attends(world), data={"school": world.school.id}).status_code == 302
    # They were made at the school the student attends: they stay its records.
    assert "EARLYEPISODE" in contact.get(f"/circles/{world.circle.id}/plan/episodes").text
    caseload = contact.get("/school/caseload", query_string={"filter": "episodes_this_week"}).text
    assert "Jordan" in caseload
    db.session.expire_all()
    assert {e.school_organisation_id for e in db.session.scalars(select(Episode))} == {world.school.id}
    assert {r.school_organisation_id for r in db.session.scalars(select(FlexibilityReview))} == {world.school.id}


def test_a_correction_carries_the_records_to_the_right_school(app, world, login_as):
    contact_user = world.users[policy.SCHOOL_CONTACT]
    factories.write_section(world.circle, "episodes", contact_user, "EARLYEPISODE")
    wrong, clinician = wrongly_recorded(app, world, login_as)
    db.session.expire_all()  # the circle as recorded, for the episode to be stamped with
    factories.write_section(world.circle, "episodes", contact_user, "LATEREPISODE")
    assert clinician.post(correct(world), data={"school": world.school.id}).status_code == 302
    contact = login_as(contact_user, app.test_client())
    page = contact.get(f"/circles/{world.circle.id}/plan/episodes").text
    assert "EARLYEPISODE" in page and "LATEREPISODE" in page
    db.session.expire_all()
    assert {e.school_organisation_id for e in db.session.scalars(select(Episode))} == {world.school.id}


# --- The dashboard's attention rows -----------------------------------------------------------------


def _attention(membership) -> MembershipAttention | None:
    db.session.expire_all()
    return db.session.get(MembershipAttention, membership.id)


def _forget_attention(membership) -> None:
    """The row as an out-of-date table would hold it: gone, by a plain DELETE the session does not see."""
    db.session.execute(delete(MembershipAttention).where(MembershipAttention.membership_id == membership.id))
    db.session.commit()
    assert _attention(membership) is None


def test_recording_the_school_recomputes_the_circles_dashboard_rows(app, world, login_as):
    contact_membership = world.memberships[policy.SCHOOL_CONTACT]
    factories.write_section(world.circle, "episodes", world.users[policy.SCHOOL_CONTACT], "EP")
    assert _attention(contact_membership) is not None  # the episode needs the school contact's attention
    _forget_attention(contact_membership)
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    assert clinician.post(attends(world), data={"school": world.school.id}).status_code == 302
    row = _attention(contact_membership)
    assert row is not None and row.items == 1


def test_correcting_the_school_recomputes_the_circles_dashboard_rows(app, world, login_as):
    contact_membership = world.memberships[policy.SCHOOL_CONTACT]
    factories.write_section(world.circle, "episodes", world.users[policy.SCHOOL_CONTACT], "EP")
    wrong, clinician = wrongly_recorded(app, world, login_as)
    _forget_attention(contact_membership)
    assert clinician.post(correct(world), data={"school": world.school.id}).status_code == 302
    row = _attention(contact_membership)
    assert row is not None and row.items == 1
