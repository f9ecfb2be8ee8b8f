"""The policy applied to one member and one section: which fields they see,
which they may change, which choices they may make, which rows they reach."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from portal.access import policy
from portal.access.queries import row_in_scope, standing_for


@dataclass(frozen=True)
class SectionAccess:
    kind: str
    can_edit: bool
    can_restore: bool
    readable: tuple[str, ...]
    editable: tuple[str, ...]
    # Choice fields narrowed by a row scope, e.g. the school books only school reviews.
    choice_limits: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


def section_access(membership, spec) -> SectionAccess:
    role = membership.role
    kind = spec.kind
    shared = standing_for(membership)
    if not policy.can(role, kind, policy.READ, shared):
        return SectionAccess(kind, False, False, (), (), ())
    readable = tuple(f.name for f in spec.fields if policy.field_visible(role, kind, f.name, shared))
    editable = tuple(f.name for f in spec.fields if policy.field_editable(role, kind, f.name, shared))
    limits = []
    scope = policy.row_scope(role, kind)
    if scope is not None and scope.value is not policy.SELF:
        field_spec = spec.field(scope.field)
        limits.append((scope.field, tuple(c for c in field_spec.choices if c[0] == scope.value)))
    return SectionAccess(
        kind=kind,
        can_edit=policy.can(role, kind, policy.EDIT, shared),
        can_restore=policy.can_act(role, "restore_items"),
        readable=readable,
        editable=editable,
        choice_limits=tuple(limits),
    )


def own_contact_fields(membership, spec) -> tuple[str, ...]:
    """Fields a member may change in their own care-team entry."""
    role = membership.role
    if spec.kind != "care_team" or not policy.can_act(role, "edit_own_contact"):
        return ()
    fields = []
    for f in spec.fields:
        editors = policy.FIELD_EDITORS.get((spec.kind, f.name))
        if policy.field_visible(role, spec.kind, f.name) and (editors is None or role in editors):
            fields.append(f.name)
    return tuple(fields)


def is_own_contact(membership, spec, row) -> bool:
    return spec.kind == "care_team" and row.membership_id == membership.id


def item_editable_fields(membership, spec, row) -> tuple[str, ...]:
    """Fields this member may change in this list item; empty if none."""
    if not row_in_scope(spec.kind, membership, row):
        return ()
    access = section_access(membership, spec)
    if access.can_edit:
        return access.editable
    if is_own_contact(membership, spec, row):
        return own_contact_fields(membership, spec)
    return ()


def require_item_edit(membership, spec, row) -> tuple[str, ...]:
    fields = item_editable_fields(membership, spec, row)
    if not fields:
        abort(403)
    return fields
