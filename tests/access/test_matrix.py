"""The access matrix (SECURITY.md, figures 1 and 2).

Every endpoint in ``app.url_map``, for GET and POST, for every kind of actor, is
checked against the outcome that the endpoint's declared rule and the policy
table predict. The cases are derived from the URL map, so a new route is
tested as soon as it exists; a rule type or URL argument that this file cannot
reason about fails the run rather than being skipped.

Section routes are expected from the policy together with the circle's
agreements in force (policy.can(..., shared)). The plain scene shares nothing;
one more run, for the school contact and for the family doctor, has the safety
plan and the progress log shared with the contact and the progress log and the
setback reviews with the doctor, and checks that exactly those reads open.

One actor is a caregiver under a safeguarding limit: their expected outcomes
come from the policy with their standing (policy.Standing, with what the limit
hides), and a check against the plain caregiver's run shows that exactly the
routes of the hidden sections and "who has seen this plan" close.
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

from portal import clock
from portal.access import policy, transitions
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
from portal.access.queries import shared_by_circle, standings
from portal.auth.models import User
from portal.circles import services as circle_services
from portal.circles.models import Membership
from portal.extensions import db
from portal.invitations import services as invitation_services
from portal.invitations.models import Invitation
from portal.notify.models import Notification
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from portal.sharing import services as sharing_services
from portal.sharing.models import Agreement
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
    "auth.login_code": Public(),
    "auth.login_enrol": Public(),
    "auth.reset_request": Public(),
    "auth.reset_password": Public(),
    "auth.set_password": Public(),
    "account.index": SignedIn(),
    "account.change_password": SignedIn(),
    "account.language": SignedIn(),
    "account.start_two_factor": SignedIn(),
    "account.two_factor": SignedIn(),
    "account.recovery_codes": SignedIn(),
    "account.end_other_sessions": SignedIn(),
    "admin.end_sessions": OrgAdmin(),
    "admin.reset_two_factor": OrgAdmin(),
    "dashboard.index": SignedIn(),
    "circles.index": SignedIn(),
    "circles.new": CreatesCircles(),
    "circles.members": CircleAction("view_members"),
    "circles.add_member": CircleAction("manage_members"),
    "circles.remove_member": CircleAction("manage_members"),
    "circles.change_role": CircleAction("manage_members"),
    "circles.restore_member": CircleAction("manage_members"),
    "invitations.manage": CircleAction("invite"),
    "invitations.revoke": CircleAction("invite"),
    "invitations.accept": Public(),
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
    "sharing.index": CircleAction("view_sharing"),
    "sharing.record": CircleAction("record_agreement"),
    "sharing.withdraw": CircleAction("record_agreement"),
    "sharing.your_say": CircleAction("view_your_say"),
    "sharing.record_deciding": CircleAction("record_deciding"),
    "sharing.record_disagreement": CircleAction("record_disagreement"),
    "sharing.disagreement_talked_over": CircleAction("answer_disagreements"),
    "sharing.record_disclosure": CircleAction("record_disclosure"),
    "audit.who_has_seen": CircleAction("view_audit"),
    "notify.index": SignedIn(),
    "notify.open_notification": SignedIn(),
    "notify.mark_all_read": SignedIn(),
    "notify.mark_group_read": SignedIn(),
    "notify.settings": SignedIn(),
    "sessions.ping": SignedIn(),
    "admin.accounts_list": OrgAdmin(),
    "admin.new_account": OrgAdmin(),
    "admin.deactivate": OrgAdmin(),
    "admin.reactivate": OrgAdmin(),
    "admin.import_staff": OrgAdmin(),
    "admin.import_staff_confirm": OrgAdmin(),
    "admin.organisation": OrgAdmin(),
    "followup.caseload": SignedIn(),
    "followup.reviews": CircleAction("view_circle"),
    "export.fhir_page": CircleAction("export_fhir"),
    "export.fhir_bundle": CircleAction("export_fhir"),
    "followup.record_review": CircleAction("record_review"),
    "followup.setback_review": Section(READ, kind="setback_reviews"),
    "followup.progress_charts": Section(READ, kind="progress"),
    "rightnow.page": Section(READ, kind="safety_plan"),
    "safeguarding.set_limit": CircleAction("set_limits"),
    "safeguarding.lift_limit": CircleAction("set_limits"),
    "safeguarding.history": CircleAction("view_limits"),
    "followup.calendar": SignedIn(),
    "followup.calendar_renew": SignedIn(),
    "followup.calendar_stop": SignedIn(),
    "followup.calendar_feed": Public(),
    "school.caseload": SignedIn(),
    "school.this_week": SignedIn(),
    "school.this_week_print": SignedIn(),
    "school.circle_school": CircleAction("view_members"),
    "school.add_teacher": CircleAction("manage_members"),
    "school.find_teacher": CircleAction("manage_members"),
    "school.add_teacher_from_staff": CircleAction("manage_members"),
    "school.record_school": CircleAction("record_school"),
    "school.correct_school": CircleAction("correct_school"),
    "school.remove_teacher": CircleAction("manage_members"),
    "school.agree_move": CircleAction("agree_school_move"),
    "school.withdraw_move": CircleAction("agree_school_move"),
    "school.hand_over": CircleAction("hand_over_school"),
    "school.flexibility_reviewed": Section(EDIT, kind="adjustments"),
    "urgent.help_page": Public(),
    "health.healthz": Public(),
}

# Serving files needs a real file name and says nothing about the plan.
NOT_IN_MATRIX = frozenset({"static"})

# Section(READ) lets every reader reach the edit page, so that each member can
# keep their own care-team entry current; the view then asks for the right to
# change this particular item (portal/access/sections.item_editable_fields).
ITEM_EDIT_VIEWS = frozenset({"plan.edit_item"})
# Routes that place or lift a safeguarding limit on the member in the URL, by the transition each is.
LIMIT_VIEWS = {"safeguarding.set_limit": transitions.LIMIT, "safeguarding.lift_limit": transitions.LIFT_LIMIT}

# Empty POSTs to these still do their work (their confirm form has no fields and
# CSRF is off in tests), so they run after everything else, in this order: a
# withdrawn agreement would change what every section route answers, a
# restored item would hide what a removed one answers, accepting an invitation
# makes the actor a member (which would change every later answer), and
# signing out ends the session the remaining cases depend on.
SIGN_OUT = "auth.logout"
ACCEPT_INVITATION = "invitations.accept"
RUN_LAST = (
    "sharing.withdraw",
    "plan.restore_item",
    "plan.remove_item",
    "school.flexibility_reviewed",
    "school.withdraw_move",
    # Before circles.remove_member, which would have removed the teacher already.
    "school.remove_teacher",
    "circles.remove_member",
    # After the removals: only those removed when the cases were built are brought back.
    "circles.restore_member",
    "admin.deactivate",
    "admin.end_sessions",
    "admin.reset_two_factor",
    "account.end_other_sessions",
    ACCEPT_INVITATION,
    SIGN_OUT,
)

# An allowed request: a page, a redirect after a post, an empty answer (the
# idle warning's "stay signed in"), a form with errors (empty POSTs), or a
# conflict page.
ALLOWED = frozenset({200, 204, 302, 409, 422})
SIGN_IN = frozenset({302})

ANONYMOUS, OUTSIDER, ORG_ADMIN, REMOVED = "anonymous", "outsider", "org_admin", "removed_member"
# The circle's caregiver, with a safeguarding limit placed on them for their run.
LIMITED = "limited_caregiver"
ACTORS = (ANONYMOUS, *policy.ROLES, LIMITED, OUTSIDER, ORG_ADMIN, REMOVED)

URL_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


class NotUnderstood(AssertionError):
    """The matrix met a rule type or URL argument it has no expectation for."""


@dataclass
class Scene:
    world: factories.World
    items: dict[str, list]  # list section -> its items, live and removed
    own_contacts: dict[int, object]  # user id -> their care-team entry in the circle
    managed_account: User  # an account in the org admin's own organisation
    tokens: dict[str, str]  # invitation link state -> token
    revocable: list[Invitation]  # invitations in the circle, from several inviters, one used
    agreements: list[Agreement]  # every agreement recorded in the circle, in force or not
    shared: policy.Shared  # (section, role) pairs under the circle's agreements in force
    notifications: dict[int, Notification]  # user id -> a notification of theirs
    handover: object = None  # a caregiver's pending agreement to move school
    spare_teacher: Membership | None = None  # a second teacher, for school.remove_teacher alone


@dataclass(frozen=True)
class Actor:
    name: str
    user: User | None
    membership: Membership | None  # active membership in the world's circle
    # What a safeguarding limit on this actor hides; None when there is none.
    hidden: tuple[str, ...] | None = None

    @property
    def role(self) -> str:
        return self.membership.role

    def standing(self, shared: policy.Shared) -> policy.Shared:
        """What the policy is asked with for this actor: the circle's agreements, and their limit."""
        if self.hidden is None:
            return shared
        return policy.Standing(shared, hidden=self.hidden, limited=True)


@dataclass(frozen=True)
class Target:
    values: tuple = ()
    item: object = None
    member: Membership | None = None
    account: User | None = None
    invitation: Invitation | None = None
    agreement: Agreement | None = None
    notification: Notification | None = None
    handover: object = None
    # For invitation links: what the token names (see TOKEN_STATES).
    token_state: str | None = None

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
    target: Target = Target()

    @property
    def key(self):
        """The same case in two builds: invitation links made per build differ in token, not in state."""
        return (self.endpoint, self.method, self.target.token_state or self.path)


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
    scene = Scene(
        world,
        items,
        own_contacts,
        managed,
        invitation_tokens(world),
        revocable_invitations(world),
        agreements=[],
        shared=frozenset(),
        notifications=notifications(world),
    )
    from portal.school import services as school_services

    scene.handover = school_services.record_move_agreement(world.circle, "Westfield Academy", world.users[policy.CAREGIVER])
    spare = factories.user("Spare Teacher", staff_role="school_staff", org=world.school)
    scene.spare_teacher = factories.member(world.circle, spare, policy.SCHOOL_STAFF, world.users[policy.SCHOOL_CONTACT])
    # The circle's sharing history: one agreement, recorded and then withdrawn,
    # so that withdrawal has an id to name while nothing is shared.
    young_person, caregiver = world.users[policy.YOUNG_PERSON], world.users[policy.CAREGIVER]
    past = sharing_services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None, young_person)
    sharing_services.withdraw(past, caregiver)
    scene = with_agreements_read(scene)
    assert scene.shared == frozenset(), "the plain scene shares nothing beyond the policy table"
    return scene


def with_agreements_read(scene: Scene) -> Scene:
    """The scene with its circle's agreements, and what those in force share, read back from the database."""
    circle_id = scene.world.circle.id
    agreements = list(db.session.scalars(select(Agreement).where(Agreement.circle_id == circle_id).order_by(Agreement.id)))
    return replace(scene, agreements=agreements, shared=shared_by_circle([circle_id])[circle_id])


# The variant: the young person and a guardian agreed to show the school
# contact the safety plan and the progress log, and the family doctor the
# progress log and the setback reviews.
SHARED_WITH_SCHOOL = frozenset({("safety_plan", policy.SCHOOL_CONTACT), ("progress", policy.SCHOOL_CONTACT)})
SHARED_WITH_FAMILY_DOCTOR = frozenset({("progress", policy.PRIMARY_CARE), ("setback_reviews", policy.PRIMARY_CARE)})
SHARED = SHARED_WITH_SCHOOL | SHARED_WITH_FAMILY_DOCTOR


def share_under_agreements(scene: Scene) -> Scene:
    world = scene.world
    # (section, role) -> who records the agreement, and on whose word
    young_person, caregiver = world.users[policy.YOUNG_PERSON], world.users[policy.CAREGIVER]
    recorded = {
        ("safety_plan", policy.SCHOOL_CONTACT): (young_person, "young_person"),
        ("progress", policy.SCHOOL_CONTACT): (caregiver, "guardian"),
        ("progress", policy.PRIMARY_CARE): (young_person, "both"),
        ("setback_reviews", policy.PRIMARY_CARE): (caregiver, "guardian"),
    }
    assert set(recorded) == SHARED
    for (section, role), (recorder, agreed_by) in sorted(recorded.items()):
        sharing_services.record(world.circle.id, section, role, agreed_by, None, recorder)
    shared = with_agreements_read(scene)
    assert shared.shared == SHARED
    return shared


def notifications(world) -> dict[int, Notification]:
    """One notification for everyone who may act, about a circle they are or were in.

    The removed member's is about the circle they left, which they no longer
    see; the org admin's names no circle."""
    about = {user.id: world.circle.id for user in world.users.values()}
    about[world.removed.id] = world.circle.id
    about[world.outsider.id] = world.other_circle.id
    about[world.org_admin.id] = None
    made = {}
    for user_id, circle_id in about.items():
        link = f"/circles/{circle_id}/plan/care_team" if circle_id is not None else "/dashboard"
        made[user_id] = Notification(
            user_id=user_id, circle_id=circle_id, kind="section_changed", section="care_team", text="N", link=link
        )
        db.session.add(made[user_id])
    db.session.commit()
    return made


# An invitation link names one of these. "own" is made per actor: an invitation
# to the actor's own address, which they may accept.
PENDING_FOR_OTHERS, OWN = "pending_for_someone_else", "own"
GONE = ("used", "expired", "revoked", "inviter_removed")
UNKNOWN = ("unknown", "malformed")
RESET_UNKNOWN = "unknown_reset_link"
CALENDAR_UNKNOWN = "unknown_calendar_link"
TOKEN_STATES = (PENDING_FOR_OTHERS, *GONE, *UNKNOWN)


def _invite(world, inviter: Membership, email: str, role: str) -> tuple[Invitation, str]:
    return invitation_services.create_invitation(world.circle, inviter, email, role)


def invitation_tokens(world) -> dict[str, str]:
    clinician = world.memberships[policy.CLINICIAN]
    tokens = {}
    for state in (PENDING_FOR_OTHERS, "used", "expired", "revoked"):
        invitation, tokens[state] = _invite(world, clinician, f"{state}@invited.example.test", policy.CAREGIVER)
        if state == "used":
            invitation.accepted_at = clock.now()
        elif state == "expired":
            invitation.expires_at = clock.now()
        elif state == "revoked":
            invitation_services.revoke(invitation, world.users[policy.CLINICIAN])
    db.session.commit()
    # Sent by the caregiver who was later removed from the circle.
    removed = db.session.scalars(
        select(Membership).where(Membership.circle_id == world.circle.id, Membership.user_id == world.removed.id)
    ).one()
    _, tokens["inviter_removed"] = _invite(world, removed, "from-removed@invited.example.test", policy.CAREGIVER)
    tokens["unknown"] = "A" * 43  # the shape of a real token, but none was issued
    tokens["malformed"] = "not-a-token"
    return tokens


def revocable_invitations(world) -> list[Invitation]:
    m = world.memberships
    made = [
        _invite(world, m[policy.CAREGIVER], "cousin@invited.example.test", policy.CAREGIVER),
        _invite(world, m[policy.CLINICIAN], "psychiatrist@invited.example.test", policy.CLINICIAN),
        _invite(world, m[policy.SCHOOL_CONTACT], "teacher@invited.example.test", policy.SCHOOL_STAFF),
        _invite(world, m[policy.SCHOOL_CONTACT], "counselor@invited.example.test", policy.SCHOOL_CONTACT),
        _invite(world, m[policy.CLINICIAN], "accepted@invited.example.test", policy.CAREGIVER),
    ]
    made[-1][0].accepted_at = clock.now()
    db.session.commit()
    return [invitation for invitation, _ in made]


def actor_for(scene: Scene, name: str) -> Actor:
    world = scene.world
    others = {ANONYMOUS: None, OUTSIDER: world.outsider, ORG_ADMIN: world.org_admin, REMOVED: world.removed}
    user = others[name] if name in others else world.users[policy.CAREGIVER if name == LIMITED else name]
    membership = None
    if user is not None:
        membership = db.session.scalars(
            select(Membership).where(
                Membership.circle_id == world.circle.id,
                Membership.user_id == user.id,
                Membership.removed_at.is_(None),
            )
        ).first()
    return Actor(name, user, membership, factories.LIMIT_HIDES if name == LIMITED else None)


def place_the_limit(scene: Scene, actor: Actor) -> None:
    """The limit an actor's run expects, placed by the clinician; read back
    through the same query the guard uses, so the two cannot drift apart."""
    if actor.hidden is None:
        return
    factories.limit(actor.membership, scene.world.users[policy.CLINICIAN], actor.hidden)
    assert standings([actor.membership])[actor.membership.id] == actor.standing(scene.shared)
    assert standings([actor.membership])[actor.membership.id].hidden == frozenset(actor.hidden)


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
        members = list(db.session.scalars(select(Membership).where(Membership.circle_id == world.circle.id)))
        spare = scene.spare_teacher
        if endpoint == "school.remove_teacher":
            # The spare teacher, and a member who is not a teacher (404 even to those allowed).
            members = [m for m in members if m.id == spare.id or m.role == policy.CAREGIVER]
        elif endpoint == "circles.restore_member":
            # Run after the removals (RUN_LAST): those removed when the cases
            # are built, and the actor's own place, which no removal touches.
            own = actor.membership.id if actor.membership is not None else None
            members = [m for m in members if m.removed_at is not None or m.id == own]
        else:
            members = [m for m in members if spare is None or m.id != spare.id]
        return [target.with_value(name, member.id, member=member) for member in members]
    if name == "user_id":
        return [target.with_value(name, scene.managed_account.id, account=scene.managed_account)]
    if name == "invitation_id":
        return [target.with_value(name, invitation.id, invitation=invitation) for invitation in scene.revocable]
    if name == "agreement_id":
        return [target.with_value(name, agreement.id, agreement=agreement) for agreement in scene.agreements]
    if name == "notification_id":
        # The actor's own, and a fellow member's (the clinician's, or for the
        # clinician the caregiver's).
        someone = world.users[policy.CAREGIVER if actor.name == policy.CLINICIAN else policy.CLINICIAN]
        found = [scene.notifications[someone.id]]
        if actor.user is not None:
            found.insert(0, scene.notifications[actor.user.id])
        return [target.with_value(name, notification.id, notification=notification) for notification in found]
    if name == "handover_id":
        return [target.with_value(name, scene.handover.id, handover=scene.handover)]
    if name == "review_id":
        return [target.with_value(name, review.id) for review in scene.items["setback_reviews"]]
    if name == "token" and endpoint == "followup.calendar_feed":
        # A feed answers only to a live link; tests/followup/test_calendar.py walks the live ones.
        return [target.with_value(name, "no-such-calendar-token-000000", token_state=CALENDAR_UNKNOWN)]
    if name == "token" and endpoint in ("auth.reset_password", "auth.set_password"):
        # Every unusable reset or setup link answers one page; tests/auth/test_reset.py and
        # tests/auth/test_account_setup.py walk the usable ones.
        return [target.with_value(name, "no-such-reset-token-0000000000", token_state=RESET_UNKNOWN)]
    if name == "token" and endpoint == ACCEPT_INVITATION:
        found = [target.with_value(name, scene.tokens[state], token_state=state) for state in TOKEN_STATES]
        if actor.user is not None:
            clinician = world.memberships[policy.CLINICIAN]
            _, own = _invite(world, clinician, actor.user.email, policy.CAREGIVER)
            found.append(target.with_value(name, own, token_state=OWN))
        return found
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


def expect(endpoint: str, rule, actor: Actor, target: Target, shared: policy.Shared) -> Outcome:
    shared = actor.standing(shared)
    if isinstance(rule, Public):
        if target.token_state is not None:
            return token_outcome(actor, target.token_state)
        return allow("public")
    if not rule.needs_login:
        raise NotUnderstood(f"{endpoint}: rule {rule!r} needs no sign-in but is not Public")
    if actor.user is None:
        return Outcome(SIGN_IN, "anonymous: sent to sign in")
    user = actor.user
    if isinstance(rule, SignedIn):
        return notification_outcome(actor, target.notification) or allow("signed in")
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
        if not policy.can_act(actor.role, rule.action, shared):
            return deny(403, f"{actor.name} may not {rule.action}")
        return object_outcome(endpoint, actor, target, None, shared) or allow(f"{actor.role} may {rule.action}")
    if isinstance(rule, Section):
        if actor.membership is None:
            return deny(404, "not a member of the circle")
        kind = rule.kind or dict(target.values)["kind"]
        if not policy.can(actor.role, kind, rule.mode, shared):
            return deny(403, f"{actor.name} may not {rule.mode} {kind}")
        if rule.action is not None and not policy.can_act(actor.role, rule.action, shared):
            return deny(403, f"{actor.name} may not {rule.action}")
        return object_outcome(endpoint, actor, target, kind, shared) or allow(f"{actor.role} may {rule.mode} {kind}")
    raise NotUnderstood(f"{endpoint}: the matrix has no expectation for rule type {type(rule).__name__}")


def object_outcome(
    endpoint: str, actor: Actor, target: Target, kind: str | None, shared: policy.Shared
) -> Outcome | None:
    """What the object named in the URL changes, once the rule has let the member in."""
    role = actor.role
    item = target.item
    if item is not None:
        scope = policy.row_scope(role, kind)
        if scope is not None:
            reachable = actor.user.id if scope.value is policy.SELF else scope.value
            if getattr(item, scope.field) != reachable:
                return deny(404, f"{kind} item outside the {role}'s row scope")
        if endpoint in ITEM_EDIT_VIEWS and not may_change_item(actor, kind, item, shared):
            return deny(403, f"{role} may not change this {kind} item")
    member = target.member
    if member is not None and endpoint == "school.remove_teacher" and member.role != policy.SCHOOL_STAFF:
        return deny(404, "not a teacher of this circle")
    if member is not None:
        if member.circle_id != actor.membership.circle_id:
            return deny(404, "no such member in this circle")
        if endpoint == "circles.restore_member":
            if member.removed_at is None:
                return deny(404, "not a removed member of this circle")
            if not transitions.decide(transitions.RESTORE, role, transitions.REMOVED, member.role).allowed:
                return deny(403, f"{role} may not bring back a {member.role}")
            return None
        if member.removed_at is not None:
            return deny(404, "no such active member in this circle")
        if member.id == actor.membership.id:
            return deny(403, "may not change their own place")
        if endpoint == "circles.change_role":
            if not transitions.roles_for(transitions.CHANGE_ROLE, role, member.role):
                return deny(403, f"{role} may not change the role of a {member.role}")
            return None
        if endpoint in LIMIT_VIEWS:
            # The target keeps their role: the pair is their role now and after.
            if not transitions.decide(LIMIT_VIEWS[endpoint], role, member.role, member.role).allowed:
                return deny(403, f"{role} may not {LIMIT_VIEWS[endpoint]} a {member.role}")
            return None
        if not transitions.decide(transitions.REMOVE, role, member.role, transitions.REMOVED).allowed:
            return deny(403, f"{role} may not remove a {member.role}")
    invitation = target.invitation
    if invitation is not None:
        if invitation.circle_id != actor.membership.circle_id:
            return deny(404, "no such invitation in this circle")
        present = frozenset(m.role for m in circle_services.active_members(actor.membership.circle_id))
        if invitation.invited_by_id != actor.user.id and not transitions.decide(
            transitions.INVITE, role, transitions.NOT_MEMBER, invitation.role,
            facts=transitions.CircleFacts(roles_present=present),
        ).allowed:
            return deny(403, f"{role} neither sent nor may give the {invitation.role} role")
    handover = target.handover
    if handover is not None and handover.circle_id != actor.membership.circle_id:
        return deny(404, "no such move agreement in this circle")
    agreement = target.agreement
    if agreement is not None:
        if agreement.circle_id != actor.membership.circle_id:
            return deny(404, "no such agreement in this circle")
        if not policy.can(role, agreement.section, READ, shared):
            return deny(403, f"{role} does not read the {agreement.section} that the agreement shares")
    return None


def notification_outcome(actor: Actor, notification: Notification | None) -> Outcome | None:
    """A notification opens only for its own addressee, and only while they are
    still in the circle it is about."""
    if notification is None:
        return None
    if notification.user_id != actor.user.id:
        return deny(404, "another person's notification")
    if notification.circle_id is not None and not db.session.scalar(
        select(Membership.id).where(
            Membership.circle_id == notification.circle_id,
            Membership.user_id == actor.user.id,
            Membership.removed_at.is_(None),
        )
    ):
        return deny(404, "a notification about a circle they are no longer in")
    return None


def token_outcome(actor: Actor, state: str) -> Outcome:
    """An invitation link: one page for every link that cannot be used, and only
    the invited address may accept."""
    if state in UNKNOWN:
        return deny(404, f"{state} invitation token")
    if state == RESET_UNKNOWN:
        return deny(404, "a password-reset link that cannot be used")
    if state == CALENDAR_UNKNOWN:
        return deny(404, "a calendar link that is not live")
    if state in GONE:
        return deny(410, f"invitation {state}")
    if state == OWN:
        return allow("the invited account")
    if state != PENDING_FOR_OTHERS:
        raise NotUnderstood(f"no expectation for an invitation link that is {state!r}")
    if actor.user is None:
        return allow("anyone holding the link may create the invited account")
    return deny(403, "signed in with an address other than the invited one")


def may_change_item(actor: Actor, kind: str, item, shared: policy.Shared) -> bool:
    if policy.can(actor.role, kind, EDIT, shared):
        return True
    own_contact = kind == "care_team" and item.membership_id == actor.membership.id
    return own_contact and policy.can_act(actor.role, "edit_own_contact", shared)


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
                    expected = expect(endpoint, rule, actor, target, scene.shared)
                else:
                    try:
                        served_by, _ = adapter.match(path, method=method)
                    except MethodNotAllowed:
                        expected = deny(405, f"{endpoint} does not take {method}")
                    else:
                        assert served_by != endpoint
                        continue  # another endpoint serves this URL and method, and has its own case
                cases.append(Case(endpoint, method, path, expected, target))
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


def run_matrix(client, login_as, actor: Actor, cases: list[Case], figures: Counter) -> list[str]:
    if actor.user is not None:
        login_as(actor.user)
    mismatches = []
    for case in cases:
        response = client.open(case.path, method=case.method, data={} if case.method == "POST" else None)
        if not check(response, case, signed_in=actor.user is not None):
            mismatches.append(
                f"{actor.name} {case.method} {case.path} [{case.endpoint}]: expected "
                f"{sorted(case.expected.statuses)} ({case.expected.reason}), got {response.status_code}"
            )
    count(figures, cases, mismatches)
    allows = sum(case.expected.allowed for case in cases)
    print(
        f"{actor.name}: {len(cases)} cases, {allows} allows, {len(cases) - allows} denies, {len(mismatches)} mismatches"
    )
    return mismatches


@pytest.mark.parametrize("actor_name", ACTORS)
def test_access_matrix(app, client, login_as, scene, figures, actor_name):
    actor = actor_for(scene, actor_name)
    place_the_limit(scene, actor)
    assert run_matrix(client, login_as, actor, build_cases(app, scene, actor), figures) == []


@pytest.mark.parametrize("actor_name", [policy.SCHOOL_CONTACT, policy.PRIMARY_CARE])
def test_access_matrix_with_an_agreement_in_force(app, client, login_as, scene, figures, actor_name):
    """The school contact's and the family doctor's runs again, once sections
    are shared with them (SHARED): exactly their reads of the sections shared
    with their role open, and every other answer stays what it was."""
    actor = actor_for(scene, actor_name)
    theirs = {pair for pair in SHARED if pair[1] == actor.role}
    assert theirs
    before = {case.key: case for case in build_cases(app, scene, actor)}
    shared_scene = share_under_agreements(scene)
    cases = build_cases(app, shared_scene, actor)
    after = {case.key: case for case in cases}

    # The new agreements add withdrawal URLs, and nothing else appears or goes.
    assert before.keys() <= after.keys()
    assert {after[key].endpoint for key in after.keys() - before.keys()} == {"sharing.withdraw"}
    opened = sorted(key for key in before if before[key].expected.statuses != after[key].expected.statuses)
    for key in opened:
        rule = rule_for(app, after[key].endpoint)
        kind = rule.kind or dict(after[key].target.values)["kind"]
        assert isinstance(rule, Section) and rule.mode == READ, key
        assert (kind, actor.role) in theirs, key
        assert before[key].expected.statuses == {403} and after[key].expected.allowed, key
    opened_pages = {
        (after[key].endpoint, rule_for(app, after[key].endpoint).kind or dict(after[key].target.values)["kind"])
        for key in opened
    }
    for kind, _ in theirs:
        assert {("plan.section", kind), ("plan.history", kind)} <= opened_pages
        if SPECS[kind].printable:
            assert ("plan.print_section", kind) in opened_pages
    # Shared for reading: no edit route opens.
    assert not any(endpoint in {"plan.edit_document", "plan.new_item"} for endpoint, _ in opened_pages)
    figures["matrix_shared_cases"] += len(cases)
    figures["matrix_shared_opened"] += len(opened)
    print(f"{actor.name} with {sorted(theirs)} in force: {len(opened)} cases opened")

    assert run_matrix(client, login_as, actor, cases, figures) == []


def test_a_limit_closes_exactly_the_hidden_sections_and_who_has_seen(app, scene, figures):
    """The limited caregiver's cases against the same caregiver's without a
    limit: every read and write of a hidden section, and "who has seen this
    plan", is refused; nothing else changes. Written out by hand as well as
    asked of the policy, so that a policy that forgot the limit fails here."""
    plain = {case.key: case for case in build_cases(app, scene, actor_for(scene, policy.CAREGIVER))}
    limited = {case.key: case for case in build_cases(app, scene, actor_for(scene, LIMITED))}
    assert plain.keys() == limited.keys()
    closed = sorted(key for key in plain if plain[key].expected.statuses != limited[key].expected.statuses)
    closed_by = set()
    for key in closed:
        assert plain[key].expected.allowed and limited[key].expected.statuses == {403}, key
        rule = rule_for(app, plain[key].endpoint)
        if isinstance(rule, CircleAction):
            closed_by.add(("action", rule.action))
        else:
            assert isinstance(rule, Section), key
            closed_by.add(("section", rule.kind or dict(plain[key].target.values)["kind"]))
    assert closed_by == {("action", "view_audit")} | {("section", kind) for kind in factories.LIMIT_HIDES}
    # What the limit leaves: the caregiver still reads these, and still edits the safety plan.
    pages = {dict(case.target.values)["kind"] for case in limited.values()
             if case.endpoint == "plan.section" and case.expected.allowed}
    assert pages == {"care_team", "school_plan", "adjustments", "return_to_school", "safety_plan", "follow_ups",
                     "episodes"}
    assert any(case.endpoint == "plan.edit_document" and dict(case.target.values)["kind"] == "safety_plan"
               and case.expected.allowed for case in limited.values())
    assert not any(case.endpoint == "audit.who_has_seen" and case.expected.allowed for case in limited.values())
    figures["matrix_limited_closed"] += len(closed)
    print(f"{LIMITED} hiding {sorted(factories.LIMIT_HIDES)}: {len(closed)} cases closed by the limit")


def test_anonymous_denials_are_all_sign_in_redirects_not_errors(app, scene):
    """The matrix's own reasoning, checked once: anonymous is sent to sign in by
    exactly the rules that need a sign-in, so a rule that forgot
    ``needs_login`` cannot hide behind an expected 404 or 403."""
    cases = build_cases(app, scene, actor_for(scene, ANONYMOUS))
    for case in cases:
        rule = rule_for(app, case.endpoint)
        if case.expected.statuses != {405}:
            assert (case.expected.statuses is SIGN_IN) == rule.needs_login, case
