"""What needs each person's attention, first, across all their circles, in a
fixed number of statements however many circles they are in.

The order comes from the attention table (portal/dashboard/models.py, kept by
portal/dashboard/attention.py): one indexed ``ORDER BY urgency, due_at
LIMIT``. Only the circles on this page are then given their full cards, from
the features' own providers (hooks.dashboard_items) run over just those
memberships; the rest of the reader's circles are a compact list, searched
and paged in the access layer (portal/access/finding.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal import hooks
from portal.access import policy
from portal.circles.models import Circle, Membership
from portal.dashboard.attention import items_for
from portal.dashboard.models import MembershipAttention
from portal.extensions import db
from portal.hooks import AttentionItem
from portal.paging import Page, page_or_404

PER_PAGE = 20
OTHERS_PER_PAGE = 25
HOME_ROLES = tuple(role for role in policy.ROLES if policy.right_now_on_home_page(role))


@dataclass
class CircleCard:
    membership: object
    items: list[AttentionItem] = field(default_factory=list)


def attention_page(user, page: int, home: list) -> Page:
    """A page of cards, the most urgent first; a 404 for a page past the end.

    A young person's or caregiver's own circles (``home``, a few) are cards
    too, after what needs attention on the first page: their page is where
    they find their say and their first steps, not a line in a list."""
    mine = (
        MembershipAttention.user_id == user.id,
        Membership.removed_at.is_(None),
    )
    total = (
        db.session.scalar(
            select(func.count())
            .select_from(MembershipAttention)
            .join(Membership, Membership.id == MembershipAttention.membership_id)
            .where(*mine)
        )
        or 0
    )
    pages = page_or_404(page, total, PER_PAGE)
    memberships = db.session.scalars(
        select(Membership)
        .join(MembershipAttention, MembershipAttention.membership_id == Membership.id)
        .join(Membership.circle)
        .options(contains_eager(Membership.circle))
        .where(*mine)
        .order_by(MembershipAttention.urgency, MembershipAttention.due_at, Circle.young_person_name, Membership.id)
        .limit(PER_PAGE)
        .offset(Page.offset(page, PER_PAGE))
    ).all()
    if page == 1:
        carded = {m.id for m in memberships}
        memberships = [*memberships, *(m for m in home if m.id not in carded)]
    items = items_for(memberships)
    cards = [CircleCard(m, items.get(m.id, [])) for m in memberships]
    return Page(cards, page, pages, total, PER_PAGE)


def roles_held(user) -> set[str]:
    return set(
        db.session.scalars(
            select(Membership.role).distinct().where(Membership.user_id == user.id, Membership.removed_at.is_(None))
        )
    )


def home_memberships(user) -> list:
    """The memberships whose page opens with a "right now" card (a young person's, a caregiver's): a few."""
    return db.session.scalars(
        select(Membership)
        .join(Membership.circle)
        .options(contains_eager(Membership.circle))
        .where(Membership.user_id == user.id, Membership.removed_at.is_(None), Membership.role.in_(HOME_ROLES))
        .order_by(Circle.young_person_name, Circle.id)
    ).all()


# A provider of hooks.dashboard_context may answer, under this key, the audit
# Views of what its part of the page quotes of a plan: recorded with the
# items' own, not rendered.
VIEWS = "views"


def page_context(memberships, roles) -> tuple[dict, list]:
    """What the features add around the cards, and the views it stands for."""
    context: dict = hooks.dashboard_links.merged(roles)
    views: list = []
    for answer in hooks.dashboard_context.collect(memberships):
        answer = dict(answer)
        views.extend(answer.pop(VIEWS, ()))
        context.update(answer)
    return context, views
