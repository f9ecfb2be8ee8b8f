"""What of the weekly sheet a teacher asked to see: one subject or one class
of theirs, one page on screen, or only the students they ticked to print.

Every choice offered is one actually on the reader's sheet this week (the
subjects its adjustments name, the reader's own words for how they know each
student). A value that is not one of them is named in ``problems`` and the
whole sheet stands in for it; it is never silently dropped. Students are only
ever chosen from the reader's own sheet, so an id from anywhere else can
leave a student out but never bring one in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.paging import MAX_PAGE, page_count
from portal.school.sheet import SheetAdjustment, SheetStudent

PER_PAGE = 20
# Subjects as people write them on an adjustment that holds in every class:
# it applies whichever subject the teacher chose, and is not a choice itself.
# An adjustment naming no subject holds in every class too (the print says "All").
EVERY_SUBJECT = frozenset(
    {
        "all",
        "all classes",
        "all subjects",
        "all lessons",
        "every class",
        "every subject",
        "every lesson",
        "todas",
        "todas las clases",
        "todas las asignaturas",
        "todas las materias",
        "todos",
        "todos los cursos",
    }
)
# Longer than any id the database hands out; a longer one is refused before int().
_MAX_ID_DIGITS = 12


def _key(text: str) -> str:
    # Runs of white space as one space, ends trimmed, case folded: what
    # re.sub(r"\s+", " ", text).strip().casefold() gives, without a pattern
    # looked up for every subject of every adjustment on the sheet.
    return " ".join(text.split()).casefold()


def subjects_of(adjustment: SheetAdjustment) -> list[str]:
    """The subjects an adjustment names, as written ("Maths, English")."""
    return [part.strip() for part in adjustment.subjects.split(",") if part.strip()]


def holds_in(adjustment: SheetAdjustment, subject: str) -> bool:
    """Whether an adjustment is for ``subject`` (a key): named there, or for every class."""
    named = [_key(part) for part in subjects_of(adjustment)]
    return not named or subject in named or any(part in EVERY_SUBJECT for part in named)


@dataclass(frozen=True)
class SheetChoices:
    """What the sheet can be narrowed to this week: (key, as written) pairs, by name."""

    subjects: list[tuple[str, str]]
    classes: list[tuple[str, str]]

    @staticmethod
    def on(students: list[SheetStudent]) -> SheetChoices:
        subjects: dict[str, str] = {}
        classes: dict[str, str] = {}
        for student in students:
            if student.label:
                classes.setdefault(_key(student.label), student.label)
            for adjustment in student.adjustments:
                for part in subjects_of(adjustment):
                    key = _key(part)
                    if key not in EVERY_SUBJECT:
                        subjects.setdefault(key, part)
        return SheetChoices(
            sorted(subjects.items(), key=lambda pair: pair[0]), sorted(classes.items(), key=lambda pair: pair[0])
        )


@dataclass
class Narrowing:
    """The subject and class chosen (keys; None for all of them), and what could not be used."""

    subject: str | None = None
    klass: str | None = None
    problems: list[str] = field(default_factory=list)

    def args(self) -> dict:
        """The choices as query parameters, for links and forms that keep them."""
        values = {"subject": self.subject, "class": self.klass}
        return {name: value for name, value in values.items() if value is not None}

    @property
    def narrowed(self) -> bool:
        return self.subject is not None or self.klass is not None


def _chosen(asked: str | None, offered: list[tuple[str, str]]) -> tuple[str | None, bool]:
    """(the key chosen or None for all, whether ``asked`` was one of the choices)."""
    if asked is None or asked.strip() == "" or _key(asked) == "all":
        return None, True
    key = _key(asked)
    return (key, True) if key in dict(offered) else (None, False)


def read_narrowing(args, choices: SheetChoices) -> Narrowing:
    narrowing = Narrowing()
    narrowing.subject, known = _chosen(args.get("subject"), choices.subjects)
    if not known:
        narrowing.problems.append(_("That subject is not on your sheet this week, so every subject is shown."))
    narrowing.klass, known = _chosen(args.get("class"), choices.classes)
    if not known:
        narrowing.problems.append(_("That class is not one of yours on this sheet, so every class is shown."))
    return narrowing


def narrowed(students: list[SheetStudent], narrowing: Narrowing) -> list[SheetStudent]:
    """The students in the chosen class; in the chosen subject, those with an
    adjustment for it (only those adjustments) or a return to school, which
    every class plans for."""
    if narrowing.klass is not None:
        students = [student for student in students if _key(student.label) == narrowing.klass]
    if narrowing.subject is None:
        return students
    kept = []
    for student in students:
        adjustments = [adjustment for adjustment in student.adjustments if holds_in(adjustment, narrowing.subject)]
        if adjustments or student.returning:
            kept.append(replace(student, adjustments=adjustments))
    return kept


@dataclass(frozen=True)
class SheetPage:
    students: list[SheetStudent]
    page: int
    pages: int
    total: int


def read_page(args) -> tuple[int, str | None]:
    """The ?page= asked for, and a message when it is not a page number (then the first page)."""
    asked = args.get("page")
    if asked is None:
        return 1, None
    if asked.isdigit() and len(asked) <= len(str(MAX_PAGE)) and 1 <= int(asked) <= MAX_PAGE:
        return int(asked), None
    return 1, _("That is not a page number, so the first page is shown.")


def paged(students: list[SheetStudent], page: int) -> SheetPage | None:
    """One page of the students, or None when ``page`` lies past the last (a 404)."""
    pages = page_count(len(students), PER_PAGE)
    if page > pages:
        return None
    start = (page - 1) * PER_PAGE
    return SheetPage(students[start : start + PER_PAGE], page, pages, len(students))


@dataclass(frozen=True)
class Selection:
    """The ticked students to print, in the sheet's order, and what could not be used."""

    students: list[SheetStudent]
    asked: bool
    problems: list[str]


def read_selection(args, students: list[SheetStudent]) -> Selection:
    """Only students on ``students`` (the reader's sheet, narrowed) can be chosen;
    any other value, an id of someone else's circle included, is left out and
    counted in a message that names nobody."""
    asked = list(dict.fromkeys(args.getlist("student")))
    if not asked:
        return Selection(students, False, [])
    on_sheet = {student.circle_id for student in students}
    ids = {int(value) for value in asked if value.isdigit() and len(value) <= _MAX_ID_DIGITS}
    chosen = ids & on_sheet
    left_out = len(asked) - len(chosen)
    problems = []
    if left_out:
        problems.append(
            ngettext(
                "One of the students asked for is not on this sheet, so it is left out.",
                "%(num)d of the students asked for are not on this sheet, so they are left out.",
                left_out,
            )
        )
    return Selection([student for student in students if student.circle_id in chosen], True, problems)
