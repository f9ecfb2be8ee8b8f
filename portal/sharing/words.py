"""What the young person is told about sharing, in words, worked out from the
policy (DESIGN.md, principle 10): who sees what by default, what is shared
only with agreement, and when adults must share without it (the deployment's
words, config SHARING_WITHOUT_AGREEMENT).

Written to the young person as "you" when they read it, and about them by
name for everyone else, so the adults read what the young person was told."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import policy
from portal.languages import current
from portal.plan.sections import ordered_specs, spec_for

# The roles in the circle as a young person thinks of them; the young
# person themselves is the reader or the subject, never a line of their own.
WHO = {
    policy.CLINICIAN: _l("Your clinicians (therapist, psychiatrist, care coordinator)"),
    policy.PRIMARY_CARE: _l("Your family doctor"),
    policy.CAREGIVER: _l("Your parents or carers"),
    policy.SCHOOL_CONTACT: _l("Your named contact at school (the counselor)"),
    policy.SCHOOL_STAFF: _l("Your teachers"),
}
WHO_THEIRS = {
    policy.CLINICIAN: _l("%(name)s's clinicians (therapist, psychiatrist, care coordinator)"),
    policy.PRIMARY_CARE: _l("%(name)s's family doctor"),
    policy.CAREGIVER: _l("%(name)s's parents or carers"),
    policy.SCHOOL_CONTACT: _l("%(name)s's named contact at school"),
    policy.SCHOOL_STAFF: _l("%(name)s's teachers"),
}
WITH_WHOM = {
    policy.PRIMARY_CARE: _l("your family doctor"),
    policy.SCHOOL_CONTACT: _l("your named contact at school"),
}
# Inside a sentence ("with Jordan's family doctor"): the same words as
# WHO_THEIRS in English, a message of their own (%(young_person)s) for the
# languages that write a name at the start of a line and inside one differently.
WITH_WHOM_THEIRS = {
    policy.PRIMARY_CARE: _l("%(young_person)s's family doctor"),
    policy.SCHOOL_CONTACT: _l("%(young_person)s's named contact at school"),
}
# Whom a section is shared with, inside a sentence: "shared with the school contact".
THE_ROLE = {
    policy.PRIMARY_CARE: _l("the family doctor (primary care)"),
    policy.SCHOOL_CONTACT: _l("the school contact"),
}
# A section that can be shared, inside a sentence, by its short name ("the
# progress is shared") and by its title ("sharing the progress check-ins").
THE_SECTION = {
    "safety_plan": _l("the safety plan"),
    "progress": _l("the progress"),
    "setback_reviews": _l("the setback reviews"),
}
THE_SECTION_TITLE = {
    "safety_plan": _l("the safety plan"),
    "progress": _l("the progress check-ins"),
    "setback_reviews": _l("the setback reviews"),
}
if {role for _kind, role in policy.SHAREABLE} != set(THE_ROLE):
    raise RuntimeError("every role a section can be shared with needs words on the sharing page")
if {kind for kind, _role in policy.SHAREABLE} != set(THE_SECTION) or set(THE_SECTION) != set(THE_SECTION_TITLE):
    raise RuntimeError("every section that can be shared needs words on the sharing page")

# What the young person is told when adults must share without their
# agreement, when the deployment has not written its own
# (config SHARING_WITHOUT_AGREEMENT): in each language the portal speaks.
WITHOUT_AGREEMENT = (
    _l("Most of the time, nothing beyond what is listed above is shared unless you agree."),
    _l(
        "There is one exception. If the adults helping you believe there is a serious risk to your "
        "safety, or to someone else's, they must share what is needed to keep you or them safe, "
        "even if you do not agree. For example, if you have a plan to end your life, or someone is "
        "hurting you."
    ),
    _l(
        "They share only what is needed, only with the people who need to know, such as a parent, "
        "your doctor or an emergency service."
    ),
    _l(
        "If that happens, you will be told what was shared, with whom and why. It will show on this "
        "page and on your sharing page. Where it is safe to, they will talk with you first."
    ),
)


# Who agreed, as a phrase of a sentence: "(agreed by a parent or guardian)".
AGREED_BY_PHRASES = {
    "young_person": _l("agreed by the young person"),
    "guardian": _l("agreed by a parent or guardian"),
    "both": _l("agreed by the young person and a parent or guardian"),
}
AGREED_BY_PHRASES_TO_THEM = {
    "young_person": _l("agreed by you"),
    "guardian": _l("agreed by a parent or guardian"),
    "both": _l("agreed by you and a parent or guardian"),
}
if set(AGREED_BY_PHRASES) != set(policy.AGREED_BY) or set(AGREED_BY_PHRASES_TO_THEM) != set(policy.AGREED_BY):
    raise RuntimeError("every way of agreeing needs words on the sharing page")


def agreed_by_phrases(to_them: bool) -> dict[str, str]:
    return AGREED_BY_PHRASES_TO_THEM if to_them else AGREED_BY_PHRASES


def the_role(role: str) -> str:
    return str(THE_ROLE[role])


def the_section(kind: str) -> str:
    return str(THE_SECTION[kind])


def the_section_title(kind: str) -> str:
    return str(THE_SECTION_TITLE[kind])


if set(WHO) != set(policy.ROLES) - {policy.YOUNG_PERSON} or set(WHO_THEIRS) != set(WHO):
    raise RuntimeError("every role but the young person needs words on the your-say page")
if {role for _kind, role in policy.SHAREABLE} - set(WITH_WHOM) or set(WITH_WHOM) != set(WITH_WHOM_THEIRS):
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
            title = str(spec.short_title).lower()
            shown.append(_("%(part)s (%(scope)s)", part=title, scope=scope.meaning) if scope is not None else title)
        found.append(Reach(str(words[role]) % {"name": name}, shown))
    return found


def by_agreement(to_them: bool, name: str) -> list[ByAgreement]:
    whom = WITH_WHOM if to_them else WITH_WHOM_THEIRS
    found = []
    for kind, role in policy.SHAREABLE:
        spec = spec_for(kind)
        shared = frozenset({(kind, role)})
        visible = [str(f.label) for f in spec.fields if policy.field_visible(role, kind, f.name, shared)]
        hidden = [str(f.label) for f in spec.fields if not policy.field_visible(role, kind, f.name, shared)]
        found.append(
            ByAgreement(
                section=str(spec.title),
                with_whom=str(whom[role]) % {"name": name, "young_person": name},
                only=visible if hidden else [],
                never=hidden,
            )
        )
    return found


def without_agreement() -> list[str]:
    """The deployment's words, in the page's language when it wrote them for it
    (SHARING_WITHOUT_AGREEMENT_<CODE>, e.g. _ES), else its words for every
    language (SHARING_WITHOUT_AGREEMENT); when it wrote none, the portal's own,
    in the page's language."""
    config = current_app.config
    own = config.get(f"SHARING_WITHOUT_AGREEMENT_{current().upper()}") or config.get("SHARING_WITHOUT_AGREEMENT")
    return [str(paragraph) for paragraph in (own or WITHOUT_AGREEMENT)]


def your_say(role: str, name: str) -> YourSay:
    to_them = speaks_to_them(role)
    return YourSay(to_them, name, default_reach(to_them, name), by_agreement(to_them, name), without_agreement())
