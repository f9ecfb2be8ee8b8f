"""Every model, imported in one place for the metadata and for Alembic."""

from portal.auth.models import Organisation, User
from portal.circles.models import Circle, Membership
from portal.plan.models import (
    Adjustment,
    CareTeamContact,
    CheckIn,
    ClinicalRecord,
    ConflictCopy,
    Episode,
    FollowUp,
    HomeSafety,
    SafetyPlan,
    SchoolPlan,
    SectionVersion,
    SetbackReview,
)

__all__ = [
    "Adjustment",
    "CareTeamContact",
    "CheckIn",
    "Circle",
    "ClinicalRecord",
    "ConflictCopy",
    "Episode",
    "FollowUp",
    "HomeSafety",
    "Membership",
    "Organisation",
    "SafetyPlan",
    "SchoolPlan",
    "SectionVersion",
    "SetbackReview",
    "User",
]
