"""The header's unread count is a number kept on the account in the same
transaction as the notices, never counted per page: after every kind of
change it equals a count made from scratch, and the header shows it."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from portal import clock
from portal.access import policy
from portal.auth.models import User
from portal.circles.models import Circle
from portal.circles.services import remove_member
from portal.extensions import db
from portal.notify import reading, unread
from portal.notify import services as notify
from portal.notify.models import Notification
from tests import factories
from tests.concurrency import first_holds_second_tries
from tests.conftest import ON_POSTGRES
from tests.web import counting_statements


def recount(user) -> int:
    """What the header counted before: unread notices the person can still see."""
    unread = notify.visible_notifications(user).where(Notification.read_at.is_(None)).subquery()
    return db.session.scalar(select(func.count()).select_from(unread))


def kept(user) -> int:
    db.session.expire_all()
    return db.session.scalar(select(User.unread_notices).where(User.id == user.id))


def assert_counts_agree(world, *extra):
    for user in (*world.users.values(), world.removed, world.outsider, world.org_admin, *extra):
        assert kept(user) == recount(user), user.name


def badge(client) -> int:
    found = re.search(r'<span class="badge">(\d+)<', client.get("/dashboard").text)
    return int(found.group(1)) if found else 0


def tell_one(world, user, kind="section_changed", section="safety_plan", circle=None):
    notify.tell(
        [notify.Recipient(user, policy.CAREGIVER)],
        kind,
        circle_id=(circle or world.circle).id,
        section=section,
        text="Something changed.",
        link="/dashboard",
    )


def test_the_count_follows_every_kind_of_change(app, world, login_as):
    clinician, caregiver = world.users[policy.CLINICIAN], world.users[policy.CAREGIVER]
    # Building the world told each member they were added (and the removed one both ways).
    assert kept(caregiver) >= 1
    assert_counts_agree(world)
    client = login_as(caregiver, app.test_client())
    before = kept(caregiver)

    # Made: a change tells every reader, one statement for all of them.
    factories.write_section(world.circle, "safety_plan", clinician, "COUNT-1")
    factories.write_section(world.circle, "home_safety", clinician, "COUNT-2")
    assert kept(caregiver) == before + 2
    assert_counts_agree(world)
    assert badge(client) == before + 2

    # Read: one notice opened (twice: the second changes nothing).
    notice = db.session.scalars(
        select(Notification).where(Notification.user_id == caregiver.id, Notification.section == "home_safety")
    ).one()
    for _ in range(2):
        assert client.post(f"/notifications/{notice.id}/open").status_code == 302
    assert kept(caregiver) == before + 1
    assert_counts_agree(world)

    # Read: a group.
    client.post(
        "/notifications/group/read",
        data={"circle": world.circle.id, "kind": "section_changed", "section": "safety_plan"},
    )
    assert kept(caregiver) == before
    assert_counts_agree(world)

    # Read: all.
    client.post("/notifications/read")
    assert kept(caregiver) == 0
    assert_counts_agree(world)
    assert badge(client) == 0

    # Hidden: leaving a circle with unread notices in it, and seen again on coming back.
    factories.write_section(world.circle, "safety_plan", clinician, "COUNT-3")
    factories.write_section(world.circle, "home_safety", clinician, "COUNT-4")
    assert kept(caregiver) == 2
    remove_member(world.memberships[policy.CAREGIVER], clinician)
    db.session.commit()
    assert kept(caregiver) == 1  # only "you were removed", which names no circle
    assert_counts_agree(world)
    factories.member(world.circle, caregiver, policy.CAREGIVER, clinician)
    db.session.commit()
    assert kept(caregiver) == 1 + 2 + 1  # that, the two left unread, and "you were added"
    assert_counts_agree(world)

    # Removed: a notice deleted, and one read or made unread again on the object itself.
    unread = db.session.scalars(
        select(Notification).where(Notification.user_id == caregiver.id, Notification.read_at.is_(None))
    ).all()
    db.session.delete(unread[0])
    db.session.commit()
    assert kept(caregiver) == 3
    unread[1].read_at = clock.now()
    db.session.commit()
    assert kept(caregiver) == 2
    unread[1].read_at = None
    db.session.commit()
    assert kept(caregiver) == 3
    assert_counts_agree(world)
    assert badge(client) == 3


def test_two_changes_in_one_transaction_both_count_and_a_rollback_none(app, world, login_as):
    caregiver, young_person = world.users[policy.CAREGIVER], world.users[policy.YOUNG_PERSON]
    start = kept(caregiver)
    # Two notices before one commit, flushed together.
    tell_one(world, caregiver)
    tell_one(world, caregiver, section="home_safety")
    db.session.commit()
    assert kept(caregiver) == start + 2
    assert_counts_agree(world)
    # Made and read in one transaction: a notice made, then every unread one read, one commit.
    tell_one(world, caregiver)
    notify.mark_all_read(caregiver)
    assert kept(caregiver) == 0
    assert_counts_agree(world)
    # Made and deleted in one transaction.
    tell_one(world, caregiver)
    db.session.flush()
    made = db.session.scalars(
        select(Notification).where(Notification.user_id == caregiver.id, Notification.read_at.is_(None))
    ).one()
    tell_one(world, caregiver, section="home_safety")
    db.session.delete(made)
    db.session.commit()
    assert kept(caregiver) == 1
    assert_counts_agree(world)
    # A change that rolls back takes its count with it.
    before = kept(young_person)
    tell_one(world, young_person)
    tell_one(world, young_person)
    db.session.flush()
    db.session.rollback()
    assert kept(young_person) == before
    assert_counts_agree(world)


def test_a_notice_about_a_circle_someone_left_is_not_counted_when_made(app, world):
    """A notice made for someone who is no longer in its circle (a scheduled
    notice, a builder) counts only if they could see it."""
    removed = world.removed
    tell_one(world, removed)
    tell_one(world, removed, circle=world.other_circle)
    db.session.commit()
    assert_counts_agree(world)


def test_the_header_counts_nothing(app, world, login_as):
    """The header's number comes with the account: no statement reads notices for it."""
    caregiver = world.users[policy.CAREGIVER]
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], "HEADER")
    client = login_as(caregiver, app.test_client())
    client.get("/dashboard")
    with counting_statements() as counted:
        page = client.get("/dashboard").text
    assert re.search(r'<span class="badge">\d+<', page)
    header_counts = [s for s in counted if "count(" in s.lower() and "notification" in s.lower()]
    assert header_counts == []


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's row locks: SQLite has one writer at a time")
def test_two_readers_marking_the_same_notices_at_once_take_them_off_once(shared_database):
    """Two tabs, "mark all read" in both at once: the second waits for the
    first and changes nothing more, instead of taking the same notices off the
    count a second time (a count below zero on PostgreSQL)."""
    app = shared_database
    with app.app_context():
        built = factories.world()
        caregiver = built.users[policy.CAREGIVER]
        for _ in range(3):
            tell_one(built, caregiver)
        db.session.commit()
        caregiver_id = caregiver.id
        assert kept(caregiver) == recount(caregiver) >= 3
    first_holds_second_tries(
        app,
        lambda: reading._mark_read(db.session.get(User, caregiver_id)),
        lambda: reading.mark_all_read(db.session.get(User, caregiver_id)),
        second_waits=True,
        message="the second reader did not wait for the first",
    )
    with app.app_context():
        caregiver = db.session.get(User, caregiver_id)
        assert kept(caregiver) == recount(caregiver) == 0


def test_flask_notices_recount_puts_every_count_right_and_says_how_many_were_wrong(app, world):
    """A count that drifted (a notice made in the moment someone left its
    circle) is put right by the recount the scheduler makes each day."""
    caregiver, clinician = world.users[policy.CAREGIVER], world.users[policy.CLINICIAN]
    right = kept(clinician)
    db.session.execute(update(User).where(User.id == caregiver.id).values(unread_notices=User.unread_notices + 5))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notify", "recount"])
    assert result.exit_code == 0, result.output
    assert "1 account" in result.output
    assert kept(caregiver) == recount(caregiver) and kept(clinician) == right
    assert_counts_agree(world)
    # The scheduler's daily step does the same.
    db.session.execute(update(User).where(User.id == caregiver.id).values(unread_notices=-2))
    db.session.commit()
    assert unread.recount(db.session) == 1
    db.session.commit()
    assert kept(caregiver) == recount(caregiver)


def test_a_header_never_shows_a_count_below_nothing(app, world, login_as, caplog):
    caregiver = world.users[policy.CAREGIVER]
    db.session.execute(update(User).where(User.id == caregiver.id).values(unread_notices=-1))
    db.session.commit()
    client = login_as(caregiver, app.test_client())
    assert badge(client) == 0
    assert "-1" not in client.get("/dashboard").text.split("<main", 1)[0]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's row locks: SQLite has one writer at a time")
def test_a_recount_beside_a_new_notice_counts_the_notice(shared_database):
    """The recount puts a drifted count right while a notice for that person
    is being made: it waits for the notice and counts it, instead of writing
    a total that leaves it out over the notice's own +1."""
    app = shared_database
    with app.app_context():
        built = factories.world()
        caregiver = built.users[policy.CAREGIVER]
        caregiver_id, circle_id = caregiver.id, built.circle.id
        db.session.execute(update(User).where(User.id == caregiver_id).values(unread_notices=User.unread_notices + 5))
        db.session.commit()
    first_holds_second_tries(
        app,
        lambda: tell_one(SimpleNamespace(circle=db.session.get(Circle, circle_id)), db.session.get(User, caregiver_id)),
        lambda: unread.recount(db.session),
        second_waits=True,
        message="the recount did not wait for the notice being made",
    )
    with app.app_context():
        caregiver = db.session.get(User, caregiver_id)
        assert kept(caregiver) == recount(caregiver)
