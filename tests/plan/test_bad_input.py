"""Every form in the app against empty, oversized, malformed and hostile input
(SECURITY.md, figure 11): never a 5xx; an invalid post comes back as the form
(422) with a message and with what the person typed; markup is never echoed
unescaped. Hypothesis fuzzes the text fields of every form."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import IntegerConverter
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length

from portal import clock
from portal.access import policy, transitions
from portal.access.queries import scoped_values
from portal.access.sections import item_editable_fields, section_access
from portal.audit.models import AuditEvent
from portal.auth.forms import AccountForm, SignInForm
from portal.circles.forms import AddMemberForm, NewCircleForm
from portal.circles.services import remove_member
from portal.extensions import db
from portal.notify.forms import PreferencesForm
from portal.notify.models import DELIVERY_MODES, EVENT_KINDS, Notification, NotificationPreference
from portal.notify.scheduler import agreements_ending
from portal.plan import services
from portal.plan.converters import MAX_ID
from portal.plan.forms import form_class
from portal.plan.sections import SPECS
from portal.sharing import routes as sharing_routes
from portal.sharing import services as sharing_services
from portal.sharing.models import Agreement
from tests import factories
from tests.web import add, escaped, forms_in, valid_section_post

FIGURES = "bad input and fuzzing (SECURITY.md, figure 11)"

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
    "account.start_two_factor": "tests/auth/test_auth_bad_input.py",
    "account.end_other_sessions": "tests/auth/test_auth_bad_input.py",
    "admin.end_sessions": "tests/auth/test_auth_bad_input.py",
    "admin.reset_two_factor": "tests/auth/test_auth_bad_input.py",
    "followup.record_review": "tests/followup/test_followup_bad_input.py",
    "followup.calendar_renew": "tests/followup/test_followup_bad_input.py",
    "followup.calendar_stop": "tests/followup/test_followup_bad_input.py",
    "school.add_teacher": "tests/school/test_school_bad_input.py",
    "school.agree_move": "tests/school/test_school_bad_input.py",
    "school.hand_over": "tests/school/test_school_bad_input.py",
    "school.remove_teacher": "tests/school/test_school_bad_input.py",
    "school.withdraw_move": "tests/school/test_school_bad_input.py",
    "school.flexibility_reviewed": "tests/school/test_school_bad_input.py",
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
CASE_IDS = ["-".join(part for part in case if part) for case in CASES]

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "sql": "' OR 1=1 --",
    "unicode": "Zoë 🙂 — 日本語 עברית \u202eevil\u202c",
    "nul": "before\x00after",
}
# What would make an unescaped echo dangerous. "&" alone is not, and a raw
# value ending in "&" is a prefix of its escaped form, so it is left out.
MARKUP = set("<>\"'")
_unique = itertools.count(1)


@dataclass(frozen=True)
class FieldInfo:
    name: str
    kind: str  # line, text, email, password, hidden, date, datetime, bool, choice, multi, int, number
    max_length: int | None
    required: bool
    choices: tuple[str, ...]
    checks_email: bool

    @property
    def echoed(self) -> bool:
        return self.kind in ("line", "text", "email", "hidden")

    @property
    def typed(self) -> bool:
        return self.kind in ("line", "text")


def _kind_of(field) -> str:
    for field_type, kind in (
        (PasswordField, "password"),
        (EmailField, "email"),
        (HiddenField, "hidden"),
        (TextAreaField, "text"),
        (StringField, "line"),
        (DateTimeLocalField, "datetime"),
        (DateField, "date"),
        (BooleanField, "bool"),
        (SelectMultipleField, "multi"),
        (SelectField, "choice"),
        (IntegerField, "int"),
        (FloatField, "number"),
    ):
        if isinstance(field, field_type):
            return kind
    raise AssertionError(f"a form field of a type this test does not know: {type(field).__name__}")


def describe(form) -> dict[str, FieldInfo]:
    """The fields of a WTForms form, read from the form itself so the test follows it."""
    described = {}
    for field in form:
        if field.type == "CSRFTokenField":
            continue
        lengths = [v.max for v in field.validators if isinstance(v, Length) and v.max not in (None, -1)]
        choices = ()
        if isinstance(field, (SelectField, SelectMultipleField)):
            choices = tuple(choice.value if hasattr(choice, "value") else choice[0] for choice in field.choices)
        described[field.name] = FieldInfo(
            name=field.name,
            kind=_kind_of(field),
            max_length=min(lengths) if lengths else None,
            required=bool(field.flags.required),
            choices=choices,
            checks_email=any(isinstance(v, Email) for v in field.validators),
        )
    return described


@dataclass
class Target:
    """One form as one actor meets it."""

    label: str
    url: str
    client: object
    fields: dict[str, FieldInfo]
    valid: Callable[[], dict]
    ok: frozenset[int]  # statuses of a valid post
    shows_saved_text: bool
    kind: str | None = None
    config: object = None


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
        from portal.sharing.models import Agreement

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
                           "email": f"new{next(_unique)}@example.com", "staff_role": "school_staff",
                           "password": "a long and unusual passphrase 42"},
                  frozenset({302}), True)


class Poster:
    """Sends posts and checks what comes back, counting for the figures."""

    def __init__(self, config):
        self.config = config
        for label in ("5xx responses", "unescaped echoes", "typed text missing from a returned form"):
            add(config, FIGURES, label, 0)

    def _check(self, response, sent: list[str], label: str):
        add(self.config, FIGURES, "requests checked (posts, and the pages shown after saving)")
        if response.status_code >= 500:
            add(self.config, FIGURES, "5xx responses")
        assert response.status_code < 500, f"{label}: {response.status_code}"
        raws = [value for value in sent if len(value) >= 6 and MARKUP & set(value)]
        leaked = [raw for raw in raws if raw in response.text]
        if leaked:
            add(self.config, FIGURES, "unescaped echoes", len(leaked))
        assert not leaked, f"{label}: markup echoed unescaped: {leaked[:1]!r}"

    def post(self, target: Target, data: dict, label: str):
        response = target.client.post(target.url, data=data)
        add(self.config, FIGURES, "posts made")
        self._check(response, _strings(data), f"{target.label} {label}")
        if response.status_code == 302 and target.shows_saved_text:
            shown = target.client.get(response.headers["Location"])
            self._check(shown, _strings(data), f"{target.label} {label} (page after saving)")
        return response

    def get(self, client, url: str, sent: list[str], label: str):
        response = client.get(url)
        self._check(response, sent, label)
        return response


def _strings(data: dict) -> list[str]:
    values = []
    for value in data.values():
        values.extend(value if isinstance(value, list) else [value])
    return [v for v in values if isinstance(v, str)]


def _without_nul(value: str) -> str:
    return value.replace("\x00", "")


def _shown(value: str, page: str) -> bool:
    """The typed value is in the page, escaped; NUL characters may have been dropped."""
    return escaped(value) in page or escaped(_without_nul(value)) in page


def assert_form_back(response, target: Target, data: dict, invalid: set[str], label: str):
    """The form came back with a message for each invalid field and the typed text in it."""
    assert response.status_code == 422, f"{label}: {response.status_code}"
    text = response.text
    assert 'class="error-summary"' in text, f"{label}: no error summary"
    for name in invalid:
        assert f'href="#{name}"' in text, f"{label}: no message for {name}"
    for name, info in target.fields.items():
        value = data.get(name)
        if not isinstance(value, str) or not value:
            continue
        if info.echoed or (name in invalid and info.kind in ("date", "datetime", "int", "number")):
            shown = _shown(value, text)
            if not shown:
                add(target.config, FIGURES, "typed text missing from a returned form")
            assert shown, f"{label}: what was typed in {name} is not in the form"
        elsewhere = any(value in other for key, other in data.items() if key != name and isinstance(other, str))
        if info.kind == "password" and len(value) >= 8 and not elsewhere:
            assert escaped(value) not in text, f"{label}: a password was echoed"


@pytest.fixture
def poster(request):
    return Poster(request.config)


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


def _malformed(info: FieldInfo) -> list:
    if info.kind == "date":
        return ["2024-13-45", "yesterday", "2024-02-30", "0000-00-00"]
    if info.kind == "datetime":
        return ["yesterday", "2024-13-45T10:00", "2024-01-01", "9999-12-31T23:59", "0001-01-01T00:00"]
    if info.kind == "int":
        return ["many", "1e3", "9" * 30, "-1"]
    if info.kind == "number":
        return ["many", "nan", "inf", "1e400", "-0.5"]
    if info.kind == "choice":
        return ["not-a-choice", HOSTILE["script"]]
    if info.kind == "multi":
        return [["nope"], [HOSTILE["script"]]]
    if info.kind == "email" and info.checks_email:
        return ["not-an-email", "a@", HOSTILE["attribute"]]
    if info.kind == "password" and info.max_length is None:
        return ["short", "q1w2e3r4t5y6"]  # too short; among the most common
    if info.name == "base_version":
        return ["abc", "1.5", "9" * 30, "-1"]
    return []


def _refused_choices(target: Target, info: FieldInfo) -> list:
    """Codes the section knows but this member may not choose (a form cannot widen its purpose)."""
    if info.kind != "choice" or target.kind is None:
        return []
    known = [code for code, _ in SPECS[target.kind].field(info.name).choices if code]
    return [code for code in known if code not in info.choices]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_bad_input_comes_back_as_the_form_and_fuzzing_finds_no_5xx(poster, target_for, case):
    target = target_for(case)
    fields = target.fields
    required = {name for name, info in fields.items() if info.required}

    # (a) Nothing at all.
    response = poster.post(target, {}, "empty")
    if required:
        assert_form_back(response, target, {}, required, f"{target.label} empty")
    else:
        assert response.status_code in target.ok | {409}

    # A valid post is accepted, so the refusals below are about the bad value alone.
    assert poster.post(target, target.valid(), "valid").status_code in target.ok

    # (b) Oversized: ten times each limit at once, then 300 characters in each line.
    limited = {name: info for name, info in fields.items() if info.max_length is not None or info.kind == "password"}
    if limited:
        data = target.valid()
        for name, info in limited.items():
            limit = info.max_length or 128
            data[name] = (f"<b>{name} long & 'quoted'</b> Ωmega " * (limit // 5 + 2))[: limit * 10]
        response = poster.post(target, data, "oversized")
        assert_form_back(response, target, data, set(limited), f"{target.label} oversized")
    lines = {name: info for name, info in fields.items() if info.kind == "line"}
    if lines:
        data = target.valid()
        for name in lines:
            data[name] = ("line " * 60)[:300]
        response = poster.post(target, data, "300-character lines")
        too_long = {name for name, info in lines.items() if info.max_length < 300}
        if too_long:
            assert_form_back(response, target, data, too_long, f"{target.label} 300-character lines")
        else:
            assert response.status_code in target.ok

    # (c) Malformed values, one field at a time; the rest of the typing stays.
    for name, info in fields.items():
        for value in _malformed(info) + _refused_choices(target, info):
            data = target.valid()
            data[name] = value
            label = f"{target.label} {name}={value!r:.40}"
            response = poster.post(target, data, label)
            assert_form_back(response, target, data, {name}, label)

    # (d) Hostile text in every text field: accepted as text, shown escaped.
    text_fields = [name for name, info in fields.items() if _free_text(info)]
    for hostile_name, hostile in HOSTILE.items():
        data = target.valid()
        for name in text_fields:
            data[name] = f"{hostile} {name}"[: fields[name].max_length or 5000]
        response = poster.post(target, data, f"hostile {hostile_name}")
        assert response.status_code in target.ok, f"{target.label} hostile {hostile_name}: {response.status_code}"
        if response.status_code == 401:
            for name in text_fields:
                assert _shown(data[name], response.text), f"{target.label}: {name} not kept"
        # The same text with one field broken comes back escaped in the form.
        broken = dict(data)
        invalid = _break_one(fields, broken)
        if invalid:
            response = poster.post(target, broken, f"hostile {hostile_name} with {invalid} broken")
            assert_form_back(response, target, broken, {invalid}, f"{target.label} hostile {hostile_name}")

    # Hostile text in fields that must hold an email.
    for name, info in fields.items():
        if info.kind == "email" and info.checks_email:
            data = target.valid()
            data[name] = HOSTILE["script"] + "@example.test"
            response = poster.post(target, data, f"hostile email in {name}")
            assert_form_back(response, target, data, {name}, f"{target.label} hostile email")

    # (e) Hypothesis: any text in the text fields, at and around each limit.
    fuzz_text_fields(poster, target)


def _free_text(info: FieldInfo) -> bool:
    """Fields that take any text: lines, texts and hidden values other than the version."""
    return info.kind in ("line", "text") or (info.kind == "hidden" and info.name != "base_version")


def _break_one(fields: dict[str, FieldInfo], data: dict) -> str | None:
    """Make one non-text field invalid; the field's name, or None when there is none to break."""
    for name, info in fields.items():
        malformed = _malformed(info)
        if malformed and not _free_text(info):
            data[name] = malformed[0]
            return name
    return None


def test_saved_hostile_text_is_shown_escaped_everywhere(app, world, login_as, poster):
    """Written into every section, then read on each page that shows it."""
    hostile = HOSTILE["script"] + HOSTILE["attribute"] + " \x00 " + HOSTILE["sql"]
    stored = _without_nul(hostile)
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


FUZZ_EXAMPLES = 24
FUZZ_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


def fuzz_text_fields(poster, target: Target):
    fields = target.fields
    fuzzed = [name for name, info in fields.items() if _free_text(info)]
    if target.label == "auth.login":
        fuzzed.append("email")
    others = [name for name, info in fields.items() if name not in fuzzed and info.kind != "bool"]

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def fuzz(data):
        values = target.valid()
        for name in fuzzed:
            info = fields[name]
            text = data.draw(FUZZ_TEXT, label=name)
            limit = info.max_length or 5000
            size = data.draw(st.sampled_from([None, limit - 1, limit, limit + 1]), label=f"{name} size")
            # A unique prefix, so finding the raw value in a page means it was echoed.
            value = f"zq{next(_unique)}|{text}"
            if size is not None:
                value = (value + "x" * limit)[:size]
            values[name] = value
        broken = set()
        for name in others:
            if data.draw(st.integers(0, 4), label=f"break {name}") == 0:
                values[name] = data.draw(FUZZ_TEXT, label=f"{name} value")
                broken.add(name)
        response = poster.post(target, values, "fuzzed")
        expect_valid = not broken and all(
            _fine(fields[name], values[name]) for name in fuzzed
        )
        if expect_valid:
            assert response.status_code in target.ok, (values, response.status_code)
        elif response.status_code == 422:
            assert_form_back(response, target, values, set(), f"{target.label} fuzzed")

    fuzz()


def _fine(info: FieldInfo, value: str) -> bool:
    value = _without_nul(value)
    if info.required and not value.strip():
        return False
    if info.checks_email:
        return False
    return info.max_length is None or len(value) <= info.max_length


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


# --- The new forms and buttons: sharing agreements and notifications ---------


def _record_form(html: str) -> dict[str, str]:
    """The agreement form's values as a browser would send them again."""
    found = [form for form in forms_in(html) if (form["action"] or "").endswith("/sharing")]
    assert len(found) == 1, "expected the agreement form on the page"
    return dict(found[0]["fields"])


def _agreements() -> list[tuple]:
    db.session.expire_all()
    return list(db.session.execute(select(Agreement.id, Agreement.section, Agreement.role, Agreement.withdrawn_at)))


def _post(poster, client, url: str, data: dict, label: str):
    response = client.post(url, data=data)
    add(poster.config, FIGURES, "posts made")
    poster._check(response, _strings(data), label)
    return response


@pytest.mark.parametrize("role", [policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON])
def test_sharing_refuses_what_cannot_be_shared_and_keeps_the_form(app, world, login_as, poster, role):
    client = login_as(world.users[role], app.test_client())
    url = f"/circles/{world.circle.id}/sharing"
    allowed_by = sharing_services.AGREED_BY_FOR_ROLE[role]
    future = (clock.today() + timedelta(days=30)).isoformat()
    valid = {"share": "progress:school_contact", "agreed_by": allowed_by[-1], "ends_on": future}
    not_shareable = [
        "clinical:school_contact",  # never, whatever is recorded
        "clinical:school_staff",
        "safety_plan:school_staff",  # teachers are not the named contact
        "home_safety:school_contact",
        "safety_plan:caregiver",
        f"safety_plan:{role}",
        "safety_plan:",
        ":school_contact",
        "safety_plan:school_contact:extra",
        "safety_plan school_contact",
        "SAFETY_PLAN:SCHOOL_CONTACT",
        "no_such_section:school_contact",
        HOSTILE["attribute"],
    ]
    bad = [("share", value) for value in not_shareable]
    bad += [("agreed_by", value) for value in (*set(policy.AGREED_BY) - set(allowed_by), "nobody", "", HOSTILE["script"])]
    bad += [
        ("ends_on", value)
        for value in (
            (clock.today() - timedelta(days=1)).isoformat(),  # past
            clock.today().isoformat(),  # today: sharing would end before it began
            "2001-01-01",
            "31/12/2030",
            "2030-12-31T00:00",
            "2030-02-30",
            "99999-01-01",
            HOSTILE["sql"],
            HOSTILE["script"],
        )
    ]
    before = _agreements()
    for name, value in bad:
        data = dict(valid, **{name: value})
        label = f"sharing.record as {role} {name}={value!r:.40}"
        response = _post(poster, client, url, data, label)
        assert response.status_code == 422, label
        assert 'class="error-summary"' in response.text and f'href="#{name}"' in response.text, label
        kept = _record_form(response.text)
        for other, sent in data.items():
            if other != name:
                assert kept.get(other) == sent, f"{label}: {other} not kept"
        if name == "ends_on" and value:
            assert _shown(value, response.text), f"{label}: the typed date is not in the form"
        assert _agreements() == before, label
    # Hostile text in every field at once.
    data = {"share": HOSTILE["script"], "agreed_by": HOSTILE["attribute"], "ends_on": HOSTILE["sql"]}
    response = _post(poster, client, url, data, f"sharing.record as {role} hostile everywhere")
    assert response.status_code == 422
    assert _shown(HOSTILE["sql"], response.text)
    assert _agreements() == before
    # The furthest date a browser offers is accepted, and every page that shows it still works.
    response = _post(poster, client, url, dict(valid, ends_on="9999-12-31"), f"sharing.record as {role} year 9999")
    assert response.status_code == 302
    assert len(_agreements()) == len(before) + 1
    for viewer in policy.ROLES:
        page = poster.get(login_as(world.users[viewer], app.test_client()), url, [], f"sharing page as {viewer}")
        assert page.status_code == 200
    with app.test_request_context():
        agreements_ending()


@pytest.mark.parametrize("role", [policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF])
def test_school_roles_cannot_record_sharing_whatever_they_post(app, world, login_as, poster, role):
    client = login_as(world.users[role], app.test_client())
    url = f"/circles/{world.circle.id}/sharing"
    for data in ({}, {"share": "safety_plan:school_contact", "agreed_by": "both"},
                 {"share": HOSTILE["script"], "agreed_by": HOSTILE["attribute"], "ends_on": HOSTILE["sql"]}):
        response = _post(poster, client, url, data, f"sharing.record as {role}")
        assert response.status_code == 403
    assert _agreements() == []


def _preferences(user) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return {row.kind: row.mode for row in rows}


def test_notification_settings_take_only_their_choices(app, world, login_as, poster):
    caregiver, other = world.users[policy.CAREGIVER], world.users[policy.CLINICIAN]
    client = login_as(caregiver, app.test_client())
    url = "/notifications/settings"
    valid = {kind: "digest" for kind in EVENT_KINDS}
    assert _post(poster, client, url, valid, "notify.settings valid").status_code == 302
    saved = _preferences(caregiver)
    assert saved == valid
    refused = ["digested", "", "IMMEDIATE", "immediate ", "never", "1", "0", "none",
               HOSTILE["script"], HOSTILE["sql"], "x" * 5000]
    for kind in EVENT_KINDS:
        for value in refused:
            data = dict(valid, **{kind: value})
            data.update({k: "portal" for k in EVENT_KINDS if k != kind})
            label = f"notify.settings {kind}={value!r:.30}"
            response = _post(poster, client, url, data, label)
            assert response.status_code == 422, label
            assert f'href="#{kind}"' in response.text, label
            # The other choices come back as they were made, not as they were saved.
            sent_back = dict(next(form for form in forms_in(response.text) if form["method"] == "post" and
                                  any(name == kind for name, _ in form["fields"]))["fields"])
            assert all(sent_back[k] == "portal" for k in EVENT_KINDS if k != kind), label
            assert _preferences(caregiver) == saved, label
    # Names that are not a kind of event are ignored, and nobody else's settings move.
    data = dict(valid, bogus_kind="immediate", user_id=str(other.id), **{"section_changed": "portal"})
    assert _post(poster, client, url, data, "notify.settings extra names").status_code == 302
    assert _preferences(caregiver) == dict(valid, section_changed="portal")
    assert _preferences(other) == {}
    kinds = set(db.session.scalars(select(NotificationPreference.kind)))
    assert kinds <= set(EVENT_KINDS)


def _unread(notice_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Notification, notice_id).read_at is None


def test_notification_buttons_touch_only_ones_own_notices(app, world, login_as, poster):
    users = world.users
    caregiver, young_person = users[policy.CAREGIVER], users[policy.YOUNG_PERSON]
    factories.write_section(world.circle, "safety_plan", users[policy.CLINICIAN], "NOTICE")
    mine = db.session.scalars(select(Notification.id).where(Notification.user_id == caregiver.id)).all()
    theirs = db.session.scalars(select(Notification.id).where(Notification.user_id == young_person.id)).all()
    assert mine and theirs
    # A notice about a circle the person has left.
    leaver = factories.user("Leaving Caregiver")
    membership = factories.member(world.circle, leaver, policy.CAREGIVER, users[policy.CLINICIAN])
    factories.write_section(world.circle, "home_safety", users[policy.CLINICIAN], "NOTICE2")
    left_behind = db.session.scalars(
        select(Notification.id).where(Notification.user_id == leaver.id, Notification.section == "home_safety")
    ).one()
    remove_member(membership, users[policy.CLINICIAN])

    junk = {"csrf_token": HOSTILE["attribute"], "next": "https://evil.example/", "extra": HOSTILE["script"]}
    client = login_as(caregiver, app.test_client())
    for notice_id in theirs:
        for data in ({}, junk):
            response = _post(poster, client, f"/notifications/{notice_id}/open", data, "another's notice")
            assert response.status_code == 404
            assert _unread(notice_id), "opening another person's notice marked it read"
    for url in ("/notifications/999999/open", "/notifications/0/open", "/notifications/-1/open",
                "/notifications/abc/open", f"/notifications/{mine[0]}%00/open"):
        assert _post(poster, client, url, junk, url).status_code in (404, 405)
    leaver_client = login_as(leaver, app.test_client())
    response = _post(poster, leaver_client, f"/notifications/{left_behind}/open", junk, "a left circle's notice")
    assert response.status_code == 404 and _unread(left_behind)
    # One's own: read, and sent on to an address inside the portal only.
    response = _post(poster, client, f"/notifications/{mine[0]}/open", junk, "own notice")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/") and not response.headers["Location"].startswith("//")
    assert not _unread(mine[0])
    # Marking all as read reaches only one's own.
    for data in ({}, junk):
        response = _post(poster, client, "/notifications/read", data, "mark all read")
        assert response.status_code == 302
    assert not any(_unread(notice_id) for notice_id in mine)
    assert all(_unread(notice_id) for notice_id in theirs)
    assert _unread(left_behind)
    # GET never changes anything.
    young_client = login_as(young_person, app.test_client())
    for url in (f"/notifications/{theirs[0]}/open", "/notifications/read"):
        assert young_client.get(url).status_code == 405
    assert all(_unread(notice_id) for notice_id in theirs)


def test_withdrawing_refuses_unknown_and_other_circles_agreements(app, world, login_as, poster):
    users = world.users
    here = sharing_services.record(
        world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None, users[policy.YOUNG_PERSON]
    )
    there = sharing_services.record(
        world.other_circle.id, "safety_plan", policy.SCHOOL_CONTACT, "both", None, world.outsider
    )
    before = _agreements()
    junk = {"csrf_token": HOSTILE["attribute"], "agreement_id": str(here.id), "extra": HOSTILE["script"]}
    young = login_as(users[policy.YOUNG_PERSON], app.test_client())
    base = f"/circles/{world.circle.id}/sharing"
    attempts = [
        (young, f"{base}/{there.id}/withdraw", 404),  # another circle's agreement, through this circle
        (young, f"/circles/{world.other_circle.id}/sharing/{there.id}/withdraw", 404),  # not a member there
        (young, f"{base}/999999/withdraw", 404),
        (young, f"{base}/0/withdraw", 404),
        (young, f"{base}/abc/withdraw", 404),
        (login_as(users[policy.SCHOOL_CONTACT], app.test_client()), f"{base}/{here.id}/withdraw", 403),
        (login_as(users[policy.SCHOOL_STAFF], app.test_client()), f"{base}/{here.id}/withdraw", 403),
        (login_as(world.outsider, app.test_client()), f"{base}/{here.id}/withdraw", 404),
        (login_as(world.removed, app.test_client()), f"{base}/{here.id}/withdraw", 404),
        (login_as(world.org_admin, app.test_client()), f"{base}/{here.id}/withdraw", 404),
    ]
    for client, url, status in attempts:
        for data in ({}, junk):
            response = _post(poster, client, url, data, f"withdraw {url}")
            assert response.status_code == status, (url, response.status_code)
            assert _agreements() == before, url
    # The agreement's own circle, twice: withdrawn once, recorded once in the audit.
    for data in (junk, {}):
        assert _post(poster, young, f"{base}/{here.id}/withdraw", data, "withdraw own").status_code == 302
    db.session.expire_all()
    assert db.session.get(Agreement, here.id).withdrawn_at is not None
    assert db.session.get(Agreement, there.id).withdrawn_at is None
    withdrawals = db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == "agreement_withdrawn")).all()
    assert len(withdrawals) == 1


def test_hostile_names_are_escaped_on_sharing_audit_and_notification_pages(app, world, login_as, poster):
    """People's names are the only free text on these pages: a name full of markup stays text."""
    hostile = HOSTILE["script"] + HOSTILE["attribute"]
    caregiver = world.users[policy.CAREGIVER]
    caregiver.name = hostile
    db.session.commit()
    factories.write_section(world.circle, "home_safety", caregiver, "HOSTILE")
    sharing_services.record(world.circle.id, "progress", policy.SCHOOL_CONTACT, "guardian", None, caregiver)
    client = login_as(caregiver, app.test_client())
    client.get(f"/circles/{world.circle.id}/plan/home_safety")  # so the audit names them
    circle_id = world.circle.id
    for role in (policy.CLINICIAN, policy.YOUNG_PERSON, policy.SCHOOL_CONTACT):
        reader = login_as(world.users[role], app.test_client())
        pages = [f"/circles/{circle_id}/sharing", "/notifications"]
        if policy.can_act(role, "view_audit"):
            pages.append(f"/circles/{circle_id}/who-has-seen")
        for url in pages:
            response = poster.get(reader, url, [hostile, HOSTILE["script"], HOSTILE["attribute"]], f"{role} {url}")
            assert response.status_code == 200, (role, url)
        assert escaped(HOSTILE["script"]) in reader.get(f"/circles/{circle_id}/sharing").text
    clinician_page = login_as(world.users[policy.CLINICIAN], app.test_client()).get("/notifications").text
    assert escaped(HOSTILE["script"]) in clinician_page


def test_the_session_ping_takes_junk_without_breaking(app, world, login_as, poster):
    junk = {"csrf_token": HOSTILE["attribute"], "extra": HOSTILE["script"], "nul": "\x00" * 10}
    signed_in = login_as(world.users[policy.CAREGIVER], app.test_client())
    for client, expected in ((signed_in, {204, 400}), (app.test_client(), {302, 401})):
        for data in ({}, junk):
            response = _post(poster, client, "/session/ping", data, "session ping")
            assert response.status_code in expected, response.status_code
            assert HOSTILE["script"] not in response.text


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
                        poster._check(response, [], f"{method} {path}")
                        if number > MAX_ID and str(number) in path:
                            # No route takes it (werkzeug may say 405 when another method's rule has the same shape).
                            assert response.status_code in (404, 405), (method, path, response.status_code)
    for url in ("/notifications", f"/circles/{world.circle.id}/who-has-seen"):
        for page in (*HUGE_NUMBERS, -(10**20)):
            response = poster.get(signed_in, f"{url}?page={page}", [], f"{url}?page={page}")
            assert response.status_code == 200, (url, page, response.status_code)
