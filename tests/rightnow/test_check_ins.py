"""The direct question: a check-in that answers yes or not sure leads to the
right-now page and tells the clinicians at once, with no answer and no
content; nothing is charted from it; school roles never see it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.access.sections import section_access
from portal.extensions import db
from portal.notify.models import Notification, OutboxMessage
from portal.plan.models import CheckIn
from portal.plan.sections import SPECS
from portal.sharing import services as sharing_services
from tests import factories
from tests.web import valid_section_post

PROGRESS = SPECS["progress"]


def post_check_in(client, world, role, answer, marker="CHECKIN"):
    membership = world.memberships[role]
    fields = section_access(membership, PROGRESS).editable
    data = valid_section_post(PROGRESS, membership, fields, marker)
    data["suicidal_thoughts"] = answer
    return client.post(f"/circles/{world.circle.id}/plan/progress/new", data=data)


def contact_soon_notices(user=None) -> list[Notification]:
    db.session.expire_all()
    stmt = select(Notification).where(Notification.kind == "contact_soon")
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return list(db.session.scalars(stmt))


def clear_notices():
    db.session.execute(Notification.__table__.delete())
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()


@pytest.mark.parametrize("answer", ["yes", "unsure"])
def test_yes_or_not_sure_leads_to_right_now_with_a_warm_line(client, login_as, circle, answer):
    login_as(circle.users[policy.YOUNG_PERSON])
    response = post_check_in(client, circle, policy.YOUNG_PERSON, answer)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/circles/{circle.circle.id}/right-now")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for saying. Here are your plan's first steps and who you can reach now." in html
    assert "Tell Mum or call" in html
    # The word of thanks comes once: opened again later, the page is as always.
    again = client.get(f"/circles/{circle.circle.id}/right-now").get_data(as_text=True)
    assert "Thank you for saying" not in again


def test_a_caregiver_is_thanked_as_an_adult(client, login_as, circle):
    login_as(circle.users[policy.CAREGIVER])
    response = post_check_in(client, circle, policy.CAREGIVER, "yes")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for answering. Here are the first steps in Jordan's plan" in html
    assert "Thank you for saying" not in html


def test_no_goes_back_to_the_check_ins_and_tells_no_one_to_make_contact(client, login_as, circle):
    clear_notices()
    login_as(circle.users[policy.YOUNG_PERSON])
    response = post_check_in(client, circle, policy.YOUNG_PERSON, "no")
    assert response.headers["Location"].endswith(f"/circles/{circle.circle.id}/plan/progress")
    assert contact_soon_notices() == []


def test_the_clinicians_are_told_at_once_without_the_answer(client, login_as, circle):
    clear_notices()
    clinician = circle.users[policy.CLINICIAN]
    # Even a clinician who asked for one email a day hears of this at once.
    from portal.notify.models import NotificationPreference

    db.session.add(NotificationPreference(user_id=clinician.id, kind="contact_soon", mode="digest"))
    db.session.add(NotificationPreference(user_id=clinician.id, kind="section_changed", mode="digest"))
    db.session.commit()
    login_as(circle.users[policy.YOUNG_PERSON])
    post_check_in(client, circle, policy.YOUNG_PERSON, "yes", marker="SECRETNOTE")
    notices = contact_soon_notices()
    assert [(n.user_id, n.text, n.section) for n in notices] == [
        (clinician.id, "A check-in in Jordan's plan asks for contact soon.", "progress")
    ]
    assert notices[0].link == f"/circles/{circle.circle.id}/plan/progress"
    assert notices[0].email_state == "immediate"
    # Nobody else hears of it this way: not the family, not primary care, not the school.
    for role in (policy.CAREGIVER, policy.PRIMARY_CARE, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF, policy.YOUNG_PERSON):
        assert contact_soon_notices(circle.users[role]) == []
    emails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == clinician.email)))
    assert len(emails) == 1
    for text in (emails[0].body, emails[0].subject, notices[0].text):
        assert "suicid" not in text.lower() and "yes" not in text.lower() and "SECRETNOTE" not in text
    assert "check-in" not in emails[0].body.lower()


def test_only_a_new_yes_or_not_sure_tells_them(app, circle):
    clear_notices()
    young_person = circle.users[policy.YOUNG_PERSON]
    row = factories.write_section(circle.circle, "progress", young_person, "WEEK1", suicidal_thoughts="no")
    assert contact_soon_notices() == []
    values = factories.section_values("progress", "WEEK1", suicidal_thoughts="unsure")
    factories.plan_services.update_item(row, PROGRESS, values, row.version, young_person)
    assert len(contact_soon_notices()) == 1
    # Still asking: an edit that keeps it yes or not sure does not tell them again.
    values = factories.section_values("progress", "WEEK1b", suicidal_thoughts="yes")
    factories.plan_services.update_item(row, PROGRESS, values, row.version, young_person)
    assert len(contact_soon_notices()) == 1
    factories.write_section(circle.circle, "progress", young_person, "WEEK2", suicidal_thoughts="yes")
    assert len(contact_soon_notices()) == 2


def test_a_clinician_recording_it_is_not_told_of_their_own_check_in(client, login_as, circle):
    clear_notices()
    clinician = circle.users[policy.CLINICIAN]
    second = factories.user("Dr Second", staff_role=policy.CLINICIAN, org=circle.clinic)
    factories.member(circle.circle, second, policy.CLINICIAN, clinician)
    login_as(clinician)
    response = post_check_in(client, circle, policy.CLINICIAN, "unsure")
    assert response.headers["Location"].endswith("/right-now")
    assert [n.user_id for n in contact_soon_notices()] == [second.id]


def test_the_answer_is_never_charted(client, login_as, circle):
    from portal.followup import charts

    assert "suicidal_thoughts" not in {series.slug for series in charts.SERIES}
    young_person = circle.users[policy.YOUNG_PERSON]
    factories.write_section(circle.circle, "progress", young_person, "CHART", suicidal_thoughts="yes")
    login_as(circle.users[policy.CLINICIAN])
    html = client.get(f"/circles/{circle.circle.id}/progress/charts").get_data(as_text=True)
    assert "thoughts of suicide" not in html.lower() and "Not sure" not in html


def test_school_roles_never_see_the_answer_even_with_progress_shared(client, login_as, circle):
    young_person = circle.users[policy.YOUNG_PERSON]
    sharing_services.record(circle.circle.id, "progress", policy.SCHOOL_CONTACT, "young_person", None, young_person)
    db.session.commit()
    factories.write_section(circle.circle, "progress", young_person, "SHARED", suicidal_thoughts="yes")
    question = str(PROGRESS.field("suicidal_thoughts").label)
    login_as(circle.users[policy.SCHOOL_CONTACT])
    for path in ("plan/progress", "plan/progress/history"):
        response = client.get(f"/circles/{circle.circle.id}/{path}")
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        # The check-in itself is shared, cut to what helps school act (policy.SHARED_FIELDS): no notes.
        assert "SHARED-notes" not in html, path
        assert question not in html and "thoughts of suicide" not in html.lower(), path
    assert contact_soon_notices(circle.users[policy.SCHOOL_CONTACT]) == []
    # The right-now page is not theirs either, progress shared or not.
    assert client.get(f"/circles/{circle.circle.id}/right-now").status_code == 403
    login_as(circle.users[policy.SCHOOL_STAFF])
    assert client.get(f"/circles/{circle.circle.id}/plan/progress").status_code == 403


def test_the_stored_answer_is_what_was_typed(client, login_as, circle):
    login_as(circle.users[policy.CAREGIVER])
    post_check_in(client, circle, policy.CAREGIVER, "unsure")
    db.session.expire_all()
    assert [c.suicidal_thoughts for c in db.session.scalars(select(CheckIn))] == ["unsure"]


def test_the_thanks_is_for_the_page_that_comes_next_not_a_visit_much_later(client, login_as, circle, monkeypatch):
    from datetime import timedelta

    from portal import clock

    login_as(circle.users[policy.YOUNG_PERSON])
    response = post_check_in(client, circle, policy.YOUNG_PERSON, "yes")
    later = clock.now() + timedelta(minutes=20)  # still signed in (idle timeout 30)
    monkeypatch.setattr(clock, "now", lambda: later)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for saying" not in html and "Your first steps" in html
