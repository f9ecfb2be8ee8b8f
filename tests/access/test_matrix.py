"""The access matrix (SECURITY.md, figures 1 and 2).

Every endpoint in ``app.url_map``, for GET and POST, for every kind of actor, is
checked against the outcome that the endpoint's declared rule and the policy
table predict. The cases are derived from the URL map, so a new route is
tested as soon as it exists; a rule type or URL argument that this file cannot
reason about fails the run rather than being skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import IntegerConverter

from portal.access import policy
from portal.access.guard import (
    CircleAction,
    CreatesCircles,
    OrgAdmin,
    Public,
    Section,
    SignedIn,
    rule_for,
    undeclared_endpoints,
)
from portal.auth.models import User
from portal.circles.models import Membership
from portal.extensions import db
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from tests import factories
from tests.access.builders import add_item, scoped_values

READ, EDIT = policy.READ, policy.EDIT

# Every endpoint and the rule it declares, written out by hand like the policy
# table: adding a route, or changing who may use one, means changing this too.
DECLARED = {
    "static": Public(),
    "auth.index": Public(),
    "auth.login": Public(),
    "auth.logout": SignedIn(),
    "dashboard.index": SignedIn(),
    "circles.index": SignedIn(),
    "circles.new": CreatesCircles(),
    "circles.members": CircleAction("view_members"),
    "circles.add_member": CircleAction("manage_members"),
    "circles.remove_member": CircleAction("manage_members"),
    "plan.overview": CircleAction("view_circle"),
    "plan.section": Section(READ),
    "plan.edit_document": Section(EDIT),
    "plan.new_item": Section(EDIT),
    "plan.edit_item": Section(READ),
    "plan.remove_item": Section(EDIT),
    "plan.restore_item": Section(READ, action="restore_items"),
    "plan.move_item": Section(EDIT),
    "plan.history": Section(READ),
    "plan.print_section": Section(READ),
    "admin.accounts_list": OrgAdmin(),
    "admin.new_account": OrgAdmin(),
    "admin.deactivate": OrgAdmin(),
    "admin.reactivate": OrgAdmin(),
    "urgent.help_page": Public(),
    "health.healthz": Public(),
}

# Serving files needs a real file name and says nothing about the plan.
NOT_IN_MATRIX = frozenset({"static"})

# Section(READ) lets every reader reach the edit page, so that each member can
# keep their own care-team entry current; the view then asks for the right to
# change this particular item (portal/access/sections.item_editable_fields).
ITEM_EDIT_VIEWS = frozenset({"plan.edit_item"})

# Empty POSTs to these still do their work (their confirm form has no fields and
# CSRF is off in tests), so they run after everything else, in this order: a
# restored item would hide what a removed one answers, and signing out ends
# the session the remaining cases depend on.
SIGN_OUT = "auth.logout"
RUN_LAST = ("plan.restore_item", "plan.remove_item", "circles.remove_member", "admin.deactivate", SIGN_OUT)

# An allowed request: a page, a redirect after a post, a form with errors
# (empty POSTs), or a conflict page.
ALLOWED = frozenset({200, 302, 409, 422})
SIGN_IN = frozenset({302})

ANONYMOUS, OUTSIDER, ORG_ADMIN, REMOVED = "anonymous", "outsider", "org_admin", "removed_member"
ACTORS = (ANONYMOUS, *policy.ROLES, OUTSIDER, ORG_ADMIN, REMOVED)

URL_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


class NotUnderstood(AssertionError):
    """The matrix met a rule type or URL argument it has no expectation for."""


@dataclass
class Scene:
    world: factories.World
    items: dict[str, list]  # list section -> its items, live and removed
    own_contacts: dict[int, object]  # user id -> their care-team entry in the circle
    managed_account: User  # an account in the org admin's own organisation


@dataclass(frozen=True)
class Actor:
    name: str
    user: User | None
    membership: Membership | None  # active membership in the world's circle

    @property
    def role(self) -> str:
        return self.membership.role


@dataclass(frozen=True)
class Target:
    values: tuple = ()
    item: object = None
    member: Membership | None = None
    account: User | None = None

    def with_value(self, name, value, **objects):
        return replace(self, values=(*self.values, (name, value)), **objects)


@dataclass(frozen=True)
class Outcome:
    statuses: frozenset[int]
    reason: str

    @property
    def allowed(self) -> bool:
        return self.statuses == ALLOWED


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    path: str
    expected: Outcome


def allow(reason: str) -> Outcome:
    return Outcome(ALLOWED, reason)


def deny(status: int, reason: str) -> Outcome:
    return Outcome(frozenset({status}), reason)


@pytest.fixture
def scene(world) -> Scene:
    """One item per list section from each of its editors, written under the
    editor's row scope as the app would, and one removed item per section."""
    items = {}
    for kind, spec in SPECS.items():
        if not spec.is_list:
            continue
        items[kind] = []
        for role in policy.ROLES:
            if not policy.can(role, kind, EDIT):
                continue
            author = world.users[role]
            scoped = scoped_values(role, kind, author)
            items[kind].append(add_item(world.circle, kind, author, f"M-{kind}-{role}", scoped))
        removed = add_item(world.circle, kind, author, f"M-{kind}-removed", scoped)
        plan_services.set_removed(removed, spec, author, removed=True)
        items[kind].append(removed)
    care_team = SPECS["care_team"].model
    own_contacts = {}
    for membership in db.session.scalars(select(Membership).where(Membership.circle_id == world.circle.id)):
        own_contacts[membership.user_id] = db.session.scalars(
            select(care_team).where(care_team.membership_id == membership.id)
        ).one()
    managed = factories.user("Account To Manage", staff_role="school_staff", org=world.org_admin.organisation)
    return Scene(world, items, own_contacts, managed)


def actor_for(scene: Scene, name: str) -> Actor:
    world = scene.world
    others = {ANONYMOUS: None, OUTSIDER: world.outsider, ORG_ADMIN: world.org_admin, REMOVED: world.removed}
    user = others[name] if name in others else world.users[name]
    membership = None
    if user is not None:
        membership = db.session.scalars(
            select(Membership).where(
                Membership.circle_id == world.circle.id,
                Membership.user_id == user.id,
                Membership.removed_at.is_(None),
            )
        ).first()
    return Actor(name, user, membership)


# -- URL variants ------------------------------------------------------------


def url_arguments(app, url_rule):
    for match in URL_ARGUMENT.finditer(url_rule.rule):
        yield match["name"], app.url_map.converters[match["converter"] or "default"]


def argument_values(endpoint, name, converter, target: Target, scene: Scene, actor: Actor):
    world = scene.world
    if name == "circle_id" and issubclass(converter, IntegerConverter):
        return [target.with_value(name, world.circle.id)]
    if getattr(converter, "kinds", None):
        return [target.with_value(name, kind) for kind in converter.kinds]
    if name == "item_id":
        kind = dict(target.values)["kind"]
        items = list(scene.items[kind])
        # The one item a reader may change: their own entry in the care team.
        own = scene.own_contacts.get(actor.user.id) if actor.user is not None else None
        if kind == "care_team" and own is not None:
            items.append(own)
        return [target.with_value(name, item.id, item=item) for item in items]
    if name == "membership_id":
        members = db.session.scalars(select(Membership).where(Membership.circle_id == world.circle.id))
        return [target.with_value(name, member.id, member=member) for member in members]
    if name == "user_id":
        return [target.with_value(name, scene.managed_account.id, account=scene.managed_account)]
    raise NotUnderstood(f"{endpoint}: the matrix has no values for URL argument {name!r} ({converter.__name__})")


def targets(app, endpoint, url_rule, scene, actor) -> list[Target]:
    partial = [Target()]
    for name, converter in url_arguments(app, url_rule):
        partial = [
            extended
            for target in partial
            for extended in argument_values(endpoint, name, converter, target, scene, actor)
        ]
    return partial


# -- expected outcomes, from the declared rule and the policy -----------------


def expect(endpoint: str, rule, actor: Actor, target: Target) -> Outcome:
    if isinstance(rule, Public):
        return allow("public")
    if not rule.needs_login:
        raise NotUnderstood(f"{endpoint}: rule {rule!r} needs no sign-in but is not Public")
    if actor.user is None:
        return Outcome(SIGN_IN, "anonymous: sent to sign in")
    user = actor.user
    if isinstance(rule, SignedIn):
        return allow("signed in")
    if isinstance(rule, OrgAdmin):
        if not (user.is_org_admin and user.organisation_id):
            return deny(403, "not an organisation admin")
        if target.account is not None and target.account.organisation_id != user.organisation_id:
            return deny(404, "an account of another organisation")
        return allow("organisation admin")
    if isinstance(rule, CreatesCircles):
        if user.staff_role not in policy.CIRCLE_CREATOR_ROLES:
            return deny(403, f"staff role {user.staff_role!r} does not start circles")
        return allow("starts circles")
    if isinstance(rule, CircleAction):
        if actor.membership is None:
            return deny(404, "not a member of the circle")
        if not policy.can_act(actor.role, rule.action):
            return deny(403, f"{actor.role} may not {rule.action}")
        return object_outcome(endpoint, actor, target, None) or allow(f"{actor.role} may {rule.action}")
    if isinstance(rule, Section):
        if actor.membership is None:
            return deny(404, "not a member of the circle")
        kind = rule.kind or dict(target.values)["kind"]
        if not policy.can(actor.role, kind, rule.mode):
            return deny(403, f"{actor.role} may not {rule.mode} {kind}")
        if rule.action is not None and not policy.can_act(actor.role, rule.action):
            return deny(403, f"{actor.role} may not {rule.action}")
        return object_outcome(endpoint, actor, target, kind) or allow(f"{actor.role} may {rule.mode} {kind}")
    raise NotUnderstood(f"{endpoint}: the matrix has no expectation for rule type {type(rule).__name__}")


def object_outcome(endpoint: str, actor: Actor, target: Target, kind: str | None) -> Outcome | None:
    """What the object named in the URL changes, once the rule has let the member in."""
    role = actor.role
    item = target.item
    if item is not None:
        scope = policy.row_scope(role, kind)
        if scope is not None:
            reachable = actor.user.id if scope.value is policy.SELF else scope.value
            if getattr(item, scope.field) != reachable:
                return deny(404, f"{kind} item outside the {role}'s row scope")
        if endpoint in ITEM_EDIT_VIEWS and not may_change_item(actor, kind, item):
            return deny(403, f"{role} may not change this {kind} item")
    member = target.member
    if member is not None:
        if member.circle_id != actor.membership.circle_id or member.removed_at is not None:
            return deny(404, "no such active member in this circle")
        if member.id == actor.membership.id:
            return deny(403, "may not remove themselves")
        if not policy.may_grant(role, member.role):
            return deny(403, f"{role} may not take away the {member.role} role")
    return None


def may_change_item(actor: Actor, kind: str, item) -> bool:
    if policy.can(actor.role, kind, EDIT):
        return True
    own_contact = kind == "care_team" and item.membership_id == actor.membership.id
    return own_contact and policy.can_act(actor.role, "edit_own_contact")


# -- the cases ---------------------------------------------------------------


def build_cases(app, scene: Scene, actor: Actor) -> list[Case]:
    adapter = app.url_map.bind("localhost")
    cases = []
    for url_rule in app.url_map.iter_rules():
        endpoint = url_rule.endpoint
        if endpoint in NOT_IN_MATRIX:
            continue
        rule = rule_for(app, endpoint)
        for target in targets(app, endpoint, url_rule, scene, actor):
            path = adapter.build(endpoint, dict(target.values))
            for method in ("GET", "POST"):
                if method in url_rule.methods:
                    expected = expect(endpoint, rule, actor, target)
                else:
                    try:
                        served_by, _ = adapter.match(path, method=method)
                    except MethodNotAllowed:
                        expected = deny(405, f"{endpoint} does not take {method}")
                    else:
                        assert served_by != endpoint
                        continue  # another endpoint serves this URL and method, and has its own case
                cases.append(Case(endpoint, method, path, expected))
    return sorted(cases, key=run_order)


def run_order(case: Case):
    last = RUN_LAST.index(case.endpoint) + 1 if case.method == "POST" and case.endpoint in RUN_LAST else 0
    return (last, case.method, case.endpoint, case.path)


def check(response, case: Case, signed_in: bool) -> bool:
    if response.status_code not in case.expected.statuses:
        return False
    sent_to_sign_in = response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path == "/login"
    if case.expected.statuses is SIGN_IN:
        return sent_to_sign_in
    # A lost session also answers 302, which ALLOWED would accept; only
    # signing out may send a signed-in person back to the sign-in page.
    return not (signed_in and sent_to_sign_in and case.endpoint != SIGN_OUT)


def count(figures: Counter, cases: list[Case], mismatches: list[str]) -> None:
    figures["matrix_cases"] += len(cases)
    figures["matrix_mismatches"] += len(mismatches)
    for case in cases:
        if case.expected.allowed:
            figures["matrix_allows"] += 1
        else:
            figures["matrix_denies"] += 1
            (status,) = case.expected.statuses
            figures[f"matrix_deny_{status}"] += 1


# -- tests -------------------------------------------------------------------


def test_every_endpoint_declares_its_rule(app, figures):
    endpoints = {url_rule.endpoint for url_rule in app.url_map.iter_rules()}
    figures["endpoints"] = len(endpoints)
    figures["undeclared"] = len(undeclared_endpoints(app))
    assert undeclared_endpoints(app) == []
    assert all(rule_for(app, endpoint) is not None for endpoint in endpoints)
    assert set(app.view_functions) == endpoints
    assert endpoints == set(DECLARED), "add the new route to DECLARED once its rule is right"
    changed = {e: rule_for(app, e) for e in endpoints if rule_for(app, e) != DECLARED[e]}
    assert changed == {}, "a route's access rule changed; change DECLARED deliberately"


def test_the_matrix_reaches_every_endpoint(app, scene):
    for name in ACTORS:
        endpoints = {case.endpoint for case in build_cases(app, scene, actor_for(scene, name))}
        assert endpoints == set(DECLARED) - NOT_IN_MATRIX, name


@pytest.mark.parametrize("actor_name", ACTORS)
def test_access_matrix(app, client, login_as, scene, figures, actor_name):
    actor = actor_for(scene, actor_name)
    cases = build_cases(app, scene, actor)
    if actor.user is not None:
        login_as(actor.user)
    mismatches = []
    for case in cases:
        response = client.open(case.path, method=case.method, data={} if case.method == "POST" else None)
        if not check(response, case, signed_in=actor.user is not None):
            mismatches.append(
                f"{actor_name} {case.method} {case.path} [{case.endpoint}]: expected "
                f"{sorted(case.expected.statuses)} ({case.expected.reason}), got {response.status_code}"
            )
    count(figures, cases, mismatches)
    allows = sum(case.expected.allowed for case in cases)
    print(
        f"{actor_name}: {len(cases)} cases, {allows} allows, {len(cases) - allows} denies, {len(mismatches)} mismatches"
    )
    assert mismatches == []


def test_anonymous_denials_are_all_sign_in_redirects_not_errors(app, scene):
    """The matrix's own reasoning, checked once: anonymous is sent to sign in by
    exactly the rules that need a sign-in, so a rule that forgot
    ``needs_login`` cannot hide behind an expected 404 or 403."""
    cases = build_cases(app, scene, actor_for(scene, ANONYMOUS))
    for case in cases:
        rule = rule_for(app, case.endpoint)
        if case.expected.statuses != {405}:
            assert (case.expected.statuses is SIGN_IN) == rule.needs_login, case
