"""The words of "who has seen this plan": each entry as a sentence a person
can read, written for the one reading it.

The audit trail keeps actions and section kinds; this page turns them into
"Maria Lopez, caregiver, opened the home safety checklist today at 14:02".
A section's short title ("Home safety") does not make a sentence, so each
part of the plan has its own phrase here, and the young person reads "your".
Only words live here: what the reader may see is asked of the policy by
portal/who_has_seen/trail.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.access import policy
from portal.audit.services import ACTION_PHRASES, AUTOMATIC_ACTIONS
from portal.timezone import day_text, to_local

# Each part of the plan as the object of a sentence, without its article.
# A use of the in-school plan is never an "episode" to anyone reading this page
# (DESIGN.md, principle 9): families read it, and so does the young person.
SECTION_PHRASES: dict[str, str] = {
    "care_team": "care team and contacts",
    "school_plan": "in-school plan",
    "adjustments": "school adjustments",
    "return_to_school": "return-to-school plan",
    "safety_plan": "safety plan",
    "home_safety": "home safety checklist",
    "clinical": "assessment and treatment notes",
    "follow_ups": "follow-ups and reviews",
    "episodes": "record of times the in-school plan was used",
    "events": "record of events outside school",
    "setback_reviews": "setback reviews",
    "progress": "progress check-ins",
}
if set(SECTION_PHRASES) != set(policy.SECTIONS):
    raise RuntimeError("SECTION_PHRASES must give words to every section, and only those")

# What someone did, in everyday words; {target} is the part of the plan and
# {subject} a person added or removed. Actions not listed here read as the
# audit trail words them (portal/audit/services.ACTION_PHRASES).
PLAIN_PHRASES: dict[str, str] = {
    "view": "opened {target}",
    "print": "printed {target}",
    "download": "downloaded {target}",
    "history": "looked at the earlier versions of {target}",
    "create": "added to {target}",
    "update": "changed {target}",
    "create_item": "added an entry to {target}",
    "update_item": "changed an entry in {target}",
    "remove": "took an entry out of {target}",
    "restore": "put back an entry in {target}",
    "denied": "tried to open {target}, which is not shared with them",
    "membership_refused": "tried to change who is in the circle, which their role does not allow",
    "review": "checked {target} in a plan review and kept it",
    "flexibility_reviewed": "looked again at {target} after the in-school plan was used, and kept them",
}

# The subject of "member_added" when the person added is the one who added
# them: whoever started the circle joined it.
JOINED = object()

# Entries on this page: every action the trail words, the plain ones first.
SHOWN_ACTIONS: tuple[str, ...] = tuple(
    dict.fromkeys(a for a in (*PLAIN_PHRASES, *ACTION_PHRASES) if not a.endswith("_item"))
)

# What the summary at the top counts: people who opened, changed, printed or
# downloaded a part of the plan. Each verb, and the actions it gathers.
SUMMARY_VERBS: dict[str, tuple[str, ...]] = {
    "opened": ("view", "history"),
    "changed": ("create", "update", "remove", "restore"),
    "printed": ("print",),
    "downloaded": ("download",),
}


def speaks_as_you(role: str) -> bool:
    """Whether the reader is the young person, whose pages say "you" and "your"
    (DESIGN.md, principle 9). Words only: what they may read is the policy's."""
    return role == policy.YOUNG_PERSON


def part(kind: str | None, reader_role: str) -> str:
    """A part of the plan inside a sentence: "the safety plan", or "your safety plan"."""
    if kind is None:
        return "a part of the plan"
    owner = "your" if speaks_as_you(reader_role) else "the"
    return f"{owner} {SECTION_PHRASES[policy.check_section(kind)]}"


def part_label(kind: str, reader_role: str) -> str:
    """A part of the plan as a heading or a choice: "Safety plan", "Your safety plan"."""
    words = part(kind, reader_role) if speaks_as_you(reader_role) else SECTION_PHRASES[policy.check_section(kind)]
    return words[0].upper() + words[1:]


def person(name: str | None, role: str | None, action: str, *, is_reader: bool) -> str:
    """Who: "You", "Maria Lopez, caregiver,", "Support Circle, automatically,"."""
    if is_reader:
        return "You"
    if name is None:
        return "Support Circle, automatically," if action in AUTOMATIC_ACTIONS else "Someone without an account"
    if role:
        return f"{name}, {policy.ROLE_LABELS[role].lower()},"
    return name


def deed(action: str, item_id: int | None, target: str, subject, *, is_reader: bool) -> str:
    """What they did: "opened the safety plan"."""
    if item_id is not None and f"{action}_item" in PLAIN_PHRASES:
        action = f"{action}_item"
    phrase = PLAIN_PHRASES.get(action) or ACTION_PHRASES[action]
    if action == "member_added" and subject is JOINED:
        phrase = "joined the circle"
    phrase = phrase.format(target=target, subject=subject if isinstance(subject, str) else "someone").rstrip(",")
    if is_reader:
        phrase = phrase.replace(" with them", " with you").replace("their ", "your ")
    return phrase


def when(moment: datetime, today: date) -> str:
    """Local time, as people say it: "today at 14:02", "yesterday at 09:15",
    "Mon 30 Nov 2026 at 18:40". ``today``: clock.today(), the local date."""
    local = to_local(moment)
    day = to_local(moment).date()
    clock_time = f"{local:%H:%M}"
    if day == today:
        return f"today at {clock_time}"
    if day == today - timedelta(days=1):
        return f"yesterday at {clock_time}"
    return f"on {day_text(local)} at {clock_time}"


def people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def summary_line(count: int, verb: str, kind: str, reader_role: str, *, reader_among: bool = False) -> str:
    """ "3 people opened the safety plan", "You opened your safety plan",
    "2 people, you among them, opened the safety plan"."""
    target = part(kind, reader_role)
    if reader_among and count == 1:
        return f"You {verb} {target}"
    if reader_among:
        return f"{people(count)}, you among them, {verb} {target}"
    return f"{people(count)} {verb} {target}"
