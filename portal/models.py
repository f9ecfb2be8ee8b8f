"""Every model, imported in one place for the metadata and for Alembic."""

from portal.audit.models import AuditChainHead, AuditEvent, AuditShown
from portal.auth.models import Organisation, PasswordReset, RecoveryCode, User
from portal.circles.models import Circle, Membership, MembershipChange
from portal.dashboard.models import MembershipAttention
from portal.followup.models import CalendarFeed, SectionReview
from portal.invitations.models import Invitation
from portal.notify.models import NoticeSent, Notification, NotificationPreference, OutboxMessage
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
from portal.ratelimits.models import RateLimitCounter
from portal.safeguarding.models import SafeguardingLimit
from portal.school.models import FlexibilityReview, SchoolHandover
from portal.sessions.models import KeptDraft, UserSession
from portal.sharing.models import Agreement, DecidingRecord, Disagreement, Disclosure

__all__ = [
    "MembershipAttention",
    "KeptDraft",
    "UserSession",
    "AuditChainHead",
    "AuditEvent",
    "AuditShown",
    "Agreement",
    "DecidingRecord",
    "Disagreement",
    "Disclosure",
    "SafeguardingLimit",
    "NoticeSent",
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "Adjustment",
    "CalendarFeed",
    "CareTeamContact",
    "CheckIn",
    "Circle",
    "ClinicalRecord",
    "ConflictCopy",
    "Episode",
    "FollowUp",
    "HomeSafety",
    "Invitation",
    "Membership",
    "MembershipChange",
    "Organisation",
    "PasswordReset",
    "RateLimitCounter",
    "RecoveryCode",
    "SafetyPlan",
    "SchoolHandover",
    "FlexibilityReview",
    "SchoolPlan",
    "SectionReview",
    "SectionVersion",
    "SetbackReview",
    "User",
]
