"""`flask audit verify`: walk the audit chain and say whether it is whole;
`flask audit seal`: seal its head again, once an operator has looked."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.audit import chain
from portal.extensions import db

audit_cli = AppGroup("audit", help="The audit record.")

BROKEN = 1
NOT_YET_SEALED = 2


@audit_cli.command("verify")
@click.option("--expect-seq", type=click.IntRange(min=0), default=None,
              help="An entry number printed by an earlier verify and kept elsewhere.")
@click.option("--expect-hash", default=None, help="The hash printed with it: the chain must still pass through it.")
def verify_command(expect_seq: int | None, expect_hash: str | None):
    """Check that no audit entry was changed, removed or slipped in, and that
    the head is sealed with this server's key; exit 1 if not, 2 if the head is
    not yet sealed (an upgraded database before its next audit entry)."""
    if (expect_seq is None) != (expect_hash is None):
        raise click.UsageError("--expect-seq and --expect-hash go together")
    connection = db.session.connection()
    verdict = chain.verify(connection)
    off_course = None
    if verdict.whole and expect_seq is not None:
        off_course = chain.passes_through(connection, expect_seq, expect_hash)
    db.session.rollback()
    if not verdict.whole:
        where = f"at audit entry {verdict.broken_at}" if verdict.broken_at is not None else "at its end"
        # Ids and counts only: an audit entry holds no content, but the message need not quote it either.
        click.echo(f"BROKEN {where}: {verdict.reason}. The {verdict.checked} entries before it are in order.", err=True)
        raise click.exceptions.Exit(BROKEN)
    if off_course is not None:
        click.echo(f"BROKEN against what was kept: {off_course}.", err=True)
        raise click.exceptions.Exit(BROKEN)
    ends = (
        f"The chain ends with {verdict.head_hash} (entry {verdict.checked}): keep both elsewhere and check later "
        f"that it still passes there with --expect-seq {verdict.checked} --expect-hash {verdict.head_hash}."
    )
    if not verdict.sealed:
        click.echo(
            f"NOT YET SEALED: {verdict.checked} audit entries, each chained to the one before, but the chain head "
            "has no seal yet (a database upgraded before its next audit entry, which seals it; if entries were "
            f"written since, someone removed the seal). {ends}",
            err=True,
        )
        raise click.exceptions.Exit(NOT_YET_SEALED)
    kept = f" It passes through entry {expect_seq} as kept." if expect_seq is not None else ""
    click.echo(f"OK: {verdict.checked} audit entries, each chained to the one before, the head sealed.{kept} {ends}")


@audit_cli.command("seal")
@click.option("--yes", is_flag=True, help="Seal it: the chain as it stands is what the audit record is from now on.")
def seal_command(yes: bool):
    """Seal the chain head as it stands with the current SECRET_KEY, after a
    verify found its seal wrong and an operator has found out why."""
    if not yes:
        raise click.UsageError("this makes the head as it stands the audit record's end: pass --yes once you have looked")
    sealed = chain.reseal(db.session.connection())
    db.session.commit()
    if sealed is None:
        click.echo("No chain head: nothing to seal.")
        return
    click.echo(f"Sealed the chain head at entry {sealed[0]}, hash {sealed[1]}.")
