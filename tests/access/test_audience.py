"""Every line that says who sees a section or a field is worked out from the
policy (portal/access/audience.py), never written by hand: the in-school
plan's notes once said "Teachers do not see these notes" while caregivers
and the young person read them.

The expected audiences here are computed from the policy's tables directly
(POLICY, HIDDEN_FIELDS, SHAREABLE, SHARED_FIELDS), not through the functions under test, and
checked against what the pages actually render."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from portal.access import audience as audience_words
from portal.access import policy
from portal.plan.sections import SPECS

# The words a reader sees for each role, written out here on purpose.
WORDS = {
    policy.CLINICIAN: "clinicians",
    policy.PRIMARY_CARE: "the family doctor",
    policy.CAREGIVER: "caregivers",
    policy.YOUNG_PERSON: "the young person",
    policy.SCHOOL_CONTACT: "the school contact",
    policy.SCHOOL_STAFF: "teachers",
}


def expected(kind: str, field: str | None = None) -> tuple[set[str], set[str], set[str]]:
    """(readers, readers only by agreement, never) from the tables themselves."""
    hidden = policy.HIDDEN_FIELDS.get((kind, field), frozenset()) if field else frozenset()
    readers = set(policy.POLICY[kind]) - hidden
    by_agreement = {
        role for (section, role) in policy.SHAREABLE
        if section == kind and role not in policy.POLICY[kind] and role not in hidden
        and not (role in policy.SCHOOL_ROLES and kind in policy.NEVER_SHARED_WITH_SCHOOL)
        # A share that carries only some fields (progress with school) does not carry the others.
        and not (field and field not in policy.SHARED_FIELDS.get((kind, role), {field}))
    }
    return readers, by_agreement, set(policy.ROLES) - readers - by_agreement


def check_words(text: str, kind: str, field: str | None = None) -> None:
    readers, by_agreement, never = expected(kind, field)
    if not never and not by_agreement and text == "Seen by everyone in the circle.":
        return
    assert text.startswith("Seen by: "), text
    seen, _, not_shown = text.partition(" Not shown to ")
    by_default, _, shared = seen.partition("; ")
    for role in policy.ROLES:
        word = WORDS[role]
        assert (word in by_default) == (role in readers), (kind, field, role, text)
        assert (word in shared) == (role in by_agreement), (kind, field, role, text)
        assert (word in not_shown) == (role in never), (kind, field, role, text)
    assert ("agreement to share" in shared) == bool(by_agreement), text


def _editor(kind: str, field: str) -> str:
    return next(role for role in policy.ROLES if policy.field_editable(role, kind, field))


def _form_page(app, world, login_as, kind: str, role: str) -> str:
    client = login_as(world.users[role], app.test_client())
    path = "new" if SPECS[kind].is_list else "edit"
    response = client.get(f"/circles/{world.circle.id}/plan/{kind}/{path}")
    assert response.status_code == 200, (kind, role)
    return response.text


def _help(page: str, field: str) -> str:
    found = re.search(rf'<small id="{field}-help">(.*?)</small>', page, re.S)
    return unescape(found.group(1)) if found else ""


def _section_line(page: str, kind: str) -> str:
    found = re.search(rf'data-audience="{kind}">(.*?)</p>', page, re.S)
    assert found, kind
    return unescape(found.group(1))


FIELDS = [(kind, f.name) for kind, spec in SPECS.items() for f in spec.fields]


def test_every_field_of_every_section_says_who_sees_it_as_the_policy_does(app, world, login_as):
    pages: dict[tuple[str, str], str] = {}
    notes = 0
    for kind, field in FIELDS:
        role = _editor(kind, field)
        page = pages.get((kind, role)) or pages.setdefault((kind, role), _form_page(app, world, login_as, kind, role))
        help_text = _help(page, field)
        narrower = expected(kind, field)[:2] != expected(kind)[:2]
        if not narrower:
            assert "Seen by" not in help_text and "Not shown" not in help_text, (kind, field, help_text)
            continue
        notes += 1
        note = help_text[help_text.index("Seen by"):]
        check_words(note, kind, field)
    # Narrower than their section: the hidden fields, and those a share leaves out.
    left_out = {
        (kind, f.name) for (kind, _role), only in policy.SHARED_FIELDS.items() for f in SPECS[kind].fields
        if f.name not in only
    }
    assert notes == len(set(policy.HIDDEN_FIELDS) | left_out)


def test_every_section_page_and_form_says_who_sees_the_section(app, world, login_as):
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    for kind in policy.SECTIONS:
        page = clinician.get(f"/circles/{world.circle.id}/plan/{kind}").text
        line = _section_line(page, kind)
        # A row scope, and being held to the current school's records, are named beside the role they limit.
        for role in policy.ROLES:
            scope = policy.ROW_SCOPES.get((kind, role))
            parts = [str(scope.meaning)] if scope is not None else []
            if role in policy.SCHOOL_ROLES and kind in policy.SCHOOL_RECORDS:
                parts.append(str(policy.SCHOOL_RECORDS_MEANING))
            if parts and role in policy.POLICY[kind]:
                assert f"{WORDS[role]} ({'; '.join(parts)})" in line, line
                line = line.replace(f" ({'; '.join(parts)})", "")
        check_words(line, kind)
    form = _form_page(app, world, login_as, "clinical", policy.CLINICIAN)
    check_words(_section_line(form, "clinical"), "clinical")


def test_the_print_view_marks_the_fields_some_readers_do_not_see(app, world, login_as):
    from tests import factories

    factories.write_section(world.circle, "school_plan", world.users[policy.SCHOOL_CONTACT], "PRINTED")
    page = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client()).get(
        f"/circles/{world.circle.id}/plan/school_plan/print").text
    notes = re.findall(r'<p class="meta audience">(.*?)</p>', page)
    assert len(notes) == 1
    check_words(unescape(notes[0]), "school_plan", "staff_notes")


def test_changing_the_hidden_fields_changes_the_labels(app, world, login_as, monkeypatch):
    reason_help = _help(_form_page(app, world, login_as, "adjustments", policy.SCHOOL_CONTACT), "reason")
    assert "Not shown to teachers." in reason_help
    monkeypatch.delitem(policy.HIDDEN_FIELDS, ("adjustments", "reason"))
    monkeypatch.setitem(policy.HIDDEN_FIELDS, ("safety_plan", "what_matters"), frozenset({policy.CAREGIVER}))
    audience_words.forget()  # the lines are worked out once a process; the policy changed under it

    reason_help = _help(_form_page(app, world, login_as, "adjustments", policy.SCHOOL_CONTACT), "reason")
    assert "Seen by" not in reason_help and "Not shown" not in reason_help
    safety = _form_page(app, world, login_as, "safety_plan", policy.CLINICIAN)
    note = _help(safety, "what_matters")
    assert "caregivers" in note.partition("Not shown to")[2], note
    check_words(note, "safety_plan", "what_matters")
    # The teachers' summary on the school page follows too.
    school = login_as(world.users[policy.CLINICIAN], app.test_client()).get(f"/circles/{world.circle.id}/school").text
    summary = unescape(re.search(r'data-audience="school_staff">(.*?)</p>', school).group(1))
    assert "Reason (adjustments)" not in summary and "Background notes (in-school plan)" in summary


def test_the_teachers_summary_names_what_the_policy_keeps_from_them(app, world, login_as):
    page = login_as(world.users[policy.SCHOOL_CONTACT], app.test_client()).get(f"/circles/{world.circle.id}/school").text
    summary = unescape(re.search(r'data-audience="school_staff">(.*?)</p>', page).group(1))
    shown, _, kept = summary.partition(" Not shown to teachers: ")
    for kind, spec in SPECS.items():
        assert (spec.short_title.lower() in shown) == (policy.SCHOOL_STAFF in policy.POLICY[kind]), kind
    # A field is named as kept from teachers in the sections they read; a
    # section they never read (progress) is already absent from what is shown.
    named = 0
    for (kind, field), roles in policy.HIDDEN_FIELDS.items():
        label = f"{SPECS[kind].field(field).label} ({SPECS[kind].short_title.lower()})"
        reads_section = policy.SCHOOL_STAFF in policy.POLICY[kind]
        assert (label in kept) == (policy.SCHOOL_STAFF in roles and reads_section), label
        assert label not in shown, label
        named += label in kept
    assert named == 3


# Hand-written claims about who sees what: the phrases that drifted before.
HAND_WRITTEN = re.compile(
    r"do not see|don't see|does not see|never see|not shown to|see these|sees? only|only sees?|hidden from"
    r"|stays? with the|for the treating clinicians only|reasons? or the notes",
    re.I,
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("folder", ["templates/plan", "templates/school"])
def test_no_template_says_by_hand_who_sees_what(folder):
    found = []
    for path in sorted((ROOT / folder).glob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if HAND_WRITTEN.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_no_spec_says_by_hand_who_sees_what():
    found = []
    for kind, spec in SPECS.items():
        texts = [spec.title, spec.guidance, *(spec.edit_note or ())]
        texts += [text for f in spec.fields for text in (f.label, f.help)]
        found += [f"{kind}: {text}" for text in texts if HAND_WRITTEN.search(str(text))]
    assert found == []
