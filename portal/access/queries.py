"""Loading through the policy: every query for circles starts from the user.

A circle the user has no active membership in does not exist for them (404).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain

from flask import g, has_app_context
from sqlalchemy import and_, bindparam, event, or_, select
from sqlalchemy.orm import Session, contains_eager

from portal import clock
from portal.access import policy
from portal.auth.models import User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.safeguarding.models import SafeguardingLimit
from portal.sharing.models import Agreement, DecidingRecord

# What the policy is asked with besides a role, read once a request and kept
# on ``g`` (shared_for, standing_for, find_membership): forgotten as soon as a
# row it rests on is written, so no later question in the same request (the
# notices a share sends, say) is answered from what was read before it.
_CACHES = ("_shared_by_circle", "_standing_by_membership")
_POLICY_INPUTS = (Agreement, SafeguardingLimit)


def forget_standings() -> None:
    if has_app_context():
        for name in _CACHES:
            g.pop(name, None)


@event.listens_for(Session, "after_flush")
def _forget_on_flush(session, flush_context) -> None:
    if any(isinstance(row, _POLICY_INPUTS) for row in chain(session.new, session.dirty, session.deleted)):
        forget_standings()


@event.listens_for(Session, "do_orm_execute")
def _forget_on_plain_write(state) -> None:
    # A conditional UPDATE or DELETE (a limit lifted only if still in force)
    # passes the session's bookkeeping by.
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if issubclass(state.bind_mapper.class_, _POLICY_INPUTS):
            forget_standings()


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction) -> None:
    forget_standings()


def agreements_in_force_condition(at):
    return (
        Agreement.withdrawn_at.is_(None),
        Agreement.starts_at <= at,
        or_(Agreement.ends_at.is_(None), Agreement.ends_at > at),
    )


def shared_by_circle(circle_ids) -> dict[int, policy.Shared]:
    """The (section, role) pairs shared under agreements in force, per circle, in one query."""
    circle_ids = list(circle_ids)
    result: dict[int, set] = {circle_id: set() for circle_id in circle_ids}
    if circle_ids:
        stmt = select(Agreement.circle_id, Agreement.section, Agreement.role).where(
            Agreement.circle_id.in_(circle_ids), *agreements_in_force_condition(clock.now())
        )
        for circle_id, section, role in db.session.execute(stmt):
            result[circle_id].add((section, role))
    return {circle_id: frozenset(pairs) for circle_id, pairs in result.items()}


def shared_for(circle_id: int) -> policy.Shared:
    """Agreements in force for one circle, read once per request."""
    cache = g.setdefault("_shared_by_circle", {}) if has_app_context() else {}
    if circle_id not in cache:
        cache.update(shared_by_circle([circle_id]))
    return cache[circle_id]


def limits_in_force(membership_ids) -> dict[int, SafeguardingLimit]:
    """The safeguarding limit in force on each of these memberships that has one, in one query."""
    membership_ids = list(membership_ids)
    if not membership_ids:
        return {}
    stmt = select(SafeguardingLimit).where(
        SafeguardingLimit.membership_id.in_(membership_ids), SafeguardingLimit.lifted_at.is_(None)
    )
    return {limit.membership_id: limit for limit in db.session.scalars(stmt)}


def _standing(shared: policy.Shared, limit: SafeguardingLimit | None) -> policy.Standing:
    if limit is None:
        return policy.Standing(shared)
    return policy.Standing(shared, hidden=limit.hidden_sections, limited=True)


def standings(memberships, shared: dict[int, policy.Shared] | None = None) -> dict[int, policy.Standing]:
    """Each membership's standing (agreements in force in its circle, and a
    limit on it), by membership id, in two queries. ``shared``: each circle's
    agreements, when the caller has them already."""
    memberships = list(memberships)
    if shared is None:
        shared = shared_by_circle({m.circle_id for m in memberships})
    limits = limits_in_force(m.id for m in memberships)
    return {m.id: _standing(shared[m.circle_id], limits.get(m.id)) for m in memberships}


def standings_by_circle(memberships) -> dict[int, policy.Standing]:
    """One user's standing in each of their circles, by circle id (a user has
    one membership a circle): what dashboards across circles pass to the policy."""
    memberships = list(memberships)
    by_membership = standings(memberships)
    return {m.circle_id: by_membership[m.id] for m in memberships}


def standing_for(membership: Membership) -> policy.Standing:
    """One member's standing, read once per request: what every check of what
    this member may read or do passes to the policy."""
    cache = g.setdefault("_standing_by_membership", {}) if has_app_context() else {}
    if membership.id not in cache:
        cache.update(standings([membership], {membership.circle_id: shared_for(membership.circle_id)}))
    return cache[membership.id]


def kept_by_limit(membership: Membership | None, section: str | None, action: str | None) -> bool:
    """Whether refusing this member ``section`` (or the circle ``action``) comes
    from a safeguarding limit on them, not from their role: what the calm page
    and the audit's "kept" outcome both go by."""
    if membership is None:
        return False
    standing = standing_for(membership)
    if not standing.limited:
        return False
    if section in standing.hidden:
        return True
    return action in policy.LIMIT_REMOVES_ACTIONS and policy.can_act(membership.role, action)


def they_decide(circle_id: int) -> bool:
    """Whether a clinician has recorded that the young person decides about sharing for themselves."""
    stmt = (
        select(DecidingRecord.they_decide)
        .where(DecidingRecord.circle_id == circle_id)
        .order_by(DecidingRecord.recorded_at.desc(), DecidingRecord.id.desc())
        .limit(1)
    )
    return bool(db.session.scalar(stmt))


def member_can(membership: Membership, kind: str, mode: str) -> bool:
    return policy.can(membership.role, kind, mode, standing_for(membership))


def member_can_act(membership: Membership, action: str) -> bool:
    return policy.can_act(membership.role, action, standing_for(membership))


def memberships_for(user) -> list[Membership]:
    """The user's active memberships, each with its circle, in one query."""
    stmt = (
        select(Membership)
        .join(Membership.circle)
        .options(contains_eager(Membership.circle))
        .where(Membership.user_id == user.id, Membership.removed_at.is_(None))
        .order_by(Circle.young_person_name, Circle.id)
    )
    return list(db.session.scalars(stmt))


@lru_cache(maxsize=1)
def _membership_statement():
    # Built once a process: every circle page runs it, and a statement built
    # afresh costs more to make (and to find in the compiled cache) than to run.
    limit_in_force = and_(SafeguardingLimit.membership_id == Membership.id, SafeguardingLimit.lifted_at.is_(None))
    now = bindparam("now", type_=clock.UTCDateTime())
    agreement_in_force = and_(Agreement.circle_id == Membership.circle_id, *agreements_in_force_condition(now))
    return (
        select(Membership, SafeguardingLimit, Agreement.section, Agreement.role)
        .join(Membership.circle)
        .outerjoin(SafeguardingLimit, limit_in_force)
        .outerjoin(Agreement, agreement_in_force)
        .options(contains_eager(Membership.circle))
        .where(
            Membership.circle_id == bindparam("circle_id"),
            Membership.user_id == bindparam("user_id"),
            Membership.removed_at.is_(None),
        )
    )


def find_membership(circle_id: int, user) -> Membership | None:
    """The user's active membership of the circle, with the circle; None for
    anyone else. The same statement reads what the policy asks of it on every
    page of the circle (the agreements in force, a limit on this member), so
    standing_for has it without two more round trips."""
    if not user.is_authenticated:
        return None
    stmt = _membership_statement()
    params = {"circle_id": circle_id, "user_id": user.id, "now": clock.now()}
    rows = db.session.execute(stmt, params).all()
    if not rows:
        return None
    membership = rows[0][0]
    limit = next((row[1] for row in rows if row[1] is not None), None)
    shared = frozenset((section, role) for _, _, section, role in rows if section is not None)
    if has_app_context():
        g.setdefault("_shared_by_circle", {}).setdefault(membership.circle_id, shared)
        g.setdefault("_standing_by_membership", {}).setdefault(membership.id, _standing(shared, limit))
    return membership


def circle_school(membership: Membership) -> int | None:
    """The school the member's circle is at now (loaded with the membership)."""
    return membership.circle.school_organisation_id


def made_at_school(column, school):
    """SQL: a school record made at ``school``, an organisation id or a column
    (a circle at no school matches the records made while it had none)."""
    if school is None:
        return column.is_(None)
    if isinstance(school, int):
        return column == school
    return column.is_not_distinct_from(school)


def row_condition(kind: str, membership: Membership, model):
    """The SQL condition limiting a list section's rows for this member, or None:
    their row scope, and for a school role the school records of the current school."""
    conditions = []
    scope = policy.row_scope(membership.role, kind)
    if scope is not None:
        value = membership.user_id if scope.value is policy.SELF else scope.value
        conditions.append(getattr(model, scope.field) == value)
    if policy.held_to_current_school(membership.role, kind):
        conditions.append(made_at_school(getattr(model, policy.SCHOOL_RECORD_FIELD), circle_school(membership)))
    if not conditions:
        return None
    return and_(*conditions)


def scoped_values(kind: str, membership: Membership) -> dict[str, object]:
    """Values a new row must carry when this member writes under a row scope.
    (Where a school record was made is stamped by the plan's services, for every writer.)"""
    scope = policy.row_scope(membership.role, kind)
    if scope is None:
        return {}
    value = membership.user_id if scope.value is policy.SELF else scope.value
    return {scope.field: value}


def row_in_scope(kind: str, membership: Membership, row) -> bool:
    """``row_condition`` for one row already loaded (it must carry the columns the condition reads)."""
    if policy.held_to_current_school(membership.role, kind):
        if getattr(row, policy.SCHOOL_RECORD_FIELD) != circle_school(membership):
            return False
    scope = policy.row_scope(membership.role, kind)
    if scope is None:
        return True
    value = membership.user_id if scope.value is policy.SELF else scope.value
    return getattr(row, scope.field) == value


def readers_of(memberships, kind: str, shared: dict[int, policy.Shared]) -> dict[int, Membership]:
    """The memberships, by circle, that may read ``kind`` (``shared``: each circle's agreements)."""
    return {m.circle_id: m for m in memberships if policy.can(m.role, kind, policy.READ, shared[m.circle_id])}


def scope_columns(model, kind: str, *names: str) -> list:
    """``names`` of the model, and whatever any role's row scope of ``kind``
    reads (policy.ROW_SCOPES, and where a school record was made), so that
    row_in_scope can judge a row loaded with only these columns."""
    names += tuple(scope.field for (section, _role), scope in policy.ROW_SCOPES.items() if section == kind)
    if kind in policy.SCHOOL_RECORDS:
        names += (policy.SCHOOL_RECORD_FIELD,)
    return [getattr(model, name) for name in dict.fromkeys(names)]


def managed_accounts(admin) -> list[User]:
    """The accounts an organisation admin manages: their organisation's, by name."""
    if admin.organisation_id is None:
        return []
    return list(db.session.scalars(select(User).where(User.organisation_id == admin.organisation_id).order_by(User.name)))


def managed_account(admin, user_id: int) -> User | None:
    """One account the admin manages, or None. Accounts of no organisation (a
    parent's, a young person's) are nobody's to manage, even for an admin
    somehow without an organisation."""
    if admin.organisation_id is None:
        return None
    return db.session.scalars(
        select(User).where(User.id == user_id, User.organisation_id == admin.organisation_id)
    ).first()
