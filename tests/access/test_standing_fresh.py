"""What the policy is asked with (the agreements in force, a limit on a member)
is read once a request and kept on ``g``; a write of those rows within the
same request or app context makes the next question read them again, so a
share recorded, a share withdrawn, a limit placed or lifted (even by a plain
UPDATE) and a rolled-back write are never answered from what was read before."""

from __future__ import annotations

from portal.access import policy
from portal.access.queries import find_membership, shared_for, standing_for
from portal.extensions import db
from portal.safeguarding import services as safeguarding_services
from portal.sharing import services as sharing_services
from portal.sharing.models import Agreement
from tests import factories


def _school_reads_safety_plan(world) -> bool:
    school = find_membership(world.circle.id, world.users[policy.SCHOOL_CONTACT])
    return policy.can(school.role, "safety_plan", policy.READ, standing_for(school))


def test_a_share_recorded_or_withdrawn_is_seen_by_the_next_question(app, world):
    assert not _school_reads_safety_plan(world)  # read once: kept for the rest of the context
    agreement = sharing_services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person",
                                        None, world.users[policy.YOUNG_PERSON])
    assert ("safety_plan", policy.SCHOOL_CONTACT) in shared_for(world.circle.id)
    assert _school_reads_safety_plan(world)
    sharing_services.withdraw(agreement, world.users[policy.YOUNG_PERSON])
    assert ("safety_plan", policy.SCHOOL_CONTACT) not in shared_for(world.circle.id)
    assert not _school_reads_safety_plan(world)


def test_a_limit_placed_or_lifted_by_a_plain_update_is_seen_by_the_next_question(app, world):
    caregiver = world.memberships[policy.CAREGIVER]
    clinician = find_membership(world.circle.id, world.users[policy.CLINICIAN])
    assert not standing_for(caregiver).limited
    limit = factories.limit(caregiver, world.users[policy.CLINICIAN])
    assert standing_for(caregiver).hidden == frozenset(factories.LIMIT_HIDES)
    safeguarding_services._lift(limit, clinician)  # the conditional UPDATE the service lifts with
    assert not standing_for(caregiver).limited


def test_a_rolled_back_share_is_not_answered_from(app, world):
    assert not _school_reads_safety_plan(world)
    db.session.add(Agreement(circle_id=world.circle.id, section="safety_plan", role=policy.SCHOOL_CONTACT,
                             agreed_by="young_person", recorded_by_id=world.users[policy.YOUNG_PERSON].id))
    db.session.flush()
    assert _school_reads_safety_plan(world)
    db.session.rollback()
    assert not _school_reads_safety_plan(world)
