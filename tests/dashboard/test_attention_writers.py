"""Two transactions recomputing one circle's attention rows at once (a save
and the scheduler's pass, two saves that audit nothing) both land: the second
waits for the first and recomputes from what it committed, instead of
inserting rows the first already wrote (a 500 and a lost save on PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.services import record
from portal.dashboard import models
from portal.dashboard.attention import refresh_circles
from portal.dashboard.models import MembershipAttention
from portal.extensions import db
from tests import factories
from tests.concurrency import first_holds_second_tries
from tests.conftest import ON_POSTGRES

# SQLite has one writer at a time: what these tests catch happens on PostgreSQL only.
pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's row locks")


def test_a_second_recompute_of_a_circle_waits_for_the_first_and_both_land(shared_database):
    app = shared_database
    with app.app_context():
        built = factories.world()
        circle_id = built.circle.id
        clinician = built.users[policy.CLINICIAN]
        factories.write_section(
            built.circle, "follow_ups", clinician, "FU", kind="appointment", status="scheduled",
            due_at=clock.now() - timedelta(days=2),
        )
        members = set(db.session.scalars(select(MembershipAttention.membership_id).where(
            MembershipAttention.circle_id == circle_id)))
        assert members, "the overdue follow-up gives the circle's members rows to recompute"
    first_holds_second_tries(
        app,
        lambda: refresh_circles([circle_id]),
        lambda: refresh_circles([circle_id]),
        second_waits=True,
        message="the second recompute did not wait for the first",
    )
    with app.app_context():
        rows = db.session.scalars(select(MembershipAttention).where(MembershipAttention.circle_id == circle_id)).all()
        assert {row.membership_id for row in rows} == members
        assert {row.urgency for row in rows} == {models.OVERDUE}


def test_a_recompute_holding_a_circle_never_stops_others_writing_rows_that_point_at_it(shared_database):
    """The recompute's lock is for recomputes only: a row naming the circle (an
    audit entry, a notice, a section) is written meanwhile, so the audit chain,
    which every audited page waits on, never queues behind the scheduler."""
    app = shared_database
    with app.app_context():
        built = factories.world()
        circle_id, clinician_id = built.circle.id, built.users[policy.CLINICIAN].id

    def audited_view():
        from portal.auth.models import User

        record("section_viewed", circle_id=circle_id, user=db.session.get(User, clinician_id), section="safety_plan")

    first_holds_second_tries(
        app,
        lambda: refresh_circles([circle_id]),
        audited_view,
        second_waits=False,
        message="writing a row that names the circle waited for the recompute",
    )
