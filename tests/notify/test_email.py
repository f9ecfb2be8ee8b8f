"""Notifications and emails against a real SMTP server: each kind of event,
the digest, exactly-once delivery through an outage, and no plan content or
young person's name in any email."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.access import policy
from portal.extensions import db
from portal.followup.schedule import overdue_follow_ups
from portal.notify.delivery import send_pending
from portal.notify.models import Notification, NotificationPreference, OutboxMessage
from portal.notify.scheduler import agreements_ending, digests
from portal.plan.models import FollowUp
from portal.sharing import services as sharing
from tests import factories


def notices(user, kind=None):
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def recipients(messages) -> list[str]:
    return sorted(re.search(r"^To: (.+?)\r?$", m, re.M).group(1) for m in messages)


def assert_private(world, messages, *markers):
    """No email names the young person or carries a word of the plan."""
    for message in messages:
        assert world.circle.young_person_name not in message
        for marker in markers:
            assert marker not in message
        assert "Support Circle" in message


def test_a_section_change_tells_its_readers_and_no_one_else(app, world, mail_server):
    factories.email_at_once(*world.users.values())
    clinician = world.users[policy.CLINICIAN]
    factories.write_section(world.circle, "safety_plan", clinician, "CANARY-SAFETY")
    # Everyone who reads the safety plan but its author: the family and the family doctor.
    readers = {world.users[role].email for role in (policy.CAREGIVER, policy.YOUNG_PERSON, policy.PRIMARY_CARE)}
    assert send_pending().sent == 3
    assert recipients(mail_server.messages) == sorted(readers)
    assert_private(world, mail_server.messages, "CANARY-SAFETY")
    # The school does not read the safety plan, so it hears nothing of it.
    for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        assert notices(world.users[role]) == [] or all(n.section != "safety_plan" for n in notices(world.users[role]))
    text = notices(world.users[policy.CAREGIVER], "section_changed")[0].text
    assert "CANARY" not in text and "safety plan" in text


def test_an_episode_reaches_caregivers_and_clinicians_at_once_always(app, world, mail_server):
    caregiver = world.users[policy.CAREGIVER]
    clinician = world.users[policy.CLINICIAN]
    # Even someone who asked for the portal only hears of an episode by email.
    db.session.add(NotificationPreference(user_id=caregiver.id, kind="episode_recorded", mode="portal"))
    db.session.commit()
    factories.write_section(world.circle, "episodes", world.users[policy.SCHOOL_STAFF], "CANARY-EPISODE")
    assert notices(caregiver, "episode_recorded") and notices(clinician, "episode_recorded")
    send_pending()
    assert {caregiver.email, clinician.email} <= set(recipients(mail_server.messages))
    assert world.users[policy.YOUNG_PERSON].email not in recipients(mail_server.messages)
    assert_private(world, mail_server.messages, "CANARY-EPISODE")


def test_an_overdue_follow_up_tells_the_responsible_people_once(app, world, mail_server, frozen_clock):
    factories.email_at_once(*world.users.values())
    clinician = world.users[policy.CLINICIAN]
    follow_up = factories.write_section(
        world.circle, "follow_ups", clinician, "CANARY-FU", kind="appointment", status="scheduled",
        due_at=frozen_clock.current + timedelta(days=1),
    )
    send_pending()
    mail_server.messages.clear()
    frozen_clock.advance(days=2)
    with app.test_request_context():
        assert overdue_follow_ups() == 1
        assert overdue_follow_ups() == 0  # once, however often the scheduler runs
    assert notices(clinician, "follow_up_overdue")
    # Clinicians are responsible; the caregiver is not (no monitoring responsibility).
    assert not notices(world.users[policy.CAREGIVER], "follow_up_overdue")
    send_pending()
    assert recipients(mail_server.messages) == [clinician.email]
    assert db.session.get(FollowUp, follow_up.id).status == "scheduled"


def test_membership_changes_are_told_to_the_person(app, world, mail_server):
    newcomer = factories.user("New Caregiver")
    factories.email_at_once(newcomer)
    membership = factories.member(world.circle, newcomer, policy.CAREGIVER, world.users[policy.CLINICIAN])
    assert "Jordan" in notices(newcomer, "membership_changed")[0].text
    from portal.circles.services import remove_member

    remove_member(membership, world.users[policy.CLINICIAN])
    removed_notice = [n for n in notices(newcomer, "membership_changed") if "removed" in n.text][0]
    assert world.circle.young_person_name not in removed_notice.text
    send_pending()
    assert recipients(mail_server.messages) == [newcomer.email]  # one pending email covers both
    assert_private(world, mail_server.messages)


def test_agreements_recorded_withdrawn_and_ending_are_told(app, world, mail_server, frozen_clock):
    factories.email_at_once(*world.users.values())
    young_person = world.users[policy.YOUNG_PERSON]
    contact = world.users[policy.SCHOOL_CONTACT]
    end = (frozen_clock.current + timedelta(days=2)).date()
    agreement = sharing.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", end, young_person)
    assert notices(contact, "agreement_changed")
    with app.test_request_context():
        assert agreements_ending() == 1
        assert agreements_ending() == 0
    sharing.withdraw(agreement, young_person)
    texts = [n.text for n in notices(contact, "agreement_changed")]
    assert any("now shared" in t for t in texts) and any("ends soon" in t for t in texts) and any("no longer" in t for t in texts)
    send_pending()
    assert contact.email in recipients(mail_server.messages)
    assert_private(world, mail_server.messages)


def test_the_daily_digest_goes_once_a_day(app, world, mail_server, frozen_clock):
    """Changes to a plan are routine: with no choice of their own, its readers
    hear of them in the day's digest, not an email each."""
    caregiver = world.users[policy.CAREGIVER]
    clinician = world.users[policy.CLINICIAN]
    factories.write_section(world.circle, "safety_plan", clinician, "CANARY-D1")
    factories.write_section(world.circle, "home_safety", clinician, "CANARY-D2")
    send_pending()
    assert mail_server.messages == []
    # The young person has already read theirs in the portal: no email for them.
    from portal.notify.services import mark_all_read

    mark_all_read(world.users[policy.YOUNG_PERSON])
    app.config["DIGEST_HOUR"] = 0
    with app.test_request_context():
        # The caregiver (both sections) and the family doctor (the safety plan).
        assert digests() == 2
        assert digests() == 0
    send_pending()
    readers = {world.users[role].email for role in (policy.CAREGIVER, policy.PRIMARY_CARE)}
    assert recipients(mail_server.messages) == sorted(readers)
    to_caregiver = next(m for m in mail_server.messages if f"To: {caregiver.email}" in m)
    assert "2 new things" in to_caregiver
    assert_private(world, mail_server.messages, "CANARY-D1", "CANARY-D2")


def test_an_outage_loses_nothing_and_sends_nothing_twice(app, world, mail_server, frozen_clock, caplog):
    factories.email_at_once(*world.users.values())
    clinician = world.users[policy.CLINICIAN]
    mail_server.stop()
    for kind in ("safety_plan", "home_safety", "school_plan"):
        factories.write_section(world.circle, kind, clinician, f"CANARY-OUT-{kind}")
    queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert queued >= 3
    with caplog.at_level(logging.WARNING):
        report = send_pending()
    assert report.sent == 0 and report.failed == queued
    assert all("@" not in record.getMessage() for record in caplog.records)
    # Nothing is retried before its backoff has passed.
    assert send_pending().failed == 0
    frozen_clock.advance(minutes=2)
    assert send_pending().failed == queued  # still down: tried again, kept again
    mail_server.start()
    frozen_clock.advance(minutes=5)
    assert send_pending().sent == queued
    assert send_pending().sent == 0
    frozen_clock.advance(hours=2)
    assert send_pending().sent == 0
    ids = re.findall(r"^Message-ID:\s*(\S+)", "\n".join(mail_server.messages), re.M | re.I)
    assert len(ids) == queued == len(set(ids))
    assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_the_command_line_sends_through_smtp(app, world, mail_server):
    factories.email_at_once(*world.users.values())
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], "CANARY-CLI")
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "emails sent 3" in result.output  # the caregiver, the young person and the family doctor
    result = app.test_cli_runner().invoke(args=["notify", "run", "--passes", "2", "--interval", "0"])
    assert result.exit_code == 0 and "emails sent 0" in result.output
    assert len(mail_server.messages) == 3


def test_the_unread_count_leaves_out_circles_the_person_left(app, world, login_as, mail_server):
    caregiver = world.users[policy.CAREGIVER]
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], "CANARY-BADGE")
    client = login_as(caregiver, app.test_client())
    assert '<span class="badge">1<' in client.get("/dashboard").text
    from portal.circles.services import remove_member

    remove_member(world.memberships[policy.CAREGIVER], world.users[policy.CLINICIAN])
    page = client.get("/dashboard").text
    # Only the notice that they were removed remains.
    assert '<span class="badge">1<' in page
    assert "CANARY-BADGE" not in client.get("/notifications").text
