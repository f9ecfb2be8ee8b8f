"""`flask backup PATH` and `flask restore PATH`.

Both work on the configured database (DATABASE_URL): SQLite through its online
backup API, PostgreSQL through pg_dump and pg_restore. They print counts of
what was copied, never the content, and log nothing.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.backup import postgres, sealed, sqlite
from portal.backup.inventory import BackupRefused, Inventory, take
from portal.extensions import db

SENSITIVE_FILE = (
    "The file holds every plan, the audit record and password hashes: keep it encrypted, "
    "with access as strict as the database's own."
)
SEALED_FILE = (
    "The file is encrypted with BACKUP_KEY: keep the key apart from the backups (without it they cannot be "
    "restored), and its access as strict as the database's own."
)
# What a backup of ours starts with: the rotation (--keep) removes nothing else.
BACKUP_HEADERS = (sealed.HEADER, sqlite.SQLITE_HEADER, sqlite.PG_CUSTOM_HEADER)


def register(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def _backend(url: sa.URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupRefused(f"Backups work with SQLite and PostgreSQL; the configured database is {backend}.")
    return backend


def _describe(url: sa.URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"the SQLite database {sqlite.database_path(url)}"
    return postgres.describe(url)


def _configured_inventory() -> Inventory:
    try:
        with db.engine.connect() as connection:
            return take(connection)
    except sa.exc.OperationalError as error:
        raise BackupRefused(f"Could not open the configured database: {error.orig}") from None


def _size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def _keys(*, writing: bool, unencrypted: bool = False):
    """The backup keys as configured; None for a plain backup (asked for, or no key outside production)."""
    config = current_app.config
    if not config["BACKUP_KEY"]:
        if writing and config["BACKUP_KEY_REQUIRED"] and not unencrypted:
            raise BackupRefused(
                f"Refusing to write an unencrypted backup: set BACKUP_KEY, or add --unencrypted. {sealed.KEY_HINT}"
            )
        return None if writing else sealed.fernet(config["BACKUP_KEY_FALLBACKS"])
    if unencrypted:
        return None
    return sealed.fernet([config["BACKUP_KEY"], *config["BACKUP_KEY_FALLBACKS"]])


def _kind(path: Path) -> str | None:
    """"sealed" or "plain" for a backup of ours, None for any other file."""
    try:
        with path.open("rb") as file:
            start = file.read(max(len(header) for header in BACKUP_HEADERS))
    except OSError:
        return None
    if start.startswith(sealed.HEADER):
        return "sealed"
    return "plain" if any(start.startswith(header) for header in BACKUP_HEADERS) else None


def _series(path: Path) -> str:
    """The name a dated series of backups shares: support-circle-2026-12-04.backup -> support-circle-."""
    return re.sub(r"[\d_:T.-]+$", "", path.stem)


def _configured_database() -> Path | None:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


def rotate(written: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest backups of ``written``'s series: in its
    folder, with its suffix, its name before the date and its kind (encrypted
    or not). Never the configured database, never a file that is not a backup."""
    live, kind, series = _configured_database(), _kind(written), _series(written)

    def of_the_series(path: Path) -> bool:
        return (
            path.is_file() and not path.is_symlink() and path.suffix == written.suffix
            and _series(path) == series and path != live and _kind(path) == kind
        )

    found = sorted(
        (path for path in written.parent.iterdir() if of_the_series(path)),
        key=lambda path: (path.stat().st_mtime, path.name),
        reverse=True,
    )
    removed = [path for path in found[keep:] if path != written]
    for path in removed:
        path.unlink()
    return removed


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@click.option("--unencrypted", is_flag=True, help="Write a plain backup even though BACKUP_KEY is set or required.")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Then remove all but the KEEP newest backups of PATH's series (its folder, suffix and name before the date).")
@with_appcontext
def backup_command(path: Path, force: bool, unencrypted: bool, keep: int | None) -> None:
    """Copy the whole configured database to PATH, encrypted with BACKUP_KEY; safe while the app runs."""
    path = path.expanduser().resolve()
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists. Choose another name, or add --force to replace it.")
    if not path.parent.is_dir():
        raise click.ClickException(f"The folder {path.parent} does not exist.")
    url = db.engine.url
    try:
        keys = _keys(writing=True, unencrypted=unencrypted)
        with ExitStack() as stack:
            # Encrypted: the plain copy is made in a private folder away from the backups, then sealed into PATH.
            work = current_app.config["BACKUP_WORK_DIR"]
            plain = path if keys is None else stack.enter_context(sealed.private_folder(work)) / path.name
            if _backend(url) == "sqlite":
                inventory = sqlite.backup(url, plain)
            else:
                inventory = postgres.backup(db.engine, plain)
            if keys is not None:
                sealed.seal(plain, path, keys)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    how = "encrypted" if keys is not None else "not encrypted"
    click.echo(f"Backed up {_describe(url)} to {path} ({_size(path)}, {how}, migration {inventory.revision or 'none'}):")
    for line in inventory.lines():
        click.echo(line)
    if inventory.revision is None:
        click.echo("Warning: the database has no alembic_version, so `flask restore` will refuse this file.")
    click.echo(SEALED_FILE if keys is not None else SENSITIVE_FILE)
    if keep is not None:
        removed = rotate(path, keep)
        click.echo(f"Kept the {keep} newest backups of this series in {path.parent}; removed {len(removed)} older.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a database that already holds data: all of it, the audit record included.",
)
@click.option("--unencrypted", is_flag=True, help="Accept a backup that is not encrypted where BACKUP_KEY is required.")
@with_appcontext
def restore_command(path: Path, force: bool, unencrypted: bool) -> None:
    """Restore a backup made by `flask backup` into the configured database."""
    path = path.expanduser().resolve()
    try:
        with ExitStack() as stack:
            plain = path
            if sealed.is_sealed(path):
                # Decrypted into a private folder, whole and checked, before anything is replaced.
                plain = stack.enter_context(sealed.private_folder(current_app.config["BACKUP_WORK_DIR"])) / path.name
                sealed.unseal(path, plain, _keys(writing=False))
            elif current_app.config["BACKUP_KEY_REQUIRED"] and not unencrypted:
                # Where backups are encrypted, a plain file in their place may be one slipped in.
                raise BackupRefused(
                    f"{path} is not encrypted, and this deployment's backups are. Nothing was changed. "
                    "If you know where it comes from, run again with --unencrypted."
                )
            _restore(plain, path, force)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None


def _restore(path: Path, shown_as: Path, force: bool) -> None:
    url = db.engine.url
    backend = _backend(url)
    if backend == "sqlite":
        from_backup, note = sqlite.check_backup_file(path)
        listing = ""
    else:
        _, note, listing = postgres.check_backup_file(path)
    current = _configured_inventory()
    if not current.is_empty and not force:
        raise BackupRefused(
            f"Refusing to restore: {_describe(url)} already holds data "
            f"({current.rows.get('circle', 0)} circles, {current.total_rows} rows in all). "
            "A restore replaces all of it, the audit record included. Nothing was changed. "
            "Take a backup of it first, then run again with --force to replace it."
        )
    # The restore must not wait on (or be undone by) this process's own pooled connections.
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        sqlite.restore(path, url)
    else:
        with db.engine.connect() as connection:
            target_major = postgres.server_major(connection)
        dumped_from = postgres.archive_server_major(listing)
        if dumped_from is not None and dumped_from > target_major:
            click.echo(
                f"Warning: the backup comes from PostgreSQL {dumped_from} and this server runs "
                f"{target_major}; if the restore fails, restore into a server of version {dumped_from} or newer."
            )
        db.engine.dispose()
        # An existing schema (even an empty, migrated one) is dropped first.
        postgres.restore(path, db.engine, replace_existing=bool(current.rows) or current.revision is not None)
    db.engine.dispose()
    restored = _configured_inventory()
    if backend == "sqlite" and restored != from_backup:
        raise BackupRefused("The restored database does not hold what the backup holds; check it before use.")
    click.echo(f"Restored {shown_as} into {_describe(url)} (migration {restored.revision}):")
    for line in restored.lines():
        click.echo(line)
    if note:
        click.echo(note)
