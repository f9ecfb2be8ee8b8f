"""`flask notify send` runs the scheduled checks and delivers once;
`flask notify run` keeps doing so until stopped; `flask notify recount` puts
the header's unread counts right."""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.notify.delivery import send_pending
from portal.notify.scheduler import run_scheduled

log = logging.getLogger(__name__)
notify_cli = AppGroup("notify", help="Deliver notifications and emails.")


def one_pass() -> str:
    made = run_scheduled()
    report = send_pending()
    notices = ", ".join(f"{count} {what}" for what, count in made.items())
    dropped = f", not needed {report.dropped}" if report.dropped else ""
    return f"{notices}; emails sent {report.sent}, failed {report.failed}{dropped}"


@notify_cli.command("send")
def send_once():
    """Make the scheduled notices and send what is waiting, once."""
    click.echo(one_pass())


@notify_cli.command("run")
@click.option("--interval", type=float, default=None, help="Seconds between passes (default NOTIFY_INTERVAL).")
@click.option("--passes", type=int, default=0, help="Stop after this many passes (0: until stopped).")
def run_forever(interval, passes):
    """Keep delivering, every NOTIFY_INTERVAL seconds."""
    interval = interval if interval is not None else current_app.config["NOTIFY_INTERVAL"]
    done = 0
    while True:
        try:
            click.echo(one_pass())
        except Exception as error:  # noqa: BLE001 - the next pass tries again
            # The kind of error only: its words can hold addresses or plan text.
            log.error("a notify pass failed (%s); the next pass tries again", type(error).__name__)
            db.session.rollback()
        done += 1
        if passes and done >= passes:
            return
        time.sleep(interval)


@notify_cli.command("recount")
def recount_unread():
    """Count every account's unread notices from scratch and put right those that drifted."""
    from portal.notify import unread

    wrong = unread.recount(db.session)
    db.session.commit()
    click.echo(f"unread counts put right: {wrong} account(s)")
