"""The organisation admin sets up their organisation: its name, its kind and
the time zone its people read times in. Each change is audited as what
changed (never the words), by whom."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from portal.access import policy
from portal.audit.services import record
from portal.auth.models import ORGANISATION_KINDS, Organisation, User
from portal.circles.models import Circle
from portal.extensions import db

# The zones offered: regions and cities, as people name where they are, and UTC.
_LEGACY = ("Etc/", "SystemV/", "US/", "posix/", "right/")


@cache
def offered_zones() -> tuple[str, ...]:
    """Read from the system's zone files once a process (a tz data update
    comes with a restart): the page and its checks asked for them three times."""
    names = {name for name in available_timezones() if "/" in name and not name.startswith(_LEGACY)}
    return (*sorted(names), "UTC")


@cache
def _offered_set() -> frozenset[str]:
    return frozenset(offered_zones())


def known_zone(name: str) -> bool:
    if name not in _offered_set():
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError):
        return False
    return True


STAFF_ROLES_KEPT = _l(
    "Some accounts here have a role that a %(kind)s does not give. Change or stop those accounts first, "
    "then change what kind of organisation this is."
)
STILL_A_SCHOOL = _l(
    "Circles record this organisation as the school their student attends, so it stays a school. "
    "A move of school, from each circle's school page, changes that."
)


def kind_change_problem(organisation: Organisation, kind: str, kind_label: str) -> str | None:
    """Why the organisation cannot become ``kind`` now, or None.

    Its accounts keep the staff roles they have, and circles keep the school
    they record: a change of kind must not leave either pointing at roles or
    a school the organisation no longer is."""
    if kind not in ORGANISATION_KINDS:
        raise policy.UnknownName(f"unknown organisation kind {kind!r}")
    if kind == organisation.kind:
        return None
    given = policy.STAFF_ROLES_BY_ORGANISATION[kind]
    stranded = db.session.scalar(
        select(
            exists().where(
                User.organisation_id == organisation.id, User.staff_role.is_not(None), User.staff_role.not_in(given)
            )
        )
    )
    if stranded:
        return str(STAFF_ROLES_KEPT) % {"kind": kind_label}
    if organisation.kind == "school" and db.session.scalar(
        select(exists().where(Circle.school_organisation_id == organisation.id))
    ):
        return str(STILL_A_SCHOOL)
    return None


def set_up(admin: User, *, name: str, kind: str, timezone: str | None) -> list[str]:
    """Write what changed, in one transaction; the fields changed, by name."""
    organisation = admin.organisation
    timezone = timezone or None
    if timezone is not None and not known_zone(timezone):
        raise policy.UnknownName(f"unknown time zone {timezone!r}")
    changes = {
        "organisation_renamed": ("name", name.strip()),
        "organisation_kind_changed": ("kind", kind),
        "organisation_zone_changed": ("timezone", timezone),
    }
    changed = []
    for action, (attribute, value) in changes.items():
        if getattr(organisation, attribute) != value:
            setattr(organisation, attribute, value)
            record(action, user=admin)
            changed.append(attribute)
    db.session.commit()
    return changed
