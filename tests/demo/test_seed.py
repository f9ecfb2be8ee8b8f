"""The demo loader: it fills every section through the real services, each
demo account sees exactly what its role allows, and it never loads where it
must not."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import ProductionConfig
from portal import clock, create_app
from portal.access import policy
from portal.auth import mfa
from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.auth.services import find_user
from portal.circles.models import Circle, Membership
from portal.demo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, database_is_empty, seed
from portal.extensions import db
from portal.followup.models import SectionReview
from portal.followup.reviews import last_reviews
from portal.plan import queries
from portal.plan.models import (
    Adjustment,
    CheckIn,
    ClinicalRecord,
    Episode,
    FollowUp,
    OutsideEvent,
    SectionVersion,
    SetbackReview,
)
from portal.plan.sections import SPECS
from portal.timezone import to_local, zone
from tests import factories, signing_in

DEMO_EMAILS = {
    "clinician@demo.example.org",
    "psychiatrist@demo.example.org",
    "doctor@demo.example.org",
    "parent@demo.example.org",
    "counselor@demo.example.org",
    "teacher@demo.example.org",
    "student@demo.example.org",
    "admin@demo.example.org",
}


@pytest.fixture
def accounts(app):
    return seed()


def _circle(name: str) -> Circle:
    return db.session.scalars(select(Circle).where(Circle.young_person_name == name)).one()


def _role_in(circle: Circle, email: str) -> str | None:
    user = find_user(email)
    return db.session.scalar(
        select(Membership.role).where(
            Membership.circle_id == circle.id, Membership.user_id == user.id, Membership.removed_at.is_(None)
        )
    )


def _signed_in_client(app, email: str):
    client = app.test_client()
    # The clinicians and the counselor meet the code page; their app holds the demo key.
    response = signing_in.sign_in(client, email, DEMO_PASSWORD, secret=DEMO_TOTP_SECRET)
    assert response.status_code == 302, email
    assert response.location.endswith("/dashboard"), email
    return client


def _text(html: str) -> str:
    """A page's words, with markup and entities out of the way of the assertions."""
    words = re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')
    return re.sub(r"\s+", " ", words)


def test_the_demo_password_is_one_the_portal_would_accept(app):
    assert password_problem(DEMO_PASSWORD) is None


def test_seed_fills_an_empty_database(app):
    real_now = clock.now
    assert database_is_empty()
    accounts = seed()
    assert not database_is_empty()
    assert DEMO_EMAILS <= {email for email, _ in accounts}
    assert all(label for _, label in accounts)
    # The seed backdates history by borrowing the clock; it must give it back.
    assert clock.now is real_now


def test_seed_refuses_a_database_that_already_has_accounts(app):
    factories.user(email="someone@example.test")
    with pytest.raises(RuntimeError):
        seed()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_every_section_of_jordans_plan_has_content(accounts):
    jordan = _circle("Jordan")
    assert {"events", "return_to_school"} <= set(SPECS)
    for kind, spec in SPECS.items():
        if spec.is_list:
            rows = db.session.scalars(
                select(spec.model).where(spec.model.circle_id == jordan.id, spec.model.removed_at.is_(None))
            ).all()
            assert rows, kind
        else:
            document = queries.document(jordan.id, spec)
            assert document is not None, kind
            for field in spec.fields:
                if field.type != "bool":
                    assert getattr(document, field.name), (kind, field.name)


def test_the_story_the_demo_tells(accounts):
    jordan = _circle("Jordan")
    today = to_local(clock.now()).date()
    now = clock.now()
    counselor, teacher = find_user("counselor@demo.example.org"), find_user("teacher@demo.example.org")

    adjustments = db.session.scalars(
        select(Adjustment).where(Adjustment.circle_id == jordan.id, Adjustment.removed_at.is_(None))
    ).all()
    extension = next(a for a in adjustments if a.kind == "extension")
    assert extension.subjects == "Math, English, Biology"
    assert extension.end_date - extension.start_date == timedelta(days=14)
    assert extension.start_date <= today <= extension.end_date
    assert "Sam Okafor" in extension.approved_by and extension.reason
    assert any(a.kind == "leave_class_pass" for a in adjustments)
    assert any(a.end_date is not None and a.end_date < today and a.reason for a in adjustments)

    home = queries.document(jordan.id, SPECS["home_safety"])
    ticks = [home.medicines_locked, home.medicines_limited, home.sharps_secured, home.alcohol_secured]
    assert any(ticks) and not all(ticks)

    episodes = db.session.scalars(select(Episode).where(Episode.circle_id == jordan.id)).all()
    by_teacher = [e for e in episodes if e.recorded_by_id == teacher.id]
    by_counselor = [e for e in episodes if e.recorded_by_id == counselor.id]
    assert len(by_teacher) == 1 and by_counselor
    assert timedelta(days=2) < now - by_teacher[0].occurred_at < timedelta(days=6)
    assert all(e.occurred_at < by_teacher[0].occurred_at for e in by_counselor)

    follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.circle_id == jordan.id)).all()
    assert any(f.kind == "plan_review" and f.status == "scheduled" and f.due_at < now for f in follow_ups)
    assert any(f.kind == "appointment" and f.status == "scheduled" and f.due_at > now for f in follow_ups)
    assert any(f.kind == "appointment" and f.status == "attended" and f.due_at < now for f in follow_ups)
    assert any(f.kind == "school_review" and f.due_at > now for f in follow_ups)

    check_ins = db.session.scalars(
        select(CheckIn).where(CheckIn.circle_id == jordan.id).order_by(CheckIn.checked_on)
    ).all()
    assert len(check_ins) == 10
    assert today - check_ins[0].checked_on <= timedelta(days=77)
    counts = [c.episodes for c in check_ins]
    assert counts[-1] < counts[0]
    assert any(later > earlier for earlier, later in zip(counts, counts[1:], strict=False)), "progress is uneven"


@pytest.mark.parametrize(
    "local_moment",
    [
        datetime(2027, 3, 14, 23, 55),  # a Sunday night, the day clocks go forward in New York
        datetime(2027, 11, 1, 0, 5),  # just after midnight on a Monday
        datetime(2027, 6, 16, 12, 0),  # a Wednesday, a therapy day close by
    ],
)
def test_the_demo_looks_current_whenever_it_is_loaded(app, monkeypatch, local_moment):
    now = local_moment.replace(tzinfo=zone()).astimezone(UTC)
    monkeypatch.setattr(clock, "now", lambda: now)
    today = local_moment.date()
    config = app.config
    seed()
    jordan = _circle("Jordan")

    assert db.session.scalar(select(func.max(SectionVersion.changed_at))) < now
    follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.circle_id == jordan.id)).all()
    assert all(f.due_at < now for f in follow_ups if f.status == "attended")
    assert any(f.kind == "plan_review" and f.status == "scheduled" and f.due_at < now for f in follow_ups)
    soon = now + timedelta(days=config["REVIEW_DUE_SOON_DAYS"])
    assert any(f.kind == "school_review" and now < f.due_at < soon for f in follow_ups)
    episodes = db.session.scalars(select(Episode).where(Episode.circle_id == jordan.id)).all()
    assert all(e.occurred_at < now for e in episodes)
    assert any(now - e.occurred_at < timedelta(days=config["RECENT_EPISODE_DAYS"]) for e in episodes)
    extension = db.session.scalars(
        select(Adjustment).where(Adjustment.kind == "extension", Adjustment.removed_at.is_(None))
    ).one()
    assert today <= extension.end_date <= today + timedelta(days=config["ADJUSTMENT_ENDING_SOON_DAYS"])


def test_the_plan_has_history_by_more_than_one_person(accounts):
    jordan = _circle("Jordan")
    for kind in ("safety_plan", "school_plan"):
        authors = set(
            db.session.scalars(
                select(SectionVersion.changed_by_id).where(
                    SectionVersion.circle_id == jordan.id, SectionVersion.kind == kind
                )
            )
        )
        assert len(authors) >= 2, kind
    # History reads like weeks of use, not one minute of loading.
    first = db.session.scalar(select(func.min(SectionVersion.changed_at)))
    assert clock.now() - first > timedelta(days=60)
    assert db.session.scalar(select(func.max(SectionVersion.changed_at))) < clock.now()


def _demo_text(accounts) -> list[tuple[str, str]]:
    """(where, text) for every piece of text the demo itself wrote: plan
    content, names, titles, relationship labels, organisations, and the
    account list the command prints. The product's own labels are not in it."""
    from portal.auth.models import Organisation

    found = [("account list", label) for _, label in accounts]
    for spec in SPECS.values():
        for row in db.session.scalars(select(spec.model)):
            for field in spec.fields:
                value = getattr(row, field.name)
                if isinstance(value, str) and field.type not in ("choice", "multi"):
                    found.append((f"{spec.kind}.{field.name}", value))
    for user in db.session.scalars(select(User)):
        found += [("user name", user.name), ("user title", user.title)]
    found += [("relationship", label) for label in db.session.scalars(select(Membership.relationship_label))]
    found += [("organisation", name) for name in db.session.scalars(select(Organisation.name))]
    return found


def test_the_demo_uses_the_products_language(accounts):
    refused = re.compile(
        r"attention[- ]seeking|manipulat|risk (score|level|rating)|(low|medium|moderate|high)[- ]risk", re.IGNORECASE
    )
    for where, text in _demo_text(accounts):
        assert not refused.search(text), (where, text)


# British spellings and usage the US deployment's demo must not have.
UK_USAGE = re.compile(
    r"\b(mum|mums|maths|colour\w*|behaviour\w*|favour\w*|honour\w*|programme\w*|centre\w*|practis\w+"
    r"|organis\w*|recognis\w*|realis\w*|apologis\w*|minimis\w*|authoris\w*|paediatric\w*|judgement"
    r"|camhs|a&e|gp|fortnight\w*|whilst|learnt|plaster|wardrobe|cupboard|deputy head|head teacher|revising"
    r"|timetable|mobile|tablets?)\b",
    re.IGNORECASE,
)


def test_the_demo_speaks_us_english(accounts):
    for where, text in _demo_text(accounts):
        assert not UK_USAGE.search(text), (where, UK_USAGE.search(text).group(0), text)
    assert UK_USAGE.search("Mum keeps the colour pens in the wardrobe")  # the check can fail


def _local(moment):
    return to_local(moment)


def test_events_outside_school_and_the_aftercare_after_the_emergency_visit(app, accounts):
    jordan = _circle("Jordan")
    parent, clinician = find_user("parent@demo.example.org"), find_user("clinician@demo.example.org")
    events = db.session.scalars(select(OutsideEvent).where(OutsideEvent.circle_id == jordan.id)).all()
    assert {"emergency_visit", "self_harm", "crisis_call"} <= {e.kind for e in events}
    visit = next(e for e in events if e.kind == "emergency_visit")
    assert visit.created_by_id == parent.id and visit.medical_care == "yes"
    recorded = _local(visit.created_at)
    assert recorded.hour < 6 or recorded.hour >= 22, "Maria records the visit that night"
    assert visit.occurred_at < visit.created_at < clock.now()

    aftercare = db.session.scalars(
        select(FollowUp).where(FollowUp.circle_id == jordan.id, FollowUp.kind == "aftercare", FollowUp.removed_at.is_(None))
    ).all()
    assert len(aftercare) == 1, "one aftercare, however it was booked"
    (aftercare,) = aftercare
    hours = app.config.get("AFTERCARE_HOURS", 48)
    assert aftercare.outside_event_id == visit.id
    assert visit.occurred_at < aftercare.due_at <= visit.occurred_at + timedelta(hours=hours)
    # Booked (or, if the portal booked it by itself, completed) by Dr Rivera, before it happened.
    assert aftercare.status == "attended" and aftercare.updated_by_id == clinician.id
    assert aftercare.created_at < aftercare.due_at
    assert _local(aftercare.due_at).weekday() < 4


def test_four_days_off_school_and_the_return_they_lead_to(accounts):
    jordan = _circle("Jordan")
    back = queries.document(jordan.id, SPECS["return_to_school"])
    clinician = find_user("clinician@demo.example.org")
    ready_versions = db.session.scalars(
        select(SectionVersion).where(SectionVersion.circle_id == jordan.id, SectionVersion.kind == "return_to_school")
        .order_by(SectionVersion.id)
    ).all()
    assert ready_versions[0].changed_by_id == clinician.id and ready_versions[0].snapshot["ready_from"]
    visit = db.session.scalars(select(OutsideEvent).where(OutsideEvent.kind == "emergency_visit")).one()
    # Four school days off after the visit, then back on the day the care team said.
    first_off = _local(visit.occurred_at).date() + timedelta(days=1)
    assert back.ready_from - first_off == timedelta(days=4)
    assert all((first_off + timedelta(days=n)).weekday() < 5 for n in range(4))
    assert visit.occurred_at < back.meeting_at and _local(back.meeting_at).date() < back.ready_from
    adjustments = db.session.scalars(
        select(Adjustment).where(Adjustment.circle_id == jordan.id, Adjustment.removed_at.is_(None))
    ).all()
    answering = [a for a in adjustments if "missed four days" in a.reason]
    assert {a.kind for a in answering} == {"attendance_flexibility", "extension"}
    assert all(a.start_date >= back.ready_from for a in answering)
    assert "Adjustments" in back.adjustments_needed


def test_every_check_in_asks_the_direct_question(accounts):
    jordan = _circle("Jordan")
    clinician = find_user("clinician@demo.example.org")
    check_ins = db.session.scalars(select(CheckIn).where(CheckIn.circle_id == jordan.id)).all()
    answers = [c.suicidal_thoughts for c in check_ins]
    assert set(answers) <= {"no", "yes", "unsure"} and all(answers)
    assert answers.count("unsure") == 1 and answers.count("no") == len(answers) - 1
    assert sum(1 for c in check_ins if c.what_helped) >= 3
    unsure = next(c for c in check_ins if c.suicidal_thoughts == "unsure")
    # The clinician is in touch within a day, in working hours.
    in_touch = db.session.scalars(
        select(FollowUp).where(
            FollowUp.circle_id == jordan.id,
            FollowUp.updated_by_id == clinician.id,
            FollowUp.due_at > unsure.created_at,
            FollowUp.due_at < unsure.created_at + timedelta(days=1),
            FollowUp.status == "attended",
        )
    ).all()
    assert in_touch
    # A check-in whose notes say Jordan told someone themselves says so in its answers too.
    for c in check_ins:
        if "themselves" in c.notes:
            assert c.less_secrecy == "yes", c.notes


def test_the_safety_plan_shows_its_review(app, accounts):
    jordan = _circle("Jordan")
    reviews = last_reviews(jordan.id)
    assert reviews["safety_plan"].reviewer == "Dr Ana Rivera"
    safety_versions = db.session.scalars(
        select(SectionVersion.changed_at).where(SectionVersion.circle_id == jordan.id, SectionVersion.kind == "safety_plan")
    ).all()
    assert reviews["safety_plan"].reviewed_at > max(safety_versions), "reviewed after its last change"
    assert db.session.scalar(select(func.count()).select_from(SectionReview)) > 1
    with app.app_context():
        page = _text(_signed_in_client(app, "clinician@demo.example.org").get(f"/circles/{jordan.id}/reviews").text)
    row = page[page.index("Safety plan"):][:200]
    assert "by Dr Ana Rivera" in row and "Not reviewed yet" not in row


def test_the_medication_review_follows_the_dose_change(accounts):
    jordan = _circle("Jordan")
    psychiatrist = find_user("psychiatrist@demo.example.org")
    clinical = queries.document(jordan.id, SPECS["clinical"])
    setback = db.session.scalars(select(SetbackReview).where(SetbackReview.circle_id == jordan.id)).one()
    versions = db.session.scalars(
        select(SectionVersion).where(SectionVersion.circle_id == jordan.id, SectionVersion.kind == "clinical")
        .order_by(SectionVersion.id)
    ).all()
    raised = next(v for v in versions if "increased to 20 mg" in (v.snapshot.get("medication") or ""))
    dose_changed = _local(raised.changed_at).date()
    # The setback, two to three weeks after the dose went up, is linked to it in words.
    assert timedelta(weeks=2) <= setback.setback_on - dose_changed <= timedelta(weeks=3)
    assert "dose" in setback.before and "dose" in clinical.frequency_change
    assert "depressi" in clinical.medication_for.lower() and clinical.coexisting == "depression,anxiety"
    # A review after the setback, attended; the next one booked on the record's date.
    mori = db.session.scalars(
        select(FollowUp).where(FollowUp.circle_id == jordan.id, FollowUp.with_whom.like("Dr Ken Mori%"))
    ).all()
    attended = [f for f in mori if f.status == "attended"]
    assert any(_local(f.due_at).date() > setback.setback_on for f in attended)
    assert clinical.medication_review_on > max(_local(f.due_at).date() for f in attended)
    booked = [f for f in mori if f.status == "scheduled" and _local(f.due_at).date() == clinical.medication_review_on]
    assert len(booked) == 1 and booked[0].updated_by_id == psychiatrist.id


@pytest.mark.parametrize(
    "local_moment",
    [
        datetime(2027, 11, 1, 0, 5),  # Monday, just after midnight
        datetime(2027, 6, 18, 12, 0),  # Friday
        datetime(2027, 3, 14, 23, 55),  # Sunday night
        datetime(2027, 9, 15, 16, 30),  # Wednesday, after school
    ],
)
def test_the_calendar_holds_whatever_day_it_is_loaded(app, monkeypatch, local_moment):
    now = local_moment.replace(tzinfo=zone()).astimezone(UTC)
    monkeypatch.setattr(clock, "now", lambda: now)
    seed()
    jordan = _circle("Jordan")
    rivera = find_user("clinician@demo.example.org")

    # Dr Rivera works Monday to Thursday: everything she wrote or reviewed, and every meeting with her.
    written = db.session.scalars(
        select(SectionVersion.changed_at).where(
            SectionVersion.circle_id == jordan.id, SectionVersion.changed_by_id == rivera.id
        )
    ).all()
    reviewed = db.session.scalars(select(SectionReview.reviewed_at).where(SectionReview.reviewed_by_id == rivera.id)).all()
    meetings = db.session.scalars(
        select(FollowUp.due_at).where(FollowUp.circle_id == jordan.id, FollowUp.with_whom.like("%Rivera%"))
    ).all()
    assert written and reviewed and meetings
    for moment in (*written, *reviewed, *meetings):
        assert _local(moment).weekday() < 4, _local(moment)

    # The plan review never clashes with school: after school ends, and not during the test Jordan left.
    test = db.session.scalars(
        select(Episode).where(Episode.circle_id == jordan.id, Episode.observed.like("During the math test%"))
    ).one()
    plan_reviews = db.session.scalars(
        select(FollowUp).where(FollowUp.circle_id == jordan.id, FollowUp.kind == "plan_review")
    ).all()
    for review in plan_reviews:
        local = _local(review.due_at)
        assert (local.hour, local.minute) >= (15, 30), local
        assert abs(review.due_at - test.occurred_at) > timedelta(hours=3)
    assert any(r.status == "scheduled" and r.due_at < now for r in plan_reviews)

    # Aftercare within the hours the configuration gives, and nothing past still in the future.
    visit = db.session.scalars(select(OutsideEvent).where(OutsideEvent.kind == "emergency_visit")).one()
    aftercare = db.session.scalars(select(FollowUp).where(FollowUp.kind == "aftercare")).one()
    assert timedelta(0) < aftercare.due_at - visit.occurred_at <= timedelta(hours=app.config.get("AFTERCARE_HOURS", 48))
    assert all(e.occurred_at < now for e in db.session.scalars(select(OutsideEvent)))
    assert all(c.checked_on <= local_moment.date() for c in db.session.scalars(select(CheckIn)))
    assert all(c.created_at < now for c in db.session.scalars(select(CheckIn)))
    assert db.session.scalar(select(func.max(SectionReview.reviewed_at))) < now
    record = db.session.scalars(select(ClinicalRecord).where(ClinicalRecord.circle_id == jordan.id)).one()
    assert record.medication_review_on > local_moment.date()
    back = queries.document(jordan.id, SPECS["return_to_school"])
    assert back.ready_from < local_moment.date() and back.meeting_at < now


def test_every_account_signs_in_and_sees_exactly_its_sections(app, accounts):
    jordan = _circle("Jordan")
    without_a_circle = set()
    for email, _ in accounts:
        role = _role_in(jordan, email)
        # A fresh app context per person, so nothing of the last sign-in is cached in g.
        with app.app_context():
            client = _signed_in_client(app, email)
            overview = client.get(f"/circles/{jordan.id}")
            if role is None:
                assert overview.status_code == 404, email
                without_a_circle.add(email)
                continue
            assert overview.status_code == 200, email
            linked = set(re.findall(rf'href="/circles/{jordan.id}/plan/([a-z_]+)"', overview.text))
            assert linked == set(policy.readable_sections(role)), email
            for kind in policy.SECTIONS:
                page = client.get(f"/circles/{jordan.id}/plan/{kind}")
                if policy.can(role, kind, policy.READ):
                    assert page.status_code == 200, (email, kind)
                    assert f'data-section="{kind}"' in page.text, (email, kind)
                else:
                    assert page.status_code == 403, (email, kind)
    assert without_a_circle == {"admin@demo.example.org"}


def test_the_teacher_sees_the_steps_and_not_the_reasons(app, accounts):
    jordan = _circle("Jordan")
    with app.app_context():
        client = _signed_in_client(app, "teacher@demo.example.org")
        school_plan = _text(client.get(f"/circles/{jordan.id}/plan/school_plan").text)
        assert "If Jordan shows the blue card, let Jordan go" in school_plan
        assert "classmates are never told" not in school_plan
        adjustments = _text(client.get(f"/circles/{jordan.id}/plan/adjustments").text)
        assert "Math, English, Biology" in adjustments
        assert "missed four days" not in adjustments
        episodes = _text(client.get(f"/circles/{jordan.id}/plan/episodes").text)
        assert "During the math test" in episodes
        assert "at lunch using the card" not in episodes
    with app.app_context():
        client = _signed_in_client(app, "counselor@demo.example.org")
        assert "classmates are never told" in _text(client.get(f"/circles/{jordan.id}/plan/school_plan").text)


def test_history_pages_show_what_changed(app, accounts):
    jordan = _circle("Jordan")
    with app.app_context():
        client = _signed_in_client(app, "clinician@demo.example.org")
        for kind, authors in (
            ("safety_plan", ("Dr Ana Rivera", "Jordan Lopez")),
            ("school_plan", ("Sam Okafor", "Dr Ana Rivera")),
        ):
            page = client.get(f"/circles/{jordan.id}/plan/{kind}/history")
            assert page.status_code == 200
            assert "<ins>" in page.text, kind
            for author in authors:
                assert author in page.text, (kind, author)


def test_dashboards_show_what_needs_attention(app, accounts):
    with app.app_context():
        clinician = _text(_signed_in_client(app, "clinician@demo.example.org").get("/dashboard").text)
        assert "Plan review is overdue" in clinician
        assert "An in-school episode was recorded" in clinician
        assert "Casey" not in clinician
    with app.app_context():
        counselor = _text(_signed_in_client(app, "counselor@demo.example.org").get("/dashboard").text)
        assert "Jordan" in counselor and "Casey" in counselor
        assert "School review is coming up" in counselor
        # The school never sees clinical appointments or plan reviews.
        assert "Plan review" not in counselor


def test_seed_demo_refuses_under_the_production_configuration(app):
    class DemoProductionConfig(ProductionConfig):
        SECRET_KEY = "a-production-secret-of-forty-characters!"
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        BASE_URL = "https://support.example.org"

    assert len(DemoProductionConfig.SECRET_KEY) == 40
    production = create_app(DemoProductionConfig)
    # Flask's CLI reuses whatever app context is active, which here is the
    # test app's; the production app's own context makes the command see
    # the configuration it would see when run for real.
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["seed-demo"])
        db.engine.dispose()
    assert result.exit_code != 0
    assert "production" in result.output
    assert database_is_empty()


def test_seed_demo_if_empty_leaves_a_database_with_accounts_alone(app):
    factories.user(email="someone@example.test")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already has accounts" in result.output
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert find_user("clinician@demo.example.org") is None


def test_seed_demo_loads_an_empty_database_and_prints_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    assert DEMO_TOTP_SECRET in result.output
    for email in DEMO_EMAILS:
        assert email in result.output
    assert not database_is_empty()


def test_the_demo_clinicians_and_counselor_use_the_documented_authenticator_key(app, accounts):
    """As for real ones, their password alone opens no session; the key is in the README."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert DEMO_TOTP_SECRET in readme
    needs_code = {
        "clinician@demo.example.org", "psychiatrist@demo.example.org", "doctor@demo.example.org", "counselor@demo.example.org"
    }
    for email, _ in accounts:
        user = find_user(email)
        assert mfa.enrolled(user) == (email in needs_code), email
        assert mfa.required_for(user) == (email in needs_code), email
        if email in needs_code:
            assert mfa.decrypt(user.totp_secret) == DEMO_TOTP_SECRET
            response = app.test_client().post("/login", data={"email": email, "password": DEMO_PASSWORD})
            assert response.headers["Location"] == "/login/code", email


def test_the_demo_never_books_twice_what_the_portal_books_by_itself(app):
    """Saving the emergency visit books its aftercare, and saving a medication
    review date books that review (portal/followup): the demo completes those
    follow-ups instead of adding its own beside them."""
    from portal.plan.models import FollowUp as Row

    seed()
    jordan = _circle("Jordan")
    follow_ups = db.session.scalars(select(Row).where(Row.circle_id == jordan.id, Row.removed_at.is_(None))).all()
    aftercare = [f for f in follow_ups if f.kind == "aftercare"]
    assert len(aftercare) == 1 and aftercare[0].status == "attended" and aftercare[0].outside_event_id
    assert not [f for f in follow_ups if f.status == "to_arrange"], "each booked follow-up was completed"
    record = queries.document(jordan.id, SPECS["clinical"])
    on_review_day = [f for f in follow_ups if _local(f.due_at).date() == record.medication_review_on]
    assert len(on_review_day) == 1 and on_review_day[0].with_whom.startswith("Dr Ken Mori")


def test_the_care_team_says_who_answers_when_and_has_a_family_doctor(app, accounts):
    from portal.auth.models import Organisation
    from portal.plan.models import CareTeamContact

    jordan = _circle("Jordan")
    doctor = find_user("doctor@demo.example.org")
    assert _role_in(jordan, doctor.email) == policy.PRIMARY_CARE
    assert doctor.staff_role == policy.PRIMARY_CARE
    assert db.session.get(Organisation, doctor.organisation_id).kind == "clinic"
    contacts = db.session.scalars(
        select(CareTeamContact).where(CareTeamContact.circle_id == jordan.id, CareTeamContact.removed_at.is_(None))
    ).all()
    by_name = {c.name: c for c in contacts}
    assert by_name["Dr Helen Brooks"].membership_id is not None, "her own entry, as a member"
    assert by_name["Sam Okafor"].reachable == "school_hours"
    assert by_name["Maria Lopez"].reachable == "evenings,nights,weekends"
    assert by_name["Dr Ana Rivera"].reachable == "school_hours"
    assert by_name["Riverside after-hours line"].reachable == "evenings,nights,weekends"
    assert {"evenings", "nights", "weekends"} <= set(by_name[app.config["CRISIS_LINE_NAME"]].reachable.split(","))
    assert all(c.phone and c.reachable for c in contacts), [c.name for c in contacts if not (c.phone and c.reachable)]


def test_the_teacher_sees_how_jordan_returns_and_never_why(app, accounts):
    jordan = _circle("Jordan")
    with app.app_context():
        client = _signed_in_client(app, "teacher@demo.example.org")
        page = _text(client.get(f"/circles/{jordan.id}/plan/return_to_school").text)
        assert "The blue card works from the first minute" in page
        for reason in ("Riverside General", "adhesive", "four days", "setback"):
            assert reason not in page, reason
        assert not re.search(r"\bER\b", page)
        assert client.get(f"/circles/{jordan.id}/plan/events").status_code == 403
    with app.app_context():
        parent = _text(_signed_in_client(app, "parent@demo.example.org").get(f"/circles/{jordan.id}/plan/events").text)
        assert "Riverside General Hospital" in parent
