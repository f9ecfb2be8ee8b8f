"""Every form in the app against empty, oversized, malformed and hostile input
(SECURITY.md, figure 11): never a 5xx; an invalid post comes back as the form
(422) with a message and with what the person typed; markup is never echoed
unescaped. Hypothesis fuzzes the text fields of every form.

The checks themselves are in tests/bad_input.py; the sharing, notification and
session forms' own cases are beside their features (tests/sharing,
tests/notify, tests/sessions)."""

from __future__ import annotations

import io
import itertools
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from portal import clock
from portal.access import policy, transitions
from portal.access.queries import scoped_values
from portal.access.sections import item_editable_fields, section_access
from portal.auth.forms import AccountForm, SignInForm
from portal.circles.forms import AddMemberForm, NewCircleForm
from portal.extensions import db
from portal.notify.forms import PreferencesForm
from portal.notify.models import DELIVERY_MODES, EVENT_KINDS
from portal.plan import services
from portal.plan.converters import MAX_ID
from portal.plan.forms import form_class
from portal.plan.sections import SPECS
from portal.sharing import routes as sharing_routes
from portal.sharing import services as sharing_services
from portal.sharing.models import Agreement
from tests import factories
from tests.bad_input import FIGURES, HOSTILE, Target, check_form, describe, without_nul
from tests.web import add, escaped, valid_section_post

# POST routes whose only input is a button (ConfirmForm): they are tried with junk below.
BUTTON_ENDPOINTS = {
    "auth.logout",
    "circles.remove_member",
    "circles.restore_member",
    "plan.remove_item",
    "plan.restore_item",
    "plan.move_item",
    "admin.deactivate",
    "admin.reactivate",
    "sharing.withdraw",
    "notify.open_notification",
    "notify.mark_all_read",
    "sessions.ping",
    "sharing.disagreement_talked_over",
    "safeguarding.lift_limit",
}
FORM_ENDPOINTS = {"auth.login", "circles.new", "circles.add_member", "admin.new_account",
                  "plan.edit_document", "plan.new_item", "plan.edit_item", "sharing.record", "notify.settings"}
# Forms whose bad-input cases live beside their feature's other tests: the
# file must exist and name the endpoint, so the coverage stays honest.
COVERED_ELSEWHERE = {
    "invitations.manage": "tests/invitations/test_invitations.py",
    "invitations.revoke": "tests/invitations/test_invitations.py",
    "invitations.accept": "tests/invitations/test_invitations.py",
    "circles.change_role": "tests/circles/test_roles.py",
    "auth.login_code": "tests/auth/test_auth_bad_input.py",
    "auth.login_enrol": "tests/auth/test_auth_bad_input.py",
    "auth.reset_request": "tests/auth/test_auth_bad_input.py",
    "auth.reset_password": "tests/auth/test_auth_bad_input.py",
    "account.change_password": "tests/auth/test_auth_bad_input.py",
    "account.two_factor": "tests/auth/test_auth_bad_input.py",
    "account.recovery_codes": "tests/auth/test_auth_bad_input.py",
    "account.language": "tests/auth/test_auth_bad_input.py",
    "account.start_two_factor": "tests/auth/test_auth_bad_input.py",
    "account.end_other_sessions": "tests/auth/test_auth_bad_input.py",
    "admin.end_sessions": "tests/auth/test_auth_bad_input.py",
    "admin.reset_two_factor": "tests/auth/test_auth_bad_input.py",
    "notify.mark_group_read": "tests/notify/test_notices_page.py",
    "admin.import_staff": "tests/admin/test_staff_import_bad_input.py",
    "admin.import_staff_confirm": "tests/admin/test_staff_import_bad_input.py",
    "auth.set_password": "tests/auth/test_auth_bad_input.py",
    "followup.record_review": "tests/followup/test_followup_bad_input.py",
    "followup.calendar_renew": "tests/followup/test_followup_bad_input.py",
    "followup.calendar_stop": "tests/followup/test_followup_bad_input.py",
    "school.add_teacher": "tests/school/test_school_bad_input.py",
    "school.add_teacher_from_staff": "tests/school/test_finding.py",
    "school.record_school": "tests/school/test_finding.py",
    "school.correct_school": "tests/school/test_correcting_school.py",
    "admin.organisation": "tests/admin/test_organisation_bad_input.py",
    "school.agree_move": "tests/school/test_school_bad_input.py",
    "school.hand_over": "tests/school/test_school_bad_input.py",
    "school.remove_teacher": "tests/school/test_school_bad_input.py",
    "school.withdraw_move": "tests/school/test_school_bad_input.py",
    "school.flexibility_reviewed": "tests/school/test_school_bad_input.py",
    "sharing.record_deciding": "tests/sharing/test_say_bad_input.py",
    "sharing.record_disagreement": "tests/sharing/test_say_bad_input.py",
    "sharing.record_disclosure": "tests/sharing/test_say_bad_input.py",
    "safeguarding.set_limit": "tests/safeguarding/test_limit_bad_input.py",
}
NOT_YET_COVERED_PREFIXES: tuple[str, ...] = ()


def _section_cases():
    """Each section's forms, once for every different form a role gets: roles
    whose form has the same fields and choices meet the same form."""
    seen = set()
    for kind, spec in SPECS.items():
        for role in policy.ROLES:
            if not policy.can(role, kind, policy.EDIT):
                continue
            scope = policy.row_scope(role, kind)
            shape = (
                tuple(f.name for f in spec.fields if policy.field_editable(role, kind, f.name)),
                None if scope is None or scope.value is policy.SELF else (scope.field, scope.value),
            )
            endpoints = ("plan.new_item", "plan.edit_item") if spec.is_list else ("plan.edit_document",)
            for endpoint in endpoints:
                if (endpoint, kind, shape) not in seen:
                    seen.add((endpoint, kind, shape))
                    yield (endpoint, kind, role)
    # A member who cannot edit the care team may still edit their own entry.
    yield ("plan.edit_item", "care_team", policy.CAREGIVER)


CASES = [
    ("auth.login", None, None),
    ("circles.new", None, policy.CLINICIAN),
    ("circles.add_member", None, policy.CLINICIAN),
    ("admin.new_account", None, "org_admin"),
    # Who may say who agreed differs by role: each role's form has other choices.
    ("sharing.record", None, policy.CLINICIAN),
    ("sharing.record", None, policy.CAREGIVER),
    ("sharing.record", None, policy.YOUNG_PERSON),
    ("notify.settings", None, policy.CAREGIVER),
    *_section_cases(),
]
_unique = itertools.count(1)
CASE_IDS = ["-".join(part for part in case if part) for case in CASES]



def _section_target(app, world, login_as, endpoint, kind, role) -> Target:
    spec = SPECS[kind]
    membership = world.memberships[role]
    circle_id = world.circle.id
    access = section_access(membership, spec)
    row = None
    if endpoint == "plan.edit_item":
        if kind == "care_team" and not access.can_edit:
            row = db.session.scalars(select(spec.model).where(spec.model.membership_id == membership.id)).one()
        else:
            values = factories.section_values(kind, "SEED")
            values.update(scoped_values(kind, membership))
            if kind == "episodes":
                values.setdefault("recorded_by_id", membership.user_id)
            row = services.add_item(circle_id, spec, values, world.users[role])
        fields = item_editable_fields(membership, spec, row)
        url = f"/circles/{circle_id}/plan/{kind}/{row.id}/edit"
    elif endpoint == "plan.new_item":
        fields = access.editable
        url = f"/circles/{circle_id}/plan/{kind}/new"
    else:
        fields = access.editable
        url = f"/circles/{circle_id}/plan/{kind}/edit"
    assert fields, (endpoint, kind, role)
    limits = tuple((name, choices) for name, choices in access.choice_limits if name in fields)
    with app.test_request_context():
        described = describe(form_class(spec, tuple(fields), limits)(formdata=None))
    row_id = row.id if row is not None else None

    def valid() -> dict:
        data = valid_section_post(spec, membership, fields, f"OK{next(_unique)}")
        db.session.expire_all()
        if endpoint == "plan.edit_item":
            data["base_version"] = str(db.session.get(spec.model, row_id).version)
        elif endpoint == "plan.edit_document":
            document = services.queries.document(circle_id, spec)
            data["base_version"] = str(document.version if document else 0)
        return data

    client = login_as(world.users[role], app.test_client())
    label = f"{endpoint} {kind} as {role}"
    return Target(label, url, client, described, valid, frozenset({302}), True, kind)


def _sharing_target(app, world, login_as, role) -> Target:
    membership = world.memberships[role]
    with app.test_request_context():
        described = describe(sharing_routes._form(membership, frozenset()))
    assert "safety_plan:school_contact" in described["share"].choices
    agreed_by = sharing_services.AGREED_BY_FOR_ROLE[role][0]

    def valid() -> dict:
        # One agreement in force per share: withdraw the last one so this post can be recorded.
        from sqlalchemy import update

        from portal.extensions import db

        db.session.execute(update(Agreement).where(Agreement.withdrawn_at.is_(None)).values(withdrawn_at=clock.now()))
        db.session.commit()
        return {"share": "safety_plan:school_contact", "agreed_by": agreed_by,
                "ends_on": (clock.today() + timedelta(days=30)).isoformat()}

    return Target(f"sharing.record as {role}", f"/circles/{world.circle.id}/sharing",
                  login_as(world.users[role], app.test_client()), described, valid, frozenset({302}), True)


def _settings_target(app, world, login_as, role) -> Target:
    with app.test_request_context():
        described = describe(PreferencesForm(formdata=None))
    assert set(described) == set(EVENT_KINDS)
    # Each select has neither an empty choice nor a default: leaving one out is refused.
    described = {name: replace(info, required=True) for name, info in described.items()}
    modes = itertools.cycle(DELIVERY_MODES)
    return Target(f"notify.settings as {role}", "/notifications/settings",
                  login_as(world.users[role], app.test_client()), described,
                  lambda: {kind: next(modes) for kind in EVENT_KINDS}, frozenset({302}), True)


def make_target(app, world, login_as, case) -> Target:
    endpoint, kind, role = case
    if kind is not None:
        return _section_target(app, world, login_as, endpoint, kind, role)
    if endpoint == "sharing.record":
        return _sharing_target(app, world, login_as, role)
    if endpoint == "notify.settings":
        return _settings_target(app, world, login_as, role)
    with app.test_request_context():
        if endpoint == "auth.login":
            described = describe(SignInForm(formdata=None))
        elif endpoint == "circles.new":
            described = describe(NewCircleForm(formdata=None))
        elif endpoint == "circles.add_member":
            form = AddMemberForm(formdata=None)
            form.limit_roles(transitions.roles_for(transitions.ADD, role))
            described = describe(form)
        else:
            form = AccountForm(formdata=None)
            form.limit_to(world.org_admin.organisation.kind)
            described = describe(form)
    if endpoint == "auth.login":
        # A well-formed sign-in with a wrong password: the form comes back (401).
        return Target("auth.login", "/login", app.test_client(), described,
                      lambda: {"email": world.users[policy.CLINICIAN].email,
                               "password": "not the right password at all", "next": "/dashboard"},
                      frozenset({401}), False)
    if endpoint == "circles.new":
        return Target("circles.new", "/circles/new", login_as(world.users[role], app.test_client()), described,
                      lambda: {"young_person_name": f"Robin {next(_unique)}", "relationship_label": "Therapist"},
                      frozenset({302}), True)
    if endpoint == "circles.add_member":
        return Target("circles.add_member", f"/circles/{world.circle.id}/members",
                      login_as(world.users[role], app.test_client()), described,
                      # A colleague at the clinician's own clinic: only they can be added directly.
                      lambda: {"email": factories.user(email=f"colleague{next(_unique)}@example.com",
                                                       org=world.clinic).email,
                               "role": policy.CAREGIVER, "relationship_label": "Aunt"},
                      frozenset({302}), False)
    return Target("admin.new_account", "/admin/accounts/new", login_as(world.org_admin, app.test_client()), described,
                  lambda: {"name": f"New Person {next(_unique)}", "title": "Teacher",
                           "email": f"new{next(_unique)}@example.com", "staff_role": "school_staff"},
                  frozenset({302}), True)



@pytest.fixture
def target_for(app, world, login_as, request):
    def build(case) -> Target:
        target = make_target(app, world, login_as, case)
        target.config = request.config
        add(request.config, FIGURES, "forms covered")
        return target

    return build


def test_every_form_and_button_in_the_app_is_covered(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    untried = posting - BUTTON_ENDPOINTS - FORM_ENDPOINTS
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for endpoint, path in COVERED_ELSEWHERE.items():
        text = (root / path).read_text()
        assert endpoint in text or endpoint.split(".", 1)[1] in text, f"{path} does not try {endpoint}"
    untried -= set(COVERED_ELSEWHERE)
    assert {e for e in untried if not e.startswith(NOT_YET_COVERED_PREFIXES)} == set(), "a POST route this test does not try"
    assert BUTTON_ENDPOINTS | FORM_ENDPOINTS <= posting, "a route named here is gone"
    assert {case[0] for case in CASES} == FORM_ENDPOINTS

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_bad_input_comes_back_as_the_form_and_fuzzing_finds_no_5xx(poster, target_for, case):
    check_form(poster, target_for(case))


def test_saved_hostile_text_is_shown_escaped_everywhere(app, world, login_as, poster):
    """Written into every section, then read on each page that shows it."""
    hostile = HOSTILE["script"] + HOSTILE["attribute"] + " \x00 " + HOSTILE["sql"]
    stored = without_nul(hostile)
    users = world.users
    # Written so that everyone who may read a section sees the entry: a
    # school review reaches the school contact, a teacher's episode the teacher.
    authors = {"adjustments": policy.SCHOOL_CONTACT, "episodes": policy.SCHOOL_STAFF}
    for kind, spec in SPECS.items():
        author = users[authors.get(kind, policy.CLINICIAN)]
        values = factories.section_values(kind, "HOSTILE")
        if kind == "follow_ups":
            values["kind"] = "school_review"
        for field_spec in spec.fields:
            if field_spec.type in ("line", "text"):
                values[field_spec.name] = stored[: field_spec.max_length]
        if kind == "episodes":
            values["recorded_by_id"] = author.id
        if spec.is_list:
            services.add_item(world.circle.id, spec, values, author)
        else:
            services.save_document(world.circle.id, spec, values, 0, author)
    circle_id = world.circle.id
    for role in policy.ROLES:
        client = login_as(users[role], app.test_client())
        pages = ["/dashboard", f"/circles/{circle_id}", f"/circles/{circle_id}/members"]
        for kind, spec in SPECS.items():
            if policy.can(role, kind, policy.READ):
                pages += [f"/circles/{circle_id}/plan/{kind}", f"/circles/{circle_id}/plan/{kind}/history"]
                if spec.printable:
                    pages.append(f"/circles/{circle_id}/plan/{kind}/print")
        for url in pages:
            response = poster.get(client, url, [hostile, stored, HOSTILE["script"], HOSTILE["attribute"]], f"{role} {url}")
            assert response.status_code == 200, (role, url)
            if "/plan/" in url and not url.endswith("/members"):
                assert escaped(HOSTILE["script"]) in response.text, (role, url)



@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_a_request_over_the_size_limit_gets_the_friendly_413_page(app, world, login_as, poster, signed_in):
    limit = app.config["MAX_CONTENT_LENGTH"]
    client = login_as(world.users[policy.CLINICIAN], app.test_client()) if signed_in else app.test_client()
    url = f"/circles/{world.circle.id}/plan/clinical/edit" if signed_in else "/login"
    response = client.post(url, data={"medication": "x" * (limit + 1024), "email": "a@b.test", "password": "p"})
    add(poster.config, FIGURES, "posts made")
    assert response.status_code == 413
    assert "That was more than we can take at once" in response.text
    assert 'href="/urgent-help"' in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"json": {"staff_steps": 5, "base_version": "0"}},
        {"json": [1, 2]},
        {"json": {"staff_steps": {"a": 1}}},
        {"data": {"staff_steps": (io.BytesIO(b"a file"), "notes.txt"), "base_version": "0"}},
    ],
    ids=["json-number", "json-list", "json-object", "file-upload"],
)
def test_bodies_that_are_not_a_plain_form_are_refused_not_crashed_on(app, world, login_as, poster, body):
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    response = client.post(f"/circles/{world.circle.id}/plan/school_plan/edit", **body)
    add(poster.config, FIGURES, "posts made")
    if response.status_code >= 500:
        add(poster.config, FIGURES, "5xx responses")
    assert response.status_code == 415, response.status_code
    assert services.queries.document(world.circle.id, SPECS["school_plan"]) is None


def test_buttons_take_junk_without_breaking(app, world, login_as, poster):
    users = world.users
    adjustment = factories.write_section(world.circle, "adjustments", users[policy.SCHOOL_CONTACT], "JUNK")
    contact = db.session.scalars(select(SPECS["care_team"].model).order_by(SPECS["care_team"].model.id)).first()
    circle_id = world.circle.id
    junk = {"direction": HOSTILE["script"], "csrf_token": HOSTILE["attribute"], "extra": "\x00" * 10}
    posts = [
        (users[policy.SCHOOL_CONTACT], f"/circles/{circle_id}/plan/adjustments/{adjustment.id}/move"),
        (users[policy.CLINICIAN], f"/circles/{circle_id}/plan/care_team/{contact.id}/move"),
        (users[policy.SCHOOL_CONTACT], f"/circles/{circle_id}/plan/adjustments/{adjustment.id}/remove"),
        (users[policy.CLINICIAN], f"/circles/{circle_id}/plan/adjustments/{adjustment.id}/restore"),
        (users[policy.CLINICIAN], f"/circles/{circle_id}/members/{world.memberships[policy.SCHOOL_STAFF].id}/remove"),
        (world.org_admin, f"/admin/accounts/{users[policy.SCHOOL_STAFF].id}/deactivate"),
        (world.org_admin, f"/admin/accounts/{users[policy.SCHOOL_STAFF].id}/reactivate"),
        (users[policy.CAREGIVER], "/logout"),
    ]
    for user, url in posts:
        client = login_as(user, app.test_client())
        for data in ({}, junk):
            response = client.post(url, data=data)
            add(poster.config, FIGURES, "posts made")
            # The first post may already have removed what the second names.
            assert response.status_code in (302, 303, 404), (url, response.status_code)
            assert HOSTILE["script"] not in response.text
    # The young person's say and safeguarding: a button naming a disagreement,
    # and lifting a limit, with nothing, junk, and a limit someone lifted meanwhile.
    limit = factories.limit(world.memberships[policy.CAREGIVER], users[policy.CLINICIAN])
    caregiver = world.memberships[policy.CAREGIVER].id
    clinician = login_as(users[policy.CLINICIAN], app.test_client())
    for url, data in (
        (f"/circles/{circle_id}/sharing/disagreements/talked-over", {}),
        (f"/circles/{circle_id}/sharing/disagreements/talked-over", dict(junk, disagreement_id=HOSTILE["sql"])),
        (f"/circles/{circle_id}/members/{caregiver}/limit/lift", {}),
        (f"/circles/{circle_id}/members/{caregiver}/limit/lift", dict(junk, limit=HOSTILE["sql"])),
        (f"/circles/{circle_id}/members/{caregiver}/limit/lift", {"limit": str(limit.id)}),
        (f"/circles/{circle_id}/members/{caregiver}/limit/lift", {"limit": str(limit.id)}),
    ):
        response = clinician.post(url, data=data)
        add(poster.config, FIGURES, "posts made")
        assert response.status_code < 500, (url, data, response.status_code)
        assert HOSTILE["script"] not in response.text and HOSTILE["sql"] not in response.text



# The largest id an Integer column holds on PostgreSQL, and numbers past it,
# up to past what SQLite can bind at all.
HUGE_NUMBERS = (2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20)


def _path_with(rule, number: int, circle_id: int | None) -> str:
    """The rule's path with every number argument set to ``number`` (the circle's id kept when given)."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = circle_id if (name == "circle_id" and circle_id is not None) else number
        elif getattr(converter, "kinds", None):
            values[name] = converter.kinds[0]
        else:
            values[name] = "x" * 43
    return rule.build(values, append_unknown=False)[1]


def test_numbers_too_large_for_the_database_are_not_found_not_crashed_on(app, world, login_as, poster):
    """Ids past what SQLite or PostgreSQL can compare against, in every route and
    in the page numbers of paged lists: a 404 or the last page, never a 5xx."""
    rules = [rule for rule in app.url_map.iter_rules()
             if any(isinstance(c, IntegerConverter) for c in rule._converters.values())]
    assert len(rules) > 10
    signed_in = login_as(world.users[policy.CLINICIAN], app.test_client())
    for client in (signed_in, app.test_client()):
        for rule in rules:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for number in HUGE_NUMBERS:
                    for circle_id in (world.circle.id, None):
                        path = _path_with(rule, number, circle_id)
                        response = client.open(path, method=method, data={})
                        add(poster.config, FIGURES, "requests with ids too large for the database")
                        poster.check(response, [], f"{method} {path}")
                        if number > MAX_ID and str(number) in path:
                            # No route takes it (werkzeug may say 405 when another method's rule has the same shape).
                            assert response.status_code in (404, 405), (method, path, response.status_code)
    # Who-has-seen shows its last page; the notices say there is no such page
    # (a 404 that names how many there are) or that it is not a page number (400).
    for url, answers in (("/notifications", (400, 404)), (f"/circles/{world.circle.id}/who-has-seen", (200,))):
        for page in (*HUGE_NUMBERS, -(10**20)):
            response = poster.get(signed_in, f"{url}?page={page}", [], f"{url}?page={page}")
            assert response.status_code in answers, (url, page, response.status_code)
