"""Insecure direct object references (SECURITY.md, figure 3).

A member of circle A, in each role, tries circle B's ids: through circle B's
own URLs, and smuggled into circle A's URLs, where their role does give them
rights. An organisation admin tries accounts of another organisation. Everyone
tries to open notifications addressed to someone else. Every
attempt must be refused and leave the database exactly as it was; the writes
carry complete, valid forms, and a control test shows that the same posts do
change a circle the poster is allowed to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.auth.models import User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.invitations import services as invitation_services
from portal.invitations.models import Invitation
from portal.notify.models import Notification
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from portal.safeguarding.models import SafeguardingLimit
from portal.school import services as school_services
from portal.school.models import SchoolHandover
from portal.sharing import services as sharing_services
from portal.sharing.models import Agreement
from tests import factories
from tests.access.builders import add_item, form_data, scoped_values

ORG_ADMIN = "org_admin"
# Circle A's caregiver under a safeguarding limit (factories.LIMIT_HIDES): a
# limit narrows what they reach in A, and must open nothing of B's.
LIMITED = "limited_caregiver"
ACTORS = (*policy.ROLES, LIMITED, ORG_ADMIN)
REFUSED = frozenset({403, 404})
# Text written into circle B (and into notices addressed to someone else); no
# answer to an attempt may carry it.
MARKER = "IDOR-B"
# An audit trail is expected to grow with every refusal (SECURITY.md, Audit):
# that is the one write a refused request may make.
AUDIT_PREFIX = "audit"
# Any signed-in request may mark its own session as still in use.
BOOKKEEPING_COLUMNS = {("user_session", "last_seen_at")}


@dataclass
class OtherCircle:
    circle: Circle
    memberships: dict[str, Membership]  # by role
    documents: dict[str, object]  # by section
    items: dict[str, list]  # by section: a live item and a removed one
    newcomer: User  # an account someone might try to add to circle B
    foreign_accounts: list[User]  # accounts outside the org admin's organisation
    agreement: Agreement  # in force in circle B
    invitation: Invitation  # pending in circle B
    invited_email: str  # the address it was sent to: circle B's text too
    # Notices addressed to others: a member of circle B about circle B, and two
    # members of circle A about circle A (each actor tries the one not theirs).
    notifications: list[Notification]
    handover: SchoolHandover  # a caregiver's agreement to move school, pending in circle B
    new_school_contact: User  # a valid new contact to name in a handover form


@dataclass(frozen=True)
class Attempt:
    method: str
    path: str
    data: dict | None = None
    # Circle B's own URLs: a non-member must not learn that anything is there.
    must_hide: bool = False


def first_editor(kind: str) -> str:
    return next(role for role in policy.ROLES if policy.can(role, kind, policy.EDIT))


@pytest.fixture
def other(world) -> OtherCircle:
    """Circle B, with a member in every role and content in every section."""
    circle_b = world.other_circle
    clinician = world.outsider
    hillside = factories.organisation("Hillside Academy", "school")
    people = {
        policy.CLINICIAN: clinician,
        policy.SCHOOL_CONTACT: factories.user(staff_role="school_contact", org=hillside),
        policy.SCHOOL_STAFF: factories.user(staff_role="school_staff", org=hillside),
        policy.CAREGIVER: factories.user(),
        policy.YOUNG_PERSON: factories.user(),
    }
    memberships = {
        role: factories.member(circle_b, account, role, clinician)
        for role, account in people.items()
        if role != policy.CLINICIAN
    }
    memberships[policy.CLINICIAN] = db.session.scalars(
        select(Membership).where(Membership.circle_id == circle_b.id, Membership.user_id == clinician.id)
    ).one()
    documents, items = {}, {}
    for kind, spec in SPECS.items():
        role = first_editor(kind)
        author = people[role]
        if not spec.is_list:
            documents[kind] = factories.write_section(circle_b, kind, author, f"{MARKER}-{kind}")
            continue
        scoped = scoped_values(role, kind, author)
        live = add_item(circle_b, kind, author, f"{MARKER}-{kind}-live", scoped)
        removed = add_item(circle_b, kind, author, f"{MARKER}-{kind}-removed", scoped)
        plan_services.set_removed(removed, spec, author, removed=True)
        items[kind] = [live, removed]
    inactive = factories.user(staff_role="clinician", org=world.clinic)
    inactive.active = False
    db.session.commit()
    newcomer = factories.user(email="newcomer@hillside.example.org")
    # The org admin belongs to the school; the clinic's accounts, and an account
    # with no organisation, are all outside it.
    foreign = [world.users[policy.CLINICIAN], world.outsider, inactive, world.users[policy.CAREGIVER]]
    assert all(account.organisation_id != world.org_admin.organisation_id for account in foreign)
    agreement = sharing_services.record(
        circle_b.id, "safety_plan", policy.SCHOOL_CONTACT, "both", None, people[policy.YOUNG_PERSON]
    )
    westfield = factories.organisation("Westfield Academy", "school")
    new_school_contact = factories.user(
        staff_role="school_contact", org=westfield, email="new-contact@westfield.example.org"
    )
    handover = school_services.record_move_agreement(
        circle_b, f"{MARKER} Westfield Academy", people[policy.CAREGIVER]
    )
    invited_email = "idor-b-invitee@hillside.example.org"
    invitation, _ = invitation_services.create_invitation(
        circle_b, memberships[policy.CLINICIAN], invited_email, policy.CAREGIVER, f"{MARKER} godparent"
    )
    addressed = [
        (people[policy.CAREGIVER], circle_b),
        (world.users[policy.CLINICIAN], world.circle),
        (world.users[policy.CAREGIVER], world.circle),
    ]
    notices = []
    for account, about in addressed:
        notice = Notification(
            user_id=account.id,
            circle_id=about.id,
            kind="section_changed",
            section="safety_plan",
            text=f"{MARKER} notice for {account.name}",
            link=f"/circles/{about.id}/plan/safety_plan",
        )
        db.session.add(notice)
        notices.append(notice)
    db.session.commit()
    return OtherCircle(
        circle_b,
        memberships,
        documents,
        items,
        newcomer,
        foreign,
        agreement,
        invitation,
        invited_email,
        notices,
        handover,
        new_school_contact,
    )


def attempts(world, other: OtherCircle, role: str | None, actor: User) -> list[Attempt]:
    a, b = world.circle.id, other.circle.id
    found = [
        Attempt("GET", f"/circles/{b}", must_hide=True),
        Attempt("GET", f"/circles/{b}/members", must_hide=True),
        Attempt(
            "POST",
            f"/circles/{b}/members",
            {"email": other.newcomer.email, "role": policy.CAREGIVER, "relationship_label": "Aunt"},
            must_hide=True,
        ),
    ]
    for membership in other.memberships.values():
        found.append(Attempt("POST", f"/circles/{b}/members/{membership.id}/remove", {}, must_hide=True))
        found.append(Attempt("POST", f"/circles/{a}/members/{membership.id}/remove", {}))
        found.append(Attempt("POST", f"/circles/{b}/school/teachers/{membership.id}/remove", {}, must_hide=True))
        found.append(Attempt("POST", f"/circles/{a}/school/teachers/{membership.id}/remove", {}))
        for circle_id, must_hide in ((b, True), (a, False)):
            role_path = f"/circles/{circle_id}/members/{membership.id}/role"
            found.append(Attempt("GET", role_path, must_hide=must_hide))
            found.append(Attempt("POST", role_path, {"role": policy.CAREGIVER, "confirmed": "yes"}, must_hide=must_hide))
            found.append(Attempt("POST", f"/circles/{circle_id}/members/{membership.id}/restore", {}, must_hide=must_hide))
            # A safeguarding limit on circle B's member, placed, changed or lifted through B and through A.
            limit_path = f"/circles/{circle_id}/members/{membership.id}/limit"
            limit_form = {"hidden": "events", "reason": "Placed through the wrong circle",
                          "review_on": (clock.today() + timedelta(days=30)).isoformat()}
            found.append(Attempt("GET", limit_path, must_hide=must_hide))
            found.append(Attempt("POST", limit_path, limit_form, must_hide=must_hide))
            found.append(Attempt("GET", f"{limit_path}/lift", must_hide=must_hide))
            found.append(Attempt("POST", f"{limit_path}/lift", {"limit": "1"}, must_hide=must_hide))
    # Circle B's pending move of school (handover_id), withdrawn or handed over
    # through B and through A, with a complete form naming a valid new contact;
    # and B's setback reviews (review_id), live and removed, read through B and A.
    handover_form = {"new_contact_email": other.new_school_contact.email, "understood": "y"}
    for circle_id, must_hide in ((b, True), (a, False)):
        move = f"/circles/{circle_id}/school/move/{other.handover.id}"
        found += [
            Attempt("POST", f"{move}/withdraw", {}, must_hide=must_hide),
            Attempt("POST", f"{move}/hand-over", handover_form, must_hide=must_hide),
        ]
        for review in other.items["setback_reviews"]:
            found.append(Attempt("GET", f"/circles/{circle_id}/setback-reviews/{review.id}", must_hide=must_hide))
    for kind, spec in SPECS.items():
        base = f"/circles/{b}/plan/{kind}"
        found += [Attempt("GET", base, must_hide=True), Attempt("GET", f"{base}/history", must_hide=True)]
        if spec.printable:
            found.append(Attempt("GET", f"{base}/print", must_hide=True))
        if not spec.is_list:
            post = form_data(kind, "REFUSED", other.documents[kind].version, role)
            found += [
                Attempt("GET", f"{base}/edit", must_hide=True),
                Attempt("POST", f"{base}/edit", post, must_hide=True),
            ]
            continue
        found += [
            Attempt("GET", f"{base}/new", must_hide=True),
            Attempt("POST", f"{base}/new", form_data(kind, "REFUSED", 0, role), must_hide=True),
        ]
        for item in other.items[kind]:
            post = form_data(kind, "REFUSED", item.version, role)
            for circle_id, must_hide in ((b, True), (a, False)):
                path = f"/circles/{circle_id}/plan/{kind}/{item.id}"
                found += [
                    Attempt("GET", f"{path}/edit", must_hide=must_hide),
                    Attempt("POST", f"{path}/edit", post, must_hide=must_hide),
                    Attempt("POST", f"{path}/remove", {}, must_hide=must_hide),
                    Attempt("POST", f"{path}/restore", {}, must_hide=must_hide),
                    Attempt("POST", f"{path}/move", {"direction": "up"}, must_hide=must_hide),
                    Attempt("POST", f"{path}/move", {"direction": "down"}, must_hide=must_hide),
                ]
    for account in other.foreign_accounts:
        found += [
            Attempt("POST", f"/admin/accounts/{account.id}/deactivate", {}),
            Attempt("POST", f"/admin/accounts/{account.id}/reactivate", {}),
            Attempt("POST", f"/admin/accounts/{account.id}/end-sessions", {}),
            Attempt("POST", f"/admin/accounts/{account.id}/reset-two-factor", {}),
        ]
    agreement, invitation = other.agreement.id, other.invitation.id
    found += [
        # Sharing: circle B's page, a new agreement there, and B's agreement withdrawn through B and through A.
        Attempt("GET", f"/circles/{b}/sharing", must_hide=True),
        Attempt(
            "POST",
            f"/circles/{b}/sharing",
            {"share": f"progress:{policy.SCHOOL_CONTACT}", "agreed_by": "both"},
            must_hide=True,
        ),
        Attempt("POST", f"/circles/{b}/sharing/{agreement}/withdraw", {}, must_hide=True),
        Attempt("POST", f"/circles/{a}/sharing/{agreement}/withdraw", {}),
        Attempt("GET", f"/circles/{b}/who-has-seen", must_hide=True),
        # Invitations: circle B's list, a new one there, and B's invitation revoked through B and through A.
        Attempt("GET", f"/circles/{b}/invitations", must_hide=True),
        Attempt(
            "POST",
            f"/circles/{b}/invitations",
            {"email": other.newcomer.email, "role": policy.CAREGIVER, "relationship_label": "Aunt"},
            must_hide=True,
        ),
        Attempt("POST", f"/circles/{b}/invitations/{invitation}/revoke", {}, must_hide=True),
        Attempt("POST", f"/circles/{a}/invitations/{invitation}/revoke", {}),
    ]
    # Someone else's notices: not found, and still unread.
    for notice in other.notifications:
        if notice.user_id != actor.id:
            found.append(Attempt("POST", f"/notifications/{notice.id}/open", {}, must_hide=True))
    return found


def unread(notices: list[Notification]) -> bool:
    ids = [notice.id for notice in notices]
    return db.session.scalars(select(Notification.read_at).where(Notification.id.in_(ids))).all() == [None] * len(ids)


def snapshot() -> dict:
    """Every row of every table, in key order: counts, SectionVersion rows,
    versions, removed_at, memberships and accounts are all in it."""
    return {
        table.name: db.session.execute(
            select(*(c for c in table.columns if (table.name, c.name) not in BOOKKEEPING_COLUMNS)).order_by(
                *table.primary_key.columns
            )
        ).all()
        for table in db.metadata.sorted_tables
        if not table.name.startswith(AUDIT_PREFIX)
    }


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def actor_user(world, name: str) -> User:
    return world.org_admin if name == ORG_ADMIN else world.users[actor_role(name) or name]


def actor_role(name: str) -> str | None:
    """The actor's role in circle A; None for the org admin."""
    if name == LIMITED:
        return policy.CAREGIVER
    return name if name in policy.ROLES else None


@pytest.mark.parametrize("actor_name", ACTORS)
def test_another_circles_ids_are_refused_and_change_nothing(client, login_as, world, other, figures, actor_name):
    actor = actor_user(world, actor_name)
    if actor_name == LIMITED:
        factories.limit(world.memberships[policy.CAREGIVER], world.users[policy.CLINICIAN])
    login_as(actor)
    role = actor_role(actor_name)
    tried = attempts(world, other, role, actor)
    b_texts = (MARKER, other.invited_email)
    assert unread(other.notifications)
    problems = []
    before = snapshot()
    for attempt in tried:
        response = client.open(attempt.path, method=attempt.method, data=attempt.data)
        after = snapshot()
        where = f"{actor_name} {attempt.method} {attempt.path}"
        expected = {404} if attempt.must_hide else REFUSED
        if response.status_code not in expected:
            problems.append(f"{where}: expected {sorted(expected)}, got {response.status_code}")
        else:
            figures["idor_refused"] += 1
        body = response.get_data(as_text=True)
        if any(text in body for text in b_texts):
            problems.append(f"{where}: the answer carries circle B's text")
        if changed := changed_tables(before, after):
            figures["idor_db_changed"] += 1
            problems.append(f"{where}: changed {changed}")
            before = after
    figures["idor_attempts"] += len(tried)
    figures["idor_writes"] += sum(attempt.method == "POST" for attempt in tried)
    figures["idor_db_changed"] += 0  # zero is the figure a reviewer looks for: make it print
    print(f"{actor_name}: {len(tried)} IDOR attempts, {len(problems)} problems")
    assert problems == []
    assert unread(other.notifications), "someone else's notice was marked as read"


# A URL argument that names an object by its id: each must be tried with ids
# that are not the actor's to use.
ID_ARGUMENT = re.compile(r"_id$")


def test_every_endpoint_that_names_an_object_by_id_is_attempted(app, world, other):
    """The attempts are written by hand; this keeps them from drifting behind
    the routes: an endpoint whose URL names an object (membership_id, item_id,
    handover_id, review_id, ...) and that no attempt reaches fails here."""
    adapter = app.url_map.bind("localhost")
    reached = set()
    for actor_name in ACTORS:
        actor = actor_user(world, actor_name)
        role = actor_role(actor_name)
        for attempt in attempts(world, other, role, actor):
            endpoint, _ = adapter.match(attempt.path, method=attempt.method)
            reached.add(endpoint)
    naming_objects = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if any(ID_ARGUMENT.search(name) for name in rule.arguments - {"circle_id"})
    }
    assert {"school.withdraw_move", "school.hand_over", "followup.setback_review"} <= naming_objects
    assert sorted(naming_objects - reached) == []


def test_an_org_admin_is_not_refused_for_their_own_organisation(client, login_as, world):
    """The control for the admin attempts: the same post works on an account of
    the admin's own organisation, so the refusals above are about the id."""
    own = factories.user(staff_role="school_staff", org=world.org_admin.organisation)
    login_as(world.org_admin)
    assert client.post(f"/admin/accounts/{own.id}/deactivate", data={}).status_code == 302
    # The request ran in its own session; read the row, not the test's copy of it.
    assert db.session.scalar(select(User.active).where(User.id == own.id)) is False


def test_the_same_posts_change_a_circle_the_poster_may_change(client, login_as, world):
    """The control for the circle attempts: valid forms of the same shape, on
    circle A by a member allowed to make them, are accepted and change the data.
    A refusal above is therefore not explained by a malformed request."""
    a = world.circle.id

    def post(user, path, data):
        login_as(user)
        before = snapshot()
        response = client.post(path, data=data)
        assert response.status_code == 302, (path, response.status_code)
        assert changed_tables(before, snapshot()), path

    clinician = world.users[policy.CLINICIAN]
    for kind, spec in SPECS.items():
        role = first_editor(kind)
        editor = world.users[role]
        if not spec.is_list:
            post(editor, f"/circles/{a}/plan/{kind}/edit", form_data(kind, "ACCEPTED", 0, role))
            continue
        for n in range(2):
            post(editor, f"/circles/{a}/plan/{kind}/new", form_data(kind, f"ACCEPTED-{n}", 0, role))
        model = spec.model
        item = db.session.scalars(
            select(model).where(model.circle_id == a, model.created_by_id == editor.id).order_by(model.id.desc())
        ).first()
        path = f"/circles/{a}/plan/{kind}/{item.id}"
        post(editor, f"{path}/edit", form_data(kind, "ACCEPTED-again", item.version, role))
        if spec.order_by == "position":
            post(editor, f"{path}/move", {"direction": "up"})
        post(editor, f"{path}/remove", {})
        post(clinician, f"{path}/restore", {})
    # A colleague of the clinician's clinic: the accounts the add form reaches.
    newcomer = factories.user(email="newcomer@lakeview.example.org", org=world.clinic)
    post(clinician, f"/circles/{a}/members", {"email": newcomer.email, "role": policy.CAREGIVER})
    teacher = world.memberships[policy.SCHOOL_STAFF].id
    post(clinician, f"/circles/{a}/members/{teacher}/role", {"role": policy.SCHOOL_CONTACT, "confirmed": "yes"})
    post(clinician, f"/circles/{a}/members/{world.memberships[policy.CAREGIVER].id}/remove", {})
    post(clinician, f"/circles/{a}/members/{world.memberships[policy.CAREGIVER].id}/restore", {})
    caregiver = world.memberships[policy.CAREGIVER].id
    post(clinician, f"/circles/{a}/members/{caregiver}/limit",
         {"hidden": "events", "reason": "Placed through its own circle",
          "review_on": (clock.today() + timedelta(days=30)).isoformat()})
    placed = db.session.scalar(select(SafeguardingLimit.id).where(SafeguardingLimit.membership_id == caregiver))
    post(clinician, f"/circles/{a}/members/{caregiver}/limit/lift", {"limit": str(placed)})


def test_the_same_posts_take_effect_on_the_posters_own_ids(client, login_as, world):
    """The control for the new ids: withdrawing circle A's agreement, revoking
    circle A's invitation and opening one's own notice, by people allowed to,
    work and change the data; so the refusals above are about the id."""
    a = world.circle.id
    young_person, clinician = world.users[policy.YOUNG_PERSON], world.users[policy.CLINICIAN]
    agreement = sharing_services.record(a, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None, young_person)
    invitation, _ = invitation_services.create_invitation(
        world.circle, world.memberships[policy.CLINICIAN], "control@invited.example.test", policy.CAREGIVER
    )
    notice = Notification(user_id=young_person.id, circle_id=a, kind="section_changed", section="safety_plan", text="N")
    db.session.add(notice)
    db.session.commit()

    def post(user, path):
        login_as(user)
        before = snapshot()
        response = client.post(path, data={})
        assert response.status_code == 302, (path, response.status_code)
        assert changed_tables(before, snapshot()), path

    post(young_person, f"/circles/{a}/sharing/{agreement.id}/withdraw")
    assert db.session.scalar(select(Agreement.withdrawn_at).where(Agreement.id == agreement.id)) is not None
    post(clinician, f"/circles/{a}/invitations/{invitation.id}/revoke")
    assert db.session.scalar(select(Invitation.revoked_at).where(Invitation.id == invitation.id)) is not None
    post(young_person, f"/notifications/{notice.id}/open")
    assert not unread([notice])


def test_the_handover_and_setback_review_ids_work_in_their_own_circle(client, login_as, world):
    """The control for handover_id and review_id: circle A's own setback review
    opens, and circle A's own move of school is withdrawn and handed over by the
    people allowed to, with the same forms as the attempts above."""
    a = world.circle.id
    clinician, caregiver = world.users[policy.CLINICIAN], world.users[policy.CAREGIVER]
    review = add_item(world.circle, "setback_reviews", clinician, "OWN-REVIEW")
    login_as(clinician)
    assert client.get(f"/circles/{a}/setback-reviews/{review.id}").status_code == 200

    def post(user, path, data):
        login_as(user)
        before = snapshot()
        response = client.post(path, data=data)
        assert response.status_code == 302, (path, response.status_code)
        assert changed_tables(before, snapshot()), path

    withdrawn = school_services.record_move_agreement(world.circle, "Northgate School", caregiver)
    post(caregiver, f"/circles/{a}/school/move/{withdrawn.id}/withdraw", {})
    assert db.session.scalar(select(SchoolHandover.withdrawn_at).where(SchoolHandover.id == withdrawn.id))
    agreed = school_services.record_move_agreement(world.circle, "Westfield Academy", caregiver)
    new_contact = factories.user(
        staff_role="school_contact", org=factories.organisation("Westfield Academy"), email="kim@westfield.example.org"
    )
    post(
        world.users[policy.SCHOOL_CONTACT],
        f"/circles/{a}/school/move/{agreed.id}/hand-over",
        {"new_contact_email": new_contact.email, "understood": "y"},
    )
    assert db.session.scalar(select(SchoolHandover.performed_at).where(SchoolHandover.id == agreed.id))
