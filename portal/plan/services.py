"""Every write to the plan: each save keeps a version, a stale save becomes a
conflict that keeps both texts, and removal is a reversible mark."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import clock, hooks, languages
from portal.access import policy
from portal.audit.services import record as audit
from portal.circles.models import Circle
from portal.extensions import db
from portal.notify import services as notify
from portal.plan import queries
from portal.plan.models import ConflictCopy, SectionVersion


class Conflict(Exception):
    """Someone saved the same section or item after this person started editing."""

    def __init__(self, copy: ConflictCopy, current):
        super().__init__("conflicting save")
        self.copy = copy
        self.current = current


def form_values(spec, form, fields: tuple[str, ...]) -> dict:
    """The posted values of ``fields``, converted for the model."""
    values = {}
    for name in fields:
        field_spec = spec.field(name)
        values[name] = field_spec.field_type.from_form(field_spec, form[name].data)
    return values


def _snapshot_values(spec, values: dict) -> dict:
    return {name: spec.field(name).to_snapshot(value) for name, value in values.items()}


AUDIT_ACTIONS = {"created": "create", "updated": "update", "removed": "remove", "restored": "restore"}


def _record(spec, row, user, action: str, *, follows: int | None = None, audit_action: str | None = None) -> None:
    audit(
        audit_action or AUDIT_ACTIONS[action],
        circle_id=row.circle_id,
        section=spec.kind,
        item_id=row.id if spec.is_list else None,
        user=user,
    )
    db.session.add(
        SectionVersion(
            circle_id=row.circle_id,
            kind=spec.kind,
            item_id=row.id if spec.is_list else None,
            number=row.version,
            action=action,
            snapshot=spec.snapshot(row),
            changed_by_id=user.id if user is not None else None,
            changed_at=clock.now(),
            setback_review_id=follows,
        )
    )


def _saved(spec, row, user, action: str, before: dict | None) -> None:
    """Let the features that follow from a save act, in the save's transaction."""
    hooks.plan_saved.collect(hooks.SavedChange(row.circle_id, spec.kind, row, user, action, before))


def _tell_change(spec, row, user, *, new: bool) -> None:
    if spec.kind == "episodes":
        notify.episode_recorded(row.circle_id, user, row, new=new)
    elif spec.kind == "events":
        notify.event_recorded(row.circle_id, user, row, new=new)
    else:
        notify.section_changed(row.circle_id, spec.kind, user, row)


def _keep_conflict(spec, circle_id, item_id, base_version, values, user):
    """Store the rejected text in its own transaction, then report the conflict."""
    db.session.rollback()
    current = queries.document(circle_id, spec) if not spec.is_list else db.session.get(spec.model, item_id)
    copy = ConflictCopy(
        circle_id=circle_id,
        kind=spec.kind,
        item_id=item_id,
        base_version=base_version or 0,
        current_version=current.version if current is not None else 0,
        submitted=_snapshot_values(spec, values),
        submitted_by_id=user.id,
        submitted_at=clock.now(),
    )
    db.session.add(copy)
    db.session.commit()
    raise Conflict(copy, current)


def _apply(row, values: dict, user) -> None:
    # Read the id first: touching an expired user after the row changed would autoflush it.
    user_id = user.id
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by_id = user_id
    row.updated_at = clock.now()
    # What was typed keeps the language it was typed in: never translated.
    row.language = languages.current()


def save_document(circle_id: int, spec, values: dict, base_version: int | None, user, *, follows: int | None = None):
    """``follows``: the id of the setback review this change follows from, if any."""
    row = queries.document(circle_id, spec)
    current_version = row.version if row is not None else 0
    if (base_version or 0) != current_version:
        _keep_conflict(spec, circle_id, None, base_version, values, user)
    created = row is None
    before = None if created else spec.snapshot(row)
    if created:
        row = spec.model(circle_id=circle_id)
        db.session.add(row)
    _apply(row, values, user)
    try:
        db.session.flush()
        action = "created" if created else "updated"
        _record(spec, row, user, action, follows=follows)
        notify.section_changed(circle_id, spec.kind, user)
        _saved(spec, row, user, action, before)
        db.session.commit()
    except (StaleDataError, IntegrityError):
        _keep_conflict(spec, circle_id, None, base_version, values, user)
    return row


def add_item(circle_id: int, spec, values: dict, user, *, follows: int | None = None, commit: bool = True,
             tell: bool = True):
    """``commit=False``: a step of a larger use case, which commits once (followup's record_review).
    ``tell=False``: the use case tells its readers itself, in its own words (the
    aftercare an emergency visit starts reaches the event's readers as the event)."""
    row = spec.model(circle_id=circle_id, created_by_id=user.id, created_at=clock.now())
    if spec.kind in policy.SCHOOL_RECORDS:
        # Where it was recorded, whoever records it: after a move of school the
        # new school does not reach the old school's records.
        setattr(row, policy.SCHOOL_RECORD_FIELD, db.session.get(Circle, circle_id).school_organisation_id)
    if spec.order_by == "position":
        row.position = queries.next_position(circle_id, spec)
    db.session.add(row)
    _apply(row, values, user)
    db.session.flush()
    _record(spec, row, user, "created", follows=follows)
    if tell:
        _tell_change(spec, row, user, new=True)
    _saved(spec, row, user, "created", None)
    if commit:
        db.session.commit()
    return row


def update_item(row, spec, values: dict, base_version: int | None, user, *, follows: int | None = None,
                commit: bool = True, tell: bool = True):
    """``commit=False``: a step of a larger use case, which commits once; a
    conflict still rolls the whole transaction back and raises Conflict."""
    # Read now: a failed flush expires the row, and reading it then raises.
    circle_id, item_id = row.circle_id, row.id
    if base_version != row.version:
        _keep_conflict(spec, circle_id, item_id, base_version, values, user)
    before = spec.snapshot(row)
    _apply(row, values, user)
    try:
        db.session.flush()
        _record(spec, row, user, "updated", follows=follows)
        if tell:
            _tell_change(spec, row, user, new=False)
        _saved(spec, row, user, "updated", before)
        if commit:
            db.session.commit()
    except StaleDataError:
        _keep_conflict(spec, circle_id, item_id, base_version, values, user)
    return row


def change_by_schedule(row, spec, values: dict, audit_action: str) -> None:
    """A change that the passing of time makes, with nobody at the keyboard
    (a follow-up nobody marked attended becomes missed). It is kept as a
    version and audited like any other, by no one; the caller tells the people
    responsible, and commits."""
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by_id = None
    row.updated_at = clock.now()
    db.session.flush()
    _record(spec, row, None, "updated", audit_action=audit_action)


def set_removed(row, spec, user, removed: bool) -> None:
    if (row.removed_at is not None) == removed:
        return
    before = spec.snapshot(row)
    row.removed_at = clock.now() if removed else None
    row.removed_by_id = user.id if removed else None
    row.updated_by_id = user.id
    row.updated_at = clock.now()
    db.session.flush()
    action = "removed" if removed else "restored"
    _record(spec, row, user, action)
    _tell_change(spec, row, user, new=False)
    _saved(spec, row, user, action, before)
    db.session.commit()


def move_item(row, spec, direction: int, visible: list) -> None:
    """Swap the item with its neighbour among the items the member sees."""
    ids = [item.id for item in visible]
    if row.id not in ids:  # a removed item has no place in the order to move within
        return
    index = ids.index(row.id)
    other_index = index + direction
    if not 0 <= other_index < len(visible):
        return
    other = visible[other_index]
    row.position, other.position = other.position, row.position
    if row.position == other.position:  # repair ties left by older data
        row.position += direction
    db.session.commit()


def create_own_contact(circle_id: int, membership, user, actor) -> None:
    """Start a member's own care-team entry from their account, for them to complete."""
    from portal.plan.sections import spec_for

    spec = spec_for("care_team")
    existing = db.session.scalar(select(spec.model.id).where(spec.model.membership_id == membership.id))
    if existing is not None:
        return
    row = spec.model(
        circle_id=circle_id,
        contact_kind="person",
        name=user.name,
        role_title=membership.relationship_label or user.title,
        organisation=user.organisation.name if user.organisation else "",
        email=user.email,
        membership_id=membership.id,
        created_by_id=actor.id,
        created_at=clock.now(),
        position=queries.next_position(circle_id, spec),
    )
    db.session.add(row)
    _apply(row, {}, actor)
    db.session.flush()
    _record(spec, row, actor, "created")
