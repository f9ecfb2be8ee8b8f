"""Finding a circle among hundreds: the reader's own memberships, searched
by the young person's name and filtered by school, role and whether
something needs their attention, one page at a time in two statements (how
many match, and the page), whatever the caseload. The page's ids are chosen
here, before any page runs its aggregates over them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.access import policy
from portal.auth.models import Organisation
from portal.circles.models import Circle, Membership
from portal.dashboard.models import MembershipAttention
from portal.extensions import db
from portal.paging import Page, page_or_404

# Longer than any name a circle keeps (Circle.young_person_name).
LONGEST_SEARCH = 120


@dataclass(frozen=True)
class Finding:
    """What the reader asked for; every part optional."""

    name: str = ""
    school_id: int | None = None
    role: str | None = None
    needs_attention: bool | None = None  # True: only those; False: only the others
    roles_left_out: tuple[str, ...] = ()  # shown elsewhere on the page (the dashboard's family cards)

    @property
    def narrowed(self) -> bool:
        return bool(self.name or self.school_id or self.role or self.needs_attention is not None)


class FindingRefused(ValueError):
    """A search that cannot be run, with the words that say why."""


def finding_from(args, schools: dict[int, str], *, attention_default: bool | None = None) -> Finding:
    """The search in a request's query string; FindingRefused for a school,
    role or choice that is not one offered."""
    name = (args.get("q") or "").strip()
    if len(name) > LONGEST_SEARCH:
        raise FindingRefused(_("Search for at most %(num)d characters of a name.", num=LONGEST_SEARCH))
    school_id = None
    if args.get("school"):
        school = args.get("school")
        if not (school.isascii() and school.isdigit()) or int(school) not in schools:
            raise FindingRefused(_("That school is not one of your circles' schools. Choose one from the list."))
        school_id = int(school)
    role = args.get("role") or None
    if role is not None and role not in policy.ROLES:
        raise FindingRefused(_("That role is not one to choose from. Choose one from the list."))
    needs = args.get("attention")
    if needs in (None, ""):
        needs_attention = attention_default
    elif needs in ("yes", "no"):
        needs_attention = needs == "yes"
    else:
        raise FindingRefused(_("Choose whether to show circles that need your attention from the list."))
    return Finding(name, school_id, role, needs_attention)


def schools_of(user) -> dict[int, str]:
    """The schools the reader's circles' young people attend, by id: what the school filter offers."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .join(Circle, Circle.school_organisation_id == Organisation.id)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(Membership.user_id == user.id, Membership.removed_at.is_(None))
        .distinct()
        .order_by(Organisation.name)
    )
    return dict(rows.all())


def name_pattern(name: str) -> str:
    """A LIKE pattern (escape backslash) for a name containing ``name``, any case."""
    # A NUL, which nobody types, is dropped: PostgreSQL cannot compare text holding one.
    escaped = name.replace("\x00", "").lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find(user, finding: Finding, page: int, per_page: int) -> Page:
    """A page of (membership with its circle, needs attention) the reader holds,
    by the young person's name; a 404 for a page past the end."""
    conditions = [Membership.user_id == user.id, Membership.removed_at.is_(None)]
    if finding.name:
        conditions.append(func.lower(Circle.young_person_name).like(name_pattern(finding.name), escape="\\"))
    if finding.school_id is not None:
        conditions.append(Circle.school_organisation_id == finding.school_id)
    if finding.role is not None:
        conditions.append(Membership.role == finding.role)
    if finding.roles_left_out:
        conditions.append(Membership.role.not_in(finding.roles_left_out))
    if finding.needs_attention is True:
        conditions.append(MembershipAttention.membership_id.is_not(None))
    elif finding.needs_attention is False:
        conditions.append(MembershipAttention.membership_id.is_(None))

    def joined(stmt):
        return (
            stmt.select_from(Membership)
            .join(Membership.circle)
            .outerjoin(MembershipAttention, MembershipAttention.membership_id == Membership.id)
            .where(*conditions)
        )

    total = db.session.scalar(joined(select(func.count()))) or 0
    pages = page_or_404(page, total, per_page)
    stmt = (
        joined(select(Membership, MembershipAttention.membership_id.is_not(None)))
        .options(contains_eager(Membership.circle))
        .order_by(Circle.young_person_name, Circle.id)
        .limit(per_page)
        .offset(Page.offset(page, per_page))
    )
    found = [(membership, bool(attention)) for membership, attention in db.session.execute(stmt)]
    return Page(found, page, pages, total, per_page)
