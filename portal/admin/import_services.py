"""Saving a staff list the admin has seen in a preview (staff_import.py).

The rows come back from the browser in a signed field; they are checked
again here against the accounts as they are now, and saved only when the
result is what the admin saw. One transaction for the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.admin import services as admin_services
from portal.admin.staff_import import CREATE, UPDATE, ImportPlan, StaffRow
from portal.audit.services import record
from portal.auth import services as accounts
from portal.auth import setup
from portal.auth.models import User
from portal.extensions import db

# How long a preview can be confirmed.
PREVIEW_SECONDS = 60 * 60
_SALT = "admin.staff-import"


class _ClockSigner(TimestampSigner):
    """Ages read from the portal's clock, as every other expiry is."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    # Signed with the key, and still read with the fallbacks while a key is rotated (newest last).
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=_SALT, signer=_ClockSigner)


def sealed(admin: User, rows: list[StaffRow], planned: ImportPlan) -> str:
    """The rows and what the preview said, signed for this admin and organisation."""
    return _serializer().dumps(
        {
            "admin": admin.id,
            "organisation": admin.organisation_id,
            "rows": [row.as_list() for row in rows],
            "plan": planned.fingerprint(),
        }
    )


def unsealed(admin: User, text: str) -> tuple[list[StaffRow], list] | None:
    """The rows and preview sealed for this admin, or None when the field was
    changed, is too old, or was sealed for someone else."""
    try:
        payload = _serializer().loads(text or "", max_age=PREVIEW_SECONDS)
    except BadSignature:
        return None
    if (
        not isinstance(payload, dict)
        or payload.get("admin") != admin.id
        or payload.get("organisation") != admin.organisation_id
    ):
        return None
    try:
        rows = [StaffRow.from_list(values) for values in payload["rows"]]
    except (KeyError, TypeError, ValueError):
        return None
    return rows, payload.get("plan")


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    invited: int
    left_out: int
    # Staff role changes the list asked for and the admin did not choose to make.
    roles_kept: int = 0


def apply(admin: User, planned: ImportPlan, *, staff_roles: bool = False) -> Imported | None:
    """Create and update the accounts the plan says, and queue their setup
    emails; rows with problems are left out. A staff role changes only with
    ``staff_roles`` (the admin chose it), through the accounts' one way of
    changing it. None when an address was taken meanwhile by another request
    (nothing is saved then)."""
    created = updated = invited = roles_kept = 0
    changed: dict[int, list[str]] = {}  # the fields changed, by row
    for index, row in enumerate(planned.rows):
        if not row.ok:
            continue
        if row.action == CREATE:
            user = accounts.create_user(
                email=row.email,
                name=row.row.name,
                title=row.row.title,
                password=None,
                organisation=admin.organisation,
                staff_role=row.staff_role,
            )
            row.account = user
            created += 1
        elif row.action == UPDATE:
            fields = _update(admin, row, staff_roles)
            if row.changes_staff_role and not staff_roles:
                roles_kept += 1
            if fields:
                changed[index] = fields
                updated += 1
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    for index, row in enumerate(planned.rows):
        if row.in_use:
            # As the single-account form records it, without the address: an admin trying many shows.
            record("account_created", user=admin, outcome="refused")
        if not row.ok:
            continue
        if row.action == CREATE:
            record("account_created", user=admin, subject=row.account)
        elif index in changed:
            # Which fields, by name: never what they were or became.
            record("account_updated", user=admin, subject=row.account, section=",".join(changed[index]))
        if row.invite:
            setup.invite(row.account)
            invited += 1
    db.session.commit()
    return Imported(
        created=created, updated=updated, invited=invited, left_out=planned.with_errors, roles_kept=roles_kept
    )


def _update(admin: User, row, staff_roles: bool) -> list[str]:
    user, fields = row.account, []
    for what, _before, _after in row.changes:
        if what == "name":
            user.name = row.row.name
        elif what == "title":
            user.title = row.row.title
        elif what == "staff_role":
            if not staff_roles:
                continue
            admin_services.change_staff_role(admin, user, row.staff_role)
        fields.append(what)
    return fields
