"""Who sees a section or a field, in plain words, worked out from the policy.

Every "who sees this" line on a page comes from here, so that it cannot say
"teachers do not see these notes" when the policy also shows them to the
family, or keep saying it after the policy changes. Only roles are named;
the pages add the section's and the field's own labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import policy

# Each role as a reader of a sentence "Seen by: ..." names them (lazy: read in
# the page's language when the line is written).
AUDIENCE_WORDS: dict[str, str] = {
    policy.CLINICIAN: _l("clinicians"),
    policy.PRIMARY_CARE: _l("the family doctor"),
    policy.CAREGIVER: _l("caregivers"),
    policy.YOUNG_PERSON: _l("the young person"),
    policy.SCHOOL_CONTACT: _l("the school contact"),
    policy.SCHOOL_STAFF: _l("teachers"),
}

# A reader who is named in the line reads "you" instead, where that is who
# they are: the young person is never "the young person" on their own pages.
READER_WORDS: dict[str, str] = {policy.YOUNG_PERSON: _l("you")}

if set(AUDIENCE_WORDS) != set(policy.ROLES):
    raise RuntimeError("every role in the policy needs words in AUDIENCE_WORDS")


@dataclass(frozen=True)
class Audience:
    """The roles, in policy.ROLES order, that read a section or field."""

    readers: tuple[str, ...]  # by default
    by_agreement: tuple[str, ...]  # only while an agreement to share is in force
    others: tuple[str, ...]  # never
    # (role, what part) for readers who reach only some rows: a row scope, the
    # school records of the current school. The words are lazy (translated
    # when a line is written), so one Audience serves every language.
    partly: tuple[tuple[str, tuple], ...] = ()


@cache
def audience(kind: str, field: str | None = None) -> Audience:
    """Who may read ``kind`` (or one of its fields), asked of the policy's own
    decisions: the same functions the pages, queries and exports ask. The
    policy is fixed when the process starts, so each answer is worked out once."""
    policy.check_section(kind)

    def reads(role: str, shared: policy.Shared) -> bool:
        if field is None:
            return policy.can(role, kind, policy.READ, shared)
        return policy.field_visible(role, kind, field, shared)

    readers = tuple(role for role in policy.ROLES if reads(role, frozenset()))
    by_agreement = tuple(
        role for role in policy.ROLES if role not in readers and reads(role, frozenset({(kind, role)}))
    )
    others = tuple(role for role in policy.ROLES if role not in readers and role not in by_agreement)
    partly = ()
    if field is None:
        partly = tuple((role, meaning) for role in (*readers, *by_agreement) if (meaning := _part(role, kind)))
    return Audience(readers, by_agreement, others, partly)


def _part(role: str, kind: str) -> tuple:
    """What of a list section's rows the role reaches, as lazy words; () for all of them."""
    scope = policy.row_scope(role, kind)
    parts = [scope.meaning] if scope is not None else []
    if policy.held_to_current_school(role, kind):
        parts.append(policy.SCHOOL_RECORDS_MEANING)
    return tuple(parts)


def listed(words: list[str], last: str = "and") -> str:
    """"a, b and c" (``last``: "and" or "or"), in the page's language."""
    words = [str(word) for word in words]
    if len(words) <= 1:
        return "".join(words)
    first, final = ", ".join(words[:-1]), words[-1]
    if last == "or":
        return _("%(first)s or %(last)s", first=first, last=final)
    return _("%(first)s and %(last)s", first=first, last=final)


def words(found: Audience, reader: str | None = None) -> str:
    """E.g. "Seen by: clinicians, caregivers, the young person and the school
    contact. Not shown to teachers." To the young person (``reader``), "you"."""
    partly = dict(found.partly)

    def plain(role: str) -> str:
        return str(READER_WORDS.get(role, AUDIENCE_WORDS[role]) if role == reader else AUDIENCE_WORDS[role])

    def named(role: str) -> str:
        if role not in partly:
            return plain(role)
        return f"{plain(role)} ({'; '.join(str(part) for part in partly[role])})"

    if not found.readers and not found.by_agreement:
        return _("Not shown to anyone in the circle.")
    if not found.others and not found.by_agreement and not partly:
        return _("Seen by everyone in the circle.")
    readers = listed([named(r) for r in found.readers])
    also = listed([named(r) for r in found.by_agreement])
    if found.readers and found.by_agreement:
        sentence = _("Seen by: %(readers)s; also %(also)s, while an agreement to share is in force.",
                     readers=readers, also=also)
    elif found.readers:
        sentence = _("Seen by: %(readers)s.", readers=readers)
    else:
        sentence = _("Seen by: nobody by default; %(also)s, while an agreement to share is in force.", also=also)
    if found.others:
        sentence += " " + _("Not shown to %(roles)s.", roles=listed([plain(r) for r in found.others], "or"))
    return sentence


def section_words(kind: str, reader: str | None = None) -> str:
    return _written(kind, None, reader, str(get_locale()))


def field_words(kind: str, field: str, reader: str | None = None) -> str:
    """Who sees one field, when that differs from who sees its section; else ""."""
    found = audience(kind, field)
    section = audience(kind)
    if (found.readers, found.by_agreement) == (section.readers, section.by_agreement):
        return ""
    return _written(kind, field, reader, str(get_locale()))


@lru_cache(maxsize=4096)
def _written(kind: str, field: str | None, reader: str | None, locale: str) -> str:
    # One line per section or field, reader and language, written once a
    # process: the policy and the catalogues do not change while it runs.
    return words(audience(kind, field), reader)


def forget() -> None:
    """Work the lines out again: for tests that change the policy while the process runs."""
    audience.cache_clear()
    _written.cache_clear()
