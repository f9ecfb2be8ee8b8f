"""Two people editing the same part of the plan at once (DESIGN.md, principle 6;
SECURITY.md, figure 10): the later save from an outdated form becomes a
conflict that keeps both texts, never a silent overwrite."""

from __future__ import annotations

import re
import types

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from portal.access import policy
from portal.access.sections import item_editable_fields, section_access
from portal.extensions import db
from portal.plan import queries as plan_queries
from portal.plan import services
from portal.plan.models import ConflictCopy, SectionVersion
from portal.plan.sections import SPECS
from tests import factories
from tests.web import add, as_post_data, base_version_in, section_form

CLINICIAN, CAREGIVER, YOUNG_PERSON = policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON
SCHOOL_CONTACT, SCHOOL_STAFF = policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF
FIGURES = "lost updates (SECURITY.md, figure 10)"

# Every section that can be edited, each by two people who may edit it. The
# same role twice means one person in two browser sessions.
SCENARIOS = [
    ("school_plan", CLINICIAN, SCHOOL_CONTACT, "existing"),
    ("school_plan", SCHOOL_CONTACT, CLINICIAN, "new"),
    ("safety_plan", CLINICIAN, YOUNG_PERSON, "new"),
    ("safety_plan", YOUNG_PERSON, CAREGIVER, "existing"),
    ("home_safety", CAREGIVER, CLINICIAN, "existing"),
    ("clinical", CLINICIAN, CLINICIAN, "new"),
    ("care_team", CLINICIAN, CAREGIVER, "own contact"),
    ("adjustments", SCHOOL_CONTACT, SCHOOL_CONTACT, "item"),
    ("follow_ups", CLINICIAN, SCHOOL_CONTACT, "school review"),
    ("episodes", SCHOOL_STAFF, SCHOOL_CONTACT, "recorded by the teacher"),
    ("setback_reviews", CLINICIAN, CLINICIAN, "item"),
    ("progress", CAREGIVER, YOUNG_PERSON, "item"),
]


@pytest.fixture
def clients(app, world, login_as):
    """Test clients signed in by role; ask twice for the same role to get two sessions."""

    def client_for(role):
        return login_as(world.users[role], app.test_client())

    return client_for


def _prepare(world, kind, first_role, second_role, setting):
    """The item or document both people will edit; None for a document not written yet."""
    users = world.users
    if setting == "new":
        return None
    if setting == "existing":
        return factories.write_section(world.circle, kind, users[first_role], "BEFORE")
    if setting == "own contact":
        spec = SPECS[kind]
        return db.session.scalars(
            select(spec.model).where(spec.model.membership_id == world.memberships[second_role].id)
        ).one()
    if setting == "school review":
        values = {**factories.section_values(kind, "BEFORE"), "kind": "school_review"}
        return services.add_item(world.circle.id, SPECS[kind], values, users[first_role])
    if setting == "recorded by the teacher":
        return factories.write_section(world.circle, kind, users[SCHOOL_STAFF], "BEFORE")
    return factories.write_section(world.circle, kind, users[first_role], "BEFORE")


def _edit_url(circle_id, spec, row) -> str:
    if spec.is_list:
        return f"/circles/{circle_id}/plan/{spec.kind}/{row.id}/edit"
    return f"/circles/{circle_id}/plan/{spec.kind}/edit"


def _editable(world, spec, role, row) -> tuple[str, ...]:
    membership = world.memberships[role]
    if spec.is_list:
        return item_editable_fields(membership, spec, row)
    return section_access(membership, spec).editable


def _typed(form: dict, spec, fields, marker: str) -> dict:
    """What the person sends: the form as loaded, with every text field retyped."""
    data = as_post_data(form["fields"])
    for name in fields:
        if spec.field(name).type in ("line", "text"):
            data[name] = [f"{marker} {name}"[: spec.field(name).max_length]]
    return data


def _text_field(spec, fields) -> str:
    return next(name for name in fields if spec.field(name).type in ("line", "text"))


def _current(spec, circle_id, row_id):
    db.session.expire_all()
    if spec.is_list:
        return db.session.get(spec.model, row_id)
    return services.queries.document(circle_id, spec)


def _versions(circle_id, kind, item_id=None) -> int:
    stmt = select(func.count()).select_from(SectionVersion).where(
        SectionVersion.circle_id == circle_id, SectionVersion.kind == kind
    )
    if item_id is not None:
        stmt = stmt.where(SectionVersion.item_id == item_id)
    return db.session.scalar(stmt)


@pytest.mark.parametrize(("kind", "first_role", "second_role", "setting"), SCENARIOS,
                         ids=[f"{k}-{a}-then-{b}-{s.replace(' ', '_')}" for k, a, b, s in SCENARIOS])
def test_a_stale_save_is_a_conflict_that_keeps_both_texts(
    world, clients, request, kind, first_role, second_role, setting
):
    spec = SPECS[kind]
    circle_id = world.circle.id
    row = _prepare(world, kind, first_role, second_role, setting)
    row_id = row.id if row is not None else None
    versions_before = _versions(circle_id, kind, row_id if spec.is_list else None)
    url = _edit_url(circle_id, spec, row)
    first, second = clients(first_role), clients(second_role)

    # Both open the edit page before either saves.
    first_page, second_page = first.get(url), second.get(url)
    assert first_page.status_code == 200 and second_page.status_code == 200
    started_from = "0" if row is None else str(row.version)
    assert base_version_in(first_page.text) == base_version_in(second_page.text) == started_from

    first_fields = _editable(world, spec, first_role, row)
    second_fields = _editable(world, spec, second_role, row)
    first_data = _typed(section_form(first_page.text), spec, first_fields, f"FIRST-{kind}")
    second_data = _typed(section_form(second_page.text), spec, second_fields, f"SECOND-{kind}")
    field = _text_field(spec, [name for name in second_fields if name in first_fields])
    first_text, second_text = first_data[field][0], second_data[field][0]
    copies_before = db.session.scalar(select(func.count()).select_from(ConflictCopy))

    saved = first.post(url, data=first_data)
    assert saved.status_code == 302, saved.text
    stale = second.post(url, data=second_data)
    add(request.config, FIGURES, "stale saves tried")

    # The later save is refused and shown as a conflict with both texts.
    assert stale.status_code == 409, stale.text[:2000]
    add(request.config, FIGURES, "stale saves detected and shown as conflicts")
    assert "Someone else saved this while you were editing" in stale.text
    assert first_text in stale.text and second_text in stale.text

    # Both texts are kept: the first in the section, the second as a conflict copy.
    current = _current(spec, circle_id, row_id)
    overwritten = getattr(current, field) != first_text
    add(request.config, FIGURES, "silent overwrites", int(overwritten))
    assert not overwritten, "the stale save replaced the first person's text"
    assert current.version == int(started_from) + 1
    assert db.session.scalar(select(func.count()).select_from(ConflictCopy)) == copies_before + 1
    copy = db.session.scalars(select(ConflictCopy).order_by(ConflictCopy.id.desc())).first()
    assert copy.kind == kind and copy.circle_id == circle_id
    assert copy.item_id == (row_id if spec.is_list else None)
    assert copy.submitted[field] == second_text
    assert copy.base_version == int(started_from) and copy.current_version == current.version
    assert copy.submitted_by_id == world.users[second_role].id
    add(request.config, FIGURES, "conflicts with both texts kept")

    # The conflict page's form is based on the version saved now, and holds
    # the second person's text: sending it as it stands saves it.
    conflict_form = section_form(stale.text)
    assert base_version_in(stale.text) == str(current.version)
    assert (field, second_text) in conflict_form["fields"]
    resolved = second.post(conflict_form["action"] or url, data=as_post_data(conflict_form["fields"]))
    assert resolved.status_code == 302, resolved.text[:2000]
    current = _current(spec, circle_id, row_id)
    assert getattr(current, field) == second_text
    assert current.version == int(started_from) + 2

    # The history lists every version: what was there, the first save, and the resolved one.
    assert _versions(circle_id, kind, row_id if spec.is_list else None) == versions_before + 2
    reader = clients(CLINICIAN)
    history = reader.get(f"/circles/{circle_id}/plan/{kind}/history")
    assert history.status_code == 200
    entries = re.findall(r"<article>", history.text.split('<ol class="history">', 1)[1])
    assert len(entries) == _versions(circle_id, kind)
    assert first_text in history.text and second_text in history.text


def test_two_saves_of_a_new_document_racing_past_the_check_are_a_conflict(world, clients, monkeypatch, request):
    """Both started from "not written yet" and both passed the version check
    before either row existed: the database's unique circle_id refuses the
    second insert, and that must become a conflict, not a 500."""
    spec = SPECS["safety_plan"]
    url = f"/circles/{world.circle.id}/plan/safety_plan/edit"
    first, second = clients(CLINICIAN), clients(YOUNG_PERSON)
    every_field = [f.name for f in spec.fields]
    first_data = _typed(section_form(first.get(url).text), spec, every_field, "FIRST-race")
    second_data = _typed(section_form(second.get(url).text), spec, every_field, "SECOND-race")
    assert first.post(url, data=first_data).status_code == 302

    real_document = services.queries.document
    calls = []

    def read_before_the_first_save(circle_id, spec_):
        calls.append(spec_.kind)
        return None if len(calls) == 1 else real_document(circle_id, spec_)

    monkeypatch.setattr(services, "queries", types.SimpleNamespace(document=read_before_the_first_save))
    stale = second.post(url, data=second_data)
    add(request.config, FIGURES, "stale saves tried")
    assert stale.status_code == 409, stale.text[:2000]
    add(request.config, FIGURES, "stale saves detected and shown as conflicts")
    assert "FIRST-race warning_signs" in stale.text and "SECOND-race warning_signs" in stale.text
    monkeypatch.undo()

    plans = db.session.scalars(select(spec.model).where(spec.model.circle_id == world.circle.id)).all()
    assert len(plans) == 1 and plans[0].warning_signs == "FIRST-race warning_signs"
    add(request.config, FIGURES, "silent overwrites", 0)
    copy = db.session.scalars(select(ConflictCopy).order_by(ConflictCopy.id.desc())).first()
    assert copy.base_version == 0 and copy.current_version == 1
    assert copy.submitted["warning_signs"] == "SECOND-race warning_signs"
    add(request.config, FIGURES, "conflicts with both texts kept")


@pytest.mark.parametrize("kind", ["school_plan", "adjustments"])
def test_a_save_racing_past_the_version_check_is_caught_by_the_database(world, request, kind):
    """The other save commits after this request read the row: the version
    the request holds is out of date, so the UPDATE matches no row."""
    spec = SPECS[kind]
    author = world.users[SCHOOL_CONTACT]
    row = factories.write_section(world.circle, kind, author, "BEFORE")
    read_version = row.version
    other = factories.section_values(kind, "OTHER")
    if spec.is_list:
        services.update_item(row, spec, other, read_version, world.users[SCHOOL_CONTACT])
    else:
        services.save_document(world.circle.id, spec, other, read_version, world.users[CLINICIAN])
    saved_version = _current(spec, world.circle.id, row.id).version
    assert saved_version > read_version
    # Loaded as this request read them, before the other save committed.
    db.session.refresh(author)
    db.session.refresh(row)
    set_committed_value(row, "version", read_version)

    mine = factories.section_values(kind, "MINE")
    add(request.config, FIGURES, "stale saves tried")
    with pytest.raises(services.Conflict) as raised:
        if spec.is_list:
            services.update_item(row, spec, mine, read_version, author)
        else:
            services.save_document(world.circle.id, spec, mine, read_version, author)
    add(request.config, FIGURES, "stale saves detected and shown as conflicts")

    field = _text_field(spec, [f.name for f in spec.fields])
    current = _current(spec, world.circle.id, row.id)
    assert getattr(current, field) == other[field]
    assert current.version == saved_version
    assert raised.value.current.version == saved_version
    assert raised.value.copy.submitted[field] == mine[field]
    add(request.config, FIGURES, "silent overwrites", 0)
    add(request.config, FIGURES, "conflicts with both texts kept")


def test_an_item_save_racing_past_the_version_check_is_a_409_not_a_500(world, clients, monkeypatch, request):
    """As above, through the page: the request read the adjustment just before
    the other session's save committed."""
    spec = SPECS["adjustments"]
    row = factories.write_section(world.circle, "adjustments", world.users[SCHOOL_CONTACT], "BEFORE")
    started = row.version
    url = f"/circles/{world.circle.id}/plan/adjustments/{row.id}/edit"
    first, second = clients(SCHOOL_CONTACT), clients(SCHOOL_CONTACT)
    fields = [f.name for f in spec.fields]
    first_data = _typed(section_form(first.get(url).text), spec, fields, "FIRST-item-race")
    second_data = _typed(section_form(second.get(url).text), spec, fields, "SECOND-item-race")
    assert first.post(url, data=first_data).status_code == 302

    real_item_or_404 = plan_queries.item_or_404

    def read_before_the_other_save(*args):
        item = real_item_or_404(*args)
        set_committed_value(item, "version", started)
        return item

    monkeypatch.setattr(plan_queries, "item_or_404", read_before_the_other_save)
    stale = second.post(url, data=second_data)
    add(request.config, FIGURES, "stale saves tried")
    assert stale.status_code == 409, stale.text[:2000]
    add(request.config, FIGURES, "stale saves detected and shown as conflicts")
    monkeypatch.undo()

    current = _current(spec, world.circle.id, row.id)
    assert current.details == "FIRST-item-race details"
    add(request.config, FIGURES, "silent overwrites", int(current.details != "FIRST-item-race details"))
    copy = db.session.scalars(select(ConflictCopy).order_by(ConflictCopy.id.desc())).first()
    assert copy.item_id == row.id and copy.submitted["details"] == "SECOND-item-race details"
    add(request.config, FIGURES, "conflicts with both texts kept")
