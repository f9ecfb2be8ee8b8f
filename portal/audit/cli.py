"""`flask audit verify`: walk the audit chain and say whether it is whole."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.audit import chain
from portal.extensions import db

audit_cli = AppGroup("audit", help="The audit record.")


@audit_cli.command("verify")
def verify_command():
    """Check that no audit entry was changed, removed or slipped in; exit 1 if one was."""
    verdict = chain.verify(db.session.connection())
    db.session.rollback()
    if verdict.whole:
        click.echo(
            f"OK: {verdict.checked} audit entries, each chained to the one before. "
            f"The chain ends with {verdict.head_hash}: keep it elsewhere to check later that it still does."
        )
        return
    where = f"at audit entry {verdict.broken_at}" if verdict.broken_at is not None else "at its end"
    # Ids and counts only: an audit entry holds no content, but the message need not quote it either.
    click.echo(f"BROKEN {where}: {verdict.reason}. The {verdict.checked} entries before it are in order.", err=True)
    raise click.exceptions.Exit(1)
