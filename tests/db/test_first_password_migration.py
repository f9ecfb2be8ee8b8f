"""Migrations a8df662445b7 and 5e2b9c7a4d18: accounts an admin created (and
so gave a first password) must change it at their next sign-in, unless they
have chosen a password of their own since; no other account must."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from portal.extensions import db
from tests.db.test_migrations import _differences, _insert, migrated_app  # noqa: F401 - the fixture


def test_accounts_an_admin_created_must_choose_their_own_password(migrated_app):  # noqa: F811
    flask_migrate.upgrade(revision="9ca826ffb1e3")
    tables = sa.MetaData()
    tables.reflect(bind=db.engine)
    t = tables.tables
    with db.engine.begin() as connection:
        admin = _insert(connection, t["user"], email="admin@example.org", password_hash="x")
        made_by_admin = _insert(connection, t["user"], email="made@example.org", password_hash="x")
        invited = _insert(connection, t["user"], email="invited@example.org", password_hash="x")
        from_the_cli = _insert(connection, t["user"], email="cli@example.org", password_hash="x")
        chose_since = _insert(connection, t["user"], email="since@example.org", password_hash="x")
        reset_since = _insert(connection, t["user"], email="reset@example.org", password_hash="x")
        made_again = _insert(connection, t["user"], email="again@example.org", password_hash="x")
        entries = [
            {"action": "account_created", "outcome": "ok", "user_id": admin, "subject_user_id": made_by_admin},
            # A refusal names no account; another action about the account changes nothing.
            {"action": "account_created", "outcome": "refused", "user_id": admin, "subject_user_id": None},
            {"action": "sessions_ended_by_admin", "outcome": "ok", "user_id": admin, "subject_user_id": invited},
            # Made by an admin, then a password of their own: changed, or chosen through a reset link.
            {"action": "account_created", "outcome": "ok", "user_id": admin, "subject_user_id": chose_since},
            {"action": "password_changed", "outcome": "ok", "user_id": chose_since, "subject_user_id": None},
            {"action": "account_created", "outcome": "ok", "user_id": admin, "subject_user_id": reset_since},
            {"action": "password_reset", "outcome": "ok", "user_id": reset_since, "subject_user_id": None},
            # Another's change of password, or a change before the admin made the account, does not count.
            {"action": "password_changed", "outcome": "ok", "user_id": made_again, "subject_user_id": None},
            {"action": "account_created", "outcome": "ok", "user_id": admin, "subject_user_id": made_again},
            {"action": "password_changed", "outcome": "ok", "user_id": admin, "subject_user_id": None},
        ]
        for seq, entry in enumerate(entries, start=1):
            _insert(connection, t["audit_event"], seq=seq, **entry)
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        flagged = dict(connection.execute(sa.text('SELECT id, must_change_password FROM "user"')).all())
    assert {user_id: bool(flag) for user_id, flag in flagged.items()} == {
        admin: False,
        made_by_admin: True,
        invited: False,
        from_the_cli: False,
        chose_since: False,
        reset_since: False,
        made_again: True,
    }
    assert _differences(db.metadata) == []
    flask_migrate.downgrade(revision="9ca826ffb1e3")
    assert "must_change_password" not in {c["name"] for c in sa.inspect(db.engine).get_columns("user")}
