"""What needs attention is kept as data: on every write, by the scheduler as
time passes, and for each member alone (a safeguarding limit on one caregiver
shows in that caregiver's rows only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from portal import clock
from portal.access import policy
from portal.circles.models import Membership
from portal.dashboard import models
from portal.dashboard.attention import refresh_all
from portal.dashboard.models import MembershipAttention
from portal.extensions import db
from portal.notify.scheduler import run_scheduled
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from portal.timezone import to_utc
from tests import factories

CARD = re.compile(r'<article class="circle-card">\s*<header>\s*<h3><a href="/circles/(\d+)">')


def _cards(client, url="/dashboard") -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [int(found) for found in CARD.findall(response.text)]


def _row(membership) -> MembershipAttention | None:
    db.session.expire_all()
    return db.session.get(MembershipAttention, membership.id)


def _follow_up(circle, author, due_at, kind="appointment"):
    return factories.write_section(circle, "follow_ups", author, "FU", kind=kind, status="scheduled", due_at=due_at)


def test_an_overdue_follow_up_comes_first_and_goes_once_attended(app, world, login_as):
    clinician = world.users[policy.CLINICIAN]
    contact = world.users[policy.SCHOOL_CONTACT]
    today = clock.today()
    factories.write_section(
        world.circle,
        "adjustments",
        contact,
        "ENDING",
        kind="extension",
        subjects="Maths",
        start_date=today - timedelta(days=5),
        end_date=today + timedelta(days=2),
    )
    later = factories.circle(clinician, "Bea")
    client = login_as(clinician, app.test_client())
    assert _cards(client) == [world.circle.id]
    assert _row(world.memberships[policy.CLINICIAN]).urgency == models.ADJUSTMENT_ENDING

    follow_up = _follow_up(later, clinician, clock.now() - timedelta(hours=3))
    assert _cards(client) == [later.id, world.circle.id]
    mine = db.session.scalars(select(MembershipAttention).where(MembershipAttention.circle_id == later.id)).one()
    assert (mine.user_id, mine.urgency, mine.items) == (clinician.id, models.OVERDUE, 1)

    spec = SPECS["follow_ups"]
    plan_services.update_item(follow_up, spec, {"status": "attended"}, follow_up.version, clinician)
    assert _cards(client) == [world.circle.id]
    assert db.session.scalars(select(MembershipAttention).where(MembershipAttention.circle_id == later.id)).all() == []
    # Bea is still there, among the other circles, not lost.
    page = client.get("/dashboard").text
    assert "Your other circles" in page and f'href="/circles/{later.id}">Bea</a>' in page


def test_the_scheduler_moves_what_comes_due_as_time_passes(app, world, login_as, frozen_clock):
    clinician = world.users[policy.CLINICIAN]
    membership = world.memberships[policy.CLINICIAN]
    today = clock.today()
    frozen_clock.current = to_utc(datetime.combine(today, time(9)))
    review = _follow_up(
        world.circle, clinician, to_utc(datetime.combine(today + timedelta(days=1), time(12))), kind="plan_review"
    )
    assert _row(membership).urgency == models.OTHER
    run_scheduled()

    frozen_clock.advance(days=1)  # 9:00 on the review's day
    assert _row(membership).urgency == models.OTHER, "nothing moves it but the scheduler"
    assert run_scheduled()["attention rows"] >= 1
    assert _row(membership).urgency == models.DUE_TODAY

    frozen_clock.advance(hours=4)  # 13:00: the review was due at noon
    run_scheduled()
    assert _row(membership).urgency == models.OVERDUE
    assert _row(membership).due_at == review.due_at
    client = login_as(clinician, app.test_client())
    assert _cards(client) == [world.circle.id]
    assert "Plan review is overdue" in client.get("/dashboard").text


def test_a_limited_caregiver_s_rows_never_reflect_what_the_limit_hides(app, world, login_as):
    clinician = world.users[policy.CLINICIAN]
    limited = world.memberships[policy.CAREGIVER]
    other_parent = factories.user("Second Caregiver")
    unlimited = factories.member(world.circle, other_parent, policy.CAREGIVER, clinician)
    factories.limit(limited, clinician, hidden=("events", "episodes"))
    assert _row(limited) is None and _row(unlimited) is None

    factories.write_section(
        world.circle,
        "episodes",
        world.users[policy.SCHOOL_CONTACT],
        "USED",
        occurred_at=clock.now() - timedelta(hours=1),
    )
    assert _row(unlimited).urgency == models.SCHOOL_PLAN_USED
    assert _row(limited) is None, "the episode the limit hides must leave no trace in their order"
    # A caregiver's own circle is always a card on their page; what it and the page's order say differs.
    limited_page = login_as(world.users[policy.CAREGIVER], app.test_client()).get("/dashboard").text
    other_page = login_as(other_parent, app.test_client()).get("/dashboard").text
    assert "attention-episode" not in limited_page and "Needs your attention" not in limited_page
    assert "attention-episode" in other_page and "Needs your attention" in other_page

    # A full refresh (the backfill) gives them the same.
    refresh_all()
    assert _row(limited) is None and _row(unlimited).urgency == models.SCHOOL_PLAN_USED


def test_a_limit_placed_later_takes_the_caregiver_s_row_with_it(app, world):
    clinician = world.users[policy.CLINICIAN]
    caregiver = world.memberships[policy.CAREGIVER]
    factories.write_section(
        world.circle,
        "episodes",
        world.users[policy.SCHOOL_CONTACT],
        "USED",
        occurred_at=clock.now() - timedelta(hours=1),
    )
    assert _row(caregiver).urgency == models.SCHOOL_PLAN_USED
    factories.limit(caregiver, clinician, hidden=("episodes",))
    assert _row(caregiver) is None


def test_a_removed_member_keeps_no_row(app, world):
    from portal.circles import services as circle_services

    clinician = world.users[policy.CLINICIAN]
    membership = world.memberships[policy.CAREGIVER]
    _follow_up(world.circle, clinician, clock.now() - timedelta(hours=1), kind="plan_review")
    assert _row(membership) is not None
    circle_services.remove_member(membership, clinician)
    db.session.commit()
    assert _row(membership) is None


def test_the_demo_loads_with_what_needs_attention(app):
    from portal.auth.services import find_user
    from portal.demo.seed import seed

    seed()
    counselor = find_user("counselor@demo.example.org")
    clinician = find_user("clinician@demo.example.org")
    for person in (counselor, clinician):
        rows = db.session.scalars(select(MembershipAttention).where(MembershipAttention.user_id == person.id)).all()
        assert rows, person.email


def test_an_appointment_nothing_showed_coming_appears_once_it_is_overdue(app, world, frozen_clock):
    clinician = world.users[policy.CLINICIAN]
    membership = world.memberships[policy.CLINICIAN]
    run_scheduled()  # today's full pass done: what follows comes from the pass's own look at what fell due
    _follow_up(world.circle, clinician, clock.now() + timedelta(minutes=20))
    assert _row(membership) is None, "an appointment coming up is not an item"
    frozen_clock.advance(minutes=30)
    run_scheduled()
    assert _row(membership).urgency == models.OVERDUE


def test_each_member_s_rows_follow_their_own_day_not_the_writer_s(app, world, new_york_evening):
    """A clinic in London shares a circle with a family in New York: at 23:30 in
    New York it is already tomorrow in London, so a plan review at 15:00 UTC
    is due today for the clinician and tomorrow for the caregiver, whoever wrote it."""
    world.clinic.timezone = "Europe/London"
    db.session.commit()
    clinician, caregiver = world.memberships[policy.CLINICIAN], world.memberships[policy.CAREGIVER]
    _follow_up(world.circle, world.users[policy.CLINICIAN], datetime(2026, 3, 11, 15, 0, tzinfo=UTC), kind="plan_review")
    assert _row(clinician).urgency == models.DUE_TODAY
    assert _row(caregiver).urgency == models.OTHER
    # The scheduler's pass, like a save, reads each member's day in their own zone.
    refresh_all()
    assert (_row(clinician).urgency, _row(caregiver).urgency) == (models.DUE_TODAY, models.OTHER)


def test_the_daily_pass_comes_at_each_zone_s_own_midnight_and_is_made_again_if_cut_short(app, world, monkeypatch):
    """The school reads in London, the clinic in New York (the deployment's):
    London's new day recomputes the circles with a member at the school, and
    New York's, four or five hours later, the others."""
    from portal.dashboard import attention

    world.school.timezone = "Europe/London"
    db.session.commit()
    moment = {"now": datetime(2026, 3, 10, 20, 0, tzinfo=UTC)}  # 20:00 in London, 16:00 in New York
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    clinician = world.users[policy.CLINICIAN]
    for circle, author in ((world.circle, clinician), (world.other_circle, world.outsider)):
        factories.write_section(circle, "follow_ups", author, "FU", kind="appointment", status="missed",
                                due_at=moment["now"] - timedelta(days=3))
    attention.refresh_come_due()  # both zones' 10 March is done
    at_school = world.memberships[policy.CLINICIAN]
    elsewhere = db.session.scalars(select(MembershipAttention).where(
        MembershipAttention.circle_id == world.other_circle.id)).one().membership_id

    def stale_rows():
        db.session.execute(update(MembershipAttention).values(items=99))
        db.session.commit()

    def items(membership_id):
        db.session.expire_all()
        return db.session.get(MembershipAttention, membership_id).items

    stale_rows()
    moment["now"] = datetime(2026, 3, 11, 0, 30, tzinfo=UTC)  # London's 11 March; New York's 10 March
    attention.refresh_come_due()
    assert items(at_school.id) == 1 and items(elsewhere) == 99
    stale_rows()
    attention.refresh_come_due()  # London's day is done: not again
    assert items(at_school.id) == 99

    # New York's day begins; a pass cut short by a failure is made again by the next.
    moment["now"] = datetime(2026, 3, 11, 4, 30, tzinfo=UTC)
    real = attention.refresh_circles
    monkeypatch.setattr(attention, "refresh_circles", lambda ids: (_ for _ in ()).throw(RuntimeError("cut short")))
    with pytest.raises(RuntimeError):
        attention.refresh_come_due()
    db.session.rollback()
    monkeypatch.setattr(attention, "refresh_circles", real)
    attention.refresh_come_due()
    assert items(elsewhere) == 1


def test_a_scheduler_started_again_after_hours_away_still_finds_what_fell_due_meanwhile(app, world, monkeypatch):
    """The time of the last pass is kept in the database, not in the process:
    an appointment that passed while no scheduler ran (a restart, another
    server taking over) is overdue at the next pass, not the next day."""
    from portal.dashboard import attention
    from portal.notify import services as notices

    moment = {"now": datetime(2026, 3, 10, 14, 0, tzinfo=UTC)}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    # The last pass (the day's first): what it kept is in the database only, as
    # for a pass made by another process or before a restart.
    attention.refresh_come_due()
    assert notices.last_marked(attention.LAST_RUN) == moment["now"]
    # A circle where nothing else is due, so that only the pass's look back can find it.
    membership = db.session.scalars(
        select(Membership).where(Membership.circle_id == world.other_circle.id, Membership.user_id == world.outsider.id)
    ).one()
    _follow_up(world.other_circle, world.outsider, datetime(2026, 3, 10, 17, 0, tzinfo=UTC))
    assert db.session.scalars(select(MembershipAttention).where(
        MembershipAttention.circle_id == world.other_circle.id)).all() == []  # an appointment coming up is no item
    moment["now"] = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # five hours on, two after the appointment
    attention.refresh_come_due()
    assert _row(membership).urgency == models.OVERDUE
