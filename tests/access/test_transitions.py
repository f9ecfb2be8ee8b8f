"""The transitions matrix (SECURITY.md, figure 14).

Every route that changes who is in a circle, or in which role, is tried by
every circle role, against a target in every state (not a member, each
role, removed from each role), asking for every role. The expected answer
comes from the table written out by hand in test_policy_table.py, not from
the code under test; after every refusal the database is exactly as before
(the audit trail and session bookkeeping aside, which record the attempt).

The routes are found from their access rules: every endpoint guarded by a
membership action must be driven here, so a new way to change a role fails
this file until it is declared.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal import clock
from portal.access import policy
from portal.access.guard import CircleAction, rule_for
from portal.circles import services as circle_services
from portal.circles.models import Membership
from portal.extensions import db
from portal.invitations import services as invitation_services
from portal.invitations.models import Invitation
from portal.safeguarding import services as safeguarding
from portal.safeguarding.models import SafeguardingLimit
from portal.school import services as school_services
from tests import factories
from tests.access.test_policy_table import EXPECTED_TRANSITIONS, EXPECTED_WHILE_NONE

ROLES = policy.ROLES
C, CG, YP, SC, ST = policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON, policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF
NONE = "not_member"
# A target state: not a member, active in a role, or removed from a role.
STATES = (NONE, *ROLES, *(f"removed:{role}" for role in ROLES))

# What a refusal may still write: the audit entry that records it, and the
# session's last-seen time.
NOT_COMPARED = {"audit_event", "audit_chain_head", "user_session", "rate_limit_counter"}

# Endpoints whose rule is one of these circle actions change membership.
MEMBERSHIP_ACTIONS = {"manage_members", "invite", "hand_over_school", "set_limits"}
# ... and these change it without such a rule: accepting an invitation (a
# public link) and starting a circle (the creator joins it).
ALSO_CHANGING = {"invitations.accept", "circles.new"}
# Membership-guarded endpoints that change no membership.
NOT_CHANGING = {
    "invitations.revoke": "withdraws an invitation; nobody joins or leaves",
    "school.find_teacher": "lists the school's teachers to choose from (a GET); school.add_teacher_from_staff adds",
}
# circles.new is decided by CREATE in the table, checked there and in the
# access matrix (CreatesCircles); the rest are driven below.
DRIVEN = (
    "circles.add_member",
    "school.add_teacher",
    "school.add_teacher_from_staff",
    "circles.change_role",
    "circles.remove_member",
    "school.remove_teacher",
    "circles.restore_member",
    "invitations.manage",
    "invitations.accept",
    "school.hand_over",
    "safeguarding.set_limit",
    "safeguarding.lift_limit",
)


def allowed(action: str, actor: str | None, state: str, requested: str, present: set | None = None) -> bool:
    """The hand-written table's answer, for a state as named in this file, in
    a circle (see arrange) that holds a clinician, the actor and the target;
    ``present``: the roles of the others in the circle, if not just those two."""
    present = {C, actor} if present is None else present
    if requested == YP and YP in present:
        return False  # one young person a circle
    if state == NONE and requested in EXPECTED_WHILE_NONE.get((action, actor), set()) and requested not in present:
        return True
    pairs = EXPECTED_TRANSITIONS.get((action, actor), set())
    if state.startswith("removed:"):
        previous = state.split(":", 1)[1]
        if action != "restore" or ("removed", previous) not in pairs:
            return False
        # Back in another role: a restore and a role change, both allowed.
        return requested == previous or (previous, requested) in EXPECTED_TRANSITIONS.get(("change_role", actor), set())
    return (state, requested) in pairs


def may(actor: str, action: str) -> bool:
    return actor in policy.CIRCLE_ACTIONS[action]


# -- the world of one case ------------------------------------------------------


_unique = itertools.count(1)


@dataclass
class Case:
    circle: object
    actor: object  # User
    target: object  # User
    target_membership: Membership | None


def _new_school(kind="school"):
    return factories.organisation(f"School {next(_unique)}", kind)


def arrange(world, actor_user, actor_role: str, state: str, *, target_org=None, target_staff_role=None) -> Case | None:
    """A new circle: a clinician who owns it, the actor in their role, and the target in ``state``."""
    owner = world.extra["owner"]
    circle = circle_services.create_circle(owner, f"Robin {next(_unique)}")
    circle.school_organisation_id = world.school.id
    db.session.commit()
    factories.member(circle, actor_user, actor_role, owner)
    n = next(_unique)
    target = factories.user(
        f"Target {n}", email=f"target{n}@example.org", org=target_org, staff_role=target_staff_role
    )
    membership = None
    if state != NONE:
        role = state.split(":", 1)[1] if state.startswith("removed:") else state
        if role == YP and actor_role == YP:
            return None  # a circle holds one young person: no such circle can exist
        membership = factories.member(circle, target, role, owner)
        if state.startswith("removed:"):
            circle_services.remove_member(membership, owner)
    return Case(circle, actor_user, target, membership)


def snapshot() -> dict[str, list[tuple]]:
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name in NOT_COMPARED:
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(row) for row in rows]
    return tables


def state_now(circle_id: int, user_id: int) -> str:
    db.session.expire_all()
    membership = circle_services.membership_of(circle_id, user_id)
    if membership is None:
        return NONE
    return f"removed:{membership.role}" if membership.removed_at is not None else membership.role


@pytest.fixture
def actors(app, world):
    """One account per role, each acting in its own new circle per case; the
    staff among them belong to the world's clinic or school, so that the
    colleagues they add are reachable by the add forms."""
    world.extra["owner"] = factories.user("Owner Clinician", staff_role=C, org=world.clinic)
    orgs = {C: world.clinic, policy.PRIMARY_CARE: world.clinic, SC: world.school, ST: world.school}
    return {
        role: factories.user(f"Actor {role}", staff_role=role if role in orgs else None, org=orgs.get(role))
        for role in ROLES
    }


@pytest.fixture
def transition_figures(figures):
    """The run's figures (printed at the end: SECURITY.md, figure 14)."""
    return figures


class Recorder:
    def __init__(self, figures):
        self.figures = figures
        # Shown even when nothing went wrong: a 0 is the figure.
        figures.update({"transitions_mismatches": 0, "transitions_changed_after_refusal": 0})
        self.problems = []

    def check(self, label: str, expected: bool, response, before, after_state_ok: bool) -> None:
        self.figures["transitions_cases"] += 1
        self.figures["transitions_allowed" if expected else "transitions_refused"] += 1
        status = response.status_code
        if expected:
            if status not in (302, 303) or not after_state_ok:
                self.problems.append(f"{label}: expected the change, got {status} (state ok: {after_state_ok})")
                self.figures["transitions_mismatches"] += 1
            return
        if status < 400 and status != 200:
            self.problems.append(f"{label}: expected a refusal, got {status}")
            self.figures["transitions_mismatches"] += 1
        if status >= 500:
            self.problems.append(f"{label}: answered {status}")
        after = snapshot()
        if after != before:
            changed = sorted(name for name in after if after[name] != before.get(name))
            self.problems.append(f"{label}: refused ({status}) but changed {changed}")
            self.figures["transitions_changed_after_refusal"] += 1
            self.figures["transitions_mismatches"] += 1


# -- the routes ------------------------------------------------------------------


def test_every_route_that_changes_membership_is_driven_here(app):
    guarded = {
        endpoint
        for endpoint in app.view_functions
        if isinstance(rule_for(app, endpoint), CircleAction) and rule_for(app, endpoint).action in MEMBERSHIP_ACTIONS
    }
    assert guarded | ALSO_CHANGING == set(DRIVEN) | {"circles.new"} | set(NOT_CHANGING)


def _add_case(client, world, actor_user, actor_role, state, requested, via_teachers: bool, from_staff: bool = False):
    org = actor_user.organisation
    case = arrange(world, actor_user, actor_role, state, target_org=org, target_staff_role=ST if from_staff else None)
    if case is None:
        return None
    before = snapshot()
    if from_staff:
        # The id a staff list offers, or one posted by hand: the same route either way.
        data = {"teacher": case.target.id, "teacher_label": "Art teacher"}
        response = client.post(f"/circles/{case.circle.id}/school/teachers/from-staff", data=data)
    elif via_teachers:
        data = {"teacher_email": case.target.email, "relationship_label": "Art teacher"}
        response = client.post(f"/circles/{case.circle.id}/school/teachers", data=data)
    else:
        data = {"email": case.target.email, "role": requested, "relationship_label": "Aunt"}
        response = client.post(f"/circles/{case.circle.id}/members", data=data)
    if not may(actor_role, "manage_members") or org is None:
        expected = False  # the guard, or no colleagues to add
    elif from_staff and org.id != case.circle.school_organisation_id:
        expected = False  # the staff list is the circle's school's, for its own people only
    elif state == NONE:
        expected = allowed("add", actor_role, state, requested)
    else:
        expected = state.startswith("removed:") and allowed("restore", actor_role, state, requested)
    return case, before, response, expected, state_now(case.circle.id, case.target.id) == requested


@pytest.mark.parametrize("actor_role", ROLES)
@pytest.mark.parametrize("endpoint", ["circles.add_member", "school.add_teacher", "school.add_teacher_from_staff"])
def test_adding(app, client, login_as, world, actors, transition_figures, endpoint, actor_role):
    login_as(actors[actor_role])
    recorder = Recorder(transition_figures)
    from_staff = endpoint == "school.add_teacher_from_staff"
    teachers = endpoint == "school.add_teacher" or from_staff
    for state in STATES:
        for requested in (ST,) if teachers else ROLES:
            outcome = _add_case(client, world, actors[actor_role], actor_role, state, requested, teachers, from_staff)
            if outcome is None:
                continue
            case, before, response, expected, done = outcome
            recorder.check(f"{endpoint} {actor_role}: {state} -> {requested}", expected, response, before, done)
    assert recorder.problems == []


@pytest.mark.parametrize("actor_role", ROLES)
def test_changing_a_role(app, client, login_as, world, actors, transition_figures, actor_role):
    login_as(actors[actor_role])
    recorder = Recorder(transition_figures)
    for state in STATES[1:]:
        for requested in ROLES:
            case = arrange(world, actors[actor_role], actor_role, state, target_org=world.school)
            if case is None:
                continue
            before = snapshot()
            path = f"/circles/{case.circle.id}/members/{case.target_membership.id}/role"
            response = client.post(path, data={"role": requested, "confirmed": "yes"})
            expected = may(actor_role, "manage_members") and allowed("change_role", actor_role, state, requested)
            done = state_now(case.circle.id, case.target.id) == requested
            recorder.check(f"change_role {actor_role}: {state} -> {requested}", expected, response, before, done)
    # The actor's own role, from every role they might hold.
    case = arrange(world, actors[actor_role], actor_role, NONE)
    own = circle_services.active_membership(case.circle.id, actors[actor_role].id)
    for requested in ROLES:
        before = snapshot()
        response = client.post(f"/circles/{case.circle.id}/members/{own.id}/role", data={"role": requested, "confirmed": "yes"})
        recorder.check(f"change_role {actor_role}: own -> {requested}", False, response, before, False)
    assert recorder.problems == []


@pytest.mark.parametrize("actor_role", ROLES)
@pytest.mark.parametrize("endpoint", ["circles.remove_member", "school.remove_teacher", "circles.restore_member"])
def test_removing_and_restoring(app, client, login_as, world, actors, transition_figures, endpoint, actor_role):
    login_as(actors[actor_role])
    recorder = Recorder(transition_figures)
    for state in STATES[1:]:
        case = arrange(world, actors[actor_role], actor_role, state, target_org=world.school)
        if case is None:
            continue
        member_id = case.target_membership.id
        before = snapshot()
        if endpoint == "circles.restore_member":
            previous = state.split(":", 1)[1] if state.startswith("removed:") else None
            response = client.post(f"/circles/{case.circle.id}/members/{member_id}/restore", data={})
            expected = previous is not None and may(actor_role, "manage_members") and allowed(
                "restore", actor_role, state, previous
            )
            done = state_now(case.circle.id, case.target.id) == previous
        else:
            teachers = endpoint == "school.remove_teacher"
            url = f"/circles/{case.circle.id}/{'school/teachers' if teachers else 'members'}/{member_id}/remove"
            response = client.post(url, data={})
            expected = (
                may(actor_role, "manage_members")
                and (state == ST or not teachers)
                and allowed("remove", actor_role, state, "removed")
            )
            done = state_now(case.circle.id, case.target.id).startswith("removed:")
        recorder.check(f"{endpoint} {actor_role}: {state}", expected, response, before, done)
    assert recorder.problems == []


@pytest.mark.parametrize("inviter_role", ROLES)
def test_inviting_and_accepting(app, client, login_as, world, actors, transition_figures, inviter_role):
    """Sending is decided with the address unknown (never looked up); accepting
    is decided again, against the state of the account that accepts."""
    recorder = Recorder(transition_figures)
    for requested in ROLES:
        for state in STATES:
            # Sending never looks the address up: everyone in the circle counts, the target included.
            everyone = {C, inviter_role} | ({state} if state in ROLES else set())
            sends = may(inviter_role, "invite") and allowed("invite", inviter_role, NONE, requested, everyone)
            case = arrange(world, actors[inviter_role], inviter_role, state, target_org=world.school)
            if case is None:
                continue
            login_as(actors[inviter_role])
            before = snapshot()
            response = client.post(
                f"/circles/{case.circle.id}/invitations", data={"email": case.target.email, "role": requested}
            )
            sent = db.session.scalars(select(Invitation).where(Invitation.circle_id == case.circle.id)).first()
            recorder.check(f"invite {inviter_role}: -> {requested}", sends, response, before, sent is not None)
            if sent is None:
                continue
            token = _token_for(sent)
            login_as(case.target)
            before = snapshot()
            response = client.post(f"/invitations/{token}", data={})
            if state == NONE:
                expected = allowed("invite", inviter_role, NONE, requested)
            elif state.startswith("removed:"):
                expected = allowed("restore", inviter_role, state, requested)
            else:
                expected = False  # an invitation never changes an existing member's role
            done = state_now(case.circle.id, case.target.id) == requested
            recorder.check(f"accept from {inviter_role}: {state} -> {requested}", expected, response, before, done)
    assert recorder.problems == []


def _token_for(invitation: Invitation) -> str:
    """Issue a known token for the stored invitation (the email's own is not kept)."""
    token = f"{next(_unique):043d}"[:43]
    db.session.execute(
        text("UPDATE invitation SET token_hash = :digest WHERE id = :id"),
        {"digest": invitation_services.token_hash(token), "id": invitation.id},
    )
    db.session.commit()
    return token


@pytest.mark.parametrize("actor_role", ROLES)
def test_handing_over_to_a_new_school(app, client, login_as, world, actors, transition_figures, actor_role):
    recorder = Recorder(transition_figures)
    new_school = _new_school()
    for state in STATES:
        case = arrange(world, actors[actor_role], actor_role, state, target_org=new_school, target_staff_role=SC)
        if case is None:
            continue
        caregiver = factories.user(f"Parent {next(_unique)}")
        factories.member(case.circle, caregiver, CG, world.extra["owner"])
        agreement = school_services.record_move_agreement(case.circle, new_school.name, caregiver)
        login_as(actors[actor_role])
        before = snapshot()
        response = client.post(
            f"/circles/{case.circle.id}/school/move/{agreement.id}/hand-over",
            data={"new_contact_email": case.target.email, "understood": "y"},
        )
        expected = may(actor_role, "hand_over_school") and allowed("hand_over", actor_role, state, SC)
        done = state_now(case.circle.id, case.target.id) == SC and all(
            m.role not in policy.SCHOOL_ROLES or m.user_id == case.target.id
            for m in circle_services.active_members(case.circle.id)
        )
        recorder.check(f"hand_over {actor_role}: {state} -> {SC}", expected, response, before, done)
    assert recorder.problems == []


@pytest.mark.parametrize("actor_role", (C, SC))
def test_a_school_acts_only_on_accounts_of_the_circles_current_school(
    app, client, login_as, world, actors, transition_figures, actor_role
):
    """After a move of school, the new school cannot bring the old school's
    people back or promote them; a clinician can. Removing is not limited."""
    login_as(actors[actor_role])
    recorder = Recorder(transition_figures)
    elsewhere = _new_school()
    for state in (ST, SC, f"removed:{ST}", f"removed:{SC}"):
        case = arrange(world, actors[actor_role], actor_role, state, target_org=elsewhere)
        member = case.target_membership.id
        base = f"/circles/{case.circle.id}/members/{member}"
        if state.startswith("removed:"):
            previous = state.split(":", 1)[1]
            before = snapshot()
            response = client.post(f"{base}/restore", data={})
            expected = actor_role == C
            done = state_now(case.circle.id, case.target.id) == previous
            recorder.check(f"restore elsewhere {actor_role}: {state}", expected, response, before, done)
        else:
            other = SC if state == ST else ST
            before = snapshot()
            response = client.post(f"{base}/role", data={"role": other, "confirmed": "yes"})
            expected = actor_role == C
            done = state_now(case.circle.id, case.target.id) == other
            recorder.check(f"change_role elsewhere {actor_role}: {state} -> {other}", expected, response, before, done)
    assert recorder.problems == []


def _limit_in_force(membership_id: int) -> SafeguardingLimit | None:
    db.session.expire_all()
    return db.session.scalars(
        select(SafeguardingLimit).where(SafeguardingLimit.membership_id == membership_id, SafeguardingLimit.lifted_at.is_(None))
    ).first()


@pytest.mark.parametrize("actor_role", ROLES)
@pytest.mark.parametrize("endpoint", ["safeguarding.set_limit", "safeguarding.lift_limit"])
def test_placing_and_lifting_a_limit(app, client, login_as, world, actors, transition_figures, endpoint, actor_role):
    """A limit changes a member's standing, not their role: the pair asked for
    is the target's role now and after (EXPECTED_TRANSITIONS, limit and lift_limit)."""
    login_as(actors[actor_role])
    recorder = Recorder(transition_figures)
    lifting = endpoint == "safeguarding.lift_limit"
    action = "lift_limit" if lifting else "limit"
    review_on = (clock.today() + timedelta(days=14)).isoformat()
    for state in STATES[1:]:
        case = arrange(world, actors[actor_role], actor_role, state, target_org=world.school)
        if case is None:
            continue
        target = case.target_membership
        existing = None
        if target.active and target.role in policy.LIMITABLE_ROLES:
            # A limit already in force, placed by the circle's owner: what lifting lifts, and changing replaces.
            owner = circle_services.active_membership(case.circle.id, world.extra["owner"].id)
            existing = safeguarding.place_limit(owner, target, ("events",), "Not safe to tell", clock.today() + timedelta(days=7))
        before = snapshot()
        url = f"/circles/{case.circle.id}/members/{target.id}/limit"
        if lifting:
            response = client.post(f"{url}/lift", data={"limit": existing.id if existing else 1})
        else:
            data = {"hidden": ["progress"], "reason": "Still not safe", "review_on": review_on,
                    "current": str(existing.id) if existing else ""}
            response = client.post(url, data=data)
        role_now = state.split(":", 1)[1] if state.startswith("removed:") else state
        requested = role_now
        expected = may(actor_role, "set_limits") and allowed(action, actor_role, state, requested)
        in_force = _limit_in_force(target.id)
        if lifting:
            done = in_force is None
        else:
            done = in_force is not None and in_force.hidden_sections == ("progress",)
        done = done and state_now(case.circle.id, case.target.id) == state
        recorder.check(f"{endpoint} {actor_role}: {state}", expected, response, before, done)
    # Their own membership, whatever their role.
    case = arrange(world, actors[actor_role], actor_role, NONE)
    own = circle_services.active_membership(case.circle.id, actors[actor_role].id)
    before = snapshot()
    url = f"/circles/{case.circle.id}/members/{own.id}/limit"
    response = client.post(f"{url}/lift" if lifting else url, data={"hidden": ["progress"], "reason": "x", "review_on": review_on})
    recorder.check(f"{endpoint} {actor_role}: own", False, response, before, False)
    assert recorder.problems == []
