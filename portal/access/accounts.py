"""What an organisation admin may change of the accounts they manage, beyond
what the guard already holds (their organisation's accounts only,
managed_account_or_404): here, who may be given which staff role.

A staff role decides which circles a person may start and what their
organisation's role in a circle is, so it is decided here, once, for every
way an admin changes one (portal/admin/services.py, change_staff_role)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.access.policy import STAFF_ROLES_BY_ORGANISATION

# Why an admin may not give an account a staff role, in the admin's words.
# An admin's own standing, and another admin's, are not changed by a
# colleague's list: each admin answers for the organisation's accounts.
STAFF_ROLE_REFUSALS = {
    "not_managed": _l("This account is not one of your organisation's accounts."),
    "own_account": _l("This is your own account; your staff role is not changed here."),
    "admin_account": _l(
        "This account is an organisation admin's, and an import does not change an admin's staff role. "
        "Please leave their role as it is in the file."
    ),
    "not_given": _l("Your organisation does not give this staff role."),
}


def staff_role_refusal(admin, account, staff_role: str | None) -> str | None:
    """Why ``admin`` may not give ``account`` this staff role (a key of
    STAFF_ROLE_REFUSALS), or None when they may. Reads only the accounts
    given: their ids, organisations and whether they are admins."""
    if account.organisation_id is None or account.organisation_id != admin.organisation_id:
        return "not_managed"
    if account.id == admin.id:
        return "own_account"
    if account.is_org_admin:
        return "admin_account"
    if staff_role is not None and staff_role not in STAFF_ROLES_BY_ORGANISATION[admin.organisation.kind]:
        return "not_given"
    return None
