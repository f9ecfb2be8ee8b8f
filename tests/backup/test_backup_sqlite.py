"""`flask backup` and `flask restore` on SQLite: a round trip into an empty
database finds every row of every table; anything that is not our backup, and
a database that already holds data, are refused without changing a thing."""

from __future__ import annotations

import logging
import sqlite3
import stat
from contextlib import closing

import pytest

from tests.backup.conftest import (
    assert_counts_printed,
    assert_same_tables,
    at_head_with_the_models_schema,
    fingerprint,
    make_app,
    migrate,
    plan_texts,
    sqlite_url,
)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize("target_state", ["no file yet", "migrated, no rows"])
def test_round_trip_into_an_empty_database_finds_every_row(live_sqlite, tmp_path, caplog, target_state):
    caplog.set_level(logging.DEBUG)
    source = make_app(sqlite_url(live_sqlite))
    before = fingerprint(source)
    at_head_with_the_models_schema(source)
    backup_file = tmp_path / "backup.sqlite"

    made = run(source, "backup", str(backup_file))
    assert made.exit_code == 0, made.output
    assert_counts_printed(made.output, before)
    # The copy is as sensitive as the database: only its owner may read it.
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert list(tmp_path.glob(".*.partial")) == []

    target = make_app(sqlite_url(tmp_path / "restored.sqlite"))
    if target_state == "migrated, no rows":
        migrate(target)
    restored = run(target, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output
    assert_counts_printed(restored.output, before)

    assert_same_tables(before, fingerprint(target))
    at_head_with_the_models_schema(target)
    # Counts only: not a word of any plan, in what was printed or in the logs.
    texts = plan_texts(source)
    assert texts
    said = made.output + restored.output + caplog.text
    assert [text for text in texts if text in said] == []


def test_a_write_in_progress_neither_blocks_the_backup_nor_gets_into_it(live_sqlite, tmp_path):
    """The app may be mid-transaction while the backup runs: the copy is the last committed state."""
    source = make_app(sqlite_url(live_sqlite))
    before = fingerprint(source)
    with closing(sqlite3.connect(live_sqlite, isolation_level=None)) as app_connection:
        app_connection.execute("BEGIN IMMEDIATE")
        app_connection.execute("DELETE FROM audit_event")
        made = run(source, "backup", str(tmp_path / "backup.sqlite"))
        app_connection.execute("ROLLBACK")
    assert made.exit_code == 0, made.output
    assert_counts_printed(made.output, before)
    copy = make_app(sqlite_url(tmp_path / "backup.sqlite"))
    assert fingerprint(copy) == before


def test_a_database_that_holds_data_is_replaced_only_with_force(live_sqlite, tmp_path, seeded_sqlite):
    source = make_app(sqlite_url(live_sqlite))
    backup_file = tmp_path / "backup.sqlite"
    assert run(source, "backup", str(backup_file)).exit_code == 0
    # A different database that holds data: a fresh migration with one account in it.
    target = make_app(sqlite_url(tmp_path / "in-use.sqlite"))
    migrate(target)
    with target.app_context():
        from tests import factories

        factories.user("Someone Already Here")
    in_use = fingerprint(target)

    refused = run(target, "restore", str(backup_file))
    assert refused.exit_code != 0
    assert "already holds data" in refused.output and "--force" in refused.output
    assert "Nothing was changed" in refused.output
    assert fingerprint(target) == in_use

    forced = run(target, "restore", "--force", str(backup_file))
    assert forced.exit_code == 0, forced.output
    assert_same_tables(fingerprint(source), fingerprint(target))


def test_backup_does_not_overwrite_a_file_without_force(live_sqlite, tmp_path):
    source = make_app(sqlite_url(live_sqlite))
    existing = tmp_path / "backup.sqlite"
    existing.write_bytes(b"an earlier file")
    refused = run(source, "backup", str(existing))
    assert refused.exit_code != 0 and "already exists" in refused.output and "--force" in refused.output
    assert existing.read_bytes() == b"an earlier file"
    assert run(source, "backup", "--force", str(existing)).exit_code == 0
    assert existing.read_bytes().startswith(b"SQLite format 3\x00")


def _sqlite_file(path, statements):
    with closing(sqlite3.connect(path)) as connection:
        for statement in statements:
            connection.execute(statement)
        connection.commit()


def _not_our_backups(tmp_path, real_backup):
    """(name, file, words the refusal must contain)"""
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.sqlite"
    noise.write_bytes(bytes(range(256)) * 40)
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(real_backup.read_bytes()[:8192])
    corrupted = tmp_path / "corrupted.sqlite"
    damaged = bytearray(real_backup.read_bytes())
    damaged[4096 * 3 : 4096 * 6] = b"\xff" * (4096 * 3)
    corrupted.write_bytes(bytes(damaged))
    foreign = tmp_path / "foreign.sqlite"
    _sqlite_file(foreign, ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes VALUES (1, 'x')"])
    unknown = tmp_path / "unknown-revision.sqlite"
    _sqlite_file(
        unknown,
        ["CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)", "INSERT INTO alembic_version VALUES ('ffffffffffff')"],
    )
    postgres_archive = tmp_path / "from-postgres.dump"
    postgres_archive.write_bytes(b"PGDMP\x01\x0f\x00" + b"\x00" * 200)
    return [
        ("empty", empty, "is empty"),
        ("noise", noise, "not a SQLite database"),
        ("truncated", truncated, "damaged"),
        ("corrupted", corrupted, "damaged"),
        ("no alembic_version", foreign, "no alembic_version"),
        ("unknown migration", unknown, "does not know"),
        ("a PostgreSQL archive", postgres_archive, "PostgreSQL backup"),
    ]


def test_restore_refuses_what_is_not_a_sound_backup_of_ours(live_sqlite, tmp_path):
    """Even with --force, and the configured database stays exactly as it was."""
    live = make_app(sqlite_url(live_sqlite))
    real_backup = tmp_path / "real.sqlite"
    assert run(live, "backup", str(real_backup)).exit_code == 0
    before = fingerprint(live)
    for name, path, words in _not_our_backups(tmp_path, real_backup):
        refused = run(live, "restore", "--force", str(path))
        assert refused.exit_code == 1, (name, refused.output)
        assert words in refused.output, (name, refused.output)
        assert "Traceback" not in refused.output
        assert fingerprint(live) == before, name
    missing = run(live, "restore", str(tmp_path / "no-such-file.sqlite"))
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_restore_refuses_an_empty_file_into_an_empty_database_too(tmp_path):
    """With nothing to protect, an empty file is still no backup; no database file appears."""
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    target_path = tmp_path / "target.sqlite"
    refused = run(make_app(sqlite_url(target_path)), "restore", str(empty))
    assert refused.exit_code == 1
    assert f"{empty} is empty: it is not a backup. Nothing was restored." in refused.output
    assert not target_path.exists()
