"""Builders for test data, going through the same services the app uses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from portal.access import policy, transitions
from portal.auth.models import Organisation, User
from portal.auth.services import create_user
from portal.circles import services as circle_services
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from portal.safeguarding.models import SafeguardingLimit
from tests import fieldsamples

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def organisation(name: str | None = None, kind: str = "school") -> Organisation:
    org = Organisation(name=name or f"Organisation {next(_counter)}", kind=kind)
    db.session.add(org)
    db.session.flush()
    return org


def user(
    name: str | None = None,
    *,
    email: str | None = None,
    staff_role: str | None = None,
    org: Organisation | None = None,
    is_org_admin: bool = False,
    password: str | None = PASSWORD,
) -> User:
    n = next(_counter)
    account = create_user(
        email=email or f"person{n}@example.test",
        name=name or f"Person {n}",
        password=password,
        organisation=org,
        staff_role=staff_role,
        is_org_admin=is_org_admin,
    )
    db.session.commit()
    return account


def circle(creator: User, name: str = "Jordan") -> Circle:
    return circle_services.create_circle(creator, name)


def member(circle_: Circle, account: User, role: str, actor: User) -> Membership:
    """Put the account in the circle in this role, as ``actor`` would, through
    the same policy-decided function the app uses (the creator is in already)."""
    existing = circle_services.active_membership(circle_.id, account.id)
    if existing is not None and existing.role == role:
        return existing
    acting = circle_services.active_membership(circle_.id, actor.id)
    action = transitions.ADD
    if existing is not None:
        action = transitions.CHANGE_ROLE
    elif circle_services.membership_of(circle_.id, account.id) is not None:
        action = transitions.RESTORE
    circle_services.change_membership(circle_, actor, acting.role if acting else None, account, action, role)
    db.session.commit()
    return db.session.scalars(
        db.select(Membership).where(Membership.circle_id == circle_.id, Membership.user_id == account.id)
    ).one()


def sample_value(field_spec, marker: str):
    """A valid value for a field; text fields carry the marker."""
    return fieldsamples.samples(field_spec).stored(field_spec, marker)


def section_values(section_kind: str, marker: str, **overrides) -> dict:
    spec = SPECS[section_kind]
    values = {f.name: sample_value(f, f"{marker}-{f.name}") for f in spec.fields}
    values.update(overrides)
    return values


def write_section(circle_: Circle, section_kind: str, author: User, marker: str, **overrides):
    """Write a document section, or add one item to a list section.

    ``overrides`` set fields by name; a section's own ``kind`` field among them."""
    spec = SPECS[section_kind]
    values = section_values(section_kind, marker, **overrides)
    if section_kind == "episodes":
        values.setdefault("recorded_by_id", author.id)
    if spec.is_list:
        return plan_services.add_item(circle_.id, spec, values, author)
    row = plan_services.queries.document(circle_.id, spec)
    return plan_services.save_document(circle_.id, spec, values, row.version if row else 0, author)


@dataclass
class World:
    """A circle with one member in every role, plus the people who must see nothing."""

    circle: Circle
    users: dict[str, User]  # by role
    memberships: dict[str, Membership]
    school: Organisation
    clinic: Organisation
    outsider: User  # a member of another circle only
    other_circle: Circle
    org_admin: User
    removed: User  # was a caregiver here, then removed
    extra: dict = field(default_factory=dict)


def world() -> World:
    clinic = organisation("Riverside Child and Adolescent Mental Health", "clinic")
    school = organisation("Lakeview High School", "school")
    users = {
        policy.CLINICIAN: user("Dr Ana Rivera", staff_role="clinician", org=clinic),
        # The family doctor, in the circle through the clinic like the clinician.
        policy.PRIMARY_CARE: user("Dr Nadia Haddad", staff_role="primary_care", org=clinic),
        policy.SCHOOL_CONTACT: user("Sam Okafor", staff_role="school_contact", org=school),
        policy.SCHOOL_STAFF: user("Lee Park", staff_role="school_staff", org=school),
        policy.CAREGIVER: user("Maria Lopez"),
        policy.YOUNG_PERSON: user("Jordan Lopez"),
    }
    the_circle = circle(users[policy.CLINICIAN], "Jordan")
    memberships = {}
    for role, account in users.items():
        memberships[role] = member(the_circle, account, role, users[policy.CLINICIAN])
    removed = user("Former Caregiver")
    removed_membership = member(the_circle, removed, policy.CAREGIVER, users[policy.CLINICIAN])
    circle_services.remove_member(removed_membership, users[policy.CLINICIAN])
    outsider = user("Other Clinician", staff_role="clinician", org=clinic)
    other_circle = circle(outsider, "Alex")
    org_admin = user("Admin Person", org=school, is_org_admin=True)
    return World(the_circle, users, memberships, school, clinic, outsider, other_circle, org_admin, removed)


# What a safeguarding limit on a caregiver hides in the tests: more than the
# form suggests (policy.LIMIT_SUGGESTS_HIDING), and one section the caregiver
# edits, so every route must honour it for reading and for writing.
LIMIT_HIDES = ("events", "setback_reviews", "home_safety", "progress")


def limit(membership: Membership, placed_by: User, hidden=LIMIT_HIDES, reason: str = "") -> SafeguardingLimit:
    """A safeguarding limit in force on this membership, as a row (the tests of
    the access policy need one whatever the routes that place them do)."""
    row = SafeguardingLimit(
        circle_id=membership.circle_id,
        membership_id=membership.id,
        hidden=",".join(policy.check_section(kind) for kind in hidden),
        reason=reason,
        placed_by_id=placed_by.id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def email_at_once(*users: User) -> None:
    """Each of ``users`` chooses an email at once for every kind of notice, as
    a person may on the settings page: for tests of who is emailed what, now
    that routine changes wait for the daily digest by default."""
    from portal.notify.models import EVENT_KINDS
    from portal.notify.services import save_preferences

    for account in users:
        save_preferences(account, dict.fromkeys(EVENT_KINDS, "immediate"))
