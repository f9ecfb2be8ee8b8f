"""'This change follows the setback review of <date>': the choice a clinician
makes when editing a section, kept on the version it makes (SectionVersion.
setback_review_id), so history can show a review beside the changes it led to."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import Optional

from portal.access import policy
from portal.access.queries import member_can
from portal.extensions import db
from portal.plan.models import SetbackReview

FIELD = "follows_setback_review"
# Older reviews are rarely what a change follows; a short list stays readable.
CHOICES_SHOWN = 12


def _date(day) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


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
    return [("", "No"), *((str(review_id), f"Yes: the setback review of {_date(day)}") for review_id, day in rows)]


@lru_cache(maxsize=256)
def with_link(form_type: type) -> type:
    """The section form with the choice added; its choices are set per request."""
    field = SelectField(
        "Does this change follow a setback review?",
        [Optional()],
        choices=[],
        description="Choose the review when this change is one it asked for: the history then shows them side by side.",
    )
    return type(form_type.__name__, (form_type,), {FIELD: field})


def chosen(form) -> int | None:
    field = getattr(form, FIELD, None)
    if field is None or not field.data:
        return None
    return int(field.data)
