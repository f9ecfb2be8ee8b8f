"""The young person's say against bad and hostile input (SECURITY.md, figure
11): who decides, a disagreement and something shared without agreement each
come back as the form, with a message and what was typed, and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.sharing import services as sharing_services
from portal.sharing.models import DecidingRecord, Disagreement, Disclosure
from tests.bad_input import HOSTILE, typed_value_shown


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _refused(poster, client, url, data, label, model, field):
    before = _count(model)
    response = poster.send(client, url, data, label)
    assert response.status_code == 422, label
    assert 'class="error-summary"' in response.text and f'href="#{field}"' in response.text, label
    assert _count(model) == before, label
    return response


@pytest.mark.parametrize("value", ["", "maybe", "YES", HOSTILE["script"], HOSTILE["sql"]])
def test_who_decides_refuses_anything_but_yes_or_no(app, world, login_as, poster, value):
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    url = f"/circles/{world.circle.id}/sharing/deciding"
    _refused(poster, client, url, {"deciding-decides": value}, f"sharing.record_deciding decides={value!r:.30}",
             DecidingRecord, "deciding-decides")


def test_a_disagreement_keeps_the_young_persons_words_when_it_is_refused(app, world, login_as, poster):
    agreement = sharing_services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "guardian", None,
                                        world.users[policy.CAREGIVER])
    client = login_as(world.users[policy.YOUNG_PERSON], app.test_client())
    url = f"/circles/{world.circle.id}/sharing/disagreements"
    words = "I was not asked " + HOSTILE["attribute"]
    for about in ("", "agreement:999999", "agreement:x", f"deciding:{agreement.id}", HOSTILE["script"]):
        label = f"sharing.record_disagreement about={about!r:.30}"
        response = _refused(poster, client, url, {"disagree-about": about, "disagree-words": words}, label,
                            Disagreement, "disagree-about")
        assert typed_value_shown(words, response.text), f"{label}: their words were lost"
    too_long = "x" * 2001
    response = _refused(poster, client, url, {"disagree-about": f"agreement:{agreement.id}", "disagree-words": too_long},
                        "sharing.record_disagreement words too long", Disagreement, "disagree-words")
    assert typed_value_shown(too_long, response.text)
    accepted = poster.send(client, url, {"disagree-about": f"agreement:{agreement.id}", "disagree-words": words},
                           "disagreement, valid")
    assert accepted.status_code == 302 and _count(Disagreement) == 1


def test_something_shared_without_agreement_keeps_what_was_typed(app, world, login_as, poster):
    client = login_as(world.users[policy.CLINICIAN], app.test_client())
    url = f"/circles/{world.circle.id}/sharing/disclosures"
    valid = {"disclosure-shared_what": "That you said you had a plan " + HOSTILE["script"],
             "disclosure-shared_with": "The crisis team", "disclosure-why": "You could not keep safe that night",
             "disclosure-shared_on": clock.today().isoformat()}
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    for field, value in (("shared_what", ""), ("shared_with", ""), ("why", ""), ("shared_with", "x" * 201),
                         ("shared_on", ""), ("shared_on", tomorrow), ("shared_on", "31/12/2030"), ("shared_on", HOSTILE["sql"])):
        name = f"disclosure-{field}"
        data = dict(valid, **{name: value})
        label = f"sharing.record_disclosure {name}={value!r:.30}"
        response = _refused(poster, client, url, data, label, Disclosure, name)
        for other, sent in data.items():
            if other != name and sent:
                assert typed_value_shown(sent, response.text), f"{label}: {other} was lost"
    accepted = poster.send(client, url, valid, "disclosure, valid")
    assert accepted.status_code == 302 and _count(Disclosure) == 1
