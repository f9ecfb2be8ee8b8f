"""Plan content and form posts for the access tests."""

from __future__ import annotations

from portal.access import policy
from portal.plan import services as plan_services
from portal.plan.sections import SPECS
from tests import factories, fieldsamples


def add_item(circle, kind: str, author, marker: str, overrides: dict | None = None):
    """factories.write_section for list sections, with overrides passed as a dict:
    follow-ups and adjustments have a field called ``kind``, which
    write_section's keyword arguments cannot carry."""
    values = factories.section_values(kind, marker)
    values.update(overrides or {})
    if kind == "episodes":
        values.setdefault("recorded_by_id", author.id)
    return plan_services.add_item(circle.id, SPECS[kind], values, author)


def scoped_values(role: str, kind: str, user) -> dict:
    """What a row written by this member must carry under their row scope."""
    scope = policy.row_scope(role, kind)
    if scope is None:
        return {}
    return {scope.field: user.id if scope.value is policy.SELF else scope.value}


def form_data(kind: str, marker: str, base_version: int, role: str | None = None) -> dict:
    """A complete, valid post of a section form, so a refusal cannot be
    explained by form errors; within the poster's row scope when one applies."""
    spec = SPECS[kind]
    values = factories.section_values(kind, marker)
    scope = policy.row_scope(role, kind) if role else None
    if scope is not None and scope.value is not policy.SELF:
        values[scope.field] = scope.value
    data = {"base_version": str(base_version), "direction": "up"}
    for field_spec in spec.fields:
        posted = fieldsamples.posted_back(field_spec, values[field_spec.name])
        if posted is not None:
            data[field_spec.name] = posted
    return data
