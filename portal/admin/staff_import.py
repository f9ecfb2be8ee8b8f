"""Reading a staff list (CSV) and saying, row by row, what importing it would
do. Nothing here writes: the preview is this module's answer, and the
confirmation asks it again (import_services.py) before anything is saved.

The file is what a school's office has: exported from a spreadsheet, with a
header row (name, email, title, staff role), in UTF-8 with or without the
byte-order mark Excel adds, or in Excel's older Windows encoding, separated
by commas, or by semicolons as Excel writes it where the comma is the
decimal mark, or by tabs.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.access import accounts as account_rules
from portal.auth import setup
from portal.auth.forms import NO_STAFF_ROLE, ROLES_BY_ORGANISATION, STAFF_ROLES
from portal.auth.models import User
from portal.auth.services import normalise_email
from portal.extensions import db

MAX_BYTES = 256 * 1024
MAX_ROWS = 1000
NAME_LENGTH = TITLE_LENGTH = 120
EMAIL_LENGTH = 254

# The header of each column, however a spreadsheet spells it.
# A list made from the Spanish page may name the columns as the page does.
HEADERS = {
    "name": ("name", "full name", "nombre", "nombre completo"),
    "email": ("email", "email address", "e-mail", "e-mail address", "correo", "correo electrónico",
              "correo electronico"),
    "title": ("title", "job title", "cargo", "puesto"),
    "staff_role": ("staff role", "role", "rol profesional", "rol"),
}
REQUIRED = ("name", "email", "staff_role")

# Other words a staff list may use for a role.
ROLE_WORDS = {
    "teacher": "school_staff",
    "staff": "school_staff",
    "counselor": "school_contact",
    "counsellor": "school_contact",
    "family doctor": "primary_care",
    "doctor": "primary_care",
    "gp": "primary_care",
    "administration only": NO_STAFF_ROLE,
    "docente": "school_staff",
    "maestro": "school_staff",
    "maestra": "school_staff",
    "profesor": "school_staff",
    "profesora": "school_staff",
    "consejero": "school_contact",
    "consejera": "school_contact",
    "orientador": "school_contact",
    "orientadora": "school_contact",
    "médico de familia": "primary_care",
    "medico de familia": "primary_care",
}

# Said of an address some other account uses, wherever it is: the same words
# as the single-account form (admin/routes.py, SAME_EMAIL), never whose.
ADDRESS_IN_USE = _l(
    "This email address cannot be used for a new account. Please use another address for them, such as the one "
    "they use at your organisation."
)

CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"


class FileProblem(Exception):
    """The file as a whole cannot be read: a message for the admin."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StaffRow:
    """One row as typed (spaces trimmed), with its line in the file."""

    line: int
    name: str
    email: str
    title: str
    staff_role: str

    def as_list(self) -> list:
        return [self.line, self.name, self.email, self.title, self.staff_role]

    @classmethod
    def from_list(cls, values) -> StaffRow:
        line, name, email, title, staff_role = values
        if not isinstance(line, int) or not all(isinstance(v, str) for v in (name, email, title, staff_role)):
            raise ValueError("not a staff row")
        return cls(line, name, email, title, staff_role)


@dataclass
class PlannedRow:
    row: StaffRow
    action: str = CREATE
    email: str = ""
    staff_role: str | None = None  # the role given: a policy role, or None for "none"
    errors: list[str] = field(default_factory=list)
    # (what, before, after) for an account of the organisation that changes.
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    # A setup email goes: a new account, or one that has not chosen a
    # password and has no invitation that still works.
    invite: bool = False
    # They have not chosen a password yet, and an invitation sent earlier still works.
    invitation_open: bool = False
    account: User | None = None
    # The address is some other account's (which, and where, is never said).
    in_use: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes_staff_role(self) -> bool:
        # Made only when the admin chooses to (import_services.apply).
        return self.ok and any(what == "staff_role" for what, _before, _after in self.changes)


@dataclass
class ImportPlan:
    rows: list[PlannedRow]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.ok and row.action == action)

    @property
    def with_errors(self) -> int:
        return sum(1 for row in self.rows if not row.ok)

    @property
    def staff_role_changes(self) -> int:
        return sum(1 for row in self.rows if row.changes_staff_role)

    @property
    def invitations(self) -> int:
        return sum(1 for row in self.rows if row.ok and row.invite)

    @property
    def writes_anything(self) -> bool:
        return any(row.ok and (row.action in (CREATE, UPDATE) or row.invite) for row in self.rows)

    def fingerprint(self) -> list:
        """What confirming would do, to tell whether it changed since the preview."""
        # Lists only, as it comes back from the signed field (JSON).
        return [
            [row.row.line, row.action if row.ok else REFUSED, row.invite, [list(c) for c in row.changes]]
            for row in self.rows
        ]


# --- Reading the file ------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")  # Excel's "Unicode text"
        except UnicodeDecodeError:
            # Cut off mid-letter, or not really UTF-16: say so, as for any unreadable file.
            raise FileProblem(
                _("That file could not be read as CSV. Please save the staff list as CSV and try again.")
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV (comma delimited)" on Windows: the Windows Latin alphabet.
        return data.decode("cp1252", errors="replace")


def _header_key(cell: str) -> str | None:
    words = re.sub(r"[\s_]+", " ", cell.strip().lower())
    return next((key for key, spellings in HEADERS.items() if words in spellings), None)


def _delimiter(first_line: str) -> str:
    return max((",", ";", "\t"), key=first_line.count)


def read_rows(data: bytes) -> list[StaffRow]:
    if len(data) > MAX_BYTES:
        raise FileProblem(
            _("That file is larger than %(size)s KB. Please split it into smaller files.", size=MAX_BYTES // 1024)
        )
    text = decode(data)
    if "\x00" in text:
        raise FileProblem(
            _("That file does not look like a CSV file. Please save the staff list as CSV and try again.")
        )
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise FileProblem(_("That file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    try:
        table = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error:
        raise FileProblem(
            _("That file could not be read as CSV. Please save the staff list as CSV and try again.")
        ) from None
    if not table:
        # Only separators (Excel saves an empty first row as ",,,"): nothing typed in it.
        raise FileProblem(_("That file is empty."))
    header, body = table[0], table[1:]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if key is not None and key not in columns:
            columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise FileProblem(
            _(
                "The first row must name the columns: name, email, title and staff role. Missing: %(missing)s.",
                missing=", ".join(_column_label(key) for key in missing),
            )
        )
    if not body:
        raise FileProblem(_("That file has a header row but no staff in it."))
    if len(body) > MAX_ROWS:
        raise FileProblem(
            _(
                "That file has %(count)s rows; at most %(limit)s can be imported at once. Please split it.",
                count=len(body),
                limit=MAX_ROWS,
            )
        )

    def cell(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    # Line numbers as a spreadsheet shows them: the header is line 1.
    return [
        StaffRow(
            line=number,
            name=cell(row, "name"),
            email=cell(row, "email"),
            title=cell(row, "title"),
            staff_role=cell(row, "staff_role"),
        )
        for number, row in enumerate(body, start=2)
    ]


def _column_label(key: str) -> str:
    return {"name": _("name"), "email": _("email"), "title": _("title"), "staff_role": _("staff role")}[key]


# --- What importing would do -----------------------------------------------------------------------------


def _words(value: str) -> str:
    return re.sub(r"[\s_]+", " ", value.strip().lower())


def role_names(organisation_kind: str) -> dict[str, str]:
    """Every way a role may be written for this kind of organisation -> the role."""
    allowed = ROLES_BY_ORGANISATION[organisation_kind]
    names: dict[str, str] = {}
    for value, label in STAFF_ROLES:
        if value not in allowed:
            continue
        names[_words(value)] = value
        names[_words(str(label))] = value
        with force_locale("en"):
            names[_words(str(label))] = value
    for word, value in ROLE_WORDS.items():
        if value in allowed:
            names.setdefault(word, value)
    return names


def role_choices_text(organisation_kind: str) -> str:
    allowed = ROLES_BY_ORGANISATION[organisation_kind]
    return ", ".join(f"{value.replace('_', ' ')} ({label})" for value, label in STAFF_ROLES if value in allowed)


def _valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return False
    return True


def _check(row: StaffRow, names: dict[str, str], kind: str) -> PlannedRow:
    planned = PlannedRow(row=row, email=normalise_email(row.email))
    if not row.name:
        planned.errors.append(_("The name is missing."))
    elif len(row.name) > NAME_LENGTH:
        planned.errors.append(_("The name is longer than %(limit)s characters.", limit=NAME_LENGTH))
    if not row.email:
        planned.errors.append(_("The email is missing."))
    elif len(row.email) > EMAIL_LENGTH or not _valid_email(row.email):
        planned.errors.append(_("This is not a valid email address."))
    if len(row.title) > TITLE_LENGTH:
        planned.errors.append(_("The title is longer than %(limit)s characters.", limit=TITLE_LENGTH))
    role = names.get(_words(row.staff_role))
    if not row.staff_role:
        planned.errors.append(_("The staff role is missing. It can be: %(roles)s.", roles=role_choices_text(kind)))
    elif role is None:
        planned.errors.append(
            _(
                "“%(typed)s” is not a staff role here. It can be: %(roles)s.",
                typed=row.staff_role,
                roles=role_choices_text(kind),
            )
        )
    planned.staff_role = None if role in (None, NO_STAFF_ROLE) else role
    return planned


def plan(admin: User, rows: list[StaffRow]) -> ImportPlan:
    """What importing these rows would do, row by row, for this admin's
    organisation. A fixed number of queries, however long the list."""
    kind = admin.organisation.kind
    names = role_names(kind)
    planned = [_check(row, names, kind) for row in rows]
    first_line: dict[str, int] = {}
    for row in planned:
        if not row.email:
            continue
        if row.email in first_line:
            row.errors.append(_("The same email is on line %(line)s.", line=first_line[row.email]))
        else:
            first_line[row.email] = row.row.line
    addresses = [row.email for row in planned if row.ok]
    existing = (
        {
            user.email.lower(): user
            for user in db.session.scalars(select(User).where(func.lower(User.email).in_(addresses)))
        }
        if addresses
        else {}
    )
    waiting = [
        user
        for user in existing.values()
        if user.organisation_id == admin.organisation_id and not setup.has_password(user)
    ]
    open_invitations = setup.with_open_invitation(waiting)
    for row in planned:
        if not row.ok:
            continue
        user = existing.get(row.email)
        if user is None:
            row.action, row.invite = CREATE, True
            continue
        if user.organisation_id != admin.organisation_id:
            row.errors.append(str(ADDRESS_IN_USE))
            row.in_use = True
            continue
        if user.id == admin.id:
            row.errors.append(_("This is your own account; an import does not change it."))
            continue
        row.account = user
        row.changes = _changes(user, row)
        if any(what == "staff_role" for what, _before, _after in row.changes):
            refusal = account_rules.staff_role_refusal(admin, user, row.staff_role)
            if refusal is not None:
                row.errors.append(str(account_rules.STAFF_ROLE_REFUSALS[refusal]))
                continue
        row.action = UPDATE if row.changes else UNCHANGED
        if user.active and not setup.has_password(user):
            row.invitation_open = user.id in open_invitations
            row.invite = not row.invitation_open
    return ImportPlan(planned)


def _changes(user: User, row: PlannedRow) -> list[tuple[str, str, str]]:
    changes = []
    if user.name != row.row.name:
        changes.append(("name", user.name, row.row.name))
    if (user.title or "") != row.row.title:
        changes.append(("title", user.title or "", row.row.title))
    if user.staff_role != row.staff_role:
        changes.append(("staff_role", user.staff_role or NO_STAFF_ROLE, row.staff_role or NO_STAFF_ROLE))
    return changes
