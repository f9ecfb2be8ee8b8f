"""The words of "who has seen this plan": each entry as a sentence a person
can read, written for the one reading it.

The audit trail keeps actions and section kinds; this page turns them into
"Maria Lopez, caregiver, opened the home safety checklist today at 14:02".
Each kind of line is a whole sentence, one message per reader (someone else
did it; you did it; the young person did it, whose own pages say "you" in
their own words): portal/audit/services.ACTION_PHRASES. A section's short
title ("Home safety") does not make a sentence, so each part of the plan has
its own phrase here, and the young person reads "your". Only words live
here: what the reader may see is asked of the policy by
portal/who_has_seen/trail.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.access import policy
from portal.audit.services import ACTION_PHRASES, AUTOMATIC_ACTIONS, JOINED_LINE, Line
from portal.languages import moment as format_moment
from portal.timezone import day_text, to_local

# Each part of the plan as a heading or a choice, without its article.
# A use of the in-school plan is never an "episode" to anyone reading this page
# (DESIGN.md, principle 9): families read it, and so does the young person.
SECTION_PHRASES: dict[str, str] = {
    "care_team": _l("care team and contacts"),
    "school_plan": _l("in-school plan"),
    "adjustments": _l("school adjustments"),
    "return_to_school": _l("return-to-school plan"),
    "safety_plan": _l("safety plan"),
    "home_safety": _l("home safety checklist"),
    "clinical": _l("assessment and treatment notes"),
    "follow_ups": _l("follow-ups and reviews"),
    "episodes": _l("record of times the in-school plan was used"),
    "events": _l("record of events outside school"),
    "setback_reviews": _l("setback reviews"),
    "progress": _l("progress check-ins"),
}
# The same inside a sentence, with its article: "opened the safety plan".
THE_SECTION: dict[str, str] = {
    "care_team": _l("the care team and contacts"),
    "school_plan": _l("the in-school plan"),
    "adjustments": _l("the school adjustments"),
    "return_to_school": _l("the return-to-school plan"),
    "safety_plan": _l("the safety plan"),
    "home_safety": _l("the home safety checklist"),
    "clinical": _l("the assessment and treatment notes"),
    "follow_ups": _l("the follow-ups and reviews"),
    "episodes": _l("the record of times the in-school plan was used"),
    "events": _l("the record of events outside school"),
    "setback_reviews": _l("the setback reviews"),
    "progress": _l("the progress check-ins"),
}
# And as the young person reads it, theirs: "opened your safety plan".
YOUR_SECTION: dict[str, str] = {
    "care_team": _l("your care team and contacts"),
    "school_plan": _l("your in-school plan"),
    "adjustments": _l("your school adjustments"),
    "return_to_school": _l("your return-to-school plan"),
    "safety_plan": _l("your safety plan"),
    "home_safety": _l("your home safety checklist"),
    "clinical": _l("your assessment and treatment notes"),
    "follow_ups": _l("your follow-ups and reviews"),
    "episodes": _l("your record of times the in-school plan was used"),
    "events": _l("your record of events outside school"),
    "setback_reviews": _l("your setback reviews"),
    "progress": _l("your progress check-ins"),
}
for _table in (SECTION_PHRASES, THE_SECTION, YOUR_SECTION):
    if set(_table) != set(policy.SECTIONS):
        raise RuntimeError("the words of who has seen must name every section, and only those")

# The subject of "member_added" when the person added is the one who added
# them: whoever started the circle joined it.
JOINED = object()

# Entries on this page: every action the trail words (one entry of a list
# section is recorded under the section's action, with its item).
SHOWN_ACTIONS: tuple[str, ...] = tuple(a for a in ACTION_PHRASES if not a.endswith("_item"))

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
        return _("a part of the plan")
    table = YOUR_SECTION if speaks_as_you(reader_role) else THE_SECTION
    return str(table[policy.check_section(kind)])


def part_label(kind: str, reader_role: str) -> str:
    """A part of the plan as a heading or a choice: "Safety plan", "Your safety plan"."""
    words = part(kind, reader_role) if speaks_as_you(reader_role) else str(SECTION_PHRASES[policy.check_section(kind)])
    return words[0].upper() + words[1:]


def person(name: str | None, role: str | None, action: str) -> str:
    """Who, when it is someone else: "Maria Lopez, caregiver,", "Support Circle, automatically,"."""
    if name is None:
        return _("Support Circle, automatically,") if action in AUTOMATIC_ACTIONS else _("Someone without an account")
    if role:
        return _("%(name)s, %(role)s,", name=name, role=str(policy.ROLE_LABELS[role]).lower())
    return name


def line(action: str, item_id: int | None, subject) -> Line:
    """The kind of line an entry is: its action, on one entry of a list, or joining the circle."""
    if item_id is not None and f"{action}_item" in ACTION_PHRASES:
        action = f"{action}_item"
    if action == "member_added" and subject is JOINED:
        return JOINED_LINE
    return ACTION_PHRASES[action]


def sentence(event, name: str | None, subject, reader_role: str, today: date, *, is_reader: bool) -> str:
    """One entry as a whole sentence for this reader: "Maria Lopez, caregiver,
    opened the safety plan today at 14:02."; "You opened your safety plan ..."."""
    kind = line(event.action, event.item_id, subject)
    moment = when(event.at, today)
    target = part(event.section, reader_role)
    values = {
        "part": target,
        "your_part": target,
        "when": moment,
        "your_when": moment,
        "subject": subject if isinstance(subject, str) else _("someone"),
    }
    if is_reader:
        words = kind.to_them if speaks_as_you(reader_role) and kind.to_them is not None else kind.you
    else:
        words = kind.others
        values["who"] = person(name, event.role, event.action)
    return str(words) % values


def when(moment: datetime, today: date) -> str:
    """Local time, as people say it: "today at 14:02", "yesterday at 09:15",
    "on Mon 30 Nov 2026 at 18:40". ``today``: clock.today(), the local date."""
    local = to_local(moment)
    day = to_local(moment).date()
    clock_time = format_moment(local, "time")
    if day == today:
        return _("today at %(time)s", time=clock_time)
    if day == today - timedelta(days=1):
        return _("yesterday at %(time)s", time=clock_time)
    return _("on %(day)s at %(time)s", day=day_text(local), time=clock_time)


def summary_line(count: int, verb: str, kind: str, reader_role: str, *, reader_among: bool = False) -> str:
    """ "3 people opened the safety plan", "You opened your safety plan",
    "2 people, you among them, opened the safety plan"."""
    target = part(kind, reader_role)
    to_them = speaks_as_you(reader_role)
    if reader_among and count == 1:
        return str(YOU_ALONE[verb][1 if to_them else 0]) % {"part": target, "your_part": target}
    if reader_among:
        return str(YOU_AMONG[verb][1 if to_them else 0]) % {"num": count, "part": target, "your_part": target}
    return COUNTED[verb](count, target)


# The summary's lines, whole, for each verb: the reader alone (an adult; the
# young person), the reader among others (the same two), and people counted.
YOU_ALONE: dict[str, tuple[str, str]] = {
    "opened": (_l("You opened %(part)s"), _l("You opened %(your_part)s")),
    "changed": (_l("You changed %(part)s"), _l("You changed %(your_part)s")),
    "printed": (_l("You printed %(part)s"), _l("You printed %(your_part)s")),
    "downloaded": (_l("You downloaded %(part)s"), _l("You downloaded %(your_part)s")),
}
YOU_AMONG: dict[str, tuple[str, str]] = {
    "opened": (_l("%(num)d people, you among them, opened %(part)s"),
               _l("%(num)d people, you among them, opened %(your_part)s")),
    "changed": (_l("%(num)d people, you among them, changed %(part)s"),
                _l("%(num)d people, you among them, changed %(your_part)s")),
    "printed": (_l("%(num)d people, you among them, printed %(part)s"),
                _l("%(num)d people, you among them, printed %(your_part)s")),
    "downloaded": (_l("%(num)d people, you among them, downloaded %(part)s"),
                   _l("%(num)d people, you among them, downloaded %(your_part)s")),
}
COUNTED = {
    "opened": lambda n, target: ngettext("%(num)d person opened %(part)s", "%(num)d people opened %(part)s", n, part=target),
    "changed": lambda n, target: ngettext("%(num)d person changed %(part)s", "%(num)d people changed %(part)s", n, part=target),
    "printed": lambda n, target: ngettext("%(num)d person printed %(part)s", "%(num)d people printed %(part)s", n, part=target),
    "downloaded": lambda n, target: ngettext(
        "%(num)d person downloaded %(part)s", "%(num)d people downloaded %(part)s", n, part=target
    ),
}
for _table in (YOU_ALONE, YOU_AMONG, COUNTED):
    if set(_table) != set(SUMMARY_VERBS):
        raise RuntimeError("every verb of the summary needs its lines")
