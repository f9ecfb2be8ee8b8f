"""`flask backup` and `flask restore` on PostgreSQL, through pg_dump and pg_restore.

Runs in the PostgreSQL pass of `make test` (TEST_DATABASE_URL_ACTIVE), and on
any run where the local server answers. It makes databases of its own
(backup_src_*, backup_dst_*), migrates them with Flask-Migrate, and drops them
at the end: the shared database `test` is never touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from tests.backup.conftest import (
    assert_counts_printed,
    assert_same_tables,
    at_head_with_the_models_schema,
    fingerprint,
    make_app,
    migrate,
    plan_texts,
    postgres_server,
    seed_demo,
)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture(scope="module")
def server() -> sa.URL:
    url, required = postgres_server()
    if not required and os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the PostgreSQL backup tests run in the PostgreSQL pass of `make test`")
    where = url.render_as_string(hide_password=True)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        if required:
            pytest.fail(f"TEST_DATABASE_URL_ACTIVE is set but PostgreSQL does not answer at {where}: {error}")
        pytest.skip(f"PostgreSQL does not answer at {where}: the PostgreSQL backup tests were skipped")
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH (Debian: postgresql-client): PostgreSQL backup tests skipped")
    return url


def _libpq(url: sa.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def _database_maker(server: sa.URL, token: str):
    """Create databases on demand, named backup_<purpose>_<random>; all dropped at the end."""
    made = []

    def create(purpose: str) -> str:
        name = f"backup_{purpose}_{token}"
        with psycopg.connect(_libpq(server), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as connection:
            for name in made:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def databases(server):
    with _database_maker(server, secrets.token_hex(4)) as create:
        yield create


@dataclass
class Backup:
    source: object  # the app of the database backed up
    file: Path
    tables: dict  # the source's fingerprint
    output: str  # what `flask backup` printed


@pytest.fixture(scope="module")
def pg_backup(server, tmp_path_factory):
    """The demo in a database of its own, migrated and seeded once, and `flask backup` of it."""
    with _database_maker(server, secrets.token_hex(4)) as create:
        source = make_app(create("src"))
        migrate(source)
        seed_demo(source)
        backup_file = tmp_path_factory.mktemp("pg-backup") / "backup.dump"
        made = run(source, "backup", str(backup_file))
        assert made.exit_code == 0, made.output
        yield Backup(source, backup_file, fingerprint(source), made.output)


def _restored_copy(pg_backup: Backup, databases) -> object:
    """A database holding the demo, by restoring the backup into a new one."""
    app = make_app(databases("dst"))
    restored = run(app, "restore", str(pg_backup.file))
    assert restored.exit_code == 0, restored.output
    return app


def test_round_trip_into_an_empty_database_finds_every_row(pg_backup, databases, caplog):
    caplog.set_level("DEBUG")
    source, backup_file, before = pg_backup.source, pg_backup.file, pg_backup.tables
    at_head_with_the_models_schema(source)
    assert_counts_printed(pg_backup.output, before)
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert backup_file.read_bytes().startswith(b"PGDMP")

    # A database just created: no tables at all.
    blank = make_app(databases("dst"))
    restored = run(blank, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output
    assert_counts_printed(restored.output, before)
    assert_same_tables(before, fingerprint(blank))
    at_head_with_the_models_schema(blank)

    # A database migrated to the head but without rows counts as empty too.
    migrated = make_app(databases("dstmig"))
    migrate(migrated)
    restored_again = run(migrated, "restore", str(backup_file))
    assert restored_again.exit_code == 0, restored_again.output
    assert_same_tables(before, fingerprint(migrated))
    at_head_with_the_models_schema(migrated)

    texts = plan_texts(source)
    assert texts
    said = pg_backup.output + restored.output + restored_again.output + caplog.text
    assert [text for text in texts if text in said] == []


def test_a_database_that_holds_data_is_replaced_only_with_force(pg_backup, databases):
    backup_file = pg_backup.file
    target = make_app(databases("dst"))
    migrate(target)
    with target.app_context():
        from portal.extensions import db
        from tests import factories

        factories.user("Someone Already Here")
        db.session.remove()
        db.engine.dispose()
    in_use = fingerprint(target)

    refused = run(target, "restore", str(backup_file))
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--force" in refused.output
    assert fingerprint(target) == in_use

    forced = run(target, "restore", "--force", str(backup_file))
    assert forced.exit_code == 0, forced.output
    assert_same_tables(pg_backup.tables, fingerprint(target))


def test_restore_refuses_what_is_not_a_sound_backup_and_changes_nothing(pg_backup, databases, tmp_path):
    archive = pg_backup.file.read_bytes()
    files = {
        "empty": (b"", "is empty"),
        "noise": (bytes(range(256)) * 40, "not a pg_dump custom-format archive"),
        "header only": (archive[:64], "damaged or not a pg_dump archive"),
        "a SQLite file": (b"SQLite format 3\x00" + b"\x00" * 4080, "SQLite backup"),
    }
    target = _restored_copy(pg_backup, databases)
    before = fingerprint(target)
    assert before == pg_backup.tables
    for name, (content, words) in files.items():
        path = tmp_path / f"{name.replace(' ', '-')}.dump"
        path.write_bytes(content)
        refused = run(target, "restore", "--force", str(path))
        assert refused.exit_code == 1, (name, refused.output)
        assert words in refused.output, (name, refused.output)
        assert fingerprint(target) == before, name

    # Cut short: the table of contents no longer reads.
    cut = tmp_path / "cut.dump"
    cut.write_bytes(archive[: len(archive) * 3 // 4])
    refused = run(target, "restore", "--force", str(cut))
    assert refused.exit_code == 1 and "damaged or not a pg_dump archive" in refused.output, refused.output
    assert fingerprint(target) == before

    # Damaged inside the table data, which comes last: the table of contents
    # reads, the restore fails half way (after --clean dropped the tables), and
    # its one transaction leaves the database exactly as it was.
    mangled = bytearray(archive)
    start = len(mangled) * 9 // 10
    mangled[start : start + 300] = b"Z" * 300
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(bytes(mangled))
    refused = run(target, "restore", "--force", str(damaged))
    assert refused.exit_code == 1, refused.output
    assert "pg_restore failed" in refused.output and "left as it was" in refused.output, refused.output
    assert fingerprint(target) == before
