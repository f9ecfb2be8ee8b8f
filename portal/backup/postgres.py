"""PostgreSQL: pg_dump's custom format, restored with pg_restore.

The connection comes from the configured SQLAlchemy URL, turned into a libpq
URI without its password; the password travels in PGPASSWORD, in the child's
environment only, so it is never on a command line (visible to every local
user in `ps`) and never printed. pg_dump works from a snapshot exported by the
transaction that counts the rows, so the counts printed are those of the dump.
"""

from __future__ import annotations

import os
import re
import shutil

# subprocess runs pg_dump and pg_restore only, as found on PATH, with argument lists (see _run).
import subprocess  # nosec B404
import tempfile
from pathlib import Path

import sqlalchemy as sa

from portal.backup.inventory import BackupRefused, Inventory, check_revision, take

PG_CUSTOM_HEADER = b"PGDMP"
SQLITE_HEADER = b"SQLite format 3\x00"
CLIENT_PACKAGE_HINT = (
    "Install the PostgreSQL client tools, of the server's major version or newer "
    "(Debian and Ubuntu: `apt-get install postgresql-client`; for another major version, "
    "postgresql-client-<version> from apt.postgresql.org)."
)
# Lines of a tool's error output that may quote row values (a failed COPY or
# constraint shows the offending data); they are never shown.
ROW_DATA_LINES = re.compile(r"DETAIL:|CONTEXT:|Command was:|^\s*(?:LINE \d+:|\^)")
MAX_ERROR_LINES = 8


def libpq_target(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq URI for the tools (no password in it), and the environment that carries the password."""
    query = dict(url.query)
    password = url.password or query.pop("password", None)
    query.pop("password", None)
    # Built afresh: URL.set(password=None) would keep the password.
    plain = sa.URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=query
    )
    environment = {"PGPASSWORD": str(password)} if password else {}
    return plain.render_as_string(hide_password=False), environment


def describe(url: sa.URL) -> str:
    return f"the PostgreSQL database {url.database} on {url.host or 'the local socket'}"


def require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(f"{name} was not found on PATH. {CLIENT_PACKAGE_HINT}")
    return found


def tool_major(executable: str) -> int:
    version = _run([executable, "--version"], {}).stdout
    match = re.search(r"\)\s+(\d+)", version) or re.search(r"(\d+)(?:\.\d+)?", version)
    if match is None:
        raise BackupRefused(f"Could not tell which version {Path(executable).name} is ({version.strip()!r}).")
    return int(match.group(1))


def server_major(connection: sa.Connection) -> int:
    return int(connection.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def check_dump_version(dump_major: int, server: int) -> None:
    """pg_dump refuses a server newer than itself; say so before it starts, and what to install."""
    if dump_major < server:
        raise BackupRefused(
            f"pg_dump is version {dump_major}, but the server runs PostgreSQL {server}: pg_dump cannot back up a "
            f"newer server. {CLIENT_PACKAGE_HINT}"
        )


def _environment(extra: dict[str, str]) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(extra)
    return environment


def _run(arguments: list[str], password_environment: dict[str, str]) -> subprocess.CompletedProcess:
    # Argument lists, no shell: a path or a database name cannot become a
    # command. The executable is pg_dump or pg_restore as found on PATH by
    # require_tool, which the operator controls as they control `flask` itself.
    return subprocess.run(  # noqa: S603  # nosec B603
        arguments,
        env=_environment(password_environment),
        capture_output=True,
        text=True,
        check=False,
    )


def _shown_errors(stderr: str) -> str:
    """The tool's own words, without lines that may quote data."""
    lines = [line for line in stderr.splitlines() if line.strip() and not ROW_DATA_LINES.search(line)]
    shown = [line[:300] for line in lines[:MAX_ERROR_LINES]]
    return "\n".join(f"  {line}" for line in shown)


def _failed(tool: str, result: subprocess.CompletedProcess, what: str) -> BackupRefused:
    if "server version mismatch" in result.stderr:
        return BackupRefused(f"{tool} does not match the server's version. {CLIENT_PACKAGE_HINT}")
    if "unsupported version" in result.stderr and "file header" in result.stderr:
        return BackupRefused(
            f"This backup was made by a newer pg_dump than this {tool} can read. {CLIENT_PACKAGE_HINT}"
        )
    return BackupRefused(f"{tool} failed (exit {result.returncode}); {what}\n{_shown_errors(result.stderr)}")


def backup(engine: sa.Engine, target: Path) -> Inventory:
    pg_dump = require_tool("pg_dump")
    uri, password_environment = libpq_target(engine.url)
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)  # 0600: pg_dump writes into it and keeps the mode
    partial = Path(partial_name)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            check_dump_version(tool_major(pg_dump), server_major(connection))
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            inventory = take(connection)
            result = _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                    f"--dbname={uri}",
                ],
                password_environment,
            )
            connection.rollback()
        if result.returncode != 0:
            raise _failed("pg_dump", result, "no backup was written.")
        archive_listing(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return inventory


def archive_listing(path: Path) -> str:
    pg_restore = require_tool("pg_restore")
    result = _run([pg_restore, "--list", str(path.resolve())], {})
    if result.returncode != 0:
        failure = _failed("pg_restore", result, "")
        if "newer pg_dump" in str(failure):
            raise failure
        raise BackupRefused(f"{path} is damaged or not a pg_dump archive. Nothing was restored.")
    return result.stdout


def _archive_revision(path: Path) -> str | None:
    """The migration recorded in the archive, read without a database."""
    result = _run(
        [require_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path.resolve())], {}
    )
    if result.returncode != 0:
        return None
    lines = result.stdout.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            return None if value == "\\." else value
    return None


def check_backup_file(path: Path) -> tuple[str | None, str, str]:
    """(revision, note, listing) of a pg_dump custom-format archive of our schema."""
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if not header:
        raise BackupRefused(f"{path} is empty: it is not a backup. Nothing was restored.")
    if header == SQLITE_HEADER:
        raise BackupRefused(
            f"{path} is a SQLite backup, but the configured database is PostgreSQL. Nothing was restored."
        )
    if not header.startswith(PG_CUSTOM_HEADER):
        raise BackupRefused(
            f"{path} is not a pg_dump custom-format archive (made by `flask backup`). Nothing was restored."
        )
    listing = archive_listing(path)
    if not re.search(r"TABLE DATA \S+ alembic_version ", listing):
        raise BackupRefused(f"{path} has no alembic_version: it is not a Support Circle backup. Nothing was restored.")
    revision = _archive_revision(path)
    note = check_revision(revision, str(path))
    return revision, note, listing


def archive_server_major(listing: str) -> int | None:
    match = re.search(r"Dumped from database version (\d+)", listing)
    return int(match.group(1)) if match else None


def restore(backup_file: Path, engine: sa.Engine, replace_existing: bool) -> None:
    """pg_restore in one transaction: on any error the database stays as it was."""
    pg_restore = require_tool("pg_restore")
    uri, password_environment = libpq_target(engine.url)
    arguments = [pg_restore, "--no-owner", "--no-password", "--single-transaction", "--exit-on-error"]
    if replace_existing:
        # Drops what the archive is about to create; --if-exists keeps the
        # drops quiet where the database lacks a table.
        arguments += ["--clean", "--if-exists"]
    arguments += [f"--dbname={uri}", str(backup_file.resolve())]
    result = _run(arguments, password_environment)
    if result.returncode != 0:
        raise _failed("pg_restore", result, "the database was left as it was (the restore runs in one transaction).")
