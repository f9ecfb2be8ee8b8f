"""What of a circle's audit trail one reader is shown, and how it is chosen.

Every query here starts from what the reader may read, asked of the policy
with their standing (portal/access/queries.standing_for): an entry about a
part of the plan the reader cannot read is left out, everywhere (the list,
the summary, the choices), so this page never names it. A refusal is shown
only when the person refused was in the circle; someone outside it is not
the circle's business.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import aliased

from portal import clock
from portal.access import policy, queries
from portal.audit.models import AuditEvent, AuditShown
from portal.auth.models import User
from portal.extensions import db
from portal.paging import Page
from portal.timezone import to_utc
from portal.who_has_seen import words

PER_PAGE = 50

PERIODS: dict[str, str] = {"all": _l("All time"), "today": _l("Today"), "week": _l("This week"), "month": _l("This month")}
GROUPINGS: dict[str, str] = {"person": _l("By person"), "section": _l("By part of the plan")}
DEFAULT_PERIOD, DEFAULT_GROUPING = "all", "person"


@dataclass
class Choices:
    """The reader's filters, each one valid; ``problems`` says which asked-for
    values could not be used and what is shown instead."""

    by: str = DEFAULT_GROUPING
    person: int | None = None
    part: str | None = None
    period: str = DEFAULT_PERIOD
    problems: list[str] = field(default_factory=list)

    def chosen(self) -> dict:
        """The choices as query parameters, for links that keep them."""
        values = {"by": self.by, "person": self.person, "part": self.part, "when": self.period}
        return {key: value for key, value in values.items() if value is not None}

    @property
    def narrowed(self) -> bool:
        return self.person is not None or self.part is not None or self.period != DEFAULT_PERIOD


@dataclass(frozen=True)
class Reader:
    """The member reading the page, and what of the plan they may read."""

    user_id: int
    role: str
    readable: tuple[str, ...]
    # Whether the reader may see safeguarding limits, and so what a limit kept from someone.
    sees_limits: bool = False

    @staticmethod
    def of(membership) -> Reader:
        standing = queries.standing_for(membership)
        return Reader(membership.user_id, membership.role, policy.readable_sections(membership.role, standing),
                      queries.member_can_act(membership, "view_limits"))


@dataclass(frozen=True)
class Entry:
    at: datetime
    sentence: str
    refused: bool
    user_id: int | None
    section: str | None


@dataclass
class Group:
    heading: str
    entries: list[Entry]


_LINE = ("id", "at", "user_id", "role", "circle_id", "section", "item_id", "subject_user_id", "action", "outcome")


def trail_of(circle_id: int):
    """The circle's entries, one line each: its own, and a line for each part
    of it that an entry spanning many circles showed (a view of the weekly
    sheet, portal/audit/services.record_shown), in the role held here. Each
    half is read through its own index on the circle."""
    own = select(*(getattr(AuditEvent, name) for name in _LINE)).where(AuditEvent.circle_id == circle_id)
    shown_here = {"role": AuditShown.role, "circle_id": AuditShown.circle_id, "section": AuditShown.section}
    listed = (
        select(*(shown_here.get(name, getattr(AuditEvent, name)).label(name) for name in _LINE))
        .join(AuditShown, AuditShown.seq == AuditEvent.seq)
        .where(AuditShown.circle_id == circle_id)
    )
    return union_all(own, listed).subquery("seen")


def _visible(seen, reader: Reader) -> tuple:
    """The lines this reader is shown at all, before any filter."""
    return (
        seen.c.action.in_(words.SHOWN_ACTIONS),
        or_(seen.c.section.is_(None), seen.c.section.in_(reader.readable)),
        or_(seen.c.outcome == "ok", seen.c.role.is_not(None)),
        *(() if reader.sees_limits else (seen.c.outcome != "kept",)),
    )


def people(circle_id: int, reader: Reader) -> list[tuple[int, str]]:
    """Everyone with an entry this reader is shown: (user id, name), by name."""
    seen = trail_of(circle_id)
    stmt = (
        select(User.id, User.name)
        .join(seen, seen.c.user_id == User.id)
        .where(*_visible(seen, reader))
        .distinct()
        .order_by(User.name, User.id)
    )
    return [(user_id, name) for user_id, name in db.session.execute(stmt)]


def parts(reader: Reader) -> list[tuple[str, str]]:
    """The parts of the plan the reader may choose: only those they may read."""
    return [(kind, words.part_label(kind, reader.role)) for kind in reader.readable]


def read_choices(args, circle_id: int, reader: Reader) -> Choices:
    """The filters from the query string. A value that is not one of the
    choices is not silently dropped: it is named in ``problems`` and the
    default stands in for it."""
    choices = Choices()
    by = args.get("by")
    if by is not None:
        if by in GROUPINGS:
            choices.by = by
        else:
            choices.problems.append(_("The page cannot be grouped that way, so it is grouped by person."))
    period = args.get("when")
    if period is not None:
        if period in PERIODS:
            choices.period = period
        else:
            choices.problems.append(_("That is not one of the periods here, so all time is shown."))
    kind = args.get("part")
    if kind:
        if kind in reader.readable:
            choices.part = kind
        else:
            choices.problems.append(_("That is not a part of the plan you can choose here, so every part is shown."))
    who = args.get("person")
    if who:
        known = {user_id for user_id, _name in people(circle_id, reader)}
        if who.isdigit() and int(who) in known:
            choices.person = int(who)
        else:
            choices.problems.append(_("There is nobody by that choice in this record, so everyone is shown."))
    return choices


def period_start(period: str) -> datetime | None:
    """Where a period begins, in UTC: local midnight today, on Monday, on the 1st."""
    today = clock.today()
    if period == "today":
        first = today
    elif period == "week":
        first = today - timedelta(days=today.weekday())
    elif period == "month":
        first = today.replace(day=1)
    elif period == "all":
        return None
    else:
        raise ValueError(f"unknown period {period!r}")
    return to_utc(datetime.combine(first, time()))


def entries(circle_id: int, reader: Reader, choices: Choices, asked_page: int) -> tuple[Page, bool]:
    """One page of the chosen entries, and whether the page asked for lies
    past the end (then the page holds no entries, and says so)."""
    seen = trail_of(circle_id)
    condition = list(_visible(seen, reader))
    if choices.person is not None:
        condition.append(seen.c.user_id == choices.person)
    if choices.part is not None:
        condition.append(seen.c.section == choices.part)
    start = period_start(choices.period)
    if start is not None:
        condition.append(seen.c.at >= start)
    total = db.session.scalar(select(func.count()).select_from(seen).where(*condition)) or 0
    placed, pages = Page.placed(asked_page, total, PER_PAGE)
    if asked_page > pages:
        return Page([], asked_page, pages, total, PER_PAGE), True
    actor, subject = aliased(User), aliased(User)
    # Groups come in the order of their latest entry, so whoever (or whatever
    # part) was seen most recently is at the top of the first page.
    key = seen.c.user_id if choices.by == "person" else seen.c.section
    latest = select(key.label("key"), func.max(seen.c.at).label("at")).where(*condition).group_by(key).subquery()
    rows = db.session.execute(
        select(seen, actor.name.label("actor_name"), subject.name.label("subject_name"))
        .join(latest, key.is_not_distinct_from(latest.c.key))
        .outerjoin(actor, actor.id == seen.c.user_id)
        .outerjoin(subject, subject.id == seen.c.subject_user_id)
        .where(*condition)
        .order_by(latest.c.at.desc(), key, seen.c.at.desc(), seen.c.id.desc(), seen.c.section)
        .limit(PER_PAGE)
        .offset(Page.offset(placed, PER_PAGE))
    ).all()
    today = clock.today()
    lines = [_entry(row, row.actor_name, row.subject_name, reader, today) for row in rows]
    return Page(lines, placed, pages, total, PER_PAGE), False


def _entry(event, name: str | None, subject_name: str | None, reader: Reader, today: date) -> Entry:
    is_reader = event.user_id == reader.user_id
    # Someone added by themselves is the person who started the circle: they joined it.
    if event.subject_user_id is not None and event.subject_user_id == event.user_id:
        subject_name = words.JOINED
    sentence = words.sentence(event, name, subject_name, reader.role, today, is_reader=is_reader)
    return Entry(event.at, sentence, event.outcome != "ok", event.user_id, event.section)


def grouped(lines: list[Entry], by: str, reader: Reader, names: dict[int, str]) -> list[Group]:
    """The page's entries under a heading per person or per part, in the order they came."""
    groups: dict[object, Group] = {}
    for line in lines:
        key = line.user_id if by == "person" else line.section
        if key not in groups:
            groups[key] = Group(_heading(key, by, reader, names), [])
        groups[key].entries.append(line)
    return list(groups.values())


def _heading(key, by: str, reader: Reader, names: dict[int, str]) -> str:
    if by == "person":
        if key is None:
            return _("Support Circle itself")
        if key == reader.user_id:
            # The young person's own pages speak to them in their own words.
            return _("You%(to_them)s", to_them="") if words.speaks_as_you(reader.role) else _("You")
        return names.get(key) or _("Someone")
    if key is None:
        return _("The circle and who is in it")
    return words.part_label(key, reader.role)


def summary(circle_id: int, reader: Reader) -> list[str]:
    """This week, in people: "3 people opened the safety plan". Only people
    are counted, only parts the reader may read are named, and only what was
    done, never what the plan says."""
    gathered = {action: verb for verb, actions in words.SUMMARY_VERBS.items() for action in actions}
    start = period_start("week")
    seen = trail_of(circle_id)
    rows = db.session.execute(
        select(seen.c.action, seen.c.section, seen.c.user_id)
        .where(
            seen.c.outcome == "ok",
            seen.c.action.in_(gathered),
            seen.c.section.in_(reader.readable),
            seen.c.user_id.is_not(None),
            seen.c.at >= start,
        )
        .distinct()
    ).all()
    who: dict[tuple[str, str], set[int]] = defaultdict(set)
    for action, kind, user_id in rows:
        who[(gathered[action], kind)].add(user_id)
    verbs, order = list(words.SUMMARY_VERBS), list(policy.SECTIONS)
    ranked = sorted(who.items(), key=lambda item: (verbs.index(item[0][0]), -len(item[1]), order.index(item[0][1])))
    return [
        words.summary_line(len(ids), verb, kind, reader.role, reader_among=reader.user_id in ids)
        for (verb, kind), ids in ranked
    ]
