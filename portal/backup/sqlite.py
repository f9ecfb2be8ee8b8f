"""SQLite: copies through SQLite's online backup API.

``sqlite3.Connection.backup`` copies the database page by page under SQLite's
own locking, so a backup taken while the app serves requests is a consistent
picture of one moment (an uncommitted write is not in it), and a restore
replaces the target in one transaction that other connections see all at once
or not at all. Copying the file with ``cp`` gives neither guarantee.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from portal.backup.inventory import BackupRefused, Inventory, check_revision, take

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
BUSY_TIMEOUT_SECONDS = 30


def database_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupRefused(
            "The configured SQLite database is not a plain file (in memory, or a URI): "
            "set DATABASE_URL to sqlite:///path/to/file.sqlite."
        )
    return Path(url.database).resolve()


def _read_only_uri(path: Path) -> str:
    # mode=ro: reading a backup, or the live database for one, can never write to it.
    return f"file:{quote(str(path))}?mode=ro"


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(_read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_SECONDS)


def _file_engine(path: Path) -> sa.Engine:
    return sa.create_engine("sqlite://", creator=lambda: _open_read_only(path), poolclass=NullPool)


def inspect_file(path: Path) -> Inventory:
    """The counts and migration of a SQLite file, after checking it is sound."""
    engine = _file_engine(path)
    try:
        with engine.connect() as connection:
            problems = connection.exec_driver_sql("PRAGMA quick_check").scalars().all()
            if problems != ["ok"]:
                raise BackupRefused(f"{path} is a damaged SQLite database (its integrity check failed).")
            return take(connection)
    except sa.exc.DatabaseError as error:
        raise BackupRefused(f"{path} is damaged or not a SQLite database ({error.orig}).") from None
    finally:
        engine.dispose()


def backup(source_url: sa.URL, target: Path) -> Inventory:
    source = database_path(source_url)
    if not source.is_file():
        raise BackupRefused(f"There is no database at {source}: nothing to back up.")
    # Written beside the target under a temporary name (mkstemp makes it 0600:
    # the copy is as sensitive as the database) and renamed only once checked,
    # so a failed backup never leaves a half-written file under the real name.
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(partial_name)
    try:
        with closing(_open_read_only(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)
        inventory = inspect_file(partial)
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupRefused(f"SQLite could not copy the database: {error}.") from None
    finally:
        partial.unlink(missing_ok=True)
    return inventory


def check_backup_file(path: Path) -> tuple[Inventory, str]:
    """Refuse anything but a sound SQLite database at a migration this code knows."""
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if not header:
        raise BackupRefused(f"{path} is empty: it is not a backup. Nothing was restored.")
    if header.startswith(PG_CUSTOM_HEADER):
        raise BackupRefused(
            f"{path} is a PostgreSQL backup (pg_dump), but the configured database is SQLite. Nothing was restored."
        )
    if header != SQLITE_HEADER:
        raise BackupRefused(f"{path} is not a SQLite database. Nothing was restored.")
    inventory = inspect_file(path)
    note = check_revision(inventory.revision, str(path))
    return inventory, note


def restore(backup_file: Path, target_url: sa.URL) -> None:
    """Copy the backup over the configured database, in one SQLite transaction."""
    target = database_path(target_url)
    if target.exists() and target.samefile(backup_file):
        raise BackupRefused("The backup file is the configured database itself. Nothing was restored.")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(_open_read_only(backup_file)) as copy, closing(
            sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)
        ) as live:
            copy.backup(live)
    except sqlite3.Error as error:
        raise BackupRefused(f"SQLite could not restore into {target}: {error}. The database was left as it was.") from None
