from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import clock
from portal.audit import chain
from portal.audit.models import AuditEvent, AuditShown
from portal.extensions import db


@dataclass(frozen=True)
class Line:
    """One kind of line of "who has seen this plan", as whole sentences, each
    its own message so that a language can order it as it needs:
    ``others`` about someone else (%(who)s: "Maria Lopez, caregiver,"),
    ``you`` to an adult reader about themselves, and ``to_them`` to the young
    person about themselves (the words of their own pages; without one, the
    adult's). %(part)s is the part of the plan ("the safety plan", "your
    safety plan"), %(subject)s a person added or removed, %(when)s the moment
    ("today at 14:02"). In the young person's lines the part and the moment
    are %(your_part)s and %(your_when)s: in English the line reads as the
    adult's does, and the names keep it a message of its own for the
    languages that speak to a young person otherwise."""

    others: str
    you: str
    to_them: str | None = None


# Each action as the sentences of "who has seen this plan" (portal/who_has_seen/),
# in everyday words: the kinds stay keys, the sentences are what people read.
ACTION_PHRASES: dict[str, Line] = {
    "view": Line(
        _l("%(who)s opened %(part)s %(when)s."),
        _l("You opened %(part)s %(when)s."),
        _l("You opened %(your_part)s %(your_when)s."),
    ),
    "print": Line(
        _l("%(who)s printed %(part)s %(when)s."),
        _l("You printed %(part)s %(when)s."),
        _l("You printed %(your_part)s %(your_when)s."),
    ),
    "download": Line(
        _l("%(who)s downloaded %(part)s %(when)s."),
        _l("You downloaded %(part)s %(when)s."),
        _l("You downloaded %(your_part)s %(your_when)s."),
    ),
    "history": Line(
        _l("%(who)s looked at the earlier versions of %(part)s %(when)s."),
        _l("You looked at the earlier versions of %(part)s %(when)s."),
        _l("You looked at the earlier versions of %(your_part)s %(your_when)s."),
    ),
    "create": Line(
        _l("%(who)s added to %(part)s %(when)s."),
        _l("You added to %(part)s %(when)s."),
        _l("You added to %(your_part)s %(your_when)s."),
    ),
    "update": Line(
        _l("%(who)s changed %(part)s %(when)s."),
        _l("You changed %(part)s %(when)s."),
        _l("You changed %(your_part)s %(your_when)s."),
    ),
    # The same actions on one entry of a list section.
    "create_item": Line(
        _l("%(who)s added an entry to %(part)s %(when)s."),
        _l("You added an entry to %(part)s %(when)s."),
        _l("You added an entry to %(your_part)s %(your_when)s."),
    ),
    "update_item": Line(
        _l("%(who)s changed an entry in %(part)s %(when)s."),
        _l("You changed an entry in %(part)s %(when)s."),
        _l("You changed an entry in %(your_part)s %(your_when)s."),
    ),
    "remove": Line(
        _l("%(who)s took an entry out of %(part)s %(when)s."),
        _l("You took an entry out of %(part)s %(when)s."),
        _l("You took an entry out of %(your_part)s %(your_when)s."),
    ),
    "restore": Line(
        _l("%(who)s put back an entry in %(part)s %(when)s."),
        _l("You put back an entry in %(part)s %(when)s."),
        _l("You put back an entry in %(your_part)s %(your_when)s."),
    ),
    "denied": Line(
        _l("%(who)s tried to open %(part)s, which is not shared with them %(when)s."),
        _l("You tried to open %(part)s, which is not shared with you %(when)s."),
        _l("You tried to open %(your_part)s, which is not shared with you %(your_when)s."),
    ),
    "membership_refused": Line(
        _l("%(who)s tried to change who is in the circle, which their role does not allow %(when)s."),
        _l("You tried to change who is in the circle, which your role does not allow %(when)s."),
        _l("You tried to change who is in the circle, which your role does not allow %(your_when)s."),
    ),
    "member_added": Line(
        _l("%(who)s added %(subject)s to the circle %(when)s."),
        _l("You added %(subject)s to the circle %(when)s."),
    ),
    "member_removed": Line(
        _l("%(who)s removed %(subject)s from the circle %(when)s."),
        _l("You removed %(subject)s from the circle %(when)s."),
    ),
    "role_changed": Line(
        _l("%(who)s changed the role of %(subject)s in the circle %(when)s."),
        _l("You changed the role of %(subject)s in the circle %(when)s."),
    ),
    "agreement_recorded": Line(
        _l("%(who)s recorded an agreement to share %(part)s %(when)s."),
        _l("You recorded an agreement to share %(part)s %(when)s."),
        _l("You recorded an agreement to share %(your_part)s %(your_when)s."),
    ),
    "agreement_withdrawn": Line(
        _l("%(who)s withdrew the agreement to share %(part)s %(when)s."),
        _l("You withdrew the agreement to share %(part)s %(when)s."),
        _l("You withdrew the agreement to share %(your_part)s %(your_when)s."),
    ),
    # The young person's say in sharing (portal/sharing/); never their words.
    "deciding_recorded": Line(
        _l("%(who)s recorded whether the young person decides about sharing for themselves %(when)s."),
        _l("You recorded whether the young person decides about sharing for themselves %(when)s."),
    ),
    "disagreement_recorded": Line(
        _l("%(who)s recorded that they disagree with a sharing choice %(when)s."),
        _l("You recorded that you disagree with a sharing choice %(when)s."),
        _l("You recorded that you disagree with a sharing choice %(your_when)s."),
    ),
    "disagreement_answered": Line(
        _l("%(who)s marked a disagreement about sharing as talked over %(when)s."),
        _l("You marked a disagreement about sharing as talked over %(when)s."),
    ),
    "disclosure_recorded": Line(
        _l("%(who)s recorded something shared without agreement, to keep someone safe %(when)s."),
        _l("You recorded something shared without agreement, to keep someone safe %(when)s."),
    ),
    "invitation_sent": Line(
        _l("%(who)s sent an invitation to join the circle %(when)s."),
        _l("You sent an invitation to join the circle %(when)s."),
    ),
    "invitation_accepted": Line(
        _l("%(who)s accepted an invitation and joined the circle %(when)s."),
        _l("You accepted an invitation and joined the circle %(when)s."),
        _l("You accepted an invitation and joined the circle %(your_when)s."),
    ),
    "invitation_revoked": Line(
        _l("%(who)s revoked an invitation %(when)s."),
        _l("You revoked an invitation %(when)s."),
    ),
    # Moving school and deadline flexibility (portal/school/).
    "school_move_agreed": Line(
        _l("%(who)s recorded agreement to a move of school %(when)s."),
        _l("You recorded agreement to a move of school %(when)s."),
    ),
    "school_move_withdrawn": Line(
        _l("%(who)s withdrew the agreement to a move of school %(when)s."),
        _l("You withdrew the agreement to a move of school %(when)s."),
    ),
    "school_handover": Line(
        _l("%(who)s handed the school's part of the plan over to %(subject)s at the new school %(when)s."),
        _l("You handed the school's part of the plan over to %(subject)s at the new school %(when)s."),
    ),
    "flexibility_reviewed": Line(
        _l("%(who)s looked again at %(part)s after the in-school plan was used, and kept them %(when)s."),
        _l("You looked again at %(part)s after the in-school plan was used, and kept them %(when)s."),
    ),
    # Plan reviews and the follow-ups nobody marked (portal/followup/).
    "review": Line(
        _l("%(who)s checked %(part)s in a plan review and kept it %(when)s."),
        _l("You checked %(part)s in a plan review and kept it %(when)s."),
    ),
    "mark_missed": Line(
        _l("%(who)s marked an entry in %(part)s as missed, as nobody recorded it attended %(when)s."),
        _l("You marked an entry in %(part)s as missed, as nobody recorded it attended %(when)s."),
    ),
    # Lists that show something of many plans at once.
    "notifications_viewed": Line(
        _l("%(who)s saw notices about this plan in their notifications %(when)s."),
        _l("You saw notices about this plan in your notifications %(when)s."),
        _l("You saw notices about this plan in your notifications %(your_when)s."),
    ),
    "calendar_feed": Line(
        _l("%(who)s had the dates in %(part)s sent to their calendar app %(when)s."),
        _l("You had the dates in %(part)s sent to your calendar app %(when)s."),
        _l("You had the dates in %(your_part)s sent to your calendar app %(your_when)s."),
    ),
    # An organisation admin's changes to accounts (portal/admin/); they name no circle.
    "account_created": Line(
        _l("%(who)s created an account for %(subject)s %(when)s."),
        _l("You created an account for %(subject)s %(when)s."),
    ),
    "account_deactivated": Line(
        _l("%(who)s stopped %(subject)s from signing in %(when)s."),
        _l("You stopped %(subject)s from signing in %(when)s."),
    ),
    "account_reactivated": Line(
        _l("%(who)s allowed %(subject)s to sign in again %(when)s."),
        _l("You allowed %(subject)s to sign in again %(when)s."),
    ),
}

# "member_added" when the person added is the one who added them: whoever
# started the circle joined it.
JOINED_LINE = Line(
    _l("%(who)s joined the circle %(when)s."),
    _l("You joined the circle %(when)s."),
    _l("You joined the circle %(your_when)s."),
)


# Actions made by the passing of time, with nobody at the keyboard.
AUTOMATIC_ACTIONS = frozenset({"mark_missed"})


def record(
    action: str,
    *,
    circle_id: int | None = None,
    section: str | None = None,
    item_id: int | None = None,
    role: str | None = None,
    outcome: str = "ok",
    user=None,
    subject=None,
) -> AuditEvent:
    """Add an entry to the current transaction; the caller commits (or calls ``record_now``)."""
    if has_request_context():
        if user is None and current_user and current_user.is_authenticated:
            user = current_user
        membership = g.get("membership")
        if role is None and membership is not None and membership.circle_id == circle_id:
            role = membership.role
    if role is None and user is not None and circle_id is not None and action not in ("member_added", "member_removed", "role_changed"):
        # Outside a request (the demo loader, the command line): the role they hold now.
        from sqlalchemy import select

        from portal.circles.models import Membership

        role = db.session.scalar(
            select(Membership.role).where(Membership.circle_id == circle_id, Membership.user_id == user.id)
        )
    entry = AuditEvent(
        at=clock.now(),
        user_id=user.id if user is not None else None,
        subject_user_id=subject.id if subject is not None else None,
        role=role,
        circle_id=circle_id,
        section=section,
        item_id=item_id,
        action=action,
        outcome=outcome,
        endpoint=request.endpoint if has_request_context() else None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def record_now(action: str, **kwargs) -> None:
    """For reads and refusals, which have no transaction of their own to ride on."""
    record(action, **kwargs)
    db.session.commit()


@dataclass(frozen=True)
class View:
    """One part (or none) of one circle's plan shown to someone, in the role they hold there."""

    circle_id: int
    role: str
    section: str | None
    action: str = "view"
    item_id: int | None = None


def record_views_at_once(action: str, section: str | None, circle_roles, *, user=None) -> None:
    """The view of one section in many circles at once (a sheet across all
    their students); see record_views."""
    record_views([View(circle_id, role, section, action) for circle_id, role in circle_roles], user=user)


def record_views(views, *, user=None) -> None:
    """Views in many circles, and of several sections, from one page (a
    caseload, the dashboard), written in one INSERT and committed: the same
    lines as record(), without a statement per circle. ``user`` is who saw
    them when nobody is signed in (a calendar app fetching its feed)."""
    from sqlalchemy import insert

    # Once each, in the order shown: a page may show a section of a circle twice.
    views = list(dict.fromkeys(views))
    if not views:
        return
    # Read once, not once a circle: each is a lookup through a context proxy.
    at, endpoint, ip = clock.now(), request.endpoint, request.remote_addr
    user_id = user.id if user is not None else current_user.id
    rows = [
        {
            "at": at,
            "user_id": user_id,
            "role": view.role,
            "circle_id": view.circle_id,
            "section": view.section,
            "item_id": view.item_id,
            "subject_user_id": None,
            "action": view.action,
            "outcome": "ok",
            "endpoint": endpoint,
            "ip": ip,
        }
        for view in views
    ]
    # Numbered and hashed after the last entry, under the chain's lock: one
    # read and one write for the page, however many circles.
    chain.link(db.session.connection(), rows)
    db.session.execute(insert(AuditEvent.__table__), rows)  # Core: no ORM bookkeeping for rows never read back
    db.session.commit()


def record_shown(action: str, views) -> None:
    """One entry for one page that showed parts of many circles' plans (the
    weekly sheet), not one a circle: the entry names no circle itself, and
    lists each circle, role and part it showed (``views``, each a View) in
    audit_shown, under the entry's hash. "Who has seen this plan" reads each
    circle's lines there. One transaction of four statements however many
    circles; nothing is written when the page showed no part of any plan."""
    from sqlalchemy import insert

    shown = list(dict.fromkeys((view.circle_id, view.role, view.section) for view in views))
    if not shown:
        return
    row = {
        "at": clock.now(),
        "user_id": current_user.id,
        "role": None,
        "circle_id": None,
        "section": None,
        "item_id": None,
        "subject_user_id": None,
        "action": action,
        "outcome": "ok",
        "endpoint": request.endpoint,
        "ip": request.remote_addr,
        chain.SHOWN: shown,
    }
    chain.link(db.session.connection(), [row])
    del row[chain.SHOWN]
    db.session.execute(insert(AuditEvent.__table__), [row])
    db.session.execute(
        insert(AuditShown.__table__),
        [{"seq": row["seq"], "circle_id": circle_id, "role": role, "section": section} for circle_id, role, section in shown],
    )
    db.session.commit()


def record_view(action: str, membership, section: str, item_id: int | None = None) -> None:
    """Note a view; it is written once the page has rendered (``register``), so
    committing it does not expire the rows the page is still reading."""
    g.setdefault("_audit_views", []).append(View(membership.circle_id, membership.role, section, action, item_id))


def register(app) -> None:
    @app.after_request
    def write_views(response):
        views = g.pop("_audit_views", None)
        if views and response.status_code < 400:
            # One Core insert under the chain's lock, as for many circles at once.
            record_views(views)
        return response
