"""What the young person is told about sharing, in words, worked out from the
policy (DESIGN.md, principle 10): who sees what by default, what is shared
only with agreement, and when adults must share without it (the deployment's
words, config SHARING_WITHOUT_AGREEMENT).

Written to the young person as "you" when they read it, and about them by
name for everyone else, so the adults read what the young person was told."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal.access import policy
from portal.plan.sections import ordered_specs, spec_for

# The roles in the circle as a young person thinks of them; the young
# person themselves is the reader or the subject, never a line of their own.
WHO = {
    policy.CLINICIAN: "Your clinicians (therapist, psychiatrist, care coordinator)",
    policy.PRIMARY_CARE: "Your family doctor",
    policy.CAREGIVER: "Your parents or carers",
    policy.SCHOOL_CONTACT: "Your named contact at school (the counselor)",
    policy.SCHOOL_STAFF: "Your teachers",
}
WHO_THEIRS = {
    policy.CLINICIAN: "{name}'s clinicians (therapist, psychiatrist, care coordinator)",
    policy.PRIMARY_CARE: "{name}'s family doctor",
    policy.CAREGIVER: "{name}'s parents or carers",
    policy.SCHOOL_CONTACT: "{name}'s named contact at school",
    policy.SCHOOL_STAFF: "{name}'s teachers",
}
WITH_WHOM = {
    policy.PRIMARY_CARE: "your family doctor",
    policy.SCHOOL_CONTACT: "your named contact at school",
}
WITH_WHOM_THEIRS = {
    policy.PRIMARY_CARE: "{name}'s family doctor",
    policy.SCHOOL_CONTACT: "{name}'s named contact at school",
}
if set(WHO) != set(policy.ROLES) - {policy.YOUNG_PERSON} or set(WHO_THEIRS) != set(WHO):
    raise RuntimeError("every role but the young person needs words on the your-say page")
if {role for _, role in policy.SHAREABLE} - set(WITH_WHOM) or set(WITH_WHOM) != set(WITH_WHOM_THEIRS):
    raise RuntimeError("every role a section can be shared with needs words on the your-say page")


@dataclass(frozen=True)
class Reach:
    who: str
    sections: list[str]


@dataclass(frozen=True)
class ByAgreement:
    section: str
    with_whom: str
    only: list[str]  # the parts they see, when less than the whole section
    never: list[str]  # the parts they never see, even then


@dataclass(frozen=True)
class YourSay:
    to_them: bool  # the reader is the young person
    name: str
    default_reach: list[Reach]
    by_agreement: list[ByAgreement]
    without_agreement: list[str]


def speaks_to_them(role: str) -> bool:
    """Whether a page about the young person's say is read by the young person themselves."""
    return policy.check_role(role) == policy.YOUNG_PERSON


def default_reach(to_them: bool, name: str) -> list[Reach]:
    words = WHO if to_them else WHO_THEIRS
    found = []
    for role in policy.ROLES:
        if role == policy.YOUNG_PERSON:
            continue
        shown = []
        for spec in ordered_specs():
            if not policy.can(role, spec.kind, policy.READ):
                continue
            scope = policy.row_scope(role, spec.kind)
            title = spec.short_title.lower()
            shown.append(f"{title} ({scope.meaning})" if scope is not None else title)
        found.append(Reach(words[role].format(name=name), shown))
    return found


def by_agreement(to_them: bool, name: str) -> list[ByAgreement]:
    whom = WITH_WHOM if to_them else WITH_WHOM_THEIRS
    found = []
    for kind, role in policy.SHAREABLE:
        spec = spec_for(kind)
        shared = frozenset({(kind, role)})
        visible = [f.label for f in spec.fields if policy.field_visible(role, kind, f.name, shared)]
        hidden = [f.label for f in spec.fields if not policy.field_visible(role, kind, f.name, shared)]
        found.append(
            ByAgreement(
                section=spec.title,
                with_whom=whom[role].format(name=name),
                only=visible if hidden else [],
                never=hidden,
            )
        )
    return found


def without_agreement() -> list[str]:
    return list(current_app.config["SHARING_WITHOUT_AGREEMENT"])


def your_say(role: str, name: str) -> YourSay:
    to_them = speaks_to_them(role)
    return YourSay(to_them, name, default_reach(to_them, name), by_agreement(to_them, name), without_agreement())
