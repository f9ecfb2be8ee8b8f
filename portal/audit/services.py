from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_login import current_user

from portal import clock
from portal.audit import chain
from portal.audit.models import AuditEvent
from portal.extensions import db

# Each action as a phrase for "who has seen this plan"; {target} is the part
# of the plan, {subject} the person added or removed.
ACTION_PHRASES = {
    "view": "viewed {target}",
    "print": "printed {target}",
    "history": "viewed the history of {target}",
    "create": "added to {target}",
    "update": "changed {target}",
    # The same actions on one entry of a list section.
    "create_item": "added an entry to {target}",
    "update_item": "changed an entry in {target}",
    "remove": "removed an entry from {target}",
    "restore": "restored an entry in {target}",
    "denied": "tried to open {target}, which is not shared with them,",
    "member_added": "added {subject} to the circle",
    "member_removed": "removed {subject} from the circle",
    "role_changed": "changed the role of {subject} in the circle",
    "membership_refused": "tried to change who is in the circle, which their role does not allow",
    "agreement_recorded": "recorded an agreement to share {target}",
    "agreement_withdrawn": "withdrew the agreement to share {target}",
    # The young person's say in sharing (portal/sharing/); never their words.
    "deciding_recorded": "recorded whether the young person decides about sharing for themselves",
    "disagreement_recorded": "recorded that they disagree with a sharing choice",
    "disagreement_answered": "marked a disagreement about sharing as talked over",
    "disclosure_recorded": "recorded something shared without agreement, to keep someone safe",
    "invitation_sent": "sent an invitation to join the circle",
    "invitation_accepted": "accepted an invitation and joined the circle",
    "invitation_revoked": "revoked an invitation",
    # Moving school and deadline flexibility (portal/school/).
    "school_move_agreed": "recorded agreement to a move of school",
    "school_move_withdrawn": "withdrew the agreement to a move of school",
    "school_handover": "handed the school's part of the plan over to {subject} at the new school",
    "flexibility_reviewed": "reviewed {target} after the school plan was used and kept them as they are",
    # Plan reviews and the follow-ups nobody marked (portal/followup/).
    "review": "confirmed {target} in a plan review",
    "mark_missed": "marked an entry in {target} as missed, as nobody recorded it attended",
    # Lists that show something of many plans at once.
    "notifications_viewed": "saw notices about this plan in their notifications",
    "calendar_feed": "had the dates in {target} sent to their calendar app",
    # An organisation admin's changes to accounts (portal/admin/); they name no circle.
    "account_created": "created an account for {subject}",
    "account_deactivated": "stopped {subject} from signing in",
    "account_reactivated": "allowed {subject} to sign in again",
}


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
            "item_id": None,
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
    db.session.execute(insert(AuditEvent), rows)
    db.session.commit()


def record_view(action: str, membership, section: str, item_id: int | None = None) -> None:
    """Note a view; it is written once the page has rendered (``register``), so
    committing it does not expire the rows the page is still reading."""
    g.setdefault("_audit_views", []).append(
        {"action": action, "circle_id": membership.circle_id, "role": membership.role, "section": section, "item_id": item_id}
    )


def register(app) -> None:
    @app.after_request
    def write_views(response):
        views = g.pop("_audit_views", None)
        if views and response.status_code < 400:
            for view in views:
                record(**view)
            db.session.commit()
        return response
