"""The migrations build exactly the schema the models describe, on SQLite and
on PostgreSQL, and take it down again. This is the test that fails when a
model changes without a migration (or a migration without the model)."""

from __future__ import annotations

import logging.config
import os
import secrets
from contextlib import contextmanager

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from config import TestingConfig, _test_database_url
from portal import create_app
from portal.extensions import db

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL_ACTIVE", "").startswith("postgres")


@contextmanager
def _fresh_postgres_database(url):
    """A database of its own, created and dropped through the maintenance connection."""
    name = f"sc_migr_{secrets.token_hex(6)}"
    maintenance = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with maintenance.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False), {}
    finally:
        with maintenance.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maintenance.dispose()


@contextmanager
def _fresh_postgres_schema(url):
    """For a role that may not create databases: a schema of its own, first on the search path."""
    name = f"sc_migr_{secrets.token_hex(6)}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        yield url.render_as_string(hide_password=False), {"connect_args": {"options": f"-csearch_path={name}"}}
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


def _fresh_postgres():
    url = make_url(_test_database_url())
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        may_create = connection.scalar(
            sa.text("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
        )
    engine.dispose()
    return _fresh_postgres_database(url) if may_create else _fresh_postgres_schema(url)


@contextmanager
def _fresh_sqlite(tmp_path):
    yield f"sqlite:///{tmp_path / 'migrated.sqlite'}", {}


@pytest.fixture
def migrated_app(tmp_path, monkeypatch):
    # env.py hands alembic.ini to logging.config.fileConfig, which would
    # disable every logger the suite has set up (and break caplog after this test).
    monkeypatch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)
    fresh = _fresh_postgres() if ON_POSTGRES else _fresh_sqlite(tmp_path)
    with fresh as (url, engine_options):

        class MigrationConfig(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": NullPool, **engine_options}

        app = create_app(MigrationConfig)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def _differences(metadata) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_migrations_build_exactly_the_models_schema(migrated_app):
    flask_migrate.upgrade()
    assert {table.name for table in db.metadata.sorted_tables} <= _tables()
    assert _differences(db.metadata) == []


def test_the_comparison_would_notice_a_difference(migrated_app):
    """Guards the test above against passing vacuously."""
    flask_migrate.upgrade()
    drifted = sa.MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["circle"].append_column(sa.Column("nickname", sa.String(40), nullable=True))
    drifted.tables["membership"].c.role.type = sa.String(99)
    differences = _differences(drifted)
    kinds = {difference[0] if isinstance(difference, tuple) else difference[0][0] for difference in differences}
    assert "add_column" in kinds and "modify_type" in kinds


def test_downgrade_to_base_removes_every_table(migrated_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert _tables() <= {"alembic_version"}
    # And the way back up still works.
    flask_migrate.upgrade()
    assert _differences(db.metadata) == []


def _insert(connection, table: sa.Table, **values) -> int:
    """A row with every required column filled in plainly, ``values`` over them."""
    from datetime import date, datetime

    row = {}
    for column in table.columns:
        if column.primary_key or column.nullable or column.name in values:
            continue
        kind = column.type.python_type
        row[column.name] = {int: 1, str: "", bool: False, datetime: datetime(2026, 1, 1), date: date(2026, 1, 1)}[kind]
    row.update(values)
    return connection.execute(table.insert().values(**row)).inserted_primary_key[0]


def test_the_school_records_migration_gives_existing_rows_the_school_they_were_made_at(migrated_app):
    """Episodes and flexibility reviews made before a move belong to the school
    the move left; those made since, and those of a circle that never moved, to
    the circle's school now; a circle with no school then keeps none."""
    from datetime import datetime

    flask_migrate.upgrade(revision="bfa8d5a3c99f")
    tables = sa.MetaData()
    tables.reflect(bind=db.engine)
    t = tables.tables
    with db.engine.begin() as connection:
        lakeview, hillside = (_insert(connection, t["organisation"], name=name, kind="school")
                              for name in ("Lakeview", "Hillside"))
        user = _insert(connection, t["user"], email="someone@example.com")
        moved = _insert(connection, t["circle"], young_person_name="Jordan", created_by_id=user,
                        school_organisation_id=hillside)
        stayed = _insert(connection, t["circle"], young_person_name="Alex", created_by_id=user,
                         school_organisation_id=lakeview)
        _insert(connection, t["school_handover"], circle_id=moved, agreed_by_id=user, to_school_name="Hillside",
                from_organisation_id=lakeview, to_organisation_id=hillside, performed_at=datetime(2026, 3, 1))
        # A circle that had no school recorded when it moved: what came before belongs to none.
        unschooled = _insert(connection, t["circle"], young_person_name="Sam", created_by_id=user,
                             school_organisation_id=hillside)
        _insert(connection, t["school_handover"], circle_id=unschooled, agreed_by_id=user, to_school_name="Hillside",
                to_organisation_id=hillside, performed_at=datetime(2026, 3, 1))
        # A handover agreed but never performed moves nothing.
        _insert(connection, t["school_handover"], circle_id=stayed, agreed_by_id=user, to_school_name="Elsewhere",
                from_organisation_id=lakeview)

        def episode(circle_id, at):
            return _insert(connection, t["episode"], circle_id=circle_id, created_at=at, occurred_at=at)

        def review(circle_id, at):
            return _insert(connection, t["flexibility_review"], circle_id=circle_id, reviewed_by_id=user, reviewed_at=at)

        rows = {
            ("episode", episode(moved, datetime(2026, 2, 1))): lakeview,
            ("episode", episode(moved, datetime(2026, 4, 1))): hillside,
            ("episode", episode(stayed, datetime(2026, 2, 1))): lakeview,
            ("episode", episode(unschooled, datetime(2026, 2, 1))): None,
            ("flexibility_review", review(moved, datetime(2026, 2, 2))): lakeview,
            ("flexibility_review", review(moved, datetime(2026, 4, 2))): hillside,
        }
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        for (table, row_id), school in rows.items():
            found = connection.scalar(sa.text(f"SELECT school_organisation_id FROM {table} WHERE id = :id"), {"id": row_id})  # noqa: S608
            assert found == school, (table, row_id)
    assert _differences(db.metadata) == []


def test_records_made_before_the_school_was_recorded_are_given_that_school(migrated_app):
    """Episodes and flexibility reviews made while a circle had no school belong
    to the school first recorded: the one a later move left, or the circle's
    school now; before a move from no school, and with no school yet, none."""
    from datetime import datetime

    flask_migrate.upgrade(revision="c4a9e7d1f035")
    tables = sa.MetaData()
    tables.reflect(bind=db.engine)
    t = tables.tables
    with db.engine.begin() as connection:
        lakeview, hillside = (_insert(connection, t["organisation"], name=name, kind="school")
                              for name in ("Lakeview", "Hillside"))
        user = _insert(connection, t["user"], email="someone@example.com")
        recorded = _insert(connection, t["circle"], young_person_name="Alex", created_by_id=user,
                           school_organisation_id=lakeview)
        moved = _insert(connection, t["circle"], young_person_name="Jordan", created_by_id=user,
                        school_organisation_id=hillside)
        _insert(connection, t["school_handover"], circle_id=moved, agreed_by_id=user, to_school_name="Hillside",
                from_organisation_id=lakeview, to_organisation_id=hillside, performed_at=datetime(2026, 3, 1))
        unschooled = _insert(connection, t["circle"], young_person_name="Sam", created_by_id=user,
                             school_organisation_id=hillside)
        _insert(connection, t["school_handover"], circle_id=unschooled, agreed_by_id=user, to_school_name="Hillside",
                to_organisation_id=hillside, performed_at=datetime(2026, 3, 1))
        none_yet = _insert(connection, t["circle"], young_person_name="Kai", created_by_id=user)

        def episode(circle_id, at, school=None):
            return _insert(connection, t["episode"], circle_id=circle_id, created_at=at, occurred_at=at,
                           school_organisation_id=school)

        def review(circle_id, at):
            return _insert(connection, t["flexibility_review"], circle_id=circle_id, reviewed_by_id=user, reviewed_at=at)

        rows = {
            ("episode", episode(recorded, datetime(2026, 2, 1))): lakeview,
            ("flexibility_review", review(recorded, datetime(2026, 2, 2))): lakeview,
            ("episode", episode(moved, datetime(2026, 2, 1))): lakeview,
            ("episode", episode(moved, datetime(2026, 4, 1), hillside)): hillside,
            ("episode", episode(unschooled, datetime(2026, 2, 1))): None,
            ("episode", episode(none_yet, datetime(2026, 2, 1))): None,
        }
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        for (table, row_id), school in rows.items():
            found = connection.scalar(sa.text(f"SELECT school_organisation_id FROM {table} WHERE id = :id"), {"id": row_id})  # noqa: S608
            assert found == school, (table, row_id)


def test_the_audit_chain_migration_hashes_the_entries_already_there(migrated_app):
    """Entries written before the chain existed are chained by the migration,
    in the order of their ids; the application's entries follow on."""
    from datetime import datetime

    from portal.audit.chain import GENESIS
    from portal.audit.services import record

    flask_migrate.upgrade(revision="ae033f9e6027")
    audit_event = sa.table(
        "audit_event", sa.column("at", sa.DateTime()), sa.column("action", sa.String()), sa.column("outcome", sa.String()),
        sa.column("section", sa.String()), sa.column("ip", sa.String()), sa.column("item_id", sa.Integer()),
    )
    with db.engine.begin() as connection:
        connection.execute(audit_event.insert(), [
            {"at": datetime(2026, 1, n + 1, 10, 0, 0, 123456), "action": "view", "outcome": "ok",
             "section": "safety_plan", "ip": "127.0.0.1", "item_id": n if n % 2 else None}
            for n in range(7)
        ])
    flask_migrate.upgrade()
    assert _differences(db.metadata) == []
    verify = migrated_app.test_cli_runner().invoke(args=["audit", "verify"])
    # The migration that adds the head's seal cannot know SECRET_KEY: not yet sealed, until the next entry.
    assert verify.exit_code == 2 and "NOT YET SEALED: 7 audit entries" in verify.output, verify.output
    with db.engine.connect() as connection:
        first = connection.execute(sa.text("SELECT seq, prev_hash FROM audit_event ORDER BY id LIMIT 1")).one()
    assert tuple(first) == (1, GENESIS)
    record("sign_in")
    db.session.commit()
    verify = migrated_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "OK: 8 audit entries" in verify.output and "the head sealed" in verify.output, verify.output


def test_the_unread_count_migration_fills_each_count_from_the_notices_there(migrated_app):
    """Each account starts with the count the header used to make: unread
    notices about no circle or a circle the person is still in."""
    from datetime import datetime

    flask_migrate.upgrade(revision="b2f6d1e3c8a5")
    tables = sa.MetaData()
    tables.reflect(bind=db.engine)
    t = tables.tables
    with db.engine.begin() as connection:
        maria, lee, quiet = (_insert(connection, t["user"], email=f"{name}@example.com") for name in ("maria", "lee", "quiet"))
        stayed = _insert(connection, t["circle"], young_person_name="Jordan", created_by_id=maria)
        left = _insert(connection, t["circle"], young_person_name="Alex", created_by_id=maria)
        _insert(connection, t["membership"], circle_id=stayed, user_id=maria, role="caregiver")
        _insert(connection, t["membership"], circle_id=left, user_id=maria, role="caregiver", removed_at=datetime(2026, 2, 1))
        _insert(connection, t["membership"], circle_id=stayed, user_id=lee, role="school_staff")

        def notice(user_id, circle_id, read_at=None):
            _insert(connection, t["notification"], user_id=user_id, circle_id=circle_id, kind="section_changed",
                    text="N", read_at=read_at)

        notice(maria, stayed)
        notice(maria, stayed)
        notice(maria, stayed, read_at=datetime(2026, 3, 1))
        notice(maria, left)  # a circle she left: not counted
        notice(maria, None)
        notice(lee, stayed, read_at=datetime(2026, 3, 1))
        notice(lee, None)
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        counts = dict(connection.execute(sa.text('SELECT id, unread_notices FROM "user"')).all())
    assert counts == {maria: 3, lee: 1, quiet: 0}
    assert _differences(db.metadata) == []
