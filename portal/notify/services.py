"""Who is told what, decided by the access policy, written in the caller's
transaction. In-portal notices name the circle and the part of the plan;
emails say only that there is something to see.

The telling functions never commit: they join the use case that caused
them. The reader's own use cases (opening a notice, marking all read,
saving settings) are at the end, and each commits once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal import clock, languages, zones
from portal.access import policy
from portal.access.queries import row_in_scope, standings
from portal.auth.models import User
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.notify.models import (
    EVENT_KINDS,
    NoticeSent,
    Notification,
    NotificationPreference,
    OutboxMessage,
    default_mode,
)
from portal.notify.outbox import queue_email

# The reader's own use cases (notify/reading.py), reached here as every public function of notify is.
from portal.notify.reading import (  # noqa: F401
    circle_entered,
    circle_left,
    group_conditions,
    mark_all_read,
    mark_group_read,
    mark_read,
    preferences_of,
    save_preferences,
    visible_notification,
    visible_notifications,
)
from portal.timezone import to_local
from portal.urls import absolute_url, path_for

EVENT_LABELS = {
    "section_changed": _l("A part of a plan you can read changed"),
    "episode_recorded": _l("The in-school plan was used, and staff wrote down what they did"),
    "event_recorded": _l("Something was recorded that happened outside school"),
    "aftercare_due": _l("Aftercare after an emergency visit or a discharge is due or overdue"),
    "contact_soon": _l("A check-in asks for contact soon"),
    "return_to_plan": _l("A return to school needs planning"),
    "follow_up_overdue": _l("A follow-up or review you are responsible for is overdue"),
    "membership_changed": _l("Who is in a circle, or someone's role in it, changed"),
    "agreement_changed": _l("An agreement to share was recorded, withdrawn or is about to end"),
    "disagreement_recorded": _l("The young person says they disagree with a sharing choice"),
    "shared_without_agreement": _l("Something was shared without agreement, to keep someone safe"),
    "limit_changed": _l("A safeguarding limit on a caregiver was placed, changed, lifted or is due for review"),
}
# The labels a reader reads where they differ: the young person is "you".
READER_EVENT_LABELS = {
    policy.YOUNG_PERSON: {
        "disagreement_recorded": _l("You say you disagree with a sharing choice (your clinicians are told)"),
    },
}


def event_labels(user) -> dict[str, str]:
    """EVENT_LABELS in the words for the roles ``user`` holds in their circles."""
    roles = set(db.session.scalars(
        select(Membership.role).where(Membership.user_id == user.id, Membership.removed_at.is_(None))
    ))
    labels = {kind: str(label) for kind, label in EVENT_LABELS.items()}
    for role in sorted(roles & set(READER_EVENT_LABELS)):
        labels.update({kind: str(label) for kind, label in READER_EVENT_LABELS[role].items()})
    return labels


MODE_LABELS = {
    "immediate": _l("Email me at once"),
    "digest": _l("One email a day"),
    "portal": _l("Only in Support Circle, no email"),
}
# Who hears of what at once, whatever their settings: the policy's.
ALWAYS_AT_ONCE = policy.ALWAYS_AT_ONCE

EMAIL_SUBJECT = _l("Something new in Support Circle")
# The "something new" emails are known by their outbox key, never by their
# subject: that is written in each recipient's language.
EMAIL_KEY = "something-new"


def email_body(link: str) -> str:
    """In the current language (the recipient's: see tell)."""
    return "\n\n".join((
        _("Hello,"),
        _("There is something new for you to see in Support Circle."),
        _("Sign in to see it: %(link)s", link=link),
        _(
            "To keep things private, this email does not say more. "
            "You can choose how often we email you in your notification settings."
        ),
        _("If someone is in danger now, call your local emergency number."),
    )) + "\n"


@dataclass(frozen=True)
class Recipient:
    user: User
    role: str | None
    # The member's standing in the circle (policy.Standing): a safeguarding
    # limit on them holds back what would otherwise reach them at once.
    standing: frozenset = frozenset()


def _preferences(user_ids) -> dict[tuple[int, str], str]:
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.mode).where(
            NotificationPreference.user_id.in_(user_ids)
        )
    )
    return {(user_id, kind): mode for user_id, kind, mode in rows}


def _email_pending_for(addresses) -> set[str]:
    """Addresses that already have an unsent 'something new' email: one is enough."""
    addresses = list(addresses)
    if not addresses:
        return set()
    rows = db.session.scalars(
        select(OutboxMessage.to_address).where(
            OutboxMessage.to_address.in_(addresses),
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.dedupe_key.startswith(f"{EMAIL_KEY}:", autoescape=True),
        )
    )
    pending = set(rows)
    pending.update(
        m.to_address
        for m in db.session.new
        if isinstance(m, OutboxMessage) and (m.dedupe_key or "").startswith(f"{EMAIL_KEY}:")
    )
    return pending


# A notice's words: the same for everyone, or written for each recipient's
# role where a reader must read it differently (a use of the in-school plan
# is never an "episode" to the family). A callable (or a lazy string) is
# evaluated in each recipient's language; a plain str is kept as given.
Words = str | Callable[[str | None], str]


NOTICE_LENGTH = Notification.__table__.c.text.type.length


def words_for(text, role: str | None) -> str:
    """The notice's text for one recipient, in the language being written now;
    cut to what a notice holds (another language may take more words)."""
    if callable(text):
        text = text(role)
    return _short(str(text), NOTICE_LENGTH)


def tell(recipients: list[Recipient], kind: str, *, circle_id: int | None, section: str | None, text: Words,
         link: str):
    if kind not in EVENT_KINDS:
        raise policy.UnknownName(f"unknown notification kind {kind!r}")
    preferences = _preferences(r.user.id for r in recipients)
    pending = _email_pending_for(r.user.email for r in recipients)
    now = clock.now()
    for recipient in recipients:
        mode = preferences.get((recipient.user.id, kind), default_mode(kind))
        if policy.at_once(kind, recipient.role, recipient.standing):
            mode = "immediate"
        elif mode == "immediate" and kind in policy.LIMIT_NOT_AT_ONCE and policy.is_limited(recipient.standing):
            # A caregiver under a safeguarding limit is never emailed of these
            # at once, even with no setting of their own: the day's digest at most.
            mode = "digest"
        # In the recipient's words and time zone (their organisation's), whoever's request writes it.
        with languages.in_language(recipient.user.language), zones.reading_as(recipient.user):
            notification = Notification(
                user_id=recipient.user.id,
                circle_id=circle_id,
                kind=kind,
                section=section,
                text=words_for(text, recipient.role),
                link=link,
                created_at=now,
                email_state=mode,
            )
            db.session.add(notification)
            if mode == "immediate" and recipient.user.active and recipient.user.email not in pending:
                queue_email(
                    recipient.user.email, str(EMAIL_SUBJECT), email_body(absolute_url("notify.index")), key_prefix=EMAIL_KEY
                )
                pending.add(recipient.user.email)


def reachable_members(circle_id: int) -> list[Membership]:
    """The circle's active members with active accounts, each with its account
    (one query, however many members): everyone a notice could reach."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .options(contains_eager(Membership.user))
            .where(Membership.circle_id == circle_id, Membership.removed_at.is_(None), User.active.is_(True))
        )
    )


def readers(circle_id: int, kind: str, row=None, *, exclude=None) -> list[Recipient]:
    """Members who may read the section (and the row, under row scopes) now."""
    members = reachable_members(circle_id)
    standing = standings(members)
    chosen = []
    for membership in members:
        if exclude is not None and membership.user_id == exclude.id:
            continue
        if not policy.can(membership.role, kind, policy.READ, standing[membership.id]):
            continue
        if row is not None and not row_in_scope(kind, membership, row):
            continue
        chosen.append(Recipient(membership.user, membership.role, standing[membership.id]))
    return chosen


def circle_name(circle_id: int) -> str:
    """The young person's name, as notices name a circle ("Sam's plan")."""
    return db.session.scalar(select(Circle.young_person_name).where(Circle.id == circle_id)) or "a"


def circle_names(circle_ids) -> dict[int, str]:
    """circle_name for many circles in one statement, for the scheduler's runs."""
    circle_ids = list(circle_ids)
    if not circle_ids:
        return {}
    return dict(db.session.execute(select(Circle.id, Circle.young_person_name).where(Circle.id.in_(circle_ids))).all())


def section_changed(circle_id: int, kind: str, actor, row=None) -> None:
    if kind == "episodes":
        return  # told through episode_recorded / its own notice below
    name = circle_name(circle_id)
    tell(
        readers(circle_id, kind, row, exclude=actor),
        "section_changed",
        circle_id=circle_id,
        section=kind,
        text=lambda role: _(
            "%(actor)s changed the %(section)s in %(name)s's plan.",
            actor=actor.name, section=policy.section_title(kind), name=name,
        ),
        link=path_for("plan.section", circle_id=circle_id, kind=kind),
    )


# Who reads a use of the in-school plan in the family's words: to them it is
# never an "episode", nor a notice that reads as self-harm at school.
FAMILY_READERS = frozenset({policy.CAREGIVER, policy.YOUNG_PERSON})


def episode_words(name: str, actor_name: str, occurred_at, *, new: bool) -> Callable[[str | None], str]:
    """The notice of a use of the in-school plan, for each recipient's role,
    "today" in the recipient's own day (tell composes it in their zone)."""

    def words(role: str | None) -> str:
        if role in FAMILY_READERS:
            if new and occurred_at is not None and to_local(occurred_at).date() == clock.today():
                return _("The school plan was used for %(name)s today; see what the school did.", name=name)
            if new:
                return _("The school plan was used for %(name)s; see what the school did.", name=name)
            return _(
                "%(actor)s added to the note of a time the school plan was used for %(name)s.", actor=actor_name, name=name
            )
        if new:
            return _("%(actor)s recorded a time the in-school plan was used for %(name)s.", actor=actor_name, name=name)
        return _("%(actor)s updated a time the in-school plan was used for %(name)s.", actor=actor_name, name=name)

    return words


def episode_recorded(circle_id: int, actor, episode, *, new: bool) -> None:
    tell(
        readers(circle_id, "episodes", episode, exclude=actor),
        "episode_recorded" if new else "section_changed",
        circle_id=circle_id,
        section="episodes",
        text=episode_words(circle_name(circle_id), actor.name, episode.occurred_at, new=new),
        link=path_for("plan.section", circle_id=circle_id, kind="episodes"),
    )


def return_to_plan(circle_id: int, planners, ready_from) -> None:
    """Ask whoever plans the school's part of a return to school to plan it.

    ``planners``: their memberships, which the school feature chooses through
    the policy. The notice says that a return needs planning and from when,
    and never why: no word of hospital, of an event or of a reason. The school
    never reads those (policy.NEVER_SHARED_WITH_SCHOOL)."""
    name = circle_name(circle_id)
    tell(
        [Recipient(membership.user, membership.role) for membership in planners],
        "return_to_plan",
        circle_id=circle_id,
        section="return_to_school",
        text=lambda role: _(
            "The care team says %(name)s is ready to go back to school from %(day)s. Please plan the return.",
            name=name, day=languages.moment(ready_from, "long_day"),
        ),
        link=path_for("plan.section", circle_id=circle_id, kind="return_to_school"),
    )


def event_recorded(circle_id: int, actor, event, *, new: bool) -> None:
    """Something that happened outside school: its readers are told at once
    (the policy's readers of events, so never a school role), without a word
    of what happened."""
    name = circle_name(circle_id)

    def words(role: str | None) -> str:
        if new:
            return _("%(actor)s recorded something that happened outside school in %(name)s's plan.",
                     actor=actor.name, name=name)
        return _("%(actor)s updated something that happened outside school in %(name)s's plan.",
                 actor=actor.name, name=name)

    tell(
        readers(circle_id, "events", event, exclude=actor),
        "event_recorded" if new else "section_changed",
        circle_id=circle_id,
        section="events",
        text=words,
        link=path_for("plan.section", circle_id=circle_id, kind="events"),
    )


def aftercare_due(
    recipients: list[Recipient], circle_id: int, *, name: str, due_by: str | Callable[[], str]
) -> None:
    """Aftercare that nobody booked in time, for the people who answer for it:
    when it was due, never what it follows. ``due_by``: the moment as words,
    or a function writing them in the language being written (each recipient's)."""
    tell(
        recipients,
        "aftercare_due",
        circle_id=circle_id,
        section="follow_ups",
        text=lambda role: _(
            "Aftercare in %(name)s's plan was due by %(due_by)s, and it is not booked yet.",
            name=name, due_by=due_by() if callable(due_by) else due_by,
        ),
        link=path_for("plan.section", circle_id=circle_id, kind="follow_ups"),
    )


def contact_soon(circle_id: int, actor, check_in) -> None:
    """A check-in answered the direct question about thoughts of suicide with
    yes or not sure: the clinicians (FOLLOW_UP_RESPONSIBLE_ROLES) who read the
    check-ins hear at once (ALWAYS_AT_ONCE) that it asks for contact soon. The
    notice names the circle and the part of the plan, never the answer; the
    email, like every other, says only that there is something to see."""
    name = circle_name(circle_id)
    tell(
        [
            recipient for recipient in readers(circle_id, "progress", check_in, exclude=actor)
            if recipient.role in policy.FOLLOW_UP_RESPONSIBLE_ROLES
        ],
        "contact_soon",
        circle_id=circle_id,
        section="progress",
        text=lambda role: _("A check-in in %(name)s's plan asks for contact soon.", name=name),
        link=path_for("plan.section", circle_id=circle_id, kind="progress"),
    )


def membership_changed(circle_id: int, member_user, *, added: bool) -> None:
    if added:
        name = circle_name(circle_id)
        text = lambda role: _("You were added to %(name)s's circle.", name=name)  # noqa: E731
        link = path_for("plan.overview", circle_id=circle_id)
    else:
        # They can no longer see the circle, so the notice does not name it.
        text = _l("You were removed from a circle. You no longer see its plan.")
        link = path_for("dashboard.index")
    tell(
        [Recipient(member_user, None)],
        "membership_changed",
        circle_id=circle_id if added else None,
        section=None,
        text=text,
        link=link,
    )


def role_changed(circle_id: int, member_user, old_role: str, new_role: str, actor) -> None:
    """The person is told what their role is now; the circle's clinicians and
    caregivers, who answer for who sees the plan, are told that a role changed."""
    name = circle_name(circle_id)

    def labels() -> dict[str, str]:
        # In the language being written: each recipient's.
        return {"old": str(policy.ROLE_LABELS[old_role]).lower(), "new": str(policy.ROLE_LABELS[new_role]).lower()}

    link = path_for("circles.members", circle_id=circle_id)
    tell(
        [Recipient(member_user, new_role)],
        "membership_changed",
        circle_id=circle_id,
        section=None,
        text=lambda role: _(
            "Your role in %(name)s's circle changed from %(old)s to %(new)s. You now see what a %(new)s sees.",
            name=name, **labels(),
        ),
        link=link,
    )
    watchers = [
        Recipient(m.user, m.role)
        for m in reachable_members(circle_id)
        if policy.told_of_role_changes(m.role) and m.user_id not in (member_user.id, actor.id)
    ]
    tell(
        watchers,
        "membership_changed",
        circle_id=circle_id,
        section=None,
        text=lambda role: _("A member's role in %(name)s's circle changed from %(old)s to %(new)s.", name=name, **labels()),
        link=link,
    )


def agreement_changed(agreement, what: str, actor=None, *, skip=()) -> None:
    """``what``: recorded, withdrawn, ending. ``skip``: user ids the caller
    has already told in words of their own (the young person, by sharing)."""
    circle_id = agreement.circle_id
    name = circle_name(circle_id)
    sentences = {
        "recorded": _l("The %(section)s in %(name)s's plan is now shared with the %(role)s."),
        "withdrawn": _l("The %(section)s in %(name)s's plan is no longer shared with the %(role)s."),
        "ending": _l("Sharing the %(section)s in %(name)s's plan with the %(role)s ends soon."),
    }
    sentence = sentences[what]

    def words(role: str | None) -> str:
        # Evaluated in each recipient's language: the section and the role too.
        return str(sentence) % {
            "section": policy.section_title(agreement.section),
            "name": name,
            "role": str(policy.ROLE_LABELS[agreement.role]).lower(),
        }
    recipients = {}
    members = reachable_members(circle_id)
    standing = standings(members)
    for membership in members:
        if (actor is not None and membership.user_id == actor.id) or membership.user_id in skip:
            continue
        if policy.limit_hides(standing[membership.id], agreement.section):
            continue
        default = policy.can(membership.role, agreement.section, policy.READ)
        if default or membership.role == agreement.role:
            recipients[membership.user_id] = Recipient(membership.user, membership.role, standing[membership.id])
    tell(
        list(recipients.values()),
        "agreement_changed",
        circle_id=circle_id,
        section=agreement.section,
        text=words,
        link=path_for("sharing.index", circle_id=circle_id),
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _others_who_may(circle_id: int, action: str, actor) -> list[Recipient]:
    """The circle's reachable members, the actor apart, whose role may take this action."""
    return [
        Recipient(m.user, m.role)
        for m in reachable_members(circle_id)
        if m.user_id != actor.id and policy.can_act(m.role, action)
    ]


def school_move_agreed(circle_id: int, actor, to_school_name: str) -> None:
    """Tell whoever may hand the school's part over that they now can."""
    name = circle_name(circle_id)
    recipients = _others_who_may(circle_id, "hand_over_school", actor)
    tell(
        recipients,
        "agreement_changed",
        circle_id=circle_id,
        section=None,
        text=lambda role: _(
            "%(actor)s agreed to %(name)s's move to %(school)s.",
            actor=_short(actor.name), name=_short(name), school=_short(to_school_name),
        ),
        link=path_for("school.circle_school", circle_id=circle_id),
    )


def school_handed_over(circle_id: int, actor, new_contact, from_school: str, to_school: str) -> None:
    """Everyone who stays in the circle hears who the school contact is now."""
    name = circle_name(circle_id)
    members = reachable_members(circle_id)
    standing = standings(members)
    recipients = [
        Recipient(m.user, m.role, standing[m.id])
        for m in members
        if m.user_id not in (actor.id, new_contact.id) and policy.can(m.role, "school_plan", policy.READ, standing[m.id])
    ]
    tell(
        recipients,
        "section_changed",
        circle_id=circle_id,
        section="school_plan",
        text=lambda role: _(
            "%(name)s's in-school plan moved from %(from_school)s to %(to_school)s. "
            "%(contact)s is the school contact now.",
            name=_short(name, 60), from_school=_short(from_school, 60), to_school=_short(to_school, 60),
            contact=_short(new_contact.name, 60),
        ),
        link=path_for("plan.overview", circle_id=circle_id),
    )


def school_corrected(circle_id: int, actor) -> None:
    """Those who record the school hear that it was corrected, and where to see
    it: the notice names neither school (the school page does, to its readers)."""
    recipients = _others_who_may(circle_id, "correct_school", actor)
    tell(
        recipients,
        "section_changed",
        circle_id=circle_id,
        section=None,
        text=_l("The school recorded for a circle you are in was corrected. The school page shows it."),
        link=path_for("school.circle_school", circle_id=circle_id),
    )


def already_made(key: str) -> bool:
    """Whether ``once(key)`` has been said, without saying it."""
    return db.session.scalar(select(NoticeSent.id).where(NoticeSent.key == key)) is not None


def last_marked(key: str) -> datetime | None:
    """When ``mark(key)`` was last said (a scheduler step's last pass), if ever."""
    return db.session.scalar(select(NoticeSent.at).where(NoticeSent.key == key))


def _claimed(key: str, at: datetime) -> bool:
    """Write the key's row; False when another transaction (a second
    scheduler, a cron `notify send` beside `notify run`) wrote it meanwhile,
    instead of failing the whole pass on the unique key."""
    try:
        with db.session.begin_nested():
            db.session.add(NoticeSent(key=key, at=at))
    except IntegrityError:
        return False
    return True


def mark(key: str, at: datetime) -> None:
    """Keep ``at`` as the moment for ``key``, for every process to read."""
    row = db.session.scalars(select(NoticeSent).where(NoticeSent.key == key)).first()
    if row is None and _claimed(key, at):
        return
    row = row or db.session.scalars(select(NoticeSent).where(NoticeSent.key == key)).one()
    row.at = at


def once(key: str) -> bool:
    """True the first time a scheduled notice with this key is made, by any process."""
    if db.session.scalar(select(NoticeSent.id).where(NoticeSent.key == key)) is not None:
        return False
    return _claimed(key, clock.now())
