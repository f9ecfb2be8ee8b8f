"""Databases of their own for the backup tests, and a fingerprint of every table.

The suite's usual app runs on an in-memory SQLite database (or the shared
PostgreSQL database `test`); a backup needs a real file, and a restore a
second database. These helpers make both, migrated by Flask-Migrate as a
deployment would be, and never touch the shared ones.
"""

from __future__ import annotations

import hashlib
import logging.config
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import TestingConfig
from portal import create_app
from portal.backup import inventory
from portal.extensions import db

# The three kinds of row the brief names; every other table is compared too.
MUST_SURVIVE = ("circle", "section_version", "audit_event")


def make_app(url: str):
    class BackupTestConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        # The commands and these helpers dispose of the pool after each step:
        # no pooled connection outlives the database a restore replaces.
        SQLALCHEMY_ENGINE_OPTIONS = {}

    return create_app(BackupTestConfig)


@contextmanager
def quiet_alembic():
    # migrations/env.py hands alembic.ini to logging.config.fileConfig, which
    # would disable every logger the suite has set up.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)
        yield


def migrate(app) -> None:
    with quiet_alembic(), app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def seed_demo(app) -> None:
    """The demo: two circles with every section written, their history and their audit trail."""
    from portal.demo.seed import seed

    with app.app_context():
        seed()
        db.session.remove()
        db.engine.dispose()


def fingerprint(app) -> dict[str, tuple[int, tuple, str]]:
    """Every table of the database: (row count, primary keys in order, a hash of every row)."""
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                return fingerprint_connection(connection)
        finally:
            db.engine.dispose()


ALEMBIC_VERSION = sa.table("alembic_version", sa.column("version_num"))


def fingerprint_connection(connection: sa.Connection) -> dict[str, tuple[int, tuple, str]]:
    present = set(sa.inspect(connection).get_table_names())
    tables = [table for table in db.metadata.sorted_tables if table.name in present]
    if ALEMBIC_VERSION.name in present:
        tables.append(ALEMBIC_VERSION)
    # Every table there is: a table the models do not know would go unchecked.
    assert {table.name for table in tables} == present
    found = {}
    for table in tables:
        keys = list(table.primary_key) or list(table.columns)
        rows = connection.execute(sa.select(*table.columns).order_by(*keys)).all()
        digest = hashlib.sha256()
        for row in rows:
            digest.update(repr(tuple(row)).encode())
        ids = tuple(tuple(row._mapping[key.name] for key in keys) for row in rows)
        found[table.name] = (len(rows), ids, digest.hexdigest())
    return found


def assert_same_tables(before: dict, after: dict) -> None:
    for name in MUST_SURVIVE:
        assert before[name][0] > 0, f"the source has no {name} rows: the test would prove nothing"
        assert after.get(name, (0, (), ""))[1] == before[name][1], f"{name}: not every row came back"
    assert sorted(after) == sorted(before), "the restored database has other tables"
    different = [name for name in before if before[name] != after[name]]
    assert different == [], f"tables whose rows differ after the restore: {different}"


def at_head_with_the_models_schema(app) -> None:
    with app.app_context():
        with quiet_alembic():
            head = inventory.head()
        try:
            with db.engine.connect() as connection:
                assert inventory.take(connection).revision == head
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                assert compare_metadata(context, db.metadata) == []
        finally:
            db.engine.dispose()


def plan_texts(app) -> set[str]:
    """Every text of every version of every section: none may reach the output or the logs."""
    from portal.plan.models import SectionVersion

    with app.app_context():
        snapshots = db.session.scalars(sa.select(SectionVersion.snapshot)).all()
        db.session.remove()
        db.engine.dispose()
    return {
        value
        for snapshot in snapshots
        for value in snapshot.values()
        if isinstance(value, str) and len(value) >= 12
    }


def printed_count(output: str, label: str) -> int:
    match = re.search(rf"^\s+{re.escape(label)}\s+(\d+)$", output, re.M)
    assert match, f"no {label!r} line in:\n{output}"
    return int(match.group(1))


def assert_counts_printed(output: str, tables: dict) -> None:
    for table, label in inventory.HEADLINE:
        assert printed_count(output, label) == tables[table][0]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite file with the demo in it, built once; tests work on copies."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.sqlite"
    app = make_app(sqlite_url(path))
    migrate(app)
    seed_demo(app)
    return path


@pytest.fixture
def live_sqlite(seeded_sqlite, tmp_path) -> Path:
    """This test's own copy of the seeded database (no app has it open yet)."""
    path = tmp_path / "live.sqlite"
    shutil.copyfile(seeded_sqlite, path)
    return path


# -- PostgreSQL ---------------------------------------------------------------

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> tuple[sa.URL, bool]:
    """The maintenance URL, and whether this run must use PostgreSQL (its pass of `make test`)."""
    active = os.environ.get("TEST_DATABASE_URL_ACTIVE", "")
    if active.startswith("postgres"):
        url = sa.make_url(active).set(drivername="postgresql+psycopg", database="postgres")
        return url, True
    return sa.make_url(DEFAULT_SERVER).set(drivername="postgresql+psycopg"), False
