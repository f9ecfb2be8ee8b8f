"""The checks every form meets with bad input (SECURITY.md, figure 11), shared
by each feature's bad-input tests: a Poster that sends posts and counts for the
figures, the description of a form's fields read from the form itself, and
check_form, the full sequence of empty, oversized, malformed, hostile and
fuzzed posts. Never a 5xx; an invalid post comes back as the form (422) with a
message and with what the person typed; markup is never echoed unescaped."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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

from portal.plan.sections import SPECS
from tests.web import add, escaped

FIGURES = "bad input and fuzzing (SECURITY.md, figure 11)"

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


def kind_of(field) -> str:
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
            kind=kind_of(field),
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


class Poster:
    """Sends posts and checks what comes back, counting for the figures."""

    def __init__(self, config):
        self.config = config
        for label in ("5xx responses", "unescaped echoes", "typed text missing from a returned form"):
            add(config, FIGURES, label, 0)

    def check(self, response, sent: list[str], label: str):
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
        self.check(response, strings(data), f"{target.label} {label}")
        if response.status_code == 302 and target.shows_saved_text:
            shown = target.client.get(response.headers["Location"])
            self.check(shown, strings(data), f"{target.label} {label} (page after saving)")
        return response

    def send(self, client, url: str, data: dict, label: str):
        """A post to any URL, checked the same way (for buttons and forms without a Target)."""
        response = client.post(url, data=data)
        add(self.config, FIGURES, "posts made")
        self.check(response, strings(data), label)
        return response

    def get(self, client, url: str, sent: list[str], label: str):
        response = client.get(url)
        self.check(response, sent, label)
        return response


def strings(data: dict) -> list[str]:
    values = []
    for value in data.values():
        values.extend(value if isinstance(value, list) else [value])
    return [v for v in values if isinstance(v, str)]


def without_nul(value: str) -> str:
    return value.replace("\x00", "")


def typed_value_shown(value: str, page: str) -> bool:
    """The typed value is in the page, escaped; NUL characters may have been dropped."""
    return escaped(value) in page or escaped(without_nul(value)) in page


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
            shown = typed_value_shown(value, text)
            if not shown:
                add(target.config, FIGURES, "typed text missing from a returned form")
            assert shown, f"{label}: what was typed in {name} is not in the form"
        elsewhere = any(value in other for key, other in data.items() if key != name and isinstance(other, str))
        if info.kind == "password" and len(value) >= 8 and not elsewhere:
            assert escaped(value) not in text, f"{label}: a password was echoed"


def malformed_values(info: FieldInfo) -> list:
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


def refused_choices(target: Target, info: FieldInfo) -> list:
    """Codes the section knows but this member may not choose (a form cannot widen its purpose)."""
    if info.kind != "choice" or target.kind is None:
        return []
    known = [code for code, _ in SPECS[target.kind].field(info.name).choices if code]
    return [code for code in known if code not in info.choices]



def check_form(poster, target: Target) -> None:
    """Empty, oversized, malformed and hostile posts to one form, then Hypothesis."""
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
        for value in malformed_values(info) + refused_choices(target, info):
            data = target.valid()
            data[name] = value
            label = f"{target.label} {name}={value!r:.40}"
            response = poster.post(target, data, label)
            assert_form_back(response, target, data, {name}, label)

    # (d) Hostile text in every text field: accepted as text, shown escaped.
    text_fields = [name for name, info in fields.items() if free_text(info)]
    for hostile_name, hostile in HOSTILE.items():
        data = target.valid()
        for name in text_fields:
            data[name] = f"{hostile} {name}"[: fields[name].max_length or 5000]
        response = poster.post(target, data, f"hostile {hostile_name}")
        assert response.status_code in target.ok, f"{target.label} hostile {hostile_name}: {response.status_code}"
        if response.status_code == 401:
            for name in text_fields:
                assert typed_value_shown(data[name], response.text), f"{target.label}: {name} not kept"
        # The same text with one field broken comes back escaped in the form.
        broken = dict(data)
        invalid = break_one(fields, broken)
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


def free_text(info: FieldInfo) -> bool:
    """Fields that take any text: lines, texts and hidden values other than the version."""
    return info.kind in ("line", "text") or (info.kind == "hidden" and info.name != "base_version")


def break_one(fields: dict[str, FieldInfo], data: dict) -> str | None:
    """Make one non-text field invalid; the field's name, or None when there is none to break."""
    for name, info in fields.items():
        malformed = malformed_values(info)
        if malformed and not free_text(info):
            data[name] = malformed[0]
            return name
    return None


FUZZ_EXAMPLES = 24
FUZZ_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


def fuzz_text_fields(poster, target: Target):
    fields = target.fields
    fuzzed = [name for name, info in fields.items() if free_text(info)]
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
            fine(fields[name], values[name]) for name in fuzzed
        )
        if expect_valid:
            assert response.status_code in target.ok, (values, response.status_code)
        elif response.status_code == 422:
            assert_form_back(response, target, values, set(), f"{target.label} fuzzed")

    fuzz()


def fine(info: FieldInfo, value: str) -> bool:
    value = without_nul(value)
    if info.required and not value.strip():
        return False
    if info.checks_email:
        return False
    return info.max_length is None or len(value) <= info.max_length

