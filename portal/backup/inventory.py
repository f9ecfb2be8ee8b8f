"""What a database holds, in counts only, and which migration it is at.

The counts are what the commands print: they let an operator see that a
backup holds the circles, versions and audit entries it should, without a
word of plan content reaching the terminal or the logs.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

ALEMBIC_TABLE = "alembic_version"
# The three figures an operator checks first; every table is counted too.
HEADLINE = (
    ("circle", "circles"),
    ("section_version", "plan section versions"),
    ("audit_event", "audit entries"),
)


class BackupRefused(Exception):
    """A backup or restore that must not go ahead; the message says why, for the operator."""


@dataclass(frozen=True)
class Inventory:
    revision: str | None
    rows: dict[str, int]  # table -> row count, alembic_version left out

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def is_empty(self) -> bool:
        return self.total_rows == 0

    def lines(self) -> list[str]:
        found = [f"  {label:<24}{self.rows.get(table, 0):>8}" for table, label in HEADLINE]
        found.append(f"  {'tables':<24}{len(self.rows):>8}")
        found.append(f"  {'rows in all':<24}{self.total_rows:>8}")
        return found


def take(connection: sa.Connection) -> Inventory:
    """Count every table through ``connection`` (inside its transaction, so a
    PostgreSQL snapshot gives the same counts as the dump made from it)."""
    names = sorted(sa.inspect(connection).get_table_names())
    rows = {
        name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
        for name in names
        if name != ALEMBIC_TABLE
    }
    revision = None
    if ALEMBIC_TABLE in names:
        revisions = connection.scalars(sa.select(sa.column("version_num")).select_from(sa.table(ALEMBIC_TABLE))).all()
        if len(revisions) > 1:
            raise BackupRefused("The database records more than one migration head; it is not one this code made.")
        revision = revisions[0] if revisions else None
    return Inventory(revision, rows)


def migrations() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def head() -> str:
    return migrations().get_current_head()


def check_revision(revision: str | None, what: str) -> str:
    """Refuse a database that is not ours; say what to do when it is ours but older."""
    if revision is None:
        raise BackupRefused(
            f"{what} has no alembic_version: it is not a Support Circle database made by `flask db upgrade`. "
            "Nothing was restored."
        )
    try:
        known = migrations().get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupRefused(
            f"{what} is at migration {revision}, which this version of Support Circle does not know "
            "(a backup from a newer version, or not ours). Nothing was restored."
        )
    current = head()
    if revision != current:
        return (
            f"The backup is at migration {revision}, older than this code's {current}: "
            "run `flask db upgrade` before starting the app."
        )
    return ""
