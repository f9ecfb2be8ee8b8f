"""Safeguarding limits on a caregiver's membership (DESIGN.md, principle 11):
placed, changed and lifted; seen by those who may place them; due for review.

Every change is decided by the transitions policy (transitions.LIMIT,
LIFT_LIMIT) with the target as they stand now, audited without its reason,
and told to those the policy names (policy.TOLD_OF_LIMITS) without reason or
sections. What a limit hides is applied by the policy itself, everywhere a
member's standing is asked for (queries.standing_for).

The audit actions here are not among audit.ACTION_PHRASES on purpose: "who
has seen this plan" is read by the family, and must not tell the other
parent, or the young person, that a limit was placed on a caregiver."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, hooks, touched
from portal.access import policy, transitions
from portal.access.queries import limits_in_force, member_can, member_can_act, shared_for, standings
from portal.access.transitions import Decision
from portal.audit.services import record as audit
from portal.auth.models import User
from portal.auth.services import names_of
from portal.circles.models import Membership
from portal.extensions import db
from portal.hooks import AttentionItem
from portal.notify import services as notify
from portal.plan.models import CareTeamContact
from portal.safeguarding.models import SafeguardingLimit
from portal.timezone import day_text, to_utc
from portal.urls import path_for

# A limit shows on the dashboards of those who may change it this many days
# before its review date, and after it until someone looks again.
REVIEW_SOON_DAYS = 7


# A refused limit is refused as any membership change is: the same exception and words.
LimitRefused = transitions.ChangeRefused


def decide(action: str, actor: Membership, target: Membership) -> Decision:
    """The policy's answer for this change to this target as they stand now."""
    return transitions.decide(
        action,
        actor.role if actor.active else None,
        transitions.state_of(target),
        target.role,
        self_target=target.id == actor.id,
    )


def limit_on(membership: Membership) -> SafeguardingLimit | None:
    return limits_in_force([membership.id]).get(membership.id)


def hideable_sections(target: Membership) -> tuple[str, ...]:
    """The sections the caregiver reads without a limit: what a limit may hide."""
    return policy.readable_sections(target.role, shared_for(target.circle_id))


def suggested_hiding(target: Membership) -> tuple[str, ...]:
    readable = hideable_sections(target)
    return tuple(kind for kind in policy.LIMIT_SUGGESTS_HIDING if kind in readable)


def _recheck(action: str, actor: Membership, target: Membership) -> None:
    """Decide again against the rows as the database holds them now, in this
    transaction: the actor still in their role, the target still a member."""
    db.session.refresh(actor)
    db.session.refresh(target)
    decision = decide(action, actor, target)
    if not decision.allowed:
        raise LimitRefused(decision)


def _lift(limit: SafeguardingLimit, actor: Membership) -> None:
    """Lift only the row still in force: of two people changing it at once, one wins."""
    result = db.session.execute(
        update(SafeguardingLimit)
        .where(SafeguardingLimit.id == limit.id, SafeguardingLimit.lifted_at.is_(None))
        .values(lifted_at=clock.now(), lifted_by_id=actor.user_id)
        .execution_options(synchronize_session=False)
    )
    touched.changed(limit.circle_id)
    if result.rowcount != 1:
        raise LimitRefused(Decision(False, "changed_meanwhile"))


def place_limit(
    actor: Membership, target: Membership, hidden, reason: str, review_on: date, *, expected_id: int | None = None
) -> SafeguardingLimit:
    """Place a limit, or change the one in force (``expected_id``, the limit the
    form was drawn from): the old one lifted and the new one placed in one commit."""
    _recheck(transitions.LIMIT, actor, target)
    readable = set(hideable_sections(target))
    chosen = [kind for kind in policy.SECTIONS if kind in set(hidden)]
    if any(kind not in readable for kind in chosen):
        raise LimitRefused(Decision(False, "not_allowed"))
    current = limit_on(target)
    if (current.id if current is not None else None) != expected_id:
        raise LimitRefused(Decision(False, "changed_meanwhile"))
    if current is not None:
        _lift(current, actor)
    limit = SafeguardingLimit(
        circle_id=target.circle_id,
        membership_id=target.id,
        hidden=",".join(chosen),
        reason=reason.strip(),
        review_on=review_on,
        placed_by_id=actor.user_id,
        placed_at=clock.now(),
    )
    db.session.add(limit)
    try:
        db.session.flush()
    except IntegrityError:
        # Another limit was placed after this one's form was read (the
        # database keeps one in force per caregiver): nothing of this is kept.
        db.session.rollback()
        raise LimitRefused(Decision(False, "changed_meanwhile")) from None
    what = "changed" if current is not None else "placed"
    audit(f"limit_{what}", circle_id=target.circle_id, user=actor.user, subject=target.user)
    _tell(target, actor, what)
    db.session.commit()
    return limit


def lift_limit(actor: Membership, target: Membership, limit_id: int) -> None:
    _recheck(transitions.LIFT_LIMIT, actor, target)
    current = limit_on(target)
    if current is None or current.id != limit_id:
        raise LimitRefused(Decision(False, "changed_meanwhile"))
    _lift(current, actor)
    audit("limit_lifted", circle_id=target.circle_id, user=actor.user, subject=target.user)
    _tell(target, actor, "lifted")
    db.session.commit()



def _told(circle_id: int, *, leave_out: set[int]) -> list[notify.Recipient]:
    """Those the policy tells of limits, but never the limited caregiver."""
    members = [m for m in notify.reachable_members(circle_id) if m.id not in leave_out and policy.told_of_limits(m.role)]
    standing = standings(members)
    return [notify.Recipient(m.user, m.role, standing[m.id]) for m in members]


def _notice_words(name: str, what: str) -> str:
    """The notice, whole, for each thing that can happen to a limit; never the reason, the sections or whom."""
    if what == "placed":
        return _("A safeguarding limit on a caregiver in %(name)s's circle was placed. See the people in the circle.", name=name)
    if what == "changed":
        return _("A safeguarding limit on a caregiver in %(name)s's circle was changed. See the people in the circle.", name=name)
    if what == "lifted":
        return _("A safeguarding limit on a caregiver in %(name)s's circle was lifted. See the people in the circle.", name=name)
    if what == "review":
        return _("A safeguarding limit on a caregiver in %(name)s's circle is due for review. See the people in the circle.",
                 name=name)
    raise ValueError(f"unknown change to a limit {what!r}")


def _notice_text(circle_id: int, what: str):
    """The notice as words for each recipient, in their own language."""
    name = notify.circle_name(circle_id)
    _notice_words(name, what)  # an unknown change fails here, not in notify
    return lambda role: _notice_words(name, what)


def _tell(target: Membership, actor: Membership, what: str) -> None:
    notify.tell(
        _told(target.circle_id, leave_out={actor.id, target.id}),
        "limit_changed",
        circle_id=target.circle_id,
        section=None,
        text=_notice_text(target.circle_id, what),
        link=path_for("circles.members", circle_id=target.circle_id),
    )


# --- Seeing limits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitView:
    """A limit as one reader may see it: the reason only for those the policy lets read it."""

    limit: SafeguardingLimit
    member_name: str
    hidden_titles: tuple[str, ...]
    placed_by: str
    lifted_by: str | None
    reason: str | None
    review_due: bool

    @property
    def review_text(self) -> str:
        return day_text(self.limit.review_on) if self.limit.review_on else _("no date")


def _views(rows, reader_role: str) -> list[LimitView]:
    rows = list(rows)
    member_names = dict(
        db.session.execute(
            select(Membership.id, User.name)
            .join(User, User.id == Membership.user_id)
            .where(Membership.id.in_({row.membership_id for row in rows} or {0}))
        ).all()
    )
    names = names_of([row.placed_by_id for row in rows] + [row.lifted_by_id for row in rows])
    reads_reason = policy.reads_limit_reason(reader_role)
    soon = clock.today() + timedelta(days=REVIEW_SOON_DAYS)
    return [
        LimitView(
            limit=row,
            member_name=member_names.get(row.membership_id) or _("A former member"),
            hidden_titles=tuple(str(policy.SECTION_TITLES[kind]) for kind in row.hidden_sections),
            placed_by=names.get(row.placed_by_id) or _("someone"),
            lifted_by=names.get(row.lifted_by_id) if row.lifted_by_id else None,
            reason=row.reason if reads_reason else None,
            review_due=row.in_force and row.review_on is not None and row.review_on <= soon,
        )
        for row in rows
    ]


def limits_for_members(circle_id: int, reader: Membership) -> dict[int, LimitView]:
    """The limits in force in the circle, by membership id, for a reader who may view them."""
    if not member_can_act(reader, "view_limits"):
        return {}
    rows = db.session.scalars(
        select(SafeguardingLimit).where(SafeguardingLimit.circle_id == circle_id, SafeguardingLimit.lifted_at.is_(None))
    )
    return {view.limit.membership_id: view for view in _views(rows, reader.role)}


def history(circle_id: int, reader: Membership) -> list[LimitView]:
    """Every limit placed in the circle, the newest first."""
    rows = db.session.scalars(
        select(SafeguardingLimit)
        .where(SafeguardingLimit.circle_id == circle_id)
        .order_by(SafeguardingLimit.placed_at.desc(), SafeguardingLimit.id.desc())
    )
    return _views(rows, reader.role)


# --- The calm page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CareTeamPerson:
    name: str
    ways: tuple[str, ...]  # phone, email, when to reach them: only what the reader may read


def care_team_for(membership: Membership) -> list[CareTeamPerson]:
    """The circle's clinicians, by name, and how to reach them from the care
    team section when this member may read it."""
    clinicians = [m for m in notify.reachable_members(membership.circle_id) if m.role == policy.CLINICIAN]
    reach: dict[int, tuple[str, ...]] = {}
    if clinicians and member_can(membership, "care_team", policy.READ):
        contacts = db.session.scalars(
            select(CareTeamContact).where(
                CareTeamContact.circle_id == membership.circle_id,
                CareTeamContact.removed_at.is_(None),
                CareTeamContact.membership_id.in_([m.id for m in clinicians]),
            )
        )
        for contact in contacts:
            ways = (contact.phone.strip(), contact.email.strip(), (contact.availability or "").strip())
            reach[contact.membership_id] = tuple(way for way in ways if way)
    return [CareTeamPerson(m.user.name, reach.get(m.id, ())) for m in sorted(clinicians, key=lambda m: m.user.name)]


# --- Reviews: the dashboard and the scheduler ----------------------------------------------------


def _may_change(membership: Membership, shared) -> bool:
    return policy.can_act(membership.role, "set_limits", shared) and transitions.decide(
        transitions.LIMIT, membership.role, policy.CAREGIVER, policy.CAREGIVER
    ).allowed


@hooks.dashboard_items.register
def review_items(memberships, shared) -> dict[int, list[AttentionItem]]:
    """A limit due for review within a week, or overdue, for those who may change it."""
    changing = {m.circle_id: m for m in memberships if _may_change(m, shared[m.circle_id])}
    if not changing:
        return {}
    horizon = clock.today() + timedelta(days=REVIEW_SOON_DAYS)
    rows = db.session.execute(
        select(SafeguardingLimit.circle_id, SafeguardingLimit.membership_id, SafeguardingLimit.review_on).where(
            SafeguardingLimit.circle_id.in_(changing),
            SafeguardingLimit.lifted_at.is_(None),
            SafeguardingLimit.review_on <= horizon,
        )
    ).all()
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    today = clock.today()
    for circle_id, membership_id, review_on in rows:
        if membership_id == changing[circle_id].id:
            continue
        passed = review_on < today
        text = _("A safeguarding limit on a caregiver was due for review") if passed else _(
            "A safeguarding limit on a caregiver is due for review"
        )
        found[circle_id].append(
            AttentionItem(
                "overdue" if passed else "review_due",
                text,
                day_text(review_on),
                path_for("circles.members", circle_id=circle_id),
                # Sorted among the others' moments: the start of the review day, where the people are.
                (1 if passed else 3, to_utc(datetime.combine(review_on, time.min))),
                "",
                at=review_on,
            )
        )
    return found


def review_due_notices() -> int:
    """Tell those who may change a limit, once, when its review date comes."""
    rows = list(
        db.session.scalars(
            select(SafeguardingLimit).where(
                SafeguardingLimit.lifted_at.is_(None), SafeguardingLimit.review_on <= clock.today()
            )
        )
    )
    made = 0
    for limit in rows:
        if not notify.once(f"limit-review:{limit.id}:{limit.review_on.isoformat()}"):
            continue
        members = notify.reachable_members(limit.circle_id)
        standing = standings(members)
        told = [
            notify.Recipient(m.user, m.role, standing[m.id])
            for m in members
            if m.id != limit.membership_id and _may_change(m, standing[m.id])
        ]
        notify.tell(
            told,
            "limit_changed",
            circle_id=limit.circle_id,
            section=None,
            text=_notice_text(limit.circle_id, "review"),
            link=path_for("circles.members", circle_id=limit.circle_id),
        )
        made += 1
    db.session.commit()
    return made


hooks.scheduled.register(lambda: {"limits due for review": review_due_notices()}, order=40)
