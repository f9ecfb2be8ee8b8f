"""Sharing agreements against bad and hostile input (SECURITY.md, figure 11),
through the checks of tests/bad_input.py: what cannot be shared is refused and
the form kept; withdrawing reaches only the circle's own agreements; names full
of markup stay text on the sharing, audit and notification pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notify.scheduler import agreements_ending
from portal.sharing import services as sharing_services
from portal.sharing.models import Agreement
from tests import factories
from tests.bad_input import HOSTILE, typed_value_shown
from tests.web import escaped, forms_in


def _record_form(html: str) -> dict[str, str]:
    """The agreement form's values as a browser would send them again."""
    found = [form for form in forms_in(html) if (form["action"] or "").endswith("/sharing")]
    assert len(found) == 1, "expected the agreement form on the page"
    return dict(found[0]["fields"])


def _agreements() -> list[tuple]:
    db.session.expire_all()
    return list(db.session.execute(select(Agreement.id, Agreement.section, Agreement.role, Agreement.withdrawn_at)))


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
        response = poster.send(client, url, data, label)
        assert response.status_code == 422, label
        assert 'class="error-summary"' in response.text and f'href="#{name}"' in response.text, label
        kept = _record_form(response.text)
        for other, sent in data.items():
            if other != name:
                assert kept.get(other) == sent, f"{label}: {other} not kept"
        if name == "ends_on" and value:
            assert typed_value_shown(value, response.text), f"{label}: the typed date is not in the form"
        assert _agreements() == before, label
    # Hostile text in every field at once.
    data = {"share": HOSTILE["script"], "agreed_by": HOSTILE["attribute"], "ends_on": HOSTILE["sql"]}
    response = poster.send(client, url, data, f"sharing.record as {role} hostile everywhere")
    assert response.status_code == 422
    assert typed_value_shown(HOSTILE["sql"], response.text)
    assert _agreements() == before
    # The furthest date a browser offers is accepted, and every page that shows it still works.
    response = poster.send(client, url, dict(valid, ends_on="9999-12-31"), f"sharing.record as {role} year 9999")
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
        response = poster.send(client, url, data, f"sharing.record as {role}")
        assert response.status_code == 403
    assert _agreements() == []



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
            response = poster.send(client, url, data, f"withdraw {url}")
            assert response.status_code == status, (url, response.status_code)
            assert _agreements() == before, url
    # The agreement's own circle, twice: withdrawn once, recorded once in the audit.
    for data in (junk, {}):
        assert poster.send(young, f"{base}/{here.id}/withdraw", data, "withdraw own").status_code == 302
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

