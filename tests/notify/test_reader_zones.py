"""Emails and digests follow their recipient's zone: their organisation's,
when it set one, else the deployment's."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal.access import policy
from portal.auth.models import User
from portal.extensions import db
from portal.notify.delivery import send_pending
from portal.notify.models import Notification
from portal.notify.scheduler import digests
from portal.timezone import to_local
from portal.zones import reading_as
from tests import factories
from tests.notify.test_email import recipients


def test_the_digest_goes_at_the_digest_hour_where_each_recipient_is(app, world, mail_server, frozen_clock):
    # Routine changes go by the daily digest unless someone chose otherwise:
    # the clinic's people (the clinician, the family doctor) read Tokyo's
    # time, the school contact and the family the deployment's.
    world.clinic.timezone = "Asia/Tokyo"
    db.session.commit()
    factories.write_section(world.circle, "school_plan", world.users[policy.CAREGIVER], "CANARY-Z")
    send_pending()
    mail_server.messages.clear()
    waiting = digest_waiting()
    in_tokyo = {user.email for user in waiting if user.organisation_id == world.clinic.id}
    elsewhere = {user.email for user in waiting} - in_tokyo
    assert world.users[policy.CLINICIAN].email in in_tokyo
    assert world.users[policy.SCHOOL_CONTACT].email in elsewhere
    app.config["DIGEST_HOUR"] = 17
    # 09:00 UTC: 18:00 in Tokyo, past the hour; 05:00 in New York, long before it.
    frozen_clock.current = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    with app.test_request_context():
        assert digests() == len(in_tokyo)
    send_pending()
    assert set(recipients(mail_server.messages)) == in_tokyo
    mail_server.messages.clear()
    # 21:00 UTC: 17:00 in New York; the clinic's digests went already today, where they are.
    frozen_clock.current = datetime(2026, 6, 10, 21, 0, tzinfo=UTC)
    with app.test_request_context():
        assert digests() == len(elsewhere)
    send_pending()
    assert set(recipients(mail_server.messages)) == elsewhere


def digest_waiting() -> list[User]:
    return list(db.session.scalars(
        select(User).join(Notification, Notification.user_id == User.id).where(Notification.email_state == "digest")
        .distinct()
    ))


def test_a_time_written_for_a_recipient_is_in_their_zone(app, world):
    world.clinic.timezone = "Asia/Tokyo"
    db.session.commit()
    moment = datetime(2026, 6, 10, 14, 30, tzinfo=UTC)
    with app.test_request_context():
        assert to_local(moment).hour == 10
        with reading_as(world.users[policy.CLINICIAN]):
            assert to_local(moment).hour == 23
        with reading_as(world.users[policy.CAREGIVER]):
            assert to_local(moment).hour == 10
        assert to_local(moment).hour == 10


def test_a_use_of_the_school_plan_is_today_in_the_family_s_day_not_the_school_s(app, world, new_york_evening):
    """At 23:30 in New York the school, in London, is already in tomorrow: a
    use of the school plan at 18:00 in New York was "today" for the family
    who read the notice, whatever the day where the school wrote it."""
    from portal.notify.services import episode_words

    world.school.timezone = "Europe/London"
    db.session.commit()
    contact, caregiver = world.users[policy.SCHOOL_CONTACT], world.users[policy.CAREGIVER]
    occurred = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
    with reading_as(contact):
        words = episode_words("Jordan", contact.name, occurred, new=True)
        assert "today" not in words(policy.CAREGIVER)
    with reading_as(caregiver):
        assert "used for Jordan today" in words(policy.CAREGIVER)
