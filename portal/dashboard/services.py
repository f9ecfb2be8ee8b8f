"""What needs each person's attention, across all their circles, in a fixed
number of queries however many circles and rows there are."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.access.queries import memberships_for, row_in_scope, shared_by_circle
from portal.extensions import db
from portal.followup.queries import follow_up_attention
from portal.plan.models import Adjustment, Episode, FollowUp
from portal.plan.presenters import display
from portal.plan.sections import spec_for


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # overdue, missed, review_due, episode, adjustment_ending
    text: str
    when: str
    url: str
    sort_key: tuple
    section: str  # the plan section it comes from, for the page's data-section


@dataclass
class CircleCard:
    membership: object
    items: list[AttentionItem] = field(default_factory=list)


def _readable_circles(memberships, kind, shared) -> dict[int, object]:
    return {m.circle_id: m for m in memberships if policy.can(m.role, kind, policy.READ, shared[m.circle_id])}


class _SectionUrls:
    """Links to a section of many circles, built once a kind: a dashboard of
    hundreds of circles would otherwise spend much of its time in url_for."""

    _PLACEHOLDER = 987_654_321

    def __init__(self):
        self._templates: dict[str, tuple[str, str]] = {}

    def __call__(self, membership, kind: str) -> str:
        if kind not in self._templates:
            url = url_for("plan.section", circle_id=self._PLACEHOLDER, kind=kind)
            before, found, after = url.partition(str(self._PLACEHOLDER))
            if not found or str(self._PLACEHOLDER) in after:
                raise RuntimeError(f"cannot make a link template from {url!r}")
            self._templates[kind] = (before, after)
        before, after = self._templates[kind]
        return f"{before}{int(membership.circle_id)}{after}"


def _columns(model, kind: str, *names: str) -> list:
    """``names`` of the model, and whatever any role's row scope of ``kind``
    reads (policy.ROW_SCOPES, and where a school record was made), so that
    row_in_scope can judge the row."""
    names += tuple(scope.field for (section, _role), scope in policy.ROW_SCOPES.items() if section == kind)
    if kind in policy.SCHOOL_RECORDS:
        names += (policy.SCHOOL_RECORD_FIELD,)
    return [getattr(model, name) for name in dict.fromkeys(names)]


def overdue_text(role: str, label: str) -> str:
    """Only those who keep the follow-ups are asked to act on one."""
    if policy.can(role, "follow_ups", policy.EDIT):
        return f"{label} is overdue: mark it attended, missed or rebook it"
    return f"{label} is overdue: the care team has been reminded"


def dashboard_for(user) -> list[CircleCard]:
    memberships = memberships_for(user)
    shared = shared_by_circle(m.circle_id for m in memberships)
    section_url = _SectionUrls()
    cards = {m.circle_id: CircleCard(m) for m in memberships}
    found: dict[int, list[AttentionItem]] = defaultdict(list)
    now = clock.now()
    today = clock.today()
    config = current_app.config

    follow_up_spec = spec_for("follow_ups")
    circles = _readable_circles(memberships, "follow_ups", shared)
    if circles:
        review_horizon = now + timedelta(days=config["REVIEW_DUE_SOON_DAYS"])
        kind_field, due_field = follow_up_spec.field("kind"), follow_up_spec.field("due_at")
        # Only the columns used here: hundreds of whole rows, texts and all, cost more to load than to find.
        rows = db.session.execute(
            select(*_columns(FollowUp, "follow_ups", "circle_id", "kind", "due_at", "status")).where(
                FollowUp.circle_id.in_(circles),
                FollowUp.removed_at.is_(None),
                (
                    (FollowUp.status == "missed")
                    | ((FollowUp.status == "scheduled") & (FollowUp.due_at < review_horizon))
                ),
            )
        )
        for row in rows:
            membership = circles[row.circle_id]
            if not row_in_scope("follow_ups", membership, row):
                continue
            label = display(kind_field, row.kind)
            when = display(due_field, row.due_at)
            url = section_url(membership, "follow_ups")
            if row.status == "missed":
                found[row.circle_id].append(AttentionItem("missed", f"{label} was missed", when, url, (0, row.due_at), "follow_ups"))
            elif row.due_at < now:
                found[row.circle_id].append(
                    AttentionItem("overdue", overdue_text(membership.role, label), when, url, (1, row.due_at), "follow_ups")
                )
            elif row.kind != "appointment":
                found[row.circle_id].append(AttentionItem("review_due", f"{label} is coming up", when, url, (3, row.due_at), "follow_ups"))

    circles = _readable_circles(memberships, "episodes", shared)
    if circles:
        since = now - timedelta(days=config["RECENT_EPISODE_DAYS"])
        occurred_field = spec_for("episodes").field("occurred_at")
        rows = db.session.execute(
            select(*_columns(Episode, "episodes", "circle_id", "occurred_at")).where(
                Episode.circle_id.in_(circles), Episode.removed_at.is_(None), Episode.occurred_at >= since
            )
        )
        for row in rows:
            membership = circles[row.circle_id]
            if not row_in_scope("episodes", membership, row):
                continue
            when = display(occurred_field, row.occurred_at)
            found[row.circle_id].append(
                AttentionItem("episode", "An in-school episode was recorded", when, section_url(membership, "episodes"),
                              (2, -row.occurred_at.timestamp()), "episodes")
            )

    circles = _readable_circles(memberships, "adjustments", shared)
    if circles:
        horizon = today + timedelta(days=config["ADJUSTMENT_ENDING_SOON_DAYS"])
        adjustment_spec = spec_for("adjustments")
        kind_field, end_field = adjustment_spec.field("kind"), adjustment_spec.field("end_date")
        rows = db.session.execute(
            select(Adjustment.circle_id, Adjustment.kind, Adjustment.subjects, Adjustment.end_date).where(
                Adjustment.circle_id.in_(circles),
                Adjustment.removed_at.is_(None),
                Adjustment.end_date.is_not(None),
                Adjustment.end_date >= today,
                Adjustment.end_date <= horizon,
            )
        )
        for row in rows:
            membership = circles[row.circle_id]
            label = display(kind_field, row.kind)
            subjects = f" ({row.subjects})" if row.subjects else ""
            found[row.circle_id].append(
                AttentionItem(
                    "adjustment_ending",
                    f"{label}{subjects} ends soon",
                    display(end_field, row.end_date),
                    section_url(membership, "adjustments"),
                    (4, row.end_date),
                    "adjustments",
                )
            )

    # A follow-up due after an episode or a setback review (portal/followup/).
    for circle_id, items in follow_up_attention(memberships, shared).items():
        found[circle_id].extend(items)

    for circle_id, items in found.items():
        cards[circle_id].items = sorted(items, key=lambda item: item.sort_key)
    # Circles that need attention first, the most urgent kind of need first.
    return sorted(
        cards.values(),
        key=lambda card: (card.items[0].sort_key[0] if card.items else 9, card.membership.circle.young_person_name),
    )
