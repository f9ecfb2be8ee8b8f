"""The bench loader: every section of every circle filled in, with versions and
audit entries as the services leave them, caseloads of the intended size, and
bench accounts that can sign in and open the pages the benchmark drives."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from bench import seed as bench
from bench.seed import seed_bench_command
from config import ProductionConfig
from portal import create_app
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.plan.models import SectionVersion
from portal.plan.sections import SPECS
from tests import signing_in

CIRCLES = 11
# Small caseloads, so that a few circles already make several teams.
CASELOAD, TEACHER_LOAD = 4, 2
# The small-caseload accounts' circles are all at the first school, which holds 4 of the 11 here.
SMALL_CASELOAD = 3


@pytest.fixture
def loaded(app, monkeypatch):
    monkeypatch.setattr(bench, "CASELOAD", CASELOAD)
    monkeypatch.setattr(bench, "TEACHER_LOAD", TEACHER_LOAD)
    monkeypatch.setattr(bench, "SMALL_CASELOAD", SMALL_CASELOAD)
    monkeypatch.setattr(bench, "BATCH", 5)  # several batches
    return bench.seed_bench(CIRCLES)


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _circles_of(email: str, role: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.user_id == _user(email).id, Membership.role == role, Membership.removed_at.is_(None)
        )
    )


def test_every_section_of_every_circle_is_filled_in(loaded):
    circle_ids = set(db.session.scalars(select(Circle.id)))
    assert len(circle_ids) == CIRCLES == loaded["circles"]
    for spec in SPECS.values():
        rows = list(db.session.scalars(select(spec.model)))
        if not spec.is_list:
            assert {row.circle_id for row in rows} == circle_ids, spec.kind
            for row in rows:
                texts = [f.name for f in spec.fields if f.type == "text"]
                assert all(getattr(row, name).strip() for name in texts), (spec.kind, row.circle_id)
        elif spec.kind in ("episodes", "setback_reviews"):
            # Not every young person has had an episode at school or a setback.
            assert rows, spec.kind
        else:
            assert {row.circle_id for row in rows} == circle_ids, spec.kind
        for row in rows:
            assert all(getattr(row, f.name) not in (None, "") for f in spec.fields if f.required), spec.kind


def test_every_save_left_a_version_and_an_audit_entry(loaded):
    for spec in SPECS.values():
        for row in db.session.scalars(select(spec.model)):
            same_item = SectionVersion.item_id == row.id if spec.is_list else SectionVersion.item_id.is_(None)
            numbers = sorted(db.session.scalars(
                select(SectionVersion.number).where(
                    SectionVersion.circle_id == row.circle_id, SectionVersion.kind == spec.kind, same_item
                )
            ))
            assert numbers == list(range(1, row.version + 1)), (spec.kind, row.id)
            if not spec.is_list:
                assert row.version >= 3, spec.kind  # a few versions per document
            latest = db.session.scalars(
                select(SectionVersion).where(
                    SectionVersion.circle_id == row.circle_id, SectionVersion.kind == spec.kind,
                    SectionVersion.number == row.version, same_item,
                )
            ).one()
            assert latest.snapshot == spec.snapshot(row), (spec.kind, row.id)
    versions = db.session.scalar(select(func.count()).select_from(SectionVersion))
    changes = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action.in_(("create", "update")))
    )
    assert versions == changes == loaded["versions"]


def test_nothing_holds_a_risk_label(loaded):
    for (snapshot,) in db.session.execute(select(SectionVersion.snapshot)):
        assert "risk" not in " ".join(str(value) for value in snapshot.values()).lower()


def test_caseloads_are_the_intended_size(loaded):
    emails = bench.BENCH_ACCOUNTS
    assert _circles_of(emails["clinician"], policy.CLINICIAN) == CASELOAD
    assert _circles_of(emails["counselor"], policy.SCHOOL_CONTACT) == math.ceil(CIRCLES / math.ceil(CIRCLES / CASELOAD))
    assert _circles_of(emails["teacher"], policy.SCHOOL_STAFF) == TEACHER_LOAD
    assert _circles_of(emails["parent"], policy.CAREGIVER) == 2
    # Every circle has one member in each role, and the small-caseload circles a second
    # clinician, counselor and teacher.
    per_role = db.session.execute(select(Membership.role, func.count()).group_by(Membership.role)).all()
    extra = {policy.CLINICIAN: SMALL_CASELOAD, policy.SCHOOL_CONTACT: SMALL_CASELOAD, policy.SCHOOL_STAFF: SMALL_CASELOAD}
    assert dict(per_role) == {role: CIRCLES + extra.get(role, 0) for role in policy.ROLES}


SMALL_ROLES = {"clinician": policy.CLINICIAN, "counselor": policy.SCHOOL_CONTACT, "teacher": policy.SCHOOL_STAFF}


def _small_circles(kind: str) -> set[int]:
    return set(db.session.scalars(
        select(Membership.circle_id).where(
            Membership.user_id == _user(bench.SMALL_CASELOAD_ACCOUNTS[kind]).id, Membership.role == SMALL_ROLES[kind],
            Membership.removed_at.is_(None),
        )
    ))


def test_the_small_caseload_accounts_share_one_small_caseload_at_one_school(loaded):
    circles = _small_circles("clinician")
    assert len(circles) == min(CIRCLES, SMALL_CASELOAD)
    assert _small_circles("counselor") == _small_circles("teacher") == circles
    school_id = _user(bench.SMALL_CASELOAD_ACCOUNTS["counselor"]).organisation_id
    assert _user(bench.SMALL_CASELOAD_ACCOUNTS["teacher"]).organisation_id == school_id
    assert set(db.session.scalars(select(Circle.school_organisation_id).where(Circle.id.in_(circles)))) == {school_id}
    assert _user(bench.SMALL_CASELOAD_ACCOUNTS["counselor"]).staff_role == policy.SCHOOL_CONTACT
    assert _user(bench.SMALL_CASELOAD_ACCOUNTS["teacher"]).staff_role == policy.SCHOOL_STAFF
    assert _user(bench.SMALL_CASELOAD_ACCOUNTS["clinician"]).staff_role == policy.CLINICIAN
    # Added as the services add members: an audit entry and their own care-team entry each.
    for kind in SMALL_ROLES:
        user_id = _user(bench.SMALL_CASELOAD_ACCOUNTS[kind]).id
        added = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "member_added", AuditEvent.subject_user_id == user_id))
        assert added == len(circles), kind
        own = SPECS["care_team"].model
        entries = db.session.scalar(select(func.count()).select_from(own).join(
            Membership, Membership.id == own.membership_id).where(Membership.user_id == user_id))
        assert entries == len(circles), kind
    # The main accounts keep their caseloads (test_caseloads_are_the_intended_size).


@pytest.mark.parametrize("circles", [10, 12])
def test_the_small_caseload_is_the_same_at_every_size(app, circles):
    # The default caseloads: at 10 circles the main accounts hold all 10, above that more;
    # the small-caseload accounts hold 10 either way.
    bench.seed_bench(circles)
    for kind in SMALL_ROLES:
        assert len(_small_circles(kind)) == min(circles, bench.SMALL_CASELOAD) == 10, kind
    assert _circles_of(bench.BENCH_ACCOUNTS["clinician"], policy.CLINICIAN) == circles


def test_the_bench_accounts_sign_in_and_open_the_benchmarked_pages(app, loaded):
    emails = bench.BENCH_ACCOUNTS
    clinician_circle = db.session.scalars(
        select(Membership.circle_id).where(Membership.user_id == _user(emails["clinician"]).id).order_by(Membership.id)
    ).first()
    pages = {
        "clinician": [f"/circles/{clinician_circle}/plan/safety_plan", f"/circles/{clinician_circle}/plan/clinical",
                      "/dashboard", "/clinician/caseload"],
        "counselor": ["/school/caseload", "/dashboard"],
        "teacher": ["/school/this-week", "/dashboard"],
        "parent": ["/dashboard", f"/circles/{clinician_circle}/plan/home_safety"],
    }
    for kind, urls in pages.items():
        client = app.test_client()
        response = signing_in.sign_in(client, emails[kind], bench.BENCH_PASSWORD, secret=bench.BENCH_TOTP_SECRET)
        assert response.status_code == 302 and response.location.endswith("/dashboard"), kind
        for url in urls:
            page = client.get(url)
            assert page.status_code == 200, (kind, url)
    small_circle = min(_small_circles("clinician"))
    small_pages = {
        "clinician": [f"/circles/{small_circle}/plan/safety_plan", f"/circles/{small_circle}/plan/care_team",
                      "/dashboard", "/clinician/caseload"],
        "counselor": ["/school/caseload", "/dashboard", f"/circles/{small_circle}/plan/school_plan"],
        "teacher": ["/school/this-week", "/dashboard"],
    }
    for kind, urls in small_pages.items():
        client = app.test_client()
        response = signing_in.sign_in(client, bench.SMALL_CASELOAD_ACCOUNTS[kind], bench.BENCH_PASSWORD,
                                      secret=bench.BENCH_TOTP_SECRET)
        assert response.status_code == 302 and response.location.endswith("/dashboard"), kind
        for url in urls:
            page = client.get(url)
            assert page.status_code == 200, (kind, url)
    teacher = app.test_client()
    signing_in.sign_in(teacher, emails["teacher"], bench.BENCH_PASSWORD, secret=bench.BENCH_TOTP_SECRET)
    sheet = teacher.get("/school/this-week").get_data(as_text=True)
    # The teacher's sheet shows what to allow, never why.
    assert "Two extra weeks" in sheet
    assert "is catching up" not in sheet


def test_seed_bench_refuses_a_database_with_accounts(app, loaded):
    result = app.test_cli_runner().invoke(seed_bench_command, args=["--circles", "2"])
    assert result.exit_code != 0
    assert "already has accounts" in result.output


def test_seed_bench_loads_from_the_command_line(app):
    result = app.test_cli_runner().invoke(seed_bench_command, args=["--circles", "3"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Circle)) == 3
    assert bench.BENCH_ACCOUNTS["clinician"] in result.output
    assert bench.SMALL_CASELOAD_ACCOUNTS["clinician"] in result.output
    # Fewer circles than SMALL_CASELOAD: the small caseload is all of them.
    assert len(_small_circles("teacher")) == 3


def test_seed_bench_refuses_under_the_production_configuration(app):
    class BenchProductionConfig(ProductionConfig):
        SECRET_KEY = "a-production-secret-of-forty-characters!"
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        BASE_URL = "https://support.example.org"
        SQLALCHEMY_ENGINE_OPTIONS = app.config["SQLALCHEMY_ENGINE_OPTIONS"]

    production = create_app(BenchProductionConfig)
    with production.app_context():
        result = production.test_cli_runner().invoke(seed_bench_command, args=["--circles", "2"])
    assert result.exit_code != 0
    assert "production" in result.output
