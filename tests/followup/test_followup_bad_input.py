"""Every form issue 5 added, against empty, oversized, malformed and hostile
input (SECURITY.md, figure 11): never a 5xx; an invalid post comes back as
the form (422) with a message and with what was typed, escaped.

POST endpoints: followup.record_review (a form), followup.calendar_renew and
followup.calendar_stop (buttons), and the setback-review choice added to
plan.edit_document, plan.new_item and plan.edit_item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.followup.models import CalendarFeed, SectionReview
from portal.plan.models import FollowUp, SectionVersion
from portal.timezone import local_naive
from tests import factories
from tests.followup.conftest import add, appointment
from tests.web import add as add_figure
from tests.web import escaped, section_form

FIGURES = "bad input and fuzzing (SECURITY.md, figure 11)"
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR 1=1 --", "Zoë 🙂 \u202eevil\u202c"]
TYPED = "Dr Rivera and the family <b>"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clinician(app, world, login_as):
    return login_as(world.users[policy.CLINICIAN], app.test_client())


def _future() -> str:
    return local_naive(clock.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "sections"),
        ({"sections": ["nope"]}, "sections"),
        ({"sections": [HOSTILE[0]]}, "sections"),
        ({"sections": ["safety_plan"], "held_at": "999999"}, "held_at"),
        ({"sections": ["safety_plan"], "held_at": HOSTILE[1]}, "held_at"),
        ({"sections": ["safety_plan"], "next_review_at": "yesterday"}, "next_review_at"),
        ({"sections": ["safety_plan"], "next_review_at": "2024-13-45T10:00"}, "next_review_at"),
        ({"sections": ["safety_plan"], "next_review_at": "9999-12-31T23:59"}, "next_review_at"),
        ({"sections": ["safety_plan"], "next_review_at": "0001-01-01T00:00"}, "next_review_at"),
        ({"sections": ["safety_plan"], "next_review_at": "2001-01-01T10:00"}, "next_review_at"),
        ({"sections": ["safety_plan"], "next_review_at": "", "next_review_with": "x" * 201}, "next_review_with"),
    ],
)
def test_record_review_refuses_bad_input_and_keeps_what_was_typed(app, world, clinician, data, field, request):
    url = f"/circles/{world.circle.id}/reviews/new"
    data = {"next_review_with": TYPED, **data}
    before = (_count(SectionReview), _count(FollowUp))
    response = clinician.post(url, data=data)
    assert response.status_code == 422, (data, response.status_code)
    html = response.get_data(as_text=True)
    assert 'class="field-error"' in html and f'href="#{field}' in html
    if len(data["next_review_with"]) <= 200:
        assert escaped(data["next_review_with"]) in html
    for value in data.values():
        for text in value if isinstance(value, list) else [value]:
            if "<" in text:
                assert text not in html, "markup echoed unescaped"
    assert (_count(SectionReview), _count(FollowUp)) == before
    add_figure(request.config, FIGURES, "follow-through: bad posts to followup.record_review")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), when=st.text(max_size=40))
def test_record_review_fuzzed_never_fails(app, world, clinician, text, when):
    url = f"/circles/{world.circle.id}/reviews/new"
    response = clinician.post(url, data={"sections": ["safety_plan"], "next_review_with": text, "next_review_at": when})
    assert response.status_code in (302, 422)
    if response.status_code == 422 and text.strip() and "<" in text:
        assert text not in response.get_data(as_text=True)


def test_a_valid_review_after_a_refused_one(app, world, clinician):
    url = f"/circles/{world.circle.id}/reviews/new"
    assert clinician.post(url, data={"sections": ["safety_plan"], "next_review_at": "nonsense"}).status_code == 422
    response = clinician.post(url, data={"sections": ["safety_plan"], "next_review_at": _future(), "next_review_with": TYPED})
    assert response.status_code == 302
    assert db.session.scalar(select(FollowUp.with_whom).where(FollowUp.kind == "plan_review")) == TYPED.strip()


def test_a_meeting_from_another_circle_cannot_be_marked(app, world, clinician):
    other = factories.write_section(world.other_circle, "follow_ups", world.outsider, "OTHER", kind="plan_review",
                                    due_at=clock.now() - timedelta(hours=1), status="scheduled")
    mine = appointment(world, clock.now() - timedelta(hours=1), kind="plan_review")
    url = f"/circles/{world.circle.id}/reviews/new"
    assert clinician.post(url, data={"sections": ["safety_plan"], "held_at": str(other.id)}).status_code == 422
    db.session.expire_all()
    assert db.session.get(FollowUp, other.id).status == "scheduled"
    assert clinician.post(url, data={"sections": ["safety_plan"], "held_at": str(mine.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, mine.id).status == "attended"


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1.5", HOSTILE[0], "9" * 40])
@pytest.mark.parametrize("kind", ["safety_plan", "follow_ups_new", "progress_edit"])
def test_a_tampered_setback_review_choice_comes_back_as_the_form(app, world, clinician, kind, value, request):
    add(world, "setback_reviews", policy.CLINICIAN, setback_on=clock.today())
    circle_id = world.circle.id
    if kind == "safety_plan":
        url, text_field = f"/circles/{circle_id}/plan/safety_plan/edit", "warning_signs"
    elif kind == "follow_ups_new":
        url, text_field = f"/circles/{circle_id}/plan/follow_ups/new", "with_whom"
    else:
        row = add(world, "progress", policy.CAREGIVER, checked_on=clock.today())
        url, text_field = f"/circles/{circle_id}/plan/progress/{row.id}/edit", "notes"
    data = dict(section_form(clinician.get(url).get_data(as_text=True))["fields"])
    if kind == "follow_ups_new":
        data.update(kind="appointment", due_at="2030-01-01T10:00", status="scheduled")
    data[text_field] = "TYPEDTEXT stays <i>"
    data["follows_setback_review"] = value
    before = _count(SectionVersion)
    response = clinician.post(url, data=data)
    assert response.status_code == 422, (kind, value, response.status_code)
    html = response.get_data(as_text=True)
    assert escaped("TYPEDTEXT stays <i>") in html and "TYPEDTEXT stays <i>" not in html
    assert value not in html or "<" not in value
    assert _count(SectionVersion) == before
    add_figure(request.config, FIGURES, "follow-through: tampered setback-review choices")


@pytest.mark.parametrize("endpoint", ["/calendar/renew", "/calendar/stop"])
def test_calendar_buttons_take_junk_without_failing(app, world, clinician, endpoint):
    for data in ({}, {"csrf_token": "x" * 5000}, {"anything": HOSTILE[0]}, {"user_id": str(world.users[policy.CAREGIVER].id)}):
        response = clinician.post(endpoint, data=data)
        assert response.status_code in (200, 302), (endpoint, data)
    # Nothing posted can make or stop another person's link.
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed).where(
        CalendarFeed.user_id != world.users[policy.CLINICIAN].id)) == 0
    assert clinician.post(endpoint, json={"a": 1}).status_code == 415


def test_calendar_buttons_refuse_a_missing_or_wrong_csrf_token(app, world, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = login_as(world.users[policy.CAREGIVER], app.test_client())
        # Refused: the plain 400 page, or 303 back to the page with a message
        # (portal/sessions/expired_forms.py); nothing is done either way.
        for data in ({}, {"csrf_token": "wrong"}):
            assert client.post("/calendar/renew", data=data).status_code in (302, 303, 400)
        assert _count(CalendarFeed) == 0
        url = f"/circles/{world.circle.id}/reviews/new"
        clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
        assert clinician.post(url, data={"sections": ["safety_plan"]}).status_code in (303, 400, 422)
        assert _count(SectionReview) == 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("query", ["period=", "period=<script>", "period=" + "9" * 500, "period=all&period=3m", "page=x"])
def test_the_charts_take_any_query_string(app, world, login_as, query):
    client = login_as(world.users[policy.CAREGIVER], app.test_client())
    response = client.get(f"/circles/{world.circle.id}/progress/charts?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]
