"""How the commands call pg_dump and pg_restore, checked without a server:
the password only in PGPASSWORD, clear words when a tool is missing or too old."""

from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa

from portal.backup import postgres
from portal.backup.inventory import BackupRefused

PASSWORD = "s3cret/pw@with:odd%chars"
URL = sa.URL.create(
    "postgresql+psycopg",
    username="support",
    password=PASSWORD,
    host="db.internal",
    port=5433,
    database="circle",
    query={"sslmode": "require"},
)


def test_the_libpq_uri_has_no_password_and_the_environment_carries_it():
    uri, environment = postgres.libpq_target(URL)
    assert uri == "postgresql://support@db.internal:5433/circle?sslmode=require"
    assert environment == {"PGPASSWORD": PASSWORD}
    without = URL._replace(password=None)
    in_query = without.set(query={"password": PASSWORD, "sslmode": "require"})
    uri, environment = postgres.libpq_target(in_query)
    assert PASSWORD not in uri and "password" not in uri and environment == {"PGPASSWORD": PASSWORD}
    assert postgres.libpq_target(without) == ("postgresql://support@db.internal:5433/circle?sslmode=require", {})


def test_pg_restore_gets_the_password_in_its_environment_never_on_its_command_line(monkeypatch, tmp_path, caplog):
    caplog.set_level("DEBUG")
    calls = []

    def fake_run(arguments, **options):
        calls.append((arguments, options))
        return subprocess.CompletedProcess(arguments, 0, "", "")

    monkeypatch.setattr(postgres.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(postgres.subprocess, "run", fake_run)
    archive = tmp_path / "backup.dump"
    archive.write_bytes(b"PGDMP")
    postgres.restore(archive, sa.create_engine(URL), replace_existing=True)

    ((arguments, options),) = calls
    assert all(PASSWORD not in argument for argument in arguments)
    assert options["env"]["PGPASSWORD"] == PASSWORD
    assert "shell" not in options
    assert arguments[0] == "/usr/bin/pg_restore"
    assert {"--no-owner", "--single-transaction", "--clean", "--if-exists", "--no-password"} <= set(arguments)
    assert "--dbname=postgresql://support@db.internal:5433/circle?sslmode=require" in arguments
    assert PASSWORD not in caplog.text


def test_a_missing_tool_says_which_package_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(BackupRefused) as refused:
        postgres.require_tool("pg_dump")
    assert "pg_dump was not found" in str(refused.value) and "postgresql-client" in str(refused.value)


def test_a_pg_dump_older_than_the_server_is_refused_before_it_runs():
    with pytest.raises(BackupRefused) as refused:
        postgres.check_dump_version(14, 16)
    message = str(refused.value)
    assert "pg_dump is version 14" in message and "PostgreSQL 16" in message and "postgresql-client" in message
    postgres.check_dump_version(16, 16)
    postgres.check_dump_version(17, 15)


@pytest.mark.parametrize(
    ("stderr", "words"),
    [
        ("pg_dump: error: aborting because of server version mismatch", "does not match the server's version"),
        ("pg_restore: error: unsupported version (1.16) in file header", "newer pg_dump"),
    ],
)
def test_version_mismatches_reported_by_the_tools_are_explained(stderr, words):
    failure = postgres._failed("pg_restore", subprocess.CompletedProcess([], 1, "", stderr), "")
    assert words in str(failure) and "postgresql-client" in str(failure)


def test_tool_errors_never_show_lines_that_quote_row_data():
    stderr = "\n".join(
        [
            'pg_restore: error: could not execute query: ERROR:  duplicate key value violates unique constraint "user_email_key"',
            "DETAIL:  Key (email)=(jordan@private.example) already exists.",
            "CONTEXT:  COPY user, line 1: \"1\tjordan@private.example\tJordan\"",
            "Command was: COPY public.user (id, email) FROM stdin;",
        ]
    )
    shown = postgres._shown_errors(stderr)
    assert "duplicate key" in shown
    assert "jordan@private.example" not in shown and "Jordan" not in shown
