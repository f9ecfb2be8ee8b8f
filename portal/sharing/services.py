from __future__ import annotations

from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.access.queries import find_membership, standings, they_decide
from portal.audit.services import record as audit
from portal.auth.services import names_of
from portal.extensions import db
from portal.notify import services as notify
from portal.sharing import words
from portal.sharing.models import Agreement, DecidingRecord, Disagreement, Disclosure
from portal.timezone import zone
from portal.urls import path_for

# Who may say who agreed is the policy's (policy.AGREED_BY_FOR_ROLE).
AGREED_BY_FOR_ROLE = policy.AGREED_BY_FOR_ROLE


def shareable_for(membership, shared) -> list[tuple[str, str]]:
    """(section, role) pairs this member may record sharing of: they must read the section themselves."""
    return [
        (section, role)
        for (section, role) in policy.SHAREABLE
        if policy.can(membership.role, section, policy.READ, shared) and membership.role != role
    ]


class AgreementRefused(Exception):
    """The policy refuses this agreement (policy.agreement_refusal); ``reason``
    is the words for the person who tried, from policy.AGREEMENT_REFUSALS."""

    def __init__(self, key: str, reason: str):
        super().__init__(reason)
        self.key = key
        self.reason = reason


def _refusal_words(key: str, circle_id: int) -> str:
    """policy.AGREEMENT_REFUSALS[key] with the young person's name, in the
    page's language: the policy's words name them as %(name)s (a message) or,
    as they were first written, {name}."""
    words = str(policy.AGREEMENT_REFUSALS[key])
    name = notify.circle_name(circle_id)
    return words % {"name": name} if "%(name)s" in words else words.format(name=name)


def refusal(circle_id: int, role: str, agreed_by: str) -> str | None:
    """Why this role may not record this agreement in this circle now, in words, or None."""
    key = policy.agreement_refusal(role, agreed_by, they_decide(circle_id))
    if key is None:
        return None
    return _refusal_words(key, circle_id)


def record(circle_id: int, section: str, role: str, agreed_by: str, ends_on, actor) -> Agreement:
    if (section, role) not in policy.SHAREABLE or agreed_by not in policy.AGREED_BY:
        raise policy.UnknownName("not a shareable section, role or agreement")
    # The service asks the policy itself, so no caller can skip the young
    # person's say: when they decide, a guardian's word alone is refused.
    membership = find_membership(circle_id, actor)
    key = policy.agreement_refusal(membership.role, agreed_by, they_decide(circle_id)) if membership else "not_yours_to_record"
    if key is not None:
        raise AgreementRefused(key, _refusal_words(key, circle_id))
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
    told_apart = _tell_them_whose_word(agreement, actor)
    notify.agreement_changed(agreement, "recorded", actor, skip=told_apart)
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


# -- the young person's say (DESIGN.md, principle 10) --------------------------


def _acting(circle_id: int, action: str, *, exclude=None) -> list[notify.Recipient]:
    """Members whose role in the circle the policy gives this action, as recipients."""
    members = notify.reachable_members(circle_id)
    standing = standings(members)
    return [
        notify.Recipient(m.user, m.role, standing[m.id])
        for m in members
        if (exclude is None or m.user_id != exclude.id) and policy.can_act(m.role, action, standing[m.id])
    ]


def _young_people(circle_id: int, *, exclude=None) -> list[notify.Recipient]:
    # The one whose say it is: the role that may record a disagreement.
    return _acting(circle_id, "record_disagreement", exclude=exclude)


# Whose agreement shared it, as a clause of the notice to the young person.
def _as_agreed(agreed_by: str) -> str:
    if agreed_by == "young_person":
        return _("as you agreed")
    if agreed_by == "guardian":
        return _("as a parent or guardian agreed")
    return _("as you and a parent or guardian agreed")


def told_whose_word(section: str, role: str, agreed_by: str) -> str:
    """The young person's notice that something of theirs is now shared, in
    their own words: one message for each section that can be shared."""
    values = {"role": words.the_role(role), "agreed": _as_agreed(agreed_by)}
    if section == "safety_plan":
        return _("Your safety plan is now shared with %(role)s, %(agreed)s. "
                 "You can see it, and say if you disagree, on your sharing page.", **values)
    if section == "progress":
        return _("Your progress is now shared with %(role)s, %(agreed)s. "
                 "You can see it, and say if you disagree, on your sharing page.", **values)
    if section == "setback_reviews":
        return _("Your setback reviews are now shared with %(role)s, %(agreed)s. "
                 "You can see them, and say if you disagree, on your sharing page.", **values)
    raise policy.UnknownName(f"no words for sharing {section!r}")


def _tell_them_whose_word(agreement: Agreement, actor) -> set[int]:
    """Tell the young person, in their own words, that something of theirs is
    now shared and on whose agreement, when someone else recorded it; answer
    whom this told, so the general notice does not tell them twice."""
    recipients = [
        r for r in _young_people(agreement.circle_id, exclude=actor)
        if policy.can(r.role, agreement.section, policy.READ, r.standing)
    ]
    if not recipients:
        return set()
    section, whom, agreed_by = agreement.section, agreement.role, agreement.agreed_by
    notify.tell(
        recipients,
        "agreement_changed",
        circle_id=agreement.circle_id,
        section=agreement.section,
        text=lambda role: told_whose_word(section, whom, agreed_by),
        link=path_for("sharing.index", circle_id=agreement.circle_id),
    )
    return {r.user.id for r in recipients}


def record_deciding(circle_id: int, decides: bool, actor) -> DecidingRecord:
    """A clinician's judgement, kept with those before it; the newest is in force."""
    row = DecidingRecord(circle_id=circle_id, they_decide=decides, recorded_by_id=actor.id, recorded_at=clock.now())
    db.session.add(row)
    db.session.flush()
    audit("deciding_recorded", circle_id=circle_id, user=actor)
    db.session.commit()
    return row


def deciding_history(circle_id: int) -> list[DecidingRecord]:
    stmt = select(DecidingRecord).where(DecidingRecord.circle_id == circle_id)
    return list(db.session.scalars(stmt.order_by(DecidingRecord.recorded_at.desc(), DecidingRecord.id.desc())))


def disagreement_targets(circle_id: int, actor, sections) -> list[tuple[str, object]]:
    """What the young person may say they disagree with: each agreement or
    withdrawal someone else recorded, in the sections they read, and each
    record of whether they decide. ("agreement:<id>" or "deciding:<id>", row)."""
    found: list[tuple[str, object]] = []
    for agreement in agreements(circle_id, sections):
        if agreement.recorded_by_id != actor.id or (agreement.withdrawn_by_id not in (None, actor.id)):
            found.append((f"agreement:{agreement.id}", agreement))
    found += [(f"deciding:{row.id}", row) for row in deciding_history(circle_id)]
    return found


def record_disagreement(circle_id: int, target, words: str, actor) -> Disagreement:
    """The young person's disagreement, kept for good; the clinicians are told
    that there is one, never what it says."""
    row = Disagreement(
        circle_id=circle_id,
        agreement_id=target.id if isinstance(target, Agreement) else None,
        deciding_record_id=target.id if isinstance(target, DecidingRecord) else None,
        words=words.strip(),
        recorded_by_id=actor.id,
        recorded_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    audit("disagreement_recorded", circle_id=circle_id, section=getattr(target, "section", None), user=actor)
    name = notify.circle_name(circle_id)
    notify.tell(
        _acting(circle_id, "view_disagreements", exclude=actor),
        "disagreement_recorded",
        circle_id=circle_id,
        section=None,
        text=lambda role: _(
            "%(name)s recorded that they disagree with a sharing choice. See the sharing page.", name=name
        ),
        link=path_for("sharing.index", circle_id=circle_id),
    )
    db.session.commit()
    return row


def disagreements(circle_id: int) -> list[Disagreement]:
    stmt = select(Disagreement).where(Disagreement.circle_id == circle_id)
    return list(db.session.scalars(stmt.order_by(Disagreement.recorded_at.desc(), Disagreement.id.desc())))


def mark_talked_over(disagreement: Disagreement, actor) -> None:
    if disagreement.answered_at is not None:
        return
    disagreement.answered_at = clock.now()
    disagreement.answered_by_id = actor.id
    audit("disagreement_answered", circle_id=disagreement.circle_id, user=actor)
    db.session.commit()


def record_disclosure(circle_id: int, shared_what: str, shared_with: str, why: str, shared_on, actor) -> Disclosure:
    """Something shared without agreement because of a serious risk: kept so
    the young person is told what, with whom and why (GMC 0-18 years). The
    notice says only that it happened and where to read it."""
    row = Disclosure(
        circle_id=circle_id,
        shared_what=shared_what.strip(),
        shared_with=shared_with.strip(),
        why=why.strip(),
        shared_on=datetime.combine(shared_on, time(12), tzinfo=zone()),
        recorded_by_id=actor.id,
        recorded_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    audit("disclosure_recorded", circle_id=circle_id, user=actor)
    notify.tell(
        _young_people(circle_id, exclude=actor),
        "shared_without_agreement",
        circle_id=circle_id,
        section=None,
        text=lambda role: _(
            "Something was shared without your agreement, to keep you or someone else safe. "
            "Your sharing page says what, with whom and why."
        ),
        link=path_for("sharing.your_say", circle_id=circle_id),
    )
    db.session.commit()
    return row


def disclosures(circle_id: int) -> list[Disclosure]:
    stmt = select(Disclosure).where(Disclosure.circle_id == circle_id)
    return list(db.session.scalars(stmt.order_by(Disclosure.shared_on.desc(), Disclosure.id.desc())))


# The names of whoever recorded or withdrew what the sharing pages list.
names = names_of
