"""Command-line tools: `flask create-user`, `flask accounts`, `flask seed-demo`, `flask audit verify`,
`flask attention refresh`.

The benchmark's `flask seed-bench` is not here: bench/seed.py adds it to the app it builds for bench/run.py only.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from portal.access import policy
from portal.auth import services as accounts
from portal.auth.models import ORGANISATION_KINDS, Organisation
from portal.auth.passwords import password_problem
from portal.extensions import db


def register(app) -> None:
    from portal.audit.cli import audit_cli
    from portal.auth.cli import accounts_cli
    from portal.notify.cli import notify_cli
    from portal.retention.cli import retention_cli  # its scheduler step registers as it loads

    app.cli.add_command(accounts_cli)  # `flask accounts reset-two-factor EMAIL`
    app.cli.add_command(audit_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(retention_cli)  # `flask retention prune`
    from portal.backup.commands import register as register_backup

    register_backup(app)  # `flask backup` and `flask restore`

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--title", default="")
    @click.option("--org", "org_name", help="Organisation name; created if it does not exist.")
    @click.option("--org-kind", type=click.Choice(ORGANISATION_KINDS), default="school", show_default=True)
    @click.option("--staff-role", type=click.Choice(sorted(policy.ORGANISATION_ROLES)))
    @click.option("--admin", is_flag=True, help="Make the account an admin of the organisation.")
    @click.password_option(help="Prompted for, hidden, when not given.")
    def create_user(email, name, title, org_name, org_kind, staff_role, admin, password):
        """Create an account, e.g. the first admin of an organisation."""
        problem = password_problem(password)
        if problem:
            raise click.UsageError(problem)
        if admin and not org_name:
            raise click.UsageError("An organisation admin needs --org.")
        if accounts.find_user(email) is not None:
            raise click.UsageError("An account with that email already exists.")
        organisation = None
        if org_name:
            organisation = db.session.scalars(select(Organisation).where(Organisation.name == org_name)).first()
            if organisation is None:
                organisation = Organisation(name=org_name, kind=org_kind)
                db.session.add(organisation)
        accounts.create_user(
            email=email,
            name=name,
            title=title,
            password=password,
            organisation=organisation,
            staff_role=staff_role,
            is_org_admin=admin,
        )
        db.session.commit()
        click.echo(f"Created the account for {name}.")

    @app.cli.group("attention")
    def attention_cli():
        """The dashboard's table of what needs each member's attention."""

    @attention_cli.command("refresh")
    def attention_refresh():
        """Recompute every circle's rows: after an upgrade, or whenever in doubt."""
        from portal.dashboard.attention import refresh_all

        click.echo(f"{refresh_all()} memberships have something that needs attention.")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
    def seed_demo(if_empty):
        """Load the demo school, clinic and circle (never in production)."""
        from portal.demo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, database_is_empty, seed

        if not current_app.config.get("DEMO_ALLOWED"):
            raise click.ClickException("The demo data cannot be loaded under the production configuration.")
        if if_empty and not database_is_empty():
            click.echo("The database already has accounts; the demo was not loaded.")
            return
        if not database_is_empty():
            raise click.ClickException("The database already has accounts. Use a fresh database for the demo.")
        accounts_made = seed()
        click.echo(f"Demo loaded. Sign in with any of these (password: {DEMO_PASSWORD}):")
        for email, label in accounts_made:
            click.echo(f"  {email:32} {label}")
        click.echo(
            "The clinicians and the counselor also need a code from an authenticator app:\n"
            f"add the key {DEMO_TOTP_SECRET} to one (it is public: demo accounts only)."
        )
