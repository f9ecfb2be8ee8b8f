"""The unread count each person sees in the header, kept as a number on the
account (User.unread_notices) rather than counted on every page.

It counts the notices a person has not read and can still see: those naming
no circle, or a circle they are still a member of (services.visible_notifications).
It moves in the same transaction as what moves it, so it cannot go stale the
way a cache does:

- a notice made, deleted or marked read through the session: the flush
  events below, whichever code does it (tell, a scheduled notice, a test's
  builder);
- notices read: the reader's use cases, by the number of rows their UPDATE
  changed (mark_read, mark_all_read, mark_group_read in services.py);
- a person leaving a circle, or coming back: circle_left, circle_entered,
  called by portal/circles/services.py in the membership's own transaction.

Every change is an increment or decrement in SQL (``unread_notices + n``),
never a number computed in Python and written back, so two transactions that
change one person's count at once both count. One race is left: a notice made
for a circle in the moment its member leaves it can be counted by one and not
taken off by the other. ``recount`` (daily, and `flask notify recount`) puts
every count that drifted right, and logs how many did.
"""

from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy import event, exists, func, inspect, select, update
from sqlalchemy.orm import Session

from portal.auth.models import User
from portal.circles.models import Membership
from portal.notify.models import Notification

_TO_EXPIRE = "unread_notices_to_expire"
log = logging.getLogger(__name__)


def _still_member(user_id_column, circle_id):
    # Correlated to the accounts whatever the depth it is used at (a count's condition, in recount).
    return (
        exists()
        .where(Membership.user_id == user_id_column, Membership.circle_id == circle_id, Membership.removed_at.is_(None))
        .correlate_except(Membership)
    )


_ACCOUNTS = User.__table__


def _move(session: Session, change, *conditions) -> None:
    """Add ``change`` (a number or an SQL expression) to the accounts matching
    ``conditions``. On the table, not the mapped class: it also runs inside a
    flush, where the ORM must not flush again."""
    session.connection().execute(
        update(_ACCOUNTS).where(*conditions).values(unread_notices=_ACCOUNTS.c.unread_notices + change)
    )


def _expire_loaded(session: Session, user_ids) -> None:
    """Accounts already loaded (current_user among them) read the count again
    when next asked, instead of showing the number from before the change."""
    user_ids = set(user_ids)
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, User) and loaded.id in user_ids:
            session.expire(loaded, ["unread_notices"])


def read(session: Session, user_id: int, how_many: int) -> None:
    """``how_many`` of the person's visible notices were just marked read."""
    if how_many:
        _move(session, -how_many, _ACCOUNTS.c.id == user_id)
        _expire_loaded(session, [user_id])


def _unread_in(user_id: int, circle_id: int):
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.circle_id == circle_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def circle_left(session: Session, user_id: int, circle_id: int) -> None:
    """The person no longer sees the circle, nor so its notices."""
    session.flush()
    _move(session, -_unread_in(user_id, circle_id), _ACCOUNTS.c.id == user_id)
    _expire_loaded(session, [user_id])


def circle_entered(session: Session, user_id: int, circle_id: int) -> None:
    """The person sees the circle (again): its unread notices count again. Call
    before telling them they were added, which counts for itself."""
    session.flush()
    _move(session, _unread_in(user_id, circle_id), _ACCOUNTS.c.id == user_id)
    _expire_loaded(session, [user_id])


def recount(session: Session) -> int:
    """Set every account's count to its notices counted from scratch; how many
    were wrong. Only the rows that differ are written."""
    visible_unread = (
        select(func.count(Notification.id))
        .where(
            Notification.user_id == _ACCOUNTS.c.id,
            Notification.read_at.is_(None),
            (Notification.circle_id.is_(None)) | _still_member(_ACCOUNTS.c.id, Notification.circle_id),
        )
        .correlate_except(Notification)
        .scalar_subquery()
    )
    session.flush()
    connection = session.connection()
    # First the accounts that drifted, locked: a notice being made for one of
    # them moves its count under the same lock, so this waits for it. Then
    # their counts, in a statement of their own, which (READ COMMITTED) sees
    # that notice: one statement would write a total from before it.
    drifted = connection.execute(
        select(_ACCOUNTS.c.id).where(_ACCOUNTS.c.unread_notices != visible_unread).with_for_update()
    ).scalars().all()
    wrong = 0
    for start in range(0, len(drifted), 500):
        wrong += connection.execute(
            update(_ACCOUNTS)
            .where(_ACCOUNTS.c.id.in_(drifted[start : start + 500]), _ACCOUNTS.c.unread_notices != visible_unread)
            .values(unread_notices=visible_unread)
        ).rowcount
    if wrong:
        # Numbers only: which accounts is nobody's business in a log.
        log.warning("unread notice counts put right: %d account(s) had drifted", wrong)
        for loaded in list(session.identity_map.values()):
            if isinstance(loaded, User):
                session.expire(loaded, ["unread_notices"])
    return wrong


def _counted(notifications) -> Counter:
    """How many unread notices each (circle, person) gains or loses."""
    return Counter((n.circle_id, n.user_id) for n in notifications if n.read_at is None)


def _read_through_the_session(session) -> tuple[Counter, Counter]:
    """Notices whose read_at was set (read) or cleared (unread again) on the
    object itself rather than by the reader's use cases."""
    now_read, now_unread = Counter(), Counter()
    for notification in session.dirty:
        if not isinstance(notification, Notification):
            continue
        history = inspect(notification).attrs.read_at.history
        if not history.has_changes():
            continue
        was_unread = history.deleted == () or history.deleted[0] is None
        is_unread = notification.read_at is None
        if was_unread and not is_unread:
            now_read[(notification.circle_id, notification.user_id)] += 1
        elif is_unread and not was_unread:
            now_unread[(notification.circle_id, notification.user_id)] += 1
    return now_read, now_unread


def _apply(session: Session, counted: Counter, sign: int) -> None:
    # One statement per circle and number: a notice told to a whole circle is one UPDATE.
    by_change: dict[tuple[int | None, int], list[int]] = {}
    for (circle_id, user_id), how_many in counted.items():
        by_change.setdefault((circle_id, how_many), []).append(user_id)
    for (circle_id, how_many), user_ids in sorted(by_change.items(), key=lambda item: (item[0][0] or 0, item[0][1])):
        conditions = [_ACCOUNTS.c.id.in_(sorted(user_ids))]
        if circle_id is not None:
            conditions.append(_still_member(_ACCOUNTS.c.id, circle_id))
        _move(session, sign * how_many, *conditions)
        session.info.setdefault(_TO_EXPIRE, set()).update(user_ids)


@event.listens_for(Session, "after_flush")
def _count_made_and_deleted(session, flush_context):
    made = _counted(o for o in session.new if isinstance(o, Notification))
    deleted = _counted(o for o in session.deleted if isinstance(o, Notification))
    now_read, now_unread = _read_through_the_session(session)
    gained, lost = made + now_unread, deleted + now_read
    if gained:
        _apply(session, gained, +1)
    if lost:
        _apply(session, lost, -1)


@event.listens_for(Session, "after_flush_postexec")
def _expire_counted(session, flush_context):
    user_ids = session.info.pop(_TO_EXPIRE, None)
    if user_ids:
        _expire_loaded(session, user_ids)
