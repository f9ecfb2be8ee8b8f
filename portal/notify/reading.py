"""The reader's own notices: which they see, reading them (one, a group of
the notices page, all), their unread count as circles come and go, and their
settings. Each use case commits once; every read moves the unread count
(notify/unread.py) by exactly the rows it changed, in the same transaction."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from portal import clock
from portal.circles.models import Membership
from portal.extensions import db
from portal.notify import unread
from portal.notify.models import EVENT_KINDS, Notification, NotificationPreference


def visible_notifications(user):
    """The user's notices about circles they are still in (or about no circle)."""
    still_member = select(Membership.circle_id).where(Membership.user_id == user.id, Membership.removed_at.is_(None))
    return select(Notification).where(
        Notification.user_id == user.id,
        or_(Notification.circle_id.is_(None), Notification.circle_id.in_(still_member)),
    )


def visible_notification(user, notification_id: int) -> Notification | None:
    return db.session.scalars(visible_notifications(user).where(Notification.id == notification_id)).first()


def _mark_read(user, *conditions) -> int:
    """Mark the user's visible unread notices matching ``conditions`` read, and
    take exactly the rows this statement changed off their unread count: a
    notice read at the same moment elsewhere is taken off once."""
    visible = visible_notifications(user).where(Notification.read_at.is_(None), *conditions)
    result = db.session.execute(
        update(Notification)
        # Unread again on the row itself: a second reader at the same moment
        # waits for the first, then finds the row read and leaves it (and the
        # count) alone, instead of counting it off twice (PostgreSQL re-checks
        # only the row's own conditions after waiting).
        .where(
            Notification.id.in_(visible.with_only_columns(Notification.id).scalar_subquery()),
            Notification.read_at.is_(None),
        )
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    unread.read(db.session, user.id, result.rowcount)
    return result.rowcount


def mark_read(user, notification: Notification) -> None:
    if _mark_read(user, Notification.id == notification.id):
        db.session.expire(notification, ["read_at"])
    db.session.commit()


def mark_all_read(user) -> int:
    """Every notice the person can see. Notices about a circle they left stay
    as they were: they are not counted, and are not theirs to see."""
    marked = _mark_read(user)
    db.session.commit()
    return marked


def mark_group_read(user, circle_id: int | None, kind: str, section: str | None) -> int:
    """One group of the notices page (notify/groups.py): a circle's notices of one kind."""
    marked = _mark_read(user, *group_conditions(circle_id, kind, section))
    db.session.commit()
    return marked


def group_conditions(circle_id: int | None, kind: str, section: str | None) -> list:
    return [
        Notification.circle_id.is_(None) if circle_id is None else Notification.circle_id == circle_id,
        Notification.kind == kind,
        Notification.section.is_(None) if section is None else Notification.section == section,
    ]


def circle_left(user_id: int, circle_id: int) -> None:
    """In the removal's transaction: the circle's notices no longer count as unread."""
    unread.circle_left(db.session, user_id, circle_id)


def circle_entered(user_id: int, circle_id: int) -> None:
    """In the joining's transaction, before the person is told: notices left
    unread from an earlier membership count again."""
    unread.circle_entered(db.session, user_id, circle_id)


def preferences_of(user) -> dict[str, NotificationPreference]:
    return {
        preference.kind: preference
        for preference in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }


def save_preferences(user, modes: dict[str, str]) -> None:
    """``modes``: a mode for every kind of notice."""
    saved = preferences_of(user)
    for kind in EVENT_KINDS:
        preference = saved.get(kind) or NotificationPreference(user_id=user.id, kind=kind)
        preference.mode = modes[kind]
        db.session.add(preference)
    db.session.commit()
