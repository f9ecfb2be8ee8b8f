"""Moving school as the history tells it: every agreement to move and what
came of it, with names, not ids, in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.auth.models import Organisation, User
from portal.extensions import db
from portal.school.models import SchoolHandover


@dataclass(frozen=True)
class Move:
    """A move of school as the history tells it: names, not ids."""

    handover: SchoolHandover
    agreed_by: str
    from_school: str
    to_school: str
    new_contact: str
    performed_by: str
    withdrawn_by: str


def moves(circle_id: int) -> list[Move]:
    """Every agreement to move school in the circle and what came of it, newest first, in one statement."""
    agreed, contact, performer, withdrawer = (aliased(User) for _ in range(4))
    old, new = aliased(Organisation), aliased(Organisation)
    rows = db.session.execute(
        select(SchoolHandover, agreed.name, old.name, new.name, contact.name, performer.name, withdrawer.name)
        .outerjoin(agreed, agreed.id == SchoolHandover.agreed_by_id)
        .outerjoin(old, old.id == SchoolHandover.from_organisation_id)
        .outerjoin(new, new.id == SchoolHandover.to_organisation_id)
        .outerjoin(contact, contact.id == SchoolHandover.new_contact_id)
        .outerjoin(performer, performer.id == SchoolHandover.performed_by_id)
        .outerjoin(withdrawer, withdrawer.id == SchoolHandover.withdrawn_by_id)
        .where(SchoolHandover.circle_id == circle_id)
        .order_by(SchoolHandover.agreed_at.desc(), SchoolHandover.id.desc())
    )
    someone = _("someone no longer in Support Circle")
    previous = _("the previous school")
    return [
        Move(handover, agreed_name or someone, old_name or previous, new_name or handover.to_school_name,
             contact_name or someone, performer_name or someone, withdrawer_name or someone)
        for handover, agreed_name, old_name, new_name, contact_name, performer_name, withdrawer_name in rows
    ]
