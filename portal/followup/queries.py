"""Reading follow-through: what is due, what was missed, when the plan was
last reviewed, which changes followed a setback review, and whose
appointments go in which calendar. Every function costs a fixed number of
SQL statements, however many circles, episodes or follow-ups there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.access import policy
from portal.access.queries import member_can, memberships_for, row_condition, shared_by_circle
from portal.access.sections import section_access
from portal.auth.models import User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.followup.models import SectionReview
from portal.plan import presenters
from portal.plan import queries as plan_queries
from portal.plan.models import CareTeamContact, Episode, FollowUp, SectionVersion, SetbackReview
from portal.plan.sections import spec_for
from portal.timezone import to_local

# A follow-up that answers an episode or a setback is an appointment that is
# booked or took place; a missed one answers nothing, and a school review is
# not clinical follow-up.
ANSWERING_KINDS = ("appointment",)
ANSWERING_STATUSES = ("scheduled", "attended")

# What makes a follow-up due, and the moment each one counts from: an episode
# from when it happened, a setback review from when it was recorded.
EVENT_SOURCES = {
    "episodes": (Episode, Episode.occurred_at),
    "setback_reviews": (SetbackReview, SetbackReview.created_at),
}


def _last_answer(circle_id_column):
    return (
        select(func.max(FollowUp.due_at))
        .where(
            FollowUp.circle_id == circle_id_column,
            FollowUp.removed_at.is_(None),
            FollowUp.kind.in_(ANSWERING_KINDS),
            FollowUp.status.in_(ANSWERING_STATUSES),
        )
        .scalar_subquery()
    )


def first_unanswered(source: str, circle_id_column):
    """The first event of ``source`` after which no follow-up is dated, as a
    correlated SQL expression: NULL when every event has one after it.

    Only the latest follow-up matters: one dated after an event is dated after
    every earlier event too, so the first event later than it is the one the
    follow-up has been due since.
    """
    model, at = EVENT_SOURCES[source]
    last = _last_answer(model.circle_id)
    return (
        select(func.min(at))
        .where(model.circle_id == circle_id_column, model.removed_at.is_(None), or_(last.is_(None), at > last))
        .scalar_subquery()
    )


def unanswered_events(circle_ids) -> dict[int, dict[str, datetime]]:
    """Per circle, per source, the first event still waiting for a follow-up;
    one query. ``circle_ids`` None: every circle (for the scheduler)."""
    columns = [first_unanswered(source, Circle.id).label(source) for source in EVENT_SOURCES]
    stmt = select(Circle.id, *columns)
    if circle_ids is not None:
        circle_ids = list(circle_ids)
        if not circle_ids:
            return {}
        stmt = stmt.where(Circle.id.in_(circle_ids))
    found: dict[int, dict[str, datetime]] = {}
    for row in db.session.execute(stmt):
        times = {source: row._mapping[source] for source in EVENT_SOURCES if row._mapping[source] is not None}
        if times:
            found[row.id] = times
    return found


def due_days() -> int:
    return current_app.config["FOLLOW_UP_DUE_DAYS"]


def due_by(since: datetime) -> datetime:
    return since + timedelta(days=due_days())


def since_for(membership, events: dict[str, datetime], shared: policy.Shared) -> datetime | None:
    """The first unanswered event this member may read about: a follow-up
    being due must not tell anyone of an episode or setback they cannot see."""
    readable = [
        at for source, at in events.items()
        if policy.can(membership.role, source, policy.READ, shared)
        # The first event is counted over every school's records: a member held
        # to the current school's would learn of one from a previous school.
        and not policy.held_to_current_school(membership.role, source)
    ]
    return min(readable) if readable else None


def monitoring_memberships(membership_ids, circle_ids=None) -> set[int]:
    """Memberships whose own care-team entry holds the monitoring responsibility.

    ``circle_ids``, the circles of those memberships, if known: a member's own
    entry is in their circle, and care_team_contact is indexed by circle, not
    by membership, so naming the circles spares a scan of every circle's team.
    """
    membership_ids = list(membership_ids)
    if not membership_ids:
        return set()
    conditions = [
        CareTeamContact.membership_id.in_(membership_ids),
        CareTeamContact.removed_at.is_(None),
        CareTeamContact.responsibilities.contains("monitoring"),
    ]
    if circle_ids is not None:
        conditions.append(CareTeamContact.circle_id.in_(sorted(set(circle_ids))))
    return set(db.session.scalars(select(CareTeamContact.membership_id).where(*conditions)))


def members_of(circle_ids) -> tuple[dict[int, list[Membership]], set[int]]:
    """Active members of active accounts, per circle, with who holds monitoring; two queries."""
    circle_ids = list(circle_ids)
    by_circle: dict[int, list[Membership]] = {circle_id: [] for circle_id in circle_ids}
    if not circle_ids:
        return by_circle, set()
    members = db.session.scalars(
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.circle_id.in_(circle_ids), Membership.removed_at.is_(None), User.active.is_(True))
        .order_by(Membership.id)
    )
    for membership in members:
        by_circle[membership.circle_id].append(membership)
    monitoring = set(
        db.session.scalars(
            select(CareTeamContact.membership_id).where(
                CareTeamContact.circle_id.in_(circle_ids),
                CareTeamContact.removed_at.is_(None),
                CareTeamContact.membership_id.is_not(None),
                CareTeamContact.responsibilities.contains("monitoring"),
            )
        )
    )
    return by_circle, monitoring


def local_date(moment: datetime) -> str:
    local = to_local(moment)
    return f"{local:%a} {local.day} {local:%b %Y}"


def follow_up_attention(memberships, shared: dict[int, policy.Shared]) -> dict[int, list]:
    """Dashboard items saying that a follow-up is due, for the people who answer for it."""
    # Imported here: the dashboard asks this module for its items.
    from portal.dashboard.services import AttentionItem

    if not memberships:
        return {}
    monitoring = monitoring_memberships([m.id for m in memberships], [m.circle_id for m in memberships])
    answering = [m for m in memberships if policy.answers_for_follow_ups(m.role, m.id in monitoring)]
    events = unanswered_events(m.circle_id for m in answering)
    now = clock.now()
    found: dict[int, list] = defaultdict(list)
    for membership in answering:
        since = since_for(membership, events.get(membership.circle_id, {}), shared[membership.circle_id])
        if since is None:
            continue
        deadline = due_by(since)
        passed = deadline < now
        found[membership.circle_id].append(
            AttentionItem(
                "follow_up_overdue" if passed else "follow_up_due",
                f"A follow-up {'was' if passed else 'is'} due by {local_date(deadline)}",
                "none is booked yet" if passed else "booking an appointment clears this",
                url_for("plan.section", circle_id=membership.circle_id, kind="follow_ups"),
                (1, deadline),
                "follow_ups",
            )
        )
    return found


# -- plan reviews ------------------------------------------------------------


def reaches_kind(membership, follow_up_kind: str) -> bool:
    """Whether the member may read follow-ups of this kind (the school sees only school reviews)."""
    if not member_can(membership, "follow_ups", policy.READ):
        return False
    scope = policy.row_scope(membership.role, "follow_ups")
    return scope is None or (scope.field == "kind" and scope.value == follow_up_kind)


def next_plan_review(circle_id: int) -> FollowUp | None:
    """The plan's next review: the earliest plan review still scheduled, overdue included."""
    return db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.circle_id == circle_id,
            FollowUp.removed_at.is_(None),
            FollowUp.kind == "plan_review",
            FollowUp.status == "scheduled",
        )
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(1)
    ).first()


def review_meetings(circle_id: int, now: datetime) -> list[FollowUp]:
    """Booked plan reviews a review being recorded may have taken place at:
    from the last few weeks up to tomorrow, still scheduled or marked missed."""
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(
                FollowUp.circle_id == circle_id,
                FollowUp.removed_at.is_(None),
                FollowUp.kind == "plan_review",
                FollowUp.status.in_(("scheduled", "missed")),
                FollowUp.due_at <= now + timedelta(days=1),
                FollowUp.due_at >= now - timedelta(days=60),
            )
            .order_by(FollowUp.due_at.desc(), FollowUp.id.desc())
        )
    )


@dataclass(frozen=True)
class LastReview:
    reviewed_at: datetime
    reviewer: str
    outcome: str
    version_changed_at: datetime | None


def _reviewer(name: str | None) -> str:
    return name or "Someone no longer in Support Circle"


def last_reviews(circle_id: int, kinds=None) -> dict[str, LastReview]:
    """The latest review of each section (or of ``kinds``), with who made it; one query."""
    latest = select(func.max(SectionReview.id)).where(SectionReview.circle_id == circle_id)
    if kinds is not None:
        latest = latest.where(SectionReview.section.in_(list(kinds)))
    latest = latest.group_by(SectionReview.section)
    rows = db.session.execute(
        select(SectionReview, User.name, SectionVersion.changed_at)
        .outerjoin(User, User.id == SectionReview.reviewed_by_id)
        .outerjoin(SectionVersion, SectionVersion.id == SectionReview.version_id)
        .where(SectionReview.id.in_(latest))
    )
    return {
        review.section: LastReview(review.reviewed_at, _reviewer(name), review.outcome, changed_at)
        for review, name, changed_at in rows
    }


def latest_versions(circle_id: int) -> dict[str, tuple[int, datetime]]:
    """Each section's newest saved version (id, when); one query."""
    newest = (
        select(func.max(SectionVersion.id))
        .where(SectionVersion.circle_id == circle_id)
        .group_by(SectionVersion.kind)
    )
    rows = db.session.execute(
        select(SectionVersion.kind, SectionVersion.id, SectionVersion.changed_at).where(SectionVersion.id.in_(newest))
    )
    return {kind: (version_id, changed_at) for kind, version_id, changed_at in rows}


# -- setback reviews and the changes that followed ----------------------------


@dataclass(frozen=True)
class LinkedReview:
    review: SetbackReview
    fields: list  # presenters.ShownField, only those the member may read


def linked_setback_reviews(circle_id: int, versions, membership) -> dict[int, LinkedReview]:
    """The setback reviews that the given versions follow, as this member may read them."""
    wanted = {version.setback_review_id for version, _ in versions if version.setback_review_id is not None}
    if not wanted or not member_can(membership, "setback_reviews", policy.READ):
        return {}
    spec = spec_for("setback_reviews")
    access = section_access(membership, spec)
    rows = db.session.scalars(
        select(SetbackReview).where(SetbackReview.circle_id == circle_id, SetbackReview.id.in_(wanted))
    )
    return {
        review.id: LinkedReview(review, presenters.shown_fields(spec, review, access.readable, skip_empty=True))
        for review in rows
    }


@dataclass
class LinkedChanges:
    spec: object
    entries: list = field(default_factory=list)  # presenters.HistoryEntry


def changes_following(circle_id: int, review_id: int, membership) -> list[LinkedChanges]:
    """Changes saved as following this setback review, in the sections (and
    rows, and fields) the member may read, each with what it changed. One
    query to find the sections, then one for each: bounded by the number of
    sections, not by the history's length."""
    kinds = set(
        db.session.scalars(
            select(SectionVersion.kind)
            .where(SectionVersion.circle_id == circle_id, SectionVersion.setback_review_id == review_id)
            .distinct()
        )
    )
    found = []
    for kind in policy.SECTIONS:
        if kind not in kinds or not member_can(membership, kind, policy.READ):
            continue
        spec = spec_for(kind)
        access = section_access(membership, spec)
        entries = presenters.history(spec, plan_queries.versions(circle_id, spec, membership), access.readable)
        linked = [entry for entry in entries if entry.version.setback_review_id == review_id]
        if linked:
            found.append(LinkedChanges(spec, linked))
    return found


# -- the calendar -------------------------------------------------------------


def upcoming_follow_ups_for(user) -> list[FollowUp]:
    """Scheduled follow-ups still to come that this person may read, across
    their circles (active memberships only, under their row scopes); one
    query after the memberships and agreements."""
    return upcoming_follow_ups_with_roles(user)[0]


def upcoming_follow_ups_with_roles(user) -> tuple[list[FollowUp], dict[int, str]]:
    """The same, and the role the person holds in each of their circles (for the audit)."""
    memberships = memberships_for(user)
    roles = {membership.circle_id: membership.role for membership in memberships}
    shared = shared_by_circle(m.circle_id for m in memberships)
    reachable = []
    for membership in memberships:
        if not policy.can(membership.role, "follow_ups", policy.READ, shared[membership.circle_id]):
            continue
        in_circle = FollowUp.circle_id == membership.circle_id
        scope = row_condition("follow_ups", membership, FollowUp)
        reachable.append(in_circle if scope is None else and_(in_circle, scope))
    if not reachable:
        return [], roles
    rows = list(
        db.session.scalars(
            select(FollowUp)
            .where(
                or_(*reachable),
                FollowUp.removed_at.is_(None),
                FollowUp.status == "scheduled",
                FollowUp.due_at >= clock.now(),
            )
            .order_by(FollowUp.due_at, FollowUp.id)
        )
    )
    return rows, roles


# -- the caseload -------------------------------------------------------------

TIER_FOLLOW_UP, TIER_REVIEW, TIER_EPISODE, TIER_NONE = 0, 1, 2, 3


@dataclass
class CaseloadEntry:
    membership: Membership
    tier: int
    problems: list = field(default_factory=list)  # FollowUp rows missed or overdue
    due_since: datetime | None = None
    next_review: datetime | None = None
    next_appointment: datetime | None = None
    last_episode: datetime | None = None

    def sections_shown(self) -> tuple[str, ...]:
        """What the caseload shows of this circle: always something of the
        follow-ups (what slipped, the next review or that none is booked),
        and the last episode when there is one."""
        return ("follow_ups", "episodes") if self.last_episode else ("follow_ups",)


@dataclass
class CaseloadPage:
    entries: list[CaseloadEntry]
    page: int
    pages: int
    total: int


def _caseload_roles() -> tuple[str, ...]:
    return tuple(role for role in policy.ROLES if policy.can_act(role, "caseload"))


def caseload(user, page: int, per_page: int) -> CaseloadPage:
    """The circles where the user is on the clinical team, those whose
    follow-up is slipping first, then those whose plan review is due, then
    those with a recent in-school episode. The ordering is worked out in SQL,
    so a page costs the same whether the caseload holds ten circles or five
    hundred."""
    config = current_app.config
    now = clock.now()
    roles = _caseload_roles()
    mine = (Membership.user_id == user.id, Membership.removed_at.is_(None), Membership.role.in_(roles))

    slipping = exists().where(
        FollowUp.circle_id == Circle.id,
        FollowUp.removed_at.is_(None),
        or_(FollowUp.status == "missed", and_(FollowUp.status == "scheduled", FollowUp.due_at < now)),
    )
    due = or_(*(first_unanswered(source, Circle.id).is_not(None) for source in EVENT_SOURCES))
    next_review = (
        select(func.min(FollowUp.due_at))
        .where(
            FollowUp.circle_id == Circle.id,
            FollowUp.removed_at.is_(None),
            FollowUp.kind == "plan_review",
            FollowUp.status == "scheduled",
        )
        .scalar_subquery()
    )
    review_due = or_(next_review.is_(None), next_review < now + timedelta(days=config["REVIEW_DUE_SOON_DAYS"]))
    recent = exists().where(
        Episode.circle_id == Circle.id,
        Episode.removed_at.is_(None),
        Episode.occurred_at >= now - timedelta(days=config["RECENT_EPISODE_DAYS"]),
    )
    tier = case(
        (or_(slipping, due), TIER_FOLLOW_UP), (review_due, TIER_REVIEW), (recent, TIER_EPISODE), else_=TIER_NONE
    ).label("tier")

    total = db.session.scalar(select(func.count()).select_from(Membership).where(*mine)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(Membership, tier)
        .join(Membership.circle)
        .options(contains_eager(Membership.circle))
        .where(*mine)
        .order_by(tier, Circle.young_person_name, Circle.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    entries = {membership.circle_id: CaseloadEntry(membership, tier_value) for membership, tier_value in rows}
    _fill_details(entries, now, config)
    return CaseloadPage(list(entries.values()), page, pages, total)


def _fill_details(entries: dict[int, CaseloadEntry], now: datetime, config) -> None:
    """What each circle on the page needs, in four queries for the whole page."""
    circle_ids = list(entries)
    if not circle_ids:
        return
    problems = db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.circle_id.in_(circle_ids),
            FollowUp.removed_at.is_(None),
            or_(FollowUp.status == "missed", and_(FollowUp.status == "scheduled", FollowUp.due_at < now)),
        )
        .order_by(FollowUp.due_at)
    )
    for row in problems:
        entries[row.circle_id].problems.append(row)
    for circle_id, events in unanswered_events(circle_ids).items():
        entry = entries[circle_id]
        entry.due_since = since_for(entry.membership, events, frozenset())
    coming = db.session.execute(
        select(FollowUp.circle_id, FollowUp.kind, func.min(FollowUp.due_at))
        .where(
            FollowUp.circle_id.in_(circle_ids),
            FollowUp.removed_at.is_(None),
            FollowUp.status == "scheduled",
            or_(FollowUp.kind == "plan_review", and_(FollowUp.kind == "appointment", FollowUp.due_at >= now)),
        )
        .group_by(FollowUp.circle_id, FollowUp.kind)
    )
    for circle_id, kind, due_at in coming:
        if kind == "plan_review":
            entries[circle_id].next_review = due_at
        else:
            entries[circle_id].next_appointment = due_at
    since = now - timedelta(days=config["RECENT_EPISODE_DAYS"])
    episodes = db.session.execute(
        select(Episode.circle_id, func.max(Episode.occurred_at))
        .where(Episode.circle_id.in_(circle_ids), Episode.removed_at.is_(None), Episode.occurred_at >= since)
        .group_by(Episode.circle_id)
    )
    for circle_id, occurred_at in episodes:
        # Neither episodes nor setback reviews can be shared by agreement, so
        # the role alone decides, without a query per circle for agreements;
        # the latest is of any school, so not for a role held to the current one.
        role = entries[circle_id].membership.role
        if policy.can(role, "episodes", policy.READ) and not policy.held_to_current_school(role, "episodes"):
            entries[circle_id].last_episode = occurred_at
