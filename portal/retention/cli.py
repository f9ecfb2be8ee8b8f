"""`flask retention prune`: delete now what outlived its use (the notify
worker also does it once an hour)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.retention.pruning import prune

retention_cli = AppGroup("retention", help="How long the portal keeps what it keeps.")


@retention_cli.command("prune")
def prune_now():
    """Delete the emails, sessions, drafts, links and windows past their ages; print how many of each."""
    done = prune()
    click.echo(", ".join(f"{name} {count}" for name, count in done.items()))
