"""Setback reviews linked to the changes that followed them (issue 5, part 3)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.access import policy
from portal.extensions import db
from portal.plan.models import SectionVersion
from tests import factories
from tests.followup.conftest import add
from tests.web import forms_in, section_form

LINK_FIELD = "follows_setback_review"


def _review(world, marker="REVIEWANSWER", day=date(2025, 3, 14)):
    return add(world, "setback_reviews", policy.CLINICIAN, setback_on=day, plan_fit=f"{marker} plan fit",
               plan_changes=f"{marker} changes")


def _post_section_edit(client, url: str, **changes) -> object:
    page = client.get(url)
    assert page.status_code == 200
    form = section_form(page.get_data(as_text=True))
    data = dict(form["fields"])
    data.update(changes)
    return client.post(url, data=data)


def _linked_section(html: str, marker: str) -> str | None:
    """The data-section of the block in which ``marker`` appears."""
    before = html[: html.index(marker)]
    sections = re.findall(r'data-section="(\w+)"', before)
    return sections[-1] if sections else None


def test_a_safety_plan_change_following_a_setback_review_shows_beside_it(app, world, login_as):
    circle_id = world.circle.id
    factories.write_section(world.circle, "safety_plan", world.users[policy.YOUNG_PERSON], "FIRST")
    review = _review(world)
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    url = f"/circles/{circle_id}/plan/safety_plan/edit"
    page = clinician.get(url).get_data(as_text=True)
    assert "Does this change follow a setback review?" in page
    assert "Yes: the setback review of Fri 14 Mar 2025" in page

    response = _post_section_edit(clinician, url, coping_steps="NIGHTLIST at night: cold water, text Mum", **{LINK_FIELD: str(review.id)})
    assert response.status_code == 302
    version = db.session.scalars(
        select(SectionVersion).where(SectionVersion.kind == "safety_plan").order_by(SectionVersion.id.desc())
    ).first()
    assert version.setback_review_id == review.id

    history = clinician.get(f"/circles/{circle_id}/plan/safety_plan/history").get_data(as_text=True)
    assert "This change follows the" in history and "setback review of 14 Mar 2025" in history
    # Side by side: the review's answers, in their own section block, next to the diff.
    block = history[history.index('class="follows-review"'):]
    block = block[: block.index("</article>")]
    assert "REVIEWANSWER plan fit" in block and "<ins>NIGHTLIST at night: cold water, text Mum</ins>" in block
    assert _linked_section(history, "REVIEWANSWER plan fit") == "setback_reviews"
    assert block.index("REVIEWANSWER plan fit") < block.index("NIGHTLIST")

    # The setback review's own page lists the changes that followed it.
    page = clinician.get(f"/circles/{circle_id}/setback-reviews/{review.id}").get_data(as_text=True)
    assert "REVIEWANSWER changes" in page and "<ins>NIGHTLIST at night: cold water, text Mum</ins>" in page
    assert _linked_section(page, "NIGHTLIST") == "safety_plan"
    listing = clinician.get(f"/circles/{circle_id}/plan/setback_reviews").get_data(as_text=True)
    assert f"/circles/{circle_id}/setback-reviews/{review.id}" in listing

    # A caregiver reads setback reviews and the safety plan: they see both.
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    history = caregiver.get(f"/circles/{circle_id}/plan/safety_plan/history").get_data(as_text=True)
    assert "REVIEWANSWER plan fit" in history
    # The young person reads the safety plan but not setback reviews: the change, never the review.
    young = login_as(world.users[policy.YOUNG_PERSON], app.test_client())
    history = young.get(f"/circles/{circle_id}/plan/safety_plan/history").get_data(as_text=True)
    assert "NIGHTLIST" in history and "REVIEWANSWER" not in history and "setback review" not in history
    assert young.get(f"/circles/{circle_id}/setback-reviews/{review.id}").status_code == 403


def test_linked_changes_follow_the_readers_policy(app, world, login_as):
    circle_id = world.circle.id
    review = _review(world)
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    # A clinical change and a home-safety change, both following the review.
    for kind, text in (("clinical", "MEDDETAIL sertraline 50mg"), ("home_safety", "HOMESAFE keep the box locked")):
        field = "medication" if kind == "clinical" else "medication_safety"
        response = _post_section_edit(clinician, f"/circles/{circle_id}/plan/{kind}/edit", **{field: text, LINK_FIELD: str(review.id)})
        assert response.status_code == 302, kind
    # A follow-up booked because of the review links too.
    new = clinician.get(f"/circles/{circle_id}/plan/follow_ups/new").get_data(as_text=True)
    assert LINK_FIELD in new

    page = clinician.get(f"/circles/{circle_id}/setback-reviews/{review.id}").get_data(as_text=True)
    assert "MEDDETAIL" in page and "HOMESAFE" in page
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    page = caregiver.get(f"/circles/{circle_id}/setback-reviews/{review.id}").get_data(as_text=True)
    assert "HOMESAFE keep the box locked" in page
    assert "MEDDETAIL" not in page and "Assessment and treatment" not in page


def test_only_those_who_write_setback_reviews_may_link_a_change(app, world, login_as):
    circle_id = world.circle.id
    review = _review(world)
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    url = f"/circles/{circle_id}/plan/safety_plan/edit"
    assert LINK_FIELD not in caregiver.get(url).get_data(as_text=True)
    # A posted link from someone who may not make one is ignored, not stored.
    response = _post_section_edit(caregiver, url, warning_signs="CAREGIVER words", **{LINK_FIELD: str(review.id)})
    assert response.status_code == 302
    version = db.session.scalars(select(SectionVersion).where(SectionVersion.kind == "safety_plan")).first()
    assert version.setback_review_id is None
    # Nor is a setback review linked to another setback review.
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    page = clinician.get(f"/circles/{circle_id}/plan/setback_reviews/{review.id}/edit").get_data(as_text=True)
    assert LINK_FIELD not in page


def test_another_circles_setback_review_cannot_be_linked(app, world, login_as):
    circle_id = world.circle.id
    _review(world)
    other = factories.write_section(world.other_circle, "setback_reviews", world.outsider, "OTHER")
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    url = f"/circles/{circle_id}/plan/safety_plan/edit"
    response = _post_section_edit(clinician, url, warning_signs="TYPED words stay", **{LINK_FIELD: str(other.id)})
    assert response.status_code == 422
    assert "TYPED words stay" in response.get_data(as_text=True)
    assert db.session.scalar(select(SectionVersion.id).where(SectionVersion.setback_review_id == other.id)) is None
    assert clinician.get(f"/circles/{circle_id}/setback-reviews/{other.id}").status_code == 404


def test_the_link_survives_a_conflict(app, world, login_as):
    circle_id = world.circle.id
    review = _review(world)
    factories.write_section(world.circle, "safety_plan", world.users[policy.CLINICIAN], "BASE")
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    url = f"/circles/{circle_id}/plan/safety_plan/edit"
    form = dict(section_form(clinician.get(url).get_data(as_text=True))["fields"])
    factories.write_section(world.circle, "safety_plan", world.users[policy.CAREGIVER], "MEANWHILE")
    form.update(warning_signs="MINE after the review", **{LINK_FIELD: str(review.id)})
    response = clinician.post(url, data=form)
    assert response.status_code == 409
    again = [f for f in forms_in(response.get_data(as_text=True)) if any(n == "base_version" for n, _ in f["fields"])][0]
    assert (LINK_FIELD, str(review.id)) in again["fields"]
    assert clinician.post(url, data=dict(again["fields"])).status_code == 302
    version = db.session.scalars(
        select(SectionVersion).where(SectionVersion.kind == "safety_plan").order_by(SectionVersion.id.desc())
    ).first()
    assert version.setback_review_id == review.id and "MINE after the review" in version.snapshot["warning_signs"]
