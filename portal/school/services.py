"""Every write for school coordination, each in one transaction with its
audit entries and notices."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal import clock, touched
from portal.access import policy
from portal.audit.services import record as audit
from portal.auth.models import User
from portal.auth.services import find_user
from portal.circles import services as circle_services
from portal.circles.models import Circle, Membership
from portal.extensions import db
from portal.invitations.models import Invitation
from portal.notify import services as notify
from portal.school.models import FlexibilityReview, SchoolHandover


class HandoverRefused(Exception):
    """The handover cannot happen as asked; the message says why, calmly."""


# One answer for every account that cannot take the school over, so the form
# does not tell a school contact more about other people's accounts than it must.
NO_SCHOOL_ACCOUNT = _l(
    "We could not find an active school account with that email. The new school's account admin "
    "can create one; then try again."
)


def add_teacher(circle: Circle, actor: Membership, email: str, relationship_label: str) -> circle_services.AddResult:
    return circle_services.add_colleague(circle, actor, email, policy.SCHOOL_STAFF, relationship_label)


def remove_teacher(membership: Membership, actor: Membership) -> None:
    circle_services.remove_member(membership, actor.user, actor.role)


def mark_flexibility_reviewed(circle_id: int, actor: User) -> None:
    school = db.session.get(Circle, circle_id).school_organisation_id
    db.session.add(
        FlexibilityReview(circle_id=circle_id, reviewed_by_id=actor.id, reviewed_at=clock.now(), school_organisation_id=school)
    )
    audit("flexibility_reviewed", circle_id=circle_id, section="adjustments", user=actor)
    db.session.commit()


def record_move_agreement(circle: Circle, to_school_name: str, actor: User) -> SchoolHandover:
    """A caregiver agrees to the move; an earlier agreement not yet used gives way to this one."""
    now = clock.now()
    for earlier in _pending(circle.id):
        earlier.withdrawn_at = now
        earlier.withdrawn_by_id = actor.id
    agreement = SchoolHandover(
        circle_id=circle.id,
        to_school_name=to_school_name.strip(),
        from_organisation_id=circle.school_organisation_id,
        agreed_by_id=actor.id,
        agreed_at=now,
    )
    db.session.add(agreement)
    db.session.flush()
    audit("school_move_agreed", circle_id=circle.id, user=actor)
    notify.school_move_agreed(circle.id, actor, agreement.to_school_name)
    db.session.commit()
    return agreement


def withdraw_move_agreement(agreement: SchoolHandover, actor: User) -> None:
    if not agreement.pending:
        return
    agreement.withdrawn_at = clock.now()
    agreement.withdrawn_by_id = actor.id
    audit("school_move_withdrawn", circle_id=agreement.circle_id, user=actor)
    db.session.commit()


def _pending(circle_id: int) -> list[SchoolHandover]:
    return list(
        db.session.scalars(
            select(SchoolHandover).where(
                SchoolHandover.circle_id == circle_id,
                SchoolHandover.performed_at.is_(None),
                SchoolHandover.withdrawn_at.is_(None),
            )
        )
    )


def new_school_contact(email: str, circle: Circle, actor: User) -> User:
    """The account that takes the school's part over, or HandoverRefused."""
    user = find_user(email)
    if user is None or not user.active or user.organisation is None or user.organisation.kind != "school":
        raise HandoverRefused(str(NO_SCHOOL_ACCOUNT))
    if user.id == actor.id or user.organisation_id in (circle.school_organisation_id, actor.organisation_id):
        raise HandoverRefused(
            _("That account belongs to the school the student is leaving. Name the contact at the new school.")
        )
    return user


def hand_over(circle: Circle, agreement: SchoolHandover, email: str, actor: User) -> User:
    """The new school's contact joins; everyone in a school role leaves; the circle's school changes.

    All in one transaction. The agreement is claimed with a conditional
    update, so two handovers sent at once cannot both use it.
    """
    new_contact = new_school_contact(email, circle, actor)
    # Lazy: the notice is written in each recipient's language (portal/notify).
    old_school = circle.school.name if circle.school is not None else _l("the previous school")
    new_school = new_contact.organisation.name
    now = clock.now()
    touched.changed(circle.id)
    claimed = db.session.execute(
        update(SchoolHandover)
        .where(
            SchoolHandover.id == agreement.id,
            SchoolHandover.circle_id == circle.id,
            SchoolHandover.performed_at.is_(None),
            SchoolHandover.withdrawn_at.is_(None),
        )
        .values(
            performed_at=now,
            performed_by_id=actor.id,
            new_contact_id=new_contact.id,
            from_organisation_id=circle.school_organisation_id,
            to_organisation_id=new_contact.organisation_id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise HandoverRefused(_("This agreement was already used or withdrawn. A caregiver can record a new one."))

    acting = circle_services.active_membership(circle.id, actor.id)
    try:
        circle_services.hand_over_school(circle, acting, new_contact)
    except circle_services.MembershipRefused as refused:
        db.session.rollback()
        raise HandoverRefused(refused.message) from None
    _revoke_school_invitations(circle.id, actor, now)
    circle.school_organisation_id = new_contact.organisation_id
    audit("school_handover", circle_id=circle.id, user=actor, subject=new_contact, role=policy.SCHOOL_CONTACT)
    notify.school_handed_over(circle.id, actor, new_contact, old_school, new_school)
    db.session.commit()
    return new_contact


def _revoke_school_invitations(circle_id: int, actor: User, now) -> None:
    """An invitation the old school sent must not let someone in after it has left."""
    pending = db.session.scalars(
        select(Invitation).where(
            Invitation.circle_id == circle_id,
            Invitation.role.in_(policy.SCHOOL_ROLES),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    ).all()
    for invitation in pending:
        invitation.revoked_at = now
        invitation.revoked_by_id = actor.id
        audit("invitation_revoked", circle_id=circle_id, user=actor)
