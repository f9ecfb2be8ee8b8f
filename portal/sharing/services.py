from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.services import record as audit
from portal.extensions import db
from portal.notify import services as notify
from portal.sharing.models import Agreement
from portal.timezone import zone

# Who may say who agreed is the policy's (policy.AGREED_BY_FOR_ROLE).
AGREED_BY_FOR_ROLE = policy.AGREED_BY_FOR_ROLE


def shareable_for(membership, shared) -> list[tuple[str, str]]:
    """(section, role) pairs this member may record sharing of: they must read the section themselves."""
    return [
        (section, role)
        for (section, role) in policy.SHAREABLE
        if policy.can(membership.role, section, policy.READ, shared) and membership.role != role
    ]


def record(circle_id: int, section: str, role: str, agreed_by: str, ends_on, actor) -> Agreement:
    if (section, role) not in policy.SHAREABLE or agreed_by not in policy.AGREED_BY:
        raise policy.UnknownName("not a shareable section, role or agreement")
    ends_at = None
    if ends_on is not None:
        ends_at = datetime.combine(ends_on, time.min, tzinfo=zone())
    agreement = Agreement(
        circle_id=circle_id,
        section=section,
        role=role,
        agreed_by=agreed_by,
        recorded_by_id=actor.id,
        starts_at=clock.now(),
        ends_at=ends_at,
    )
    db.session.add(agreement)
    db.session.flush()
    audit("agreement_recorded", circle_id=circle_id, section=section, user=actor)
    notify.agreement_changed(agreement, "recorded", actor)
    db.session.commit()
    return agreement


def withdraw(agreement: Agreement, actor) -> None:
    if agreement.withdrawn_at is not None:
        return
    agreement.withdrawn_at = clock.now()
    agreement.withdrawn_by_id = actor.id
    audit("agreement_withdrawn", circle_id=agreement.circle_id, section=agreement.section, user=actor)
    notify.agreement_changed(agreement, "withdrawn", actor)
    db.session.commit()


def agreements(circle_id: int, sections=None) -> list[Agreement]:
    stmt = select(Agreement).where(Agreement.circle_id == circle_id)
    if sections is not None:
        stmt = stmt.where(Agreement.section.in_(list(sections)))
    return list(db.session.scalars(stmt.order_by(Agreement.starts_at.desc(), Agreement.id.desc())))
