"""The notices page as groups a person can keep up with: one line for each
circle and kind of notice ("Jordan's plan: 6 changes to the safety plan"),
which opens to the notices themselves, newest first.

Two statements whatever the number of notices: the page's groups (with how
many groups there are), then the newest notices of just those groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from portal.access import policy
from portal.circles.models import Circle
from portal.extensions import db
from portal.notify.models import URGENT_KINDS, Notification
from portal.notify.reading import group_conditions, visible_notifications

# Groups on a page, and notices listed when a group opens (its newest).
PER_PAGE = 20
LISTED_IN_GROUP = 20

# What a group holds, in a few words; ``num`` is how many notices it holds.
# A function each, so that every form of every language is extracted.
_GROUP_WORDS = {
    "section_changed": lambda n: ngettext("%(num)d change to the plan", "%(num)d changes to the plan", n),
    "episode_recorded": lambda n: ngettext(
        "%(num)d use of the in-school plan", "%(num)d uses of the in-school plan", n
    ),
    "event_recorded": lambda n: ngettext(
        "%(num)d thing recorded that happened outside school", "%(num)d things recorded that happened outside school", n
    ),
    "aftercare_due": lambda n: ngettext("%(num)d notice about aftercare", "%(num)d notices about aftercare", n),
    "contact_soon": lambda n: ngettext(
        "%(num)d check-in asking for contact soon", "%(num)d check-ins asking for contact soon", n
    ),
    "return_to_plan": lambda n: ngettext("%(num)d return to school to plan", "%(num)d returns to school to plan", n),
    "follow_up_overdue": lambda n: ngettext(
        "%(num)d overdue follow-up or review", "%(num)d overdue follow-ups or reviews", n
    ),
    "membership_changed": lambda n: ngettext(
        "%(num)d change to who is in the circle", "%(num)d changes to who is in the circle", n
    ),
    "agreement_changed": lambda n: ngettext("%(num)d change to what is shared", "%(num)d changes to what is shared", n),
    "disagreement_recorded": lambda n: ngettext(
        "%(num)d disagreement with a sharing choice", "%(num)d disagreements with sharing choices", n
    ),
    "shared_without_agreement": lambda n: ngettext(
        "%(num)d thing shared without agreement, to keep someone safe",
        "%(num)d things shared without agreement, to keep someone safe",
        n,
    ),
    "limit_changed": lambda n: ngettext(
        "%(num)d change to a safeguarding limit", "%(num)d changes to safeguarding limits", n
    ),
}


def _section_words(count: int, section: str) -> str:
    return ngettext(
        "%(num)d change to the %(section)s",
        "%(num)d changes to the %(section)s",
        count,
        section=policy.section_title(section),
    )


@dataclass
class Group:
    circle_id: int | None
    circle_name: str | None
    kind: str
    section: str | None
    total: int
    unread: int
    newest_at: datetime
    notices: list[Notification] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        """Shown as needing attention now while any of it is unread; calm once read."""
        return self.kind in URGENT_KINDS and self.unread > 0

    @property
    def where(self) -> str:
        if self.circle_id is None:
            return _("Your account")
        return _("%(name)s's plan", name=self.circle_name)

    @property
    def summary(self) -> str:
        if self.kind == "section_changed" and self.section in policy.SECTIONS:
            return _section_words(self.total, self.section)
        return _GROUP_WORDS[self.kind](self.total)


def page_of_groups(user, page: int) -> tuple[list[Group], int]:
    """The groups on ``page`` (from 1), newest first, and how many groups there
    are in all (0 when the page is past the end: see count_groups)."""
    visible = visible_notifications(user).subquery()
    newest = func.max(visible.c.created_at)
    rows = db.session.execute(
        select(
            visible.c.circle_id,
            func.max(Circle.young_person_name),
            visible.c.kind,
            visible.c.section,
            func.count(),
            func.sum(case((visible.c.read_at.is_(None), 1), else_=0)),
            newest,
            func.count().over(),
        )
        .select_from(visible.outerjoin(Circle, Circle.id == visible.c.circle_id))
        .group_by(visible.c.circle_id, visible.c.kind, visible.c.section)
        .order_by(newest.desc(), func.max(visible.c.id).desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    groups = [
        Group(circle_id, name, kind, section, total, unread or 0, newest_at)
        for circle_id, name, kind, section, total, unread, newest_at, _all in rows
    ]
    _list_notices(user, groups)
    return groups, (rows[0][-1] if rows else 0)


def count_groups(user) -> int:
    """How many groups there are; asked only when a page came back empty."""
    visible = visible_notifications(user).subquery()
    grouped = select(visible.c.circle_id).group_by(visible.c.circle_id, visible.c.kind, visible.c.section).subquery()
    return db.session.scalar(select(func.count()).select_from(grouped)) or 0


def _list_notices(user, groups: list[Group]) -> None:
    """The newest LISTED_IN_GROUP notices of each group, in one statement."""
    if not groups:
        return
    key = (Notification.circle_id, Notification.kind, Notification.section)
    ranked = (
        visible_notifications(user)
        .where(or_(*(and_(*group_conditions(g.circle_id, g.kind, g.section)) for g in groups)))
        .add_columns(
            func.row_number()
            .over(partition_by=key, order_by=(Notification.created_at.desc(), Notification.id.desc()))
            .label("place")
        )
        .subquery()
    )
    listed = aliased(Notification, ranked)
    notices = db.session.scalars(
        select(listed).where(ranked.c.place <= LISTED_IN_GROUP).order_by(listed.created_at.desc(), listed.id.desc())
    ).all()
    by_key = {(g.circle_id, g.kind, g.section): g for g in groups}
    for notice in notices:
        by_key[(notice.circle_id, notice.kind, notice.section)].notices.append(notice)
