"""`flask accounts reset-two-factor EMAIL`: the way back in for someone who
lost their phone and their recovery codes when no organisation admin can
help, as for a parent's or a young person's account, which belong to no
organisation. Only an operator with shell access runs it, after checking,
outside Support Circle, that the request comes from the account's owner:
nobody in a circle may reset another adult's second factor, since that would
hand them the account."""

from __future__ import annotations

import getpass
import logging

import click
from flask.cli import AppGroup

from portal.auth import mfa
from portal.auth import services as accounts

accounts_cli = AppGroup("accounts", help="Operator tasks on accounts.")
log = logging.getLogger(__name__)


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a name
        return "unknown"


@accounts_cli.command("reset-two-factor")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset_two_factor(email: str, yes: bool) -> None:
    """Reset two-factor sign-in for the account using EMAIL and end all its sessions.

    Check first, outside Support Circle, that the request comes from the
    account's owner. Nothing secret is printed; the owner is emailed."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException("No account uses that email. Nothing was changed.")
    if not (mfa.enrolled(user) or user.totp_pending_secret):
        raise click.ClickException(f"{user.name} has no two-factor sign-in set up. Nothing was changed.")
    if user.organisation is not None:
        click.echo(f"{user.name}'s account belongs to {user.organisation.name}; its admin can also do this.")
    if not yes:
        click.confirm(
            f"Reset two-factor sign-in for {user.name} <{user.email}> and sign them out everywhere?", abort=True
        )
    accounts.reset_two_factor(user, by=None)
    # The audit entry names the account; the log says who ran the command.
    log.info("two-factor sign-in reset from the command line for account %s by operator %s", user.id, _operator())
    click.echo(
        f"Two-factor sign-in is reset for {user.name}, and they are signed out everywhere. "
        "They were emailed about it. If their role needs a second factor, they set up an app at their next sign-in."
    )
