"""Issue 4, part 6: moving school. A caregiver agrees; the old school's
contact hands the in-school plan and the adjustments to the new school's
contact; the old school's people lose access on their next request."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.access import policy
from portal.audit.models import AuditEvent
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.invitations import services as invitations
from portal.invitations.models import Invitation
from portal.notify.models import Notification
from portal.plan.sections import SPECS
from portal.school.models import SchoolHandover
from portal.school.services import NO_SCHOOL_ACCOUNT
from tests import factories
from tests.school.conftest import add_adjustment
from tests.web import escaped


def _actions(circle_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.circle_id == circle_id)))


def _new_school():
    hillside = factories.organisation("Hillside Academy", "school")
    # Email validation refuses the reserved .test domain that the factories use.
    new_contact = factories.user("Kim Lee", email="kim.lee@hillside.example.com", staff_role="school_contact", org=hillside)
    return hillside, new_contact


def test_the_school_part_moves_with_the_student(app, school_world, login_as):
    world = school_world
    users = world.users
    circle_id = world.circle.id
    base = f"/circles/{circle_id}/school"
    add_adjustment(world.circle, users[policy.SCHOOL_CONTACT], "MOVEADJ")
    hillside, kim = _new_school()
    old_contact = login_as(users[policy.SCHOOL_CONTACT], app.test_client())
    teacher = login_as(users[policy.SCHOOL_STAFF], app.test_client())
    caregiver = login_as(users[policy.CAREGIVER], app.test_client())
    others = {role: login_as(users[role], app.test_client()) for role in (policy.CLINICIAN, policy.YOUNG_PERSON)}
    # A teacher the old school invited, who has not joined yet.
    invitation, _ = invitations.create_invitation(
        world.circle, world.memberships[policy.SCHOOL_CONTACT], "new.teacher@example.test", policy.SCHOOL_STAFF, "Art"
    )

    # Nothing to hand over before a caregiver agrees.
    page = old_contact.get(base).text
    assert "No move is agreed" in page and "Hand over to the new school" not in page
    assert old_contact.post(f"{base}/move/999/hand-over", data={"new_contact_email": kim.email, "understood": "y"}).status_code == 404

    # Only a caregiver records the agreement.
    agreement = {"to_school_name": "Hillside Academy", "agreed": "y"}
    for client in (old_contact, teacher, *others.values()):
        assert client.post(f"{base}/move", data=agreement).status_code == 403
    assert caregiver.post(f"{base}/move", data=agreement).status_code == 302
    handover = db.session.scalars(select(SchoolHandover)).one()
    assert handover.pending and handover.agreed_by_id == users[policy.CAREGIVER].id
    assert handover.from_organisation_id == world.school.id
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == users[policy.SCHOOL_CONTACT].id,
                                   Notification.kind == "agreement_changed")
    ).all()
    assert len(told) == 1
    assert "Hand over to the new school" in old_contact.get(base).text

    # Only the school contact hands over, and only to an account at another school.
    url = f"{base}/move/{handover.id}/hand-over"
    for client in (teacher, caregiver, *others.values()):
        assert client.post(url, data={"new_contact_email": kim.email, "understood": "y"}).status_code == 403
    clinic_account = factories.user(email="clinic.person@example.com", staff_role="clinician", org=world.clinic)
    same_school = factories.user(email="other.teacher@example.com", staff_role="school_staff", org=world.school)
    refusals = {
        # A lazy message (translated when read): as the page shows it, in English here.
        "nobody@example.com": str(NO_SCHOOL_ACCOUNT),
        clinic_account.email: str(NO_SCHOOL_ACCOUNT),
        same_school.email: "belongs to the school the student is leaving",
    }
    for email, message in refusals.items():
        response = old_contact.post(url, data={"new_contact_email": email, "understood": "y"})
        assert response.status_code == 422, email
        assert escaped(message) in response.text and escaped(email) in response.text
    response = old_contact.post(url, data={"new_contact_email": kim.email})
    assert response.status_code == 422 and 'href="#understood"' in response.text
    db.session.expire_all()
    assert db.session.get(SchoolHandover, handover.id).pending

    response = old_contact.post(url, data={"new_contact_email": kim.email.upper(), "understood": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"

    db.session.expire_all()
    circle = db.session.get(Circle, circle_id)
    assert circle.school_organisation_id == hillside.id
    done = db.session.get(SchoolHandover, handover.id)
    assert done.performed_by_id == users[policy.SCHOOL_CONTACT].id and done.performed_at is not None
    assert done.new_contact_id == kim.id and done.to_organisation_id == hillside.id
    assert done.from_organisation_id == world.school.id
    school_members = db.session.execute(
        select(Membership.user_id, Membership.role).where(
            Membership.circle_id == circle_id, Membership.removed_at.is_(None), Membership.role.in_(policy.SCHOOL_ROLES)
        )
    ).all()
    assert school_members == [(kim.id, policy.SCHOOL_CONTACT)]
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
    actions = _actions(circle_id)
    assert actions.count("school_handover") == 1 and actions.count("school_move_agreed") == 1
    assert actions.count("member_removed") >= 2

    # The old school's contact and teacher are refused at once, everywhere.
    for client in (old_contact, teacher):
        for path in ("", "/plan/school_plan", "/plan/adjustments", "/plan/episodes", "/school"):
            assert client.get(f"/circles/{circle_id}{path}").status_code == 404, path
        assert client.post(f"{base}/teachers", data={"teacher_email": "x@example.com"}).status_code == 404
        assert "Jordan" not in client.get("/school/this-week").text
    assert "Jordan" not in old_contact.get("/school/caseload").text
    assert old_contact.post(url, data={"new_contact_email": kim.email, "understood": "y"}).status_code == 404

    # The new school's contact sees the handed-over plan and adjustments, reasons and notes included.
    new_contact = login_as(kim, app.test_client())
    plan = new_contact.get(f"/circles/{circle_id}/plan/school_plan").text
    assert "PLAN-staff_steps" in plan and "PLAN-staff_notes" in plan
    adjustments = new_contact.get(f"/circles/{circle_id}/plan/adjustments").text
    assert "MOVEADJ-details" in adjustments and "MOVEADJ-reason" in adjustments
    assert "Jordan" in new_contact.get("/school/caseload").text
    # The history shows the move, to the family and to the new school.
    for client in (new_contact, caregiver):
        overview = client.get(f"/circles/{circle_id}").text
        assert "moved from Lakeview High School to Hillside Academy" in overview
    who = caregiver.get(f"/circles/{circle_id}/who-has-seen").text
    assert "handed the school&#39;s part of the plan over to Kim Lee" in who
    assert "Hillside Academy" in others[policy.CLINICIAN].get(f"/circles/{circle_id}/school").text
    told = db.session.scalars(
        select(Notification.text).where(Notification.user_id == users[policy.CLINICIAN].id,
                                        Notification.section == "school_plan")
    ).all()
    assert any("Kim Lee is the school contact now" in text for text in told)

    # The agreement is used: the new contact cannot use it again.
    response = new_contact.post(url, data={"new_contact_email": same_school.email, "understood": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Circle, circle_id).school_organisation_id == hillside.id
    assert _actions(circle_id).count("school_handover") == 1


def test_a_caregiver_can_withdraw_the_agreement_and_a_new_one_replaces_the_old(app, school_world, login_as):
    world = school_world
    users = world.users
    base = f"/circles/{world.circle.id}/school"
    _, kim = _new_school()
    caregiver = login_as(users[policy.CAREGIVER], app.test_client())
    contact = login_as(users[policy.SCHOOL_CONTACT], app.test_client())
    caregiver.post(f"{base}/move", data={"to_school_name": "Hillside", "agreed": "y"})
    first = db.session.scalars(select(SchoolHandover)).one()
    caregiver.post(f"{base}/move", data={"to_school_name": "Hillside Academy", "agreed": "y"})
    db.session.expire_all()
    rows = db.session.scalars(select(SchoolHandover).order_by(SchoolHandover.id)).all()
    assert [row.pending for row in rows] == [False, True]
    # The replaced agreement cannot be used.
    response = contact.post(f"{base}/move/{first.id}/hand-over", data={"new_contact_email": kim.email, "understood": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Circle, world.circle.id).school_organisation_id == world.school.id
    # Only a caregiver withdraws; afterwards there is nothing to hand over.
    assert contact.post(f"{base}/move/{rows[1].id}/withdraw").status_code == 403
    assert caregiver.post(f"{base}/move/{rows[1].id}/withdraw").status_code == 302
    db.session.expire_all()
    assert not db.session.get(SchoolHandover, rows[1].id).pending
    page = contact.get(base).text
    assert "No move is agreed" in page and "was withdrawn" in page
    response = contact.post(f"{base}/move/{rows[1].id}/hand-over", data={"new_contact_email": kim.email, "understood": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Circle, world.circle.id).school_organisation_id == world.school.id
    # Another circle's agreement is not found through this one.
    other = SchoolHandover(circle_id=world.other_circle.id, to_school_name="X", agreed_by_id=world.outsider.id)
    db.session.add(other)
    db.session.commit()
    assert contact.post(f"{base}/move/{other.id}/hand-over", data={"new_contact_email": kim.email, "understood": "y"}).status_code == 404
    assert caregiver.post(f"{base}/move/{other.id}/withdraw").status_code == 404
    db.session.expire_all()
    assert db.session.get(SchoolHandover, other.id).pending


# --- What does not move: the old school's own records ---------------------------------------------------


def _handed_over(world, kim):
    """The caregiver agrees and the old contact hands over to Kim, through the services."""
    from portal.school import services as school_services

    agreement = school_services.record_move_agreement(world.circle, "Hillside Academy", world.users[policy.CAREGIVER])
    school_services.hand_over(world.circle, agreement, kim.email, world.users[policy.SCHOOL_CONTACT])
    db.session.expire_all()


def _new_school_pages(circle_id: int, episode_ids) -> list[str]:
    base = f"/circles/{circle_id}"
    pages = ["/dashboard", "/circles", "/notifications", "/school/caseload", "/school/this-week",
             "/school/this-week/print", "/calendar", "/clinician/caseload", base, f"{base}/members", f"{base}/school",
             f"{base}/sharing", f"{base}/reviews", f"{base}/plan/school_plan/print", f"{base}/plan/episodes/new"]
    pages += [f"/school/caseload?sort={sort}" for sort in ("last_episode", "ending", "review")]
    pages += ["/school/caseload?filter=episodes_this_week"]
    for kind in SPECS:
        pages += [f"{base}/plan/{kind}", f"{base}/plan/{kind}/history"]
    pages += [f"{base}/plan/episodes/{episode_id}/edit" for episode_id in episode_ids]
    return pages


def test_after_a_handover_the_new_school_reaches_none_of_the_old_schools_episodes(app, school_world, login_as):
    from portal.plan import services as plan_services
    from portal.plan.models import Episode
    from portal.school import caseload as school_queries
    from portal.school import services as school_services

    world = school_world
    users = world.users
    circle_id = world.circle.id
    old_contact, old_teacher = users[policy.SCHOOL_CONTACT], users[policy.SCHOOL_STAFF]
    # At Lakeview: episodes by the contact and a teacher, one changed (history), one removed; a flexibility review.
    kept = factories.write_section(world.circle, "episodes", old_contact, "OLDSCHOOL-A")
    factories.write_section(world.circle, "episodes", old_teacher, "OLDSCHOOL-B")
    removed = factories.write_section(world.circle, "episodes", old_contact, "OLDSCHOOL-C")
    plan_services.update_item(kept, SPECS["episodes"], {"observed": "OLDSCHOOL-D changed"}, kept.version, old_contact)
    plan_services.set_removed(removed, SPECS["episodes"], old_contact, removed=True)
    school_services.mark_flexibility_reviewed(circle_id, old_contact)
    add_adjustment(world.circle, old_contact, "CARRIED")

    hillside, kim = _new_school()
    _handed_over(world, kim)
    pat = factories.user("Pat Ng", email="pat.ng@hillside.example.com", staff_role="school_staff", org=hillside)
    circle = db.session.get(Circle, circle_id)
    factories.member(circle, pat, policy.SCHOOL_STAFF, kim)
    # At Hillside: the new school records its own.
    factories.write_section(circle, "episodes", kim, "NEWSCHOOL-K")
    factories.write_section(circle, "episodes", pat, "NEWSCHOOL-P")
    episode_ids = list(db.session.scalars(select(Episode.id).where(Episode.circle_id == circle_id)))
    assert len(episode_ids) == 5

    kim_client, pat_client = login_as(kim, app.test_client()), login_as(pat, app.test_client())
    seen = {}
    for who, client in (("kim", kim_client), ("pat", pat_client)):
        for url in _new_school_pages(circle_id, episode_ids):
            response = client.get(url)
            assert response.status_code < 500, (who, url)
            assert "OLDSCHOOL" not in response.text, (who, url)
            seen[who, url] = response
    base = f"/circles/{circle_id}"
    # The old episodes are not there at all for the new school: their pages are 404, like another circle's.
    old_ids = [i for i in episode_ids if db.session.get(Episode, i).school_organisation_id != hillside.id]
    assert len(old_ids) == 3
    for old_id in old_ids:
        assert seen["kim", f"{base}/plan/episodes/{old_id}/edit"].status_code == 404
        assert kim_client.post(f"{base}/plan/episodes/{old_id}/remove").status_code == 404
    # What does move, and what the new school records, they see.
    episodes = seen["kim", f"{base}/plan/episodes"].text
    assert "NEWSCHOOL-K" in episodes and "NEWSCHOOL-P" in episodes
    assert "NEWSCHOOL-K" in seen["kim", f"{base}/plan/episodes/history"].text
    assert "CARRIED-reason" in seen["kim", f"{base}/plan/adjustments"].text
    assert "CARRIED-details" in seen["pat", "/school/this-week"].text
    assert "PLAN-staff_steps" in seen["pat", f"{base}/plan/school_plan"].text
    pat_episodes = seen["pat", f"{base}/plan/episodes"].text
    assert "NEWSCHOOL-P" in pat_episodes and "NEWSCHOOL-K" not in pat_episodes
    # Counts on the caseload and the dashboard are of the new school's episodes only.
    (row,) = school_queries.caseload(kim).rows
    newest = db.session.scalar(select(func.max(Episode.occurred_at)).where(Episode.school_organisation_id == hillside.id))
    assert row.episodes_this_week <= 2 and row.last_episode == newest
    assert seen["kim", "/dashboard"].text.count("An in-school episode was recorded") == 2

    # The family and the clinicians still see every episode, from both schools.
    for role in (policy.CAREGIVER, policy.CLINICIAN):
        client = login_as(users[role], app.test_client())
        page = client.get(f"{base}/plan/episodes").text
        assert all(marker in page for marker in ("OLDSCHOOL-A", "OLDSCHOOL-B", "NEWSCHOOL-K", "NEWSCHOOL-P")), role
        assert "OLDSCHOOL-A" in client.get(f"{base}/plan/episodes/history").text
    clinician = login_as(users[policy.CLINICIAN], app.test_client())
    assert f"{base}/plan/episodes/{removed.id}/restore" in clinician.get(f"{base}/plan/episodes").text

    # Restoring an old episode tells the family and the clinicians, never the new school.
    before = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == kim.id))
    assert clinician.post(f"{base}/plan/episodes/{removed.id}/restore").status_code == 302
    after = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == kim.id))
    assert after == before
    assert "OLDSCHOOL-C" not in kim_client.get(f"{base}/plan/episodes").text
    # The old school's people see nothing at all.
    for user in (old_contact, old_teacher):
        client = login_as(user, app.test_client())
        assert client.get(f"{base}/plan/episodes").status_code == 404
        assert "Jordan" not in client.get("/school/caseload").text + client.get("/school/this-week").text


def test_an_old_schools_flexibility_review_does_not_quiet_the_new_schools_prompt(app, school_world, login_as):
    from portal.school import caseload as school_queries
    from portal.school.models import FlexibilityReview

    world = school_world
    circle_id = world.circle.id
    hillside, kim = _new_school()
    _handed_over(world, kim)
    factories.write_section(db.session.get(Circle, circle_id), "episodes", kim, "NEWSCHOOL")
    # A review kept under the previous school, however recent, is not the new school's.
    db.session.add(FlexibilityReview(circle_id=circle_id, reviewed_by_id=world.users[policy.SCHOOL_CONTACT].id,
                                     school_organisation_id=world.school.id))
    db.session.commit()
    (row,) = school_queries.caseload(kim).rows
    assert row.review_flexibility
    page = login_as(kim, app.test_client()).get(f"/circles/{circle_id}/plan/episodes").text
    assert "flexibility-reviewed" in page
    # The new school's own review does quiet it.
    school_services_mark(circle_id, kim)
    (row,) = school_queries.caseload(kim).rows
    assert not row.review_flexibility
    assert db.session.scalars(select(FlexibilityReview.school_organisation_id).order_by(FlexibilityReview.id.desc())).first() == hillside.id


def school_services_mark(circle_id: int, actor) -> None:
    from portal.school import services as school_services

    school_services.mark_flexibility_reviewed(circle_id, actor)
    db.session.expire_all()


def test_every_school_record_carries_the_school_it_was_made_at():
    """The class, not the instance: each section the policy holds to the
    current school, and the school's own flexibility reviews, keep the school."""
    from portal.school.models import FlexibilityReview

    assert policy.SCHOOL_RECORDS, "the policy names the school's own records"
    for model in [SPECS[kind].model for kind in policy.SCHOOL_RECORDS] + [FlexibilityReview]:
        assert policy.SCHOOL_RECORD_FIELD in model.__table__.c, model.__name__
    # The plan and the adjustments move with the student: they are not the old school's records.
    assert not {"school_plan", "adjustments"} & policy.SCHOOL_RECORDS
