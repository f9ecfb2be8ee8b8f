"""A marker in every text field of the safety plan, the care team and a
check-in: on the right-now page and the dashboard each actor meets only the
markers the policy lets them read, each inside its own data-section block,
and never one of a check-in (SECURITY.md, figure 4). Two more caregivers are
under safeguarding limits: one hides the usual sections and leaves them the
safety plan; one hides the safety plan as well, and so right now."""

from __future__ import annotations

import pytest

from portal.access import policy
from portal.access.queries import shared_for
from portal.extensions import db
from portal.sharing import services as sharing_services
from tests import factories
from tests.plan.test_canary import Actor, Canary, PageScan, client_for, fetch, may_see

# A caregiver whose limit leaves them the safety plan, and one whose limit hides it.
LIMITED, LIMITED_SAFETY_PLAN = "limited caregiver", "caregiver limited from the safety plan"
HIDES_SAFETY_PLAN = (*factories.LIMIT_HIDES, "safety_plan")


def limited_caregiver(world, name: str, hidden: tuple[str, ...]) -> Actor:
    account = factories.user(name.title())
    membership = factories.member(world.circle, account, policy.CAREGIVER, world.users[policy.CLINICIAN])
    factories.limit(membership, world.users[policy.CLINICIAN], hidden)
    return Actor(name, account.id, policy.CAREGIVER, world.circle.school_organisation_id, hidden)


def actors(world) -> list[Actor]:
    school = world.circle.school_organisation_id
    found = [Actor(role, world.users[role].id, role, school) for role in policy.ROLES]
    found += [limited_caregiver(world, LIMITED, factories.LIMIT_HIDES),
              limited_caregiver(world, LIMITED_SAFETY_PLAN, HIDES_SAFETY_PLAN)]
    found += [Actor("outsider", world.outsider.id, None), Actor("org_admin", world.org_admin.id, None),
              Actor("removed_member", world.removed.id, None), Actor("anonymous", None, None)]
    return found


def write_markers(world) -> Canary:
    users = world.users
    canary = Canary(world.circle)
    canary.write("care_team", users[policy.CLINICIAN], reachable="evenings", phone="555-0102", responsibilities="")
    canary.write("care_team", users[policy.CLINICIAN], reachable="school_hours", phone="555-0103", responsibilities="")
    canary.write("safety_plan", users[policy.YOUNG_PERSON])
    canary.write("progress", users[policy.CAREGIVER], suicidal_thoughts="yes")
    return canary


@pytest.mark.parametrize("shared_with_school", [False, True])
def test_right_now_and_the_dashboard_show_only_what_the_policy_allows(app, login_as, circle, shared_with_school):
    if shared_with_school:
        sharing_services.record(circle.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None,
                                circle.users[policy.YOUNG_PERSON])
        sharing_services.record(circle.circle.id, "progress", policy.SCHOOL_CONTACT, "young_person", None,
                                circle.users[policy.YOUNG_PERSON])
        db.session.commit()
    everyone = actors(circle)
    canary = write_markers(circle)
    shared = shared_for(circle.circle.id) if shared_with_school else frozenset()
    leaks, misplaced, seen_on_right_now, seen_on_dashboard, statuses = [], [], {}, {}, {}
    for actor in everyone:
        client = client_for(app, login_as, actor.user_id)
        for url in (f"/circles/{circle.circle.id}/right-now", "/dashboard"):
            status, text = fetch(app, client, url)
            assert status < 500, (actor.name, url)
            scan = PageScan(text)
            for token, section in scan.found:
                marker = canary.markers[token]
                hidden_by_limit = actor.hidden is not None and marker.kind in actor.hidden
                if marker.kind == "progress" or hidden_by_limit or not may_see(actor, marker, shared):
                    leaks.append((actor.name, url, marker.kind, marker.field))
                elif section != marker.kind:
                    misplaced.append((actor.name, url, marker.kind, marker.field, section))
            kinds = {canary.markers[token].kind for token, _ in scan.found}
            if url.endswith("right-now"):
                seen_on_right_now[actor.name], statuses[actor.name] = kinds, status
            else:
                seen_on_dashboard[actor.name] = kinds
    assert leaks == []
    assert misplaced == []
    # The page can fail: those who read the safety plan do meet its markers there.
    for role in (policy.CLINICIAN, policy.PRIMARY_CARE, policy.CAREGIVER, policy.YOUNG_PERSON, LIMITED):
        assert seen_on_right_now[role] == {"safety_plan", "care_team"}, role
    assert seen_on_right_now[policy.SCHOOL_CONTACT] == ({"safety_plan", "care_team"} if shared_with_school else set())
    assert seen_on_right_now[policy.SCHOOL_STAFF] == set()
    # A limit that hides the safety plan closes right now, and the dashboard's card with it.
    assert statuses[LIMITED_SAFETY_PLAN] == 403
    assert seen_on_right_now[LIMITED_SAFETY_PLAN] == set()
    assert "safety_plan" not in seen_on_dashboard[LIMITED_SAFETY_PLAN]
    assert "safety_plan" in seen_on_dashboard[policy.CAREGIVER] and "safety_plan" in seen_on_dashboard[LIMITED]
