from __future__ import annotations

from dataclasses import dataclass

from flask import g, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.access import policy
from portal.access.guard import CircleAction, guard
from portal.audit.models import AuditEvent
from portal.audit.services import ACTION_PHRASES, AUTOMATIC_ACTIONS
from portal.auth.models import User
from portal.extensions import db
from portal.paging import requested_page
from portal.timezone import to_local
from portal.who_has_seen import bp

PER_PAGE = 50
SHOWN_ACTIONS = tuple(a for a in ACTION_PHRASES if not a.endswith("_item"))


@dataclass(frozen=True)
class Line:
    at: object
    sentence: str
    refused: bool


def _sentence(event: AuditEvent, name: str | None, subject: str | None) -> str:
    """E.g. "Sam Okafor, school contact, viewed the in-school plan on 3 March at 10:14"."""
    person = name or ("Support Circle, automatically," if event.action in AUTOMATIC_ACTIONS else "Someone without an account")
    if event.role:
        person = f"{person}, {policy.ROLE_LABELS[event.role].lower()},"
    target = f"the {policy.section_title(event.section)}" if event.section else "a part of the plan"
    action = event.action
    if event.item_id is not None and f"{action}_item" in ACTION_PHRASES:
        action = f"{action}_item"
    phrase = ACTION_PHRASES[action].format(target=target, subject=subject or "someone")
    local = to_local(event.at)
    return f"{person} {phrase} on {local.day} {local:%B %Y} at {local:%H:%M}"


@bp.get("/circles/<int:circle_id>/who-has-seen")
@guard(CircleAction("view_audit"))
def who_has_seen(circle_id: int):
    page = requested_page()
    actor = aliased(User)
    subject = aliased(User)
    condition = (AuditEvent.circle_id == circle_id, AuditEvent.action.in_(SHOWN_ACTIONS))
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*condition))
    rows = db.session.execute(
        select(AuditEvent, actor.name, subject.name)
        .outerjoin(actor, actor.id == AuditEvent.user_id)
        .outerjoin(subject, subject.id == AuditEvent.subject_user_id)
        .where(*condition)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    lines = [Line(event.at, _sentence(event, name, subject_name), event.outcome != "ok") for event, name, subject_name in rows]
    return render_template(
        "audit/who_has_seen.html",
        circle=g.circle,
        lines=lines,
        page=page,
        has_next=page * PER_PAGE < (total or 0),
        total=total,
    )
