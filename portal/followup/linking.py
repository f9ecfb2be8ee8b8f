"""'This change follows the setback review of <date>': the choice a clinician
makes when editing a section, kept on the version it makes (SectionVersion.
setback_review_id), so history can show a review beside the changes it led to,
and a setback review the changes that followed it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import Optional

from portal.access import policy
from portal.access.queries import member_can
from portal.access.sections import section_access
from portal.extensions import db
from portal.plan import presenters
from portal.plan import queries as plan_queries
from portal.plan.models import SectionVersion, SetbackReview
from portal.plan.sections import spec_for
from portal.timezone import day_text

FIELD = "follows_setback_review"
# Older reviews are rarely what a change follows; a short list stays readable.
CHOICES_SHOWN = 12


def choices_for(circle_id: int, membership, kind: str) -> list[tuple[str, str]] | None:
    """The setback reviews this member may link a change of ``kind`` to, or
    None when they may not link (only those who write setback reviews may
    say a change follows one) or there is none to link to."""
    if kind == "setback_reviews" or not member_can(membership, "setback_reviews", policy.EDIT):
        return None
    rows = db.session.execute(
        select(SetbackReview.id, SetbackReview.setback_on)
        .where(SetbackReview.circle_id == circle_id, SetbackReview.removed_at.is_(None))
        .order_by(SetbackReview.setback_on.desc(), SetbackReview.id.desc())
        .limit(CHOICES_SHOWN)
    ).all()
    if not rows:
        return None
    return [
        ("", _("No")),
        *((str(review_id), _("Yes: the setback review of %(day)s", day=day_text(day))) for review_id, day in rows),
    ]


@lru_cache(maxsize=256)
def with_link(form_type: type) -> type:
    """The section form with the choice added; its choices are set per request."""
    field = SelectField(
        _l("Does this change follow a setback review?"),
        [Optional()],
        choices=[],
        description=_l("Choose the review when this change is one it asked for: the history then shows them side by side."),
    )
    return type(form_type.__name__, (form_type,), {FIELD: field})


def chosen(form) -> int | None:
    field = getattr(form, FIELD, None)
    if field is None or not field.data:
        return None
    return int(field.data)


# -- reading the links back ----------------------------------------------------


@dataclass(frozen=True)
class LinkedReview:
    review: SetbackReview
    fields: list  # presenters.ShownField, only those the member may read


def linked_setback_reviews(circle_id: int, versions, membership) -> dict[int, LinkedReview]:
    """The setback reviews that the given versions follow, as this member may read them."""
    wanted = {version.setback_review_id for version, _version in versions if version.setback_review_id is not None}
    if not wanted or not member_can(membership, "setback_reviews", policy.READ):
        return {}
    spec = spec_for("setback_reviews")
    access = section_access(membership, spec)
    rows = db.session.scalars(
        select(SetbackReview).where(SetbackReview.circle_id == circle_id, SetbackReview.id.in_(wanted))
    )
    return {
        review.id: LinkedReview(review, presenters.shown_fields(spec, review, access.readable, skip_empty=True))
        for review in rows
    }


@dataclass
class LinkedChanges:
    spec: object
    entries: list = field(default_factory=list)  # presenters.HistoryEntry


def changes_following(circle_id: int, review_id: int, membership) -> list[LinkedChanges]:
    """Changes saved as following this setback review, in the sections (and
    rows, and fields) the member may read, each with what it changed. One
    query to find the sections, then one for each: bounded by the number of
    sections, not by the history's length."""
    kinds = set(
        db.session.scalars(
            select(SectionVersion.kind)
            .where(SectionVersion.circle_id == circle_id, SectionVersion.setback_review_id == review_id)
            .distinct()
        )
    )
    found = []
    for kind in policy.SECTIONS:
        if kind not in kinds or not member_can(membership, kind, policy.READ):
            continue
        spec = spec_for(kind)
        access = section_access(membership, spec)
        entries = presenters.history(spec, plan_queries.versions(circle_id, spec, membership), access.readable)
        linked = [entry for entry in entries if entry.version.setback_review_id == review_id]
        if linked:
            found.append(LinkedChanges(spec, linked))
    return found
