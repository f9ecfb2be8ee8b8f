"""`flask backup PATH` and `flask restore PATH`.

Both work on the configured database (DATABASE_URL): SQLite through its online
backup API, PostgreSQL through pg_dump and pg_restore. They print counts of
what was copied, never the content, and log nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.backup import postgres, sqlite
from portal.backup.inventory import BackupRefused, Inventory, take
from portal.extensions import db

SENSITIVE_FILE = (
    "The file holds every plan, the audit record and password hashes: keep it encrypted, "
    "with access as strict as the database's own."
)


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


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Copy the whole configured database to PATH; safe while the app runs."""
    path = path.expanduser().resolve()
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists. Choose another name, or add --force to replace it.")
    if not path.parent.is_dir():
        raise click.ClickException(f"The folder {path.parent} does not exist.")
    url = db.engine.url
    try:
        if _backend(url) == "sqlite":
            inventory = sqlite.backup(url, path)
        else:
            inventory = postgres.backup(db.engine, path)
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Backed up {_describe(url)} to {path} ({_size(path)}, migration {inventory.revision or 'none'}):")
    for line in inventory.lines():
        click.echo(line)
    if inventory.revision is None:
        click.echo("Warning: the database has no alembic_version, so `flask restore` will refuse this file.")
    click.echo(SENSITIVE_FILE)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a database that already holds data: all of it, the audit record included.",
)
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Restore a backup made by `flask backup` into the configured database."""
    path = path.expanduser().resolve()
    url = db.engine.url
    try:
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
    except BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Restored {path} into {_describe(url)} (migration {restored.revision}):")
    for line in restored.lines():
        click.echo(line)
    if note:
        click.echo(note)
