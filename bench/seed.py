"""`flask seed-bench --circles N`: a large, realistic data set for the benchmark.

Benchmark tooling, kept out of portal/: the command exists only in the app that
create_bench_app() builds for bench/run.py (`FLASK_APP=bench.seed:create_bench_app`),
never in a deployment's `flask`.

The demo (seed.py) writes one circle through the services, a commit a row:
right for two circles, far too slow for ten thousand. This loader writes the
same kinds of rows through the same models' tables, in bulk (one INSERT per
table per batch of circles), with what the services would have left behind:
every section filled in, a version per save with its full snapshot, an audit
entry per change, each member's own care-team entry. There is never a risk
label or score, only what people observed, agreed and planned.

Caseloads are realistic in size: each clinician and each school counselor
holds up to CASELOAD circles, each teacher up to TEACHER_LOAD students. The
bench accounts below sign in with a known password and, where a second factor
is required, a known authenticator key. Like the demo, it refuses to load
under the production configuration.

The main bench accounts' caseloads grow with the data (10 circles at 10, 300
at 10,000), so their pages measure caseload size as much as database size. A
second set, SMALL_CASELOAD_ACCOUNTS, holds the same small caseload at every
size, min(N, SMALL_CASELOAD) circles: a second clinician, counselor and
teacher in the first circles of the first school, added as the services add
members (membership, their own care-team entry with its versions, the audit
entries). Their pages compare like with like across sizes.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import JSON, func, insert, select, text

from config import BENCH_EMAIL_DOMAIN
from portal import clock, create_app
from portal.access import policy
from portal.audit import chain
from portal.audit.models import AuditEvent
from portal.auth import mfa
from portal.auth.models import Organisation, User
from portal.auth.passwords import hash_password
from portal.circles.models import Circle, Membership
from portal.clock import UTCDateTime
from portal.extensions import db
from portal.plan.models import SectionVersion
from portal.plan.sections import spec_for
from portal.sharing.models import Agreement
from portal.timezone import zone

# Public on purpose, like the demo's: bench accounts guard nothing, and the
# production configuration refuses to load them, and their sign-in unless
# BENCH_ACCOUNTS_ALLOWED (set by bench/run.py for the server it starts).
BENCH_PASSWORD = "support-circle-bench"  # noqa: S105  # nosec B105
BENCH_TOTP_SECRET = "SUPPORTCIRCLEBENCHONLYNOTSECRETA"  # noqa: S105  # nosec B105
BENCH_DOMAIN = BENCH_EMAIL_DOMAIN  # production refuses sign-in to it without BENCH_ACCOUNTS_ALLOWED
BENCH_ACCOUNTS = {
    "clinician": f"clinician@{BENCH_DOMAIN}",
    "counselor": f"counselor@{BENCH_DOMAIN}",
    "teacher": f"teacher@{BENCH_DOMAIN}",
    "parent": f"parent@{BENCH_DOMAIN}",
}
# The same small caseload at every size, for like-for-like comparisons across sizes.
SMALL_CASELOAD_ACCOUNTS = {
    "clinician": f"clinician-small@{BENCH_DOMAIN}",
    "counselor": f"counselor-small@{BENCH_DOMAIN}",
    "teacher": f"teacher-small@{BENCH_DOMAIN}",
}
CASELOAD = 300
TEACHER_LOAD = 150
SMALL_CASELOAD = 10
BATCH = 500

FIRST_NAMES = (
    "Jordan", "Casey", "Riley", "Avery", "Morgan", "Quinn", "Rowan", "Sasha", "Noor", "Kai", "Mei", "Tomas",
    "Amara", "Leo", "Priya", "Elif", "Jonah", "Zara", "Mateo", "Ines", "Theo", "Hana", "Omar", "Freya",
    "Luca", "Ada", "Yusuf", "Nina", "Ezra", "Maya", "Sami", "Iris", "Kofi", "Lena", "Arun", "Bea",
)
FAMILY_NAMES = (
    "Lopez", "Okafor", "Park", "Rivera", "Mori", "Shah", "Nguyen", "Kowalski", "Haddad", "Brennan", "Osei",
    "Lindqvist", "Costa", "Adeyemi", "Tanaka", "Murphy", "Fischer", "Ali", "Novak", "Reyes", "Campbell",
)
PARENT_LABELS = ("Mother", "Father", "Guardian", "Foster carer", "Grandmother")
SUBJECTS = ("Maths", "English", "Biology", "History", "Chemistry", "Art", "Geography", "French", "Physics")
# How and when each member can be reached: the words, and the codes of sections.REACHABLE.
REACH = {
    policy.CLINICIAN: ("Monday to Thursday, 9:00 to 17:00; messages answered the same day.", "school_hours"),
    policy.PRIMARY_CARE: ("Weekdays 8:00 to 18:00; same-day appointments after an injury.", "school_hours"),
    policy.CAREGIVER: ("Any time by phone; I keep it on at night.", "school_hours,evenings,nights,weekends"),
    policy.YOUNG_PERSON: ("", ""),
    policy.SCHOOL_CONTACT: ("School days, 8:00 to 16:00, through the front office.", "school_hours"),
    policy.SCHOOL_STAFF: ("In lessons; a message through the front office.", "school_hours"),
}
CALM_THINGS = (
    "the calm playlist and a walk round the block", "drawing, even just scribbling hard", "cold water on my hands",
    "walking the dog by the lake", "the baking show", "a long shower and clean clothes", "texting my cousin",
)


@dataclass(frozen=True)
class BenchPeople:
    clinicians: list[int]
    # The family doctors (primary care), one beside each clinician's caseload.
    doctors: list[int]
    counselors: list[int]
    # teachers[counselor index] -> teacher ids at that counselor's school
    teachers: list[list[int]]
    schools: list[int]
    names: dict[int, str]
    # The small-caseload accounts: kind ("clinician", "counselor", "teacher") -> user id,
    # and the indexes of their circles.
    small: dict[str, int]
    small_circles: frozenset[int]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone()).astimezone(UTC)


def _said(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def _insert(model, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert ``rows`` into the model's table in bulk; their new ids, in order.

    Ids are taken up front (from the table's sequence on PostgreSQL), so that
    rows can point at each other without a RETURNING per row. PostgreSQL
    loads through COPY; SQLite through one prepared INSERT run many times.
    """
    if not rows:
        return []
    table = model.__table__
    new_ids = _new_ids(table, len(rows))
    for row, new_id in zip(rows, new_ids, strict=True):
        row["id"] = new_id
    columns = [column.name for column in table.columns]
    # A column left out takes the model's plain default, as an ORM insert
    # would (a new NOT NULL column with a default must not break the bench).
    defaults = {
        column.name: column.default.arg if column.default is not None and column.default.is_scalar else None
        for column in table.columns
    }
    for row in rows:
        for name in columns:
            row.setdefault(name, defaults[name])
    if db.session.get_bind().dialect.name == "postgresql":
        _copy(table, columns, rows)
    else:
        # The table, not the ORM entity: an ORM bulk insert would reset each row's version counter to 1.
        db.session.execute(insert(table), rows)
    return new_ids


def _new_ids(table, count: int) -> list[int]:
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table.name}"'})
        return list(db.session.scalars(
            text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)"),
            {"sequence": sequence, "count": count},
        ))
    highest = db.session.scalar(select(func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def _copy(table, columns: list[str], rows: list[dict]) -> None:
    """COPY the rows in, converted as the column types would bind them."""
    converters = {}
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            converters[column.name] = lambda value: value.astimezone(UTC).replace(tzinfo=None) if value else value
        elif isinstance(column.type, JSON):
            converters[column.name] = lambda value: None if value is None else json.dumps(value)
    quoted = ", ".join(f'"{name}"' for name in columns)
    cursor = db.session.connection().connection.driver_connection.cursor()
    # Table and column names come from the models, never from input.
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(tuple(converters[name](row[name]) if name in converters else row[name] for name in columns))


class _Batch:
    """The rows for a batch of circles, gathered table by table before one INSERT each."""

    def __init__(self):
        self.versions: list[dict] = []
        self.audits: list[dict] = []

    def change(self, circle_id, spec, item_id, number, action, values, by_id, role, at, endpoint=None):
        """A saved state of a section or item, as plan.services._record leaves it: a version and an audit entry."""
        self.versions.append({
            "circle_id": circle_id, "kind": spec.kind, "item_id": item_id, "number": number, "action": action,
            "snapshot": {f.name: f.to_snapshot(values.get(f.name, _empty(f))) for f in spec.fields},
            "changed_by_id": by_id, "changed_at": at, "setback_review_id": None,
        })
        self.audits.append({
            "at": at, "user_id": by_id, "role": role, "circle_id": circle_id, "section": spec.kind,
            "item_id": item_id, "action": {"created": "create", "updated": "update"}[action], "outcome": "ok",
            "endpoint": endpoint, "ip": None, "subject_user_id": None,
        })


def _empty(field_spec):
    return {"bool": False, "int": 0, "number": None, "date": None, "datetime": None}.get(field_spec.type, "")


def seed_bench(circles: int, *, seed: int = 8) -> dict:
    """Load ``circles`` circles into a database without accounts; returns counts."""
    if circles < 1:
        raise ValueError("at least one circle")
    today = clock.today()
    people = _people(circles, today)
    made = {"circles": 0, "versions": 0}
    for start in range(0, circles, BATCH):
        made_now = _circles(range(start, min(start + BATCH, circles)), people, today, seed)
        for key, value in made_now.items():
            made[key] = made.get(key, 0) + value
        db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # Statistics, as any database in use has them: planned without them,
        # the dashboard's statements take hundreds of milliseconds instead of a few.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return made


def _people(circles: int, today: date) -> BenchPeople:
    """The professionals: one Argon2 hash and one encrypted key, shared by every account (same password, same key)."""
    joined = _at(today - timedelta(days=400), 9)
    n_teams = math.ceil(circles / CASELOAD)
    password_hash = hash_password(BENCH_PASSWORD)
    totp = mfa.encrypt(BENCH_TOTP_SECRET)

    clinics = _insert(Organisation, [
        {"name": f"Riverside Child and Adolescent Mental Health Service, team {n + 1}", "kind": "clinic", "created_at": joined}
        for n in range(max(1, math.ceil(n_teams / 5)))
    ], ids=True)
    schools = _insert(Organisation, [
        {"name": f"{FAMILY_NAMES[n % len(FAMILY_NAMES)]} {('High School', 'Academy', 'Secondary School')[n % 3]}"
         + (f" {n // len(FAMILY_NAMES) + 1}" if n >= len(FAMILY_NAMES) else ""),
         "kind": "school", "created_at": joined}
        for n in range(n_teams)
    ], ids=True)

    def account(email, name, title, organisation_id, staff_role, mfa_on):
        return {
            "email": email, "name": name, "title": title, "password_hash": password_hash,
            "organisation_id": organisation_id, "staff_role": staff_role, "is_org_admin": False, "active": True,
            "must_change_password": False, "session_version": 1, "created_at": joined, "totp_secret": totp if mfa_on else None,
            "mfa_enrolled_at": joined if mfa_on else None, "totp_pending_secret": None, "totp_last_step": None,
        }

    def email(kind, n):
        return BENCH_ACCOUNTS[kind] if n == 0 else f"{kind}{n}@{BENCH_DOMAIN}"

    rows, names = [], []
    for n in range(n_teams):
        name = f"Dr {FIRST_NAMES[(n * 7) % len(FIRST_NAMES)]} {FAMILY_NAMES[(n * 5) % len(FAMILY_NAMES)]}"
        rows.append(account(email("clinician", n), name, ("Clinical psychologist", "Consultant psychiatrist")[n % 2],
                            clinics[n // 5], policy.CLINICIAN, True))
        names.append(name)
    clinicians = _insert(User, rows, ids=True)
    # A family doctor for each clinician's caseload, at a practice of their own.
    practices = _insert(Organisation, [
        {"name": f"Maple Street Family Practice{f' {n + 1}' if n else ''}", "kind": "clinic", "created_at": joined}
        for n in range(max(1, math.ceil(n_teams / 5)))
    ], ids=True)
    rows = []
    for n in range(n_teams):
        name = f"Dr {FIRST_NAMES[(n * 7 + 4) % len(FIRST_NAMES)]} {FAMILY_NAMES[(n * 5 + 3) % len(FAMILY_NAMES)]}"
        rows.append(account(f"doctor@{BENCH_DOMAIN}" if n == 0 else f"doctor{n}@{BENCH_DOMAIN}", name,
                            ("Family doctor", "Pediatrician")[n % 2], practices[n // 5], policy.PRIMARY_CARE, True))
    doctors = _insert(User, rows, ids=True)
    names += [row["name"] for row in rows]
    rows = []
    for n in range(n_teams):
        rows.append(account(email("counselor", n), f"{FIRST_NAMES[(n * 11 + 3) % len(FIRST_NAMES)]} "
                            f"{FAMILY_NAMES[(n * 3 + 1) % len(FAMILY_NAMES)]}", "School counselor", schools[n],
                            policy.SCHOOL_CONTACT, True))
    counselors = _insert(User, rows, ids=True)
    names += [row["name"] for row in rows]
    teachers = []
    for n in range(n_teams):
        rows = []
        for t in range(math.ceil(CASELOAD / TEACHER_LOAD)):
            number = n * 10 + t
            subject = SUBJECTS[number % len(SUBJECTS)]
            rows.append(account(email("teacher", number), f"{FIRST_NAMES[(number * 13 + 5) % len(FIRST_NAMES)]} "
                                f"{FAMILY_NAMES[(number * 7 + 2) % len(FAMILY_NAMES)]}", f"{subject} teacher",
                                schools[n], policy.SCHOOL_STAFF, False))
        teachers.append(_insert(User, rows, ids=True))
        names += [row["name"] for row in rows]
    # The small-caseload accounts: at the first clinic and the first school, like the main ones.
    rows = [
        account(SMALL_CASELOAD_ACCOUNTS["clinician"], "Dr Robin Achterberg", "Clinical psychologist", clinics[0],
                policy.CLINICIAN, True),
        account(SMALL_CASELOAD_ACCOUNTS["counselor"], "Dana Whitfield", "School counselor", schools[0],
                policy.SCHOOL_CONTACT, True),
        account(SMALL_CASELOAD_ACCOUNTS["teacher"], "Pat Okonkwo", "Maths teacher", schools[0], policy.SCHOOL_STAFF, False),
    ]
    small = dict(zip(SMALL_CASELOAD_ACCOUNTS, _insert(User, rows, ids=True), strict=True))
    names += [row["name"] for row in rows]
    all_ids = clinicians + doctors + counselors + [t for team in teachers for t in team] + list(small.values())
    db.session.commit()
    # The first school's circles are those with index % n_teams == 0 (see _circles); it holds
    # ceil(circles / n_teams) of them, at least min(circles, SMALL_CASELOAD) at the default CASELOAD.
    at_first_school = math.ceil(circles / n_teams)
    small_circles = frozenset(k * n_teams for k in range(min(SMALL_CASELOAD, at_first_school)))
    return BenchPeople(clinicians, doctors, counselors, teachers, schools, dict(zip(all_ids, names, strict=True)), small,
                       small_circles)


def _circles(indexes: range, people: BenchPeople, today: date, seed: int) -> dict:
    batch = _Batch()
    # Everyone shares the one Argon2 hash of the bench password made in _people.
    password_hash = db.session.get(User, people.clinicians[0]).password_hash
    n_teams = len(people.counselors)
    plans = []
    young_rows, parent_rows = [], []
    for i in indexes:
        rng = random.Random(seed * 1_000_003 + i)  # noqa: S311  # nosec B311
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        family = FAMILY_NAMES[(i // len(FIRST_NAMES)) % len(FAMILY_NAMES)]
        parent_first = FIRST_NAMES[(i * 17 + 9) % len(FIRST_NAMES)]
        created = today - timedelta(days=rng.randint(40, 200))
        joined = _at(created, 9)
        clinician_n = i // CASELOAD
        counselor_n = i % n_teams
        position = i // n_teams  # place in the counselor's caseload
        teacher_n = min(position // TEACHER_LOAD, len(people.teachers[counselor_n]) - 1)
        plans.append({
            "i": i, "rng": rng, "name": first if i < len(FIRST_NAMES) else f"{first} {family[0]}.",
            "full": f"{first} {family}", "parent": f"{parent_first} {family}", "created": created,
            "clinician": people.clinicians[clinician_n], "doctor": people.doctors[clinician_n],
            "counselor": people.counselors[counselor_n],
            "teacher": people.teachers[counselor_n][teacher_n], "school": people.schools[counselor_n],
            "label": PARENT_LABELS[i % len(PARENT_LABELS)],
        })
        base = {"password_hash": password_hash, "title": "", "organisation_id": None, "staff_role": None,
                "is_org_admin": False, "active": True, "must_change_password": False, "session_version": 1,
                "created_at": joined, "totp_secret": None, "totp_pending_secret": None, "totp_last_step": None, "mfa_enrolled_at": None}
        young_rows.append({**base, "email": f"young{i}@{BENCH_DOMAIN}", "name": f"{first} {family}"})
        # The bench parent looks after the first two young people.
        if i == 1:
            continue
        parent_rows.append({**base, "email": BENCH_ACCOUNTS["parent"] if i == 0 else f"parent{i}@{BENCH_DOMAIN}",
                            "name": f"{parent_first} {family}"})
    young_ids = _insert(User, young_rows, ids=True)
    parents = iter(_insert(User, parent_rows, ids=True))
    for plan, young_id in zip(plans, young_ids, strict=True):
        plan["young"] = young_id
        # Batches start at circle 0, so circles 0 and 1 are always in the same one.
        if plan["i"] == 1:
            plan["parent_id"], plan["parent"] = plans[0]["parent_id"], plans[0]["parent"]
        else:
            plan["parent_id"] = next(parents)

    circle_ids = _insert(Circle, [
        {"young_person_name": p["name"], "school_organisation_id": p["school"], "created_by_id": p["clinician"],
         "created_at": _at(p["created"], 9, 30)}
        for p in plans
    ], ids=True)
    for plan, circle_id in zip(plans, circle_ids, strict=True):
        plan["circle"] = circle_id

    # Members, in the order they joined. Keyed by role; the small-caseload accounts by ("small", role).
    member_rows, member_keys = [], []
    for p in plans:
        c = p["created"]
        members = [
            (policy.CLINICIAN, p["clinician"], policy.CLINICIAN, "Clinical psychologist", p["clinician"], c),
            (policy.CAREGIVER, p["parent_id"], policy.CAREGIVER, p["label"], p["clinician"], c),
            (policy.YOUNG_PERSON, p["young"], policy.YOUNG_PERSON, "Student", p["clinician"], c),
            (policy.SCHOOL_CONTACT, p["counselor"], policy.SCHOOL_CONTACT, "School counselor", p["clinician"],
             c + timedelta(days=1)),
            (policy.SCHOOL_STAFF, p["teacher"], policy.SCHOOL_STAFF, "Subject teacher", p["counselor"], c + timedelta(days=4)),
            (policy.PRIMARY_CARE, p["doctor"], policy.PRIMARY_CARE, "Family doctor", p["clinician"], c + timedelta(days=2)),
        ]
        p["small"] = {}
        if p["i"] in people.small_circles:
            p["small"] = {policy.CLINICIAN: people.small["clinician"], policy.SCHOOL_CONTACT: people.small["counselor"],
                          policy.SCHOOL_STAFF: people.small["teacher"]}
            members += [
                (("small", policy.CLINICIAN), people.small["clinician"], policy.CLINICIAN, "Clinical psychologist",
                 p["clinician"], c + timedelta(days=2)),
                (("small", policy.SCHOOL_CONTACT), people.small["counselor"], policy.SCHOOL_CONTACT, "School counselor",
                 p["clinician"], c + timedelta(days=2)),
                (("small", policy.SCHOOL_STAFF), people.small["teacher"], policy.SCHOOL_STAFF, "Subject teacher",
                 p["counselor"], c + timedelta(days=5)),
            ]
        for key, user_id, role, label, by, day in members:
            member_rows.append({"circle_id": p["circle"], "user_id": user_id, "role": role, "relationship_label": label,
                                "added_by_id": by, "added_at": _at(day, 10), "removed_at": None, "removed_by_id": None})
            member_keys.append((p, key))
            batch.audits.append({
                "at": _at(day, 10), "user_id": by, "role": policy.CLINICIAN if by == p["clinician"] else policy.SCHOOL_CONTACT,
                "circle_id": p["circle"], "section": None, "item_id": None, "action": "member_added", "outcome": "ok",
                "endpoint": None, "ip": None, "subject_user_id": user_id,
            })
    for p in plans:
        p["memberships"] = {}
    for (p, key), membership_id in zip(member_keys, _insert(Membership, member_rows, ids=True), strict=True):
        p["memberships"][key] = membership_id

    for p in plans:
        p["text"] = _texts(p, people)
    _documents(plans, batch)
    _lists(plans, people, batch, today)
    _agreements(plans)
    _insert(SectionVersion, batch.versions)
    # Numbered and hashed onto the audit chain like every other entry, in this transaction.
    chain.link(db.session.connection(), batch.audits)
    _insert(AuditEvent, batch.audits)
    return {"circles": len(plans), "versions": len(batch.versions), "audit_events": len(batch.audits)}


def _texts(p: dict, people: BenchPeople) -> dict:
    name, rng = p["name"].split()[0], p["rng"]
    counselor = people.names[p["counselor"]]
    clinician = people.names[p["clinician"]]
    room = 100 + p["i"] % 40
    calm = rng.sample(CALM_THINGS, 3)
    return {"name": name, "counselor": counselor, "clinician": clinician, "room": room, "calm": calm,
            "parent": p["parent"], "subjects": ", ".join(rng.sample(SUBJECTS, 3))}


def _documents(plans: list[dict], batch: _Batch) -> None:
    """The five one-document sections, each saved three times, as in weeks of real use."""
    for kind in ("school_plan", "return_to_school", "safety_plan", "home_safety", "clinical"):
        spec = spec_for(kind)
        rows, histories = [], []
        for p in plans:
            saves = _document_saves(kind, p)
            values: dict = {}
            for number, (by_role, day, hour, changed) in enumerate(saves, start=1):
                values = {**values, **changed}
                histories.append((p, number, by_role, day, hour, dict(values)))
            last_role, last_day, last_hour, _ = saves[-1]
            rows.append({"circle_id": p["circle"], "version": len(saves), "updated_at": _at(last_day, last_hour),
                         "updated_by_id": _user_for(p, last_role), **{f.name: values.get(f.name, _empty(f)) for f in spec.fields}})
        _insert(spec.model, rows)
        for p, number, by_role, day, hour, values in histories:
            batch.change(p["circle"], spec, None, number, "created" if number == 1 else "updated", values,
                         _user_for(p, by_role), by_role, _at(day, hour), "plan.edit_document")


def _user_for(p: dict, role: str) -> int:
    return {policy.CLINICIAN: p["clinician"], policy.CAREGIVER: p["parent_id"], policy.YOUNG_PERSON: p["young"],
            policy.SCHOOL_CONTACT: p["counselor"], policy.SCHOOL_STAFF: p["teacher"], policy.PRIMARY_CARE: p["doctor"]}[role]


def _document_saves(kind: str, p: dict) -> list[tuple[str, date, int, dict]]:
    t, c = p["text"], p["created"]
    name = t["name"]
    if kind == "school_plan":
        steps = (
            f"1. If {name} shows the card, let {name} go. Do not ask why, and do not comment in front of the class.\n"
            f"2. Call the front office (ext. 100) and say only: \"{name} is on the way to Room {t['room']}.\"\n"
            f"3. If you notice the signs but {name} has not used the card, ask quietly: \"Do you want to use your card?\" "
            "Accept yes or no.\n"
            f"4. If {name} cannot move or seems hurt, stay with {name} and send a student for the counselor and the nurse.\n"
            "5. Before the end of the day, record what you saw and did under In-school episodes."
        )
        first = {
            "warning_signs": "Head down on the desk for a long time, or hood up and not answering.\n"
                             "Pulling sleeves down over the hands.\nAsking to leave several times in one lesson.",
            "student_actions": f"{name} shows the card and goes straight to {t['counselor']}'s office, Room {t['room']}. "
                               "If the door is closed, the library quiet room, and the librarian calls the counselor.",
            "staff_steps": steps,
            "who_to_call": f"First: {t['counselor']}, school counselor, ext. {t['room']}.\n"
                           "If out: the deputy head, through the front office (ext. 100).\nFirst aid: the school nurse, ext. 105.",
            "call_caregivers_when": f"The counselor calls {t['parent']} the same day whenever the plan is used, and straight "
                                    "away if the student is hurt or has not settled after 30 minutes.",
            "call_emergency_when": "Call emergency services first if the student is seriously hurt or bleeding heavily, may "
                                   "have taken something harmful, says they want to die, or cannot keep themselves safe. "
                                   "Stay with them while you wait.",
            "return_to_class": f"{name} comes back when ready, usually within 20 to 40 minutes. No comment in front of the class.",
            "staff_notes": f"Agreed with {name} and {t['parent']} at the school meeting. {name} asked that classmates are never told.",
        }
        return [
            (policy.SCHOOL_CONTACT, c + timedelta(days=3), 15, first),
            (policy.CLINICIAN, c + timedelta(days=20), 17, {
                "staff_notes": first["staff_notes"] + f"\nFrom {t['clinician']}: {name} settles faster with something to do "
                "with their hands; let them draw without needing to talk at first."}),
            (policy.SCHOOL_CONTACT, c + timedelta(days=35), 15, {
                "return_to_class": first["return_to_class"] + f"\nIf {name} leaves during a test, they finish it in Room "
                f"{t['room']} the same day or the next, with the time that was left."}),
        ]
    if kind == "safety_plan":
        first = {
            "warning_signs": "I go quiet and stay in my room with my headphones on.\nI stop replying in the group chat.\n"
                             "I keep thinking \"I'm so stupid\" over and over.",
            "triggers": "Getting a bad mark, or messing up in front of people.\nFights with friends online late at night.\nNot sleeping.",
            "coping_steps": "1. Tell myself: I only have to get through the next 10 minutes.\n"
                            + "".join(f"{n}. {thing.capitalize()}.\n" for n, thing in enumerate(t["calm"], start=2)).rstrip(),
            "people_places": "My cousin (she gets it and doesn't make a big deal of it).\nThe art room at lunch.",
            "people_to_ask": f"{t['parent']}: (555) 010-01{p['i'] % 100:02d}. I can text \"orange\" and they come, no "
                             f"questions first.\n{t['counselor']} at school: I show my card and go to Room {t['room']}.",
            "professionals": f"{t['clinician']}: (555) 010-0120, weekdays.\nAfter hours: the clinic's after-hours line, "
                             "(555) 010-0199.\nAny time: the crisis line on the Urgent help page.",
            "safer_environment": "Medicines are locked up and I'm given mine.\nMy phone charges in the kitchen after 11.",
            "what_matters": "Art, my little brother, feeling normal around my friends again.",
            "if_suicidal_thoughts": f"1. Go to where {t['parent']} is, or text \"orange\", even in the middle of the night.\n"
                                    "2. Call or text the crisis line, 988, any time.\n"
                                    "3. If I can't keep myself safe, call 911 or go to the emergency department.",
            "what_helped": "Telling someone straight away, even by text, before doing anything else.",
        }
        return [
            (policy.CLINICIAN, c + timedelta(days=1), 17, first),
            (policy.YOUNG_PERSON, c + timedelta(days=25), 21, {
                "coping_steps": first["coping_steps"] + "\n5. Watch something calm. It's so calm it's funny."}),
            (policy.CLINICIAN, c + timedelta(days=45), 17, {
                "warning_signs": first["warning_signs"] + "\nI'm still scrolling after midnight.",
                "coping_steps": first["coping_steps"] + "\nAt night: put the big light on, go and sit in the kitchen, "
                "and text \"orange\" even if it's really late."}),
        ]
    if kind == "home_safety":
        first = {
            "medicines_locked": True, "medicines_limited": False, "sharps_secured": False, "alcohol_secured": False,
            "checklist_notes": "All medicines in the house are in the locked box. The key is on my keyring.",
            "helpful_responses": "Stay calm and keep my voice low.\nSay \"I'm glad you told me\" before anything else.\n"
                                 "Ask \"What would help right now?\" and accept \"nothing\" for a while.",
            "unhelpful_responses": "Lots of questions at once, or \"why would you do this?\"\n"
                                   "Taking the phone away as a punishment.\nChecking arms without asking.",
            "when_urges_rise": f"If {name} texts \"orange\", go straight away and don't ask for reasons first.\n"
                               "Help start the safety plan together. Stay until the urge eases.\n"
                               "If hurt, give first aid; call emergency services for anything serious.",
        }
        return [
            (policy.CAREGIVER, c + timedelta(days=4), 21, first),
            (policy.CLINICIAN, c + timedelta(days=18), 12, {
                "medication_safety": "One capsule each morning, given by a parent; the box stays locked.\n"
                "The pharmacy gives two weeks at a time; keep no spare boxes at home.\n"
                "Watch for restlessness, much worse sleep or stronger urges after any change of dose, and call the clinic "
                "the same day."}),
            (policy.CAREGIVER, c + timedelta(days=50), 20, {
                "medicines_limited": True, "sharps_secured": True,
                "checklist_notes": first["checklist_notes"] + "\nKitchen knives and razors are in the locked drawer now."}),
        ]
    if kind == "clinical":
        first = {
            "assessment_function": f"{name} describes self-harm as the quickest way to stop an overwhelming build-up of "
                                   "shame and tension, mostly after feeling they have failed or been left out. Relief lasts "
                                   "minutes and is followed by guilt and hiding it.",
            "assessment_triggers": "Feeling they have failed at school; conflict or exclusion among friends, often online late "
                                   "in the evening; poor sleep.",
            "frequency_change": "Started about eight months ago. Over the last two months, two to four times a week.",
            "suicidal_thoughts": "Asked directly at assessment: no current suicidal thoughts, intent or plan. To be asked at "
                                 "every session.",
            "coexisting_conditions": "Low mood most days for about four months, with poor sleep. Social and test anxiety.",
            "therapy_modality": p["rng"].choice(("dbt,family", "cbt", "mbt", "cbt,family")),
            "therapy_provider": f"{t['clinician']}: individual sessions and family sessions every four weeks.",
            "therapy_frequency": "Individual sessions weekly. Family session every four weeks.",
            "methods": "Cutting the forearms with a blade from a pencil sharpener. No change of method so far.",
            "medical_care_needed": "None so far beyond first aid at home; no stitches, no emergency visits.",
            "wider_context": "Sleep often under six hours. Exam pressure. A falling-out with a close friend in the "
                             "autumn, played out online. No bullying reported; no safeguarding concern at assessment.",
            "coexisting": "depression,anxiety",
            "therapy_description": "Weekly individual sessions with skills practice between them (a diary card); "
                                   "family sessions every four weeks on how to respond at home.",
        }
        return [
            (policy.CLINICIAN, c, 17, first),
            (policy.CLINICIAN, c + timedelta(days=14), 12, {
                "medication": "Fluoxetine 10 mg each morning.",
                "medication_for": "Depression: the low mood and poor sleep. Not a treatment for the self-harm itself.",
                "medication_review_on": c + timedelta(days=42),
                "prescriber": f"{t['clinician']}, Riverside CAMHS",
                "quantity_limits": "Two weeks' supply per prescription, no repeats without a review. A parent holds the medicine.",
                "medication_monitoring": "Weekly contact for the first four weeks and after any dose change: agitation, "
                                         "sleep, urges, suicidal thoughts."}),
            (policy.CLINICIAN, c + timedelta(days=46), 18, {
                "frequency_change": first["frequency_change"] + "\nSince the plan: fewer episodes and longer gaps, with a "
                "setback that needed first aid (see the setback review).",
                "suicidal_thoughts": first["suicidal_thoughts"] + "\nAsked again after the setback: none, before or since.",
                "harm_minimisation": "Discussed with the family: clean first-aid supplies at home, how to care for a "
                                     "wound, and when a wound needs the family doctor or the emergency department."}),
        ]
    if kind == "return_to_school":
        back = c + timedelta(days=30)
        first = {
            "ready_from": back,
        }
        plan = {
            "meeting_at": _at(back - timedelta(days=2), 15, 30),
            "meeting_attendees": f"{name}, {t['parent']}, {t['counselor']} (school counselor) and the head of year.",
            "timetable": "Week 1: mornings only, lessons 1 to 3.\nWeek 2: full days on Monday, Wednesday and Friday.\n"
                         "Week 3: the full timetable.",
            "adjustments_needed": "Extensions on coursework set while away; no tests in the first two weeks.",
            "first_days": f"{t['counselor']} meets {name} at the front office each morning of the first week, and "
                          "checks in again at lunch.",
            "staff_steps": f"Welcome {name} back without questions in front of the class. Let {name} use the card as "
                           "before. Send work missed to the counselor, not home.",
        }
        return [
            (policy.CLINICIAN, back - timedelta(days=7), 12, first),
            (policy.SCHOOL_CONTACT, back - timedelta(days=5), 15, plan),
            (policy.SCHOOL_CONTACT, back - timedelta(days=1), 16, {
                "first_days": plan["first_days"] + "\nIn week 2, a check-in at lunch on Mondays only."}),
        ]
    raise ValueError(kind)


def _item(p, spec, by_id, at, position, values, version=1, updated=None):
    """``updated``: (user id, at) of the last save, if not the first."""
    row = {"circle_id": p["circle"], "version": version, "updated_at": updated[1] if updated else at,
           "updated_by_id": updated[0] if updated else by_id, "position": position, "created_at": at,
           "created_by_id": by_id, "removed_at": None, "removed_by_id": None}
    row.update({f.name: values.get(f.name, _empty(f)) for f in spec.fields})
    return row


def _lists(plans: list[dict], people: BenchPeople, batch: _Batch, today: date) -> None:
    """Every list section, each item with its versions."""
    spec_rows: dict[str, list] = {}
    # Per item: (plan, [(number, action, role, user id, at, values)])
    spec_history: dict[str, list] = {}

    def add(kind, p, by_role, at, values, position=0, later=None, extra=None, later_by=None):
        """``later``: (role, at, changed values) of a second save; ``later_by``: who made it,
        if not the circle's main member in that role."""
        spec = spec_for(kind)
        by_id = _user_for(p, by_role)
        saves = [(1, "created", by_role, by_id, at, dict(values))]
        if later is not None:
            saves.append((2, "updated", later[0], later_by or _user_for(p, later[0]), later[1], {**values, **later[2]}))
        final = saves[-1][5]
        row = _item(p, spec, by_id, at, position, final, version=len(saves),
                    updated=(saves[-1][3], saves[-1][4]) if later else None)
        row.update(extra or {})
        spec_rows.setdefault(kind, []).append(row)
        spec_history.setdefault(kind, []).append((p, saves))

    for p in plans:
        t, c, rng = p["text"], p["created"], p["rng"]
        name = t["name"]
        at = _at(c, 10)
        # Care team: each member's own entry (started when they joined, completed by them), and services.
        for position, (role, title, org, phone) in enumerate((
            (policy.CLINICIAN, "Clinical psychologist", "Riverside CAMHS", "(555) 010-0120 (clinic reception)"),
            (policy.CAREGIVER, p["label"], "", f"(555) 010-01{p['i'] % 100:02d} (mobile)"),
            (policy.YOUNG_PERSON, "Student", "", ""),
            (policy.SCHOOL_CONTACT, "School counselor", "", f"ext. {t['room']} from inside school"),
            (policy.SCHOOL_STAFF, "Subject teacher", "", "Front office, ext. 100"),
            (policy.PRIMARY_CARE, "Family doctor", "Maple Street Family Practice", "(555) 010-0150 (practice reception)"),
        ), start=1):
            user_id = _user_for(p, role)
            person = people.names.get(user_id) or (p["parent"] if role == policy.CAREGIVER else p["full"])
            responsibilities = {policy.CLINICIAN: "diagnosis,therapy,medication,crisis_planning,monitoring",
                                policy.SCHOOL_CONTACT: "school_liaison"}.get(role, "")
            availability, reachable = REACH[role]
            later = (role, at + timedelta(days=2, hours=position),
                     {"phone": phone, "availability": availability, "reachable": reachable})
            if responsibilities:
                later = (policy.CLINICIAN, later[1], {**later[2], "responsibilities": responsibilities})
            add("care_team", p, policy.CLINICIAN, at, {
                "contact_kind": "person", "name": person, "role_title": title, "organisation": org,
                "email": "",
            }, position, later, {"membership_id": p["memberships"][role]})
        add("care_team", p, policy.CLINICIAN, at + timedelta(days=2), {
            "contact_kind": "service", "name": "Crisis line", "role_title": "Crisis line", "phone": "988",
            "availability": "Any time, day or night, free. Call or text.",
            "reachable": "school_hours,evenings,nights,weekends",
        }, 7)
        add("care_team", p, policy.CLINICIAN, at + timedelta(days=2, minutes=1), {
            "contact_kind": "service", "name": "Riverside CAMHS after-hours line", "role_title": "After-hours advice",
            "phone": "(555) 010-0199", "availability": "Weekday evenings from 17:00, weekends and holidays.",
            "reachable": "evenings,nights,weekends",
        }, 8)
        # The small-caseload accounts' own entries, as create_own_contact starts them when they join
        # (by whoever added them), completed like their colleagues' (responsibilities by the clinician).
        for position, (role, title, phone, days) in enumerate((
            (policy.CLINICIAN, "Clinical psychologist", "(555) 010-0121 (clinic reception)", 2),
            (policy.SCHOOL_CONTACT, "School counselor", f"ext. {t['room']} from inside school", 2),
            (policy.SCHOOL_STAFF, "Subject teacher", "Front office, ext. 100", 5),
        ), start=9):
            if role not in p["small"]:
                continue
            user_id = p["small"][role]
            joined = _at(c + timedelta(days=days), 10)
            added_by = policy.SCHOOL_CONTACT if role == policy.SCHOOL_STAFF else policy.CLINICIAN
            responsibilities = {policy.CLINICIAN: "diagnosis,therapy,medication,crisis_planning,monitoring",
                                policy.SCHOOL_CONTACT: "school_liaison"}.get(role, "")
            availability, reachable = REACH[role]
            changed = {"phone": phone, "availability": availability, "reachable": reachable}
            if responsibilities:
                changed["responsibilities"] = responsibilities
            # A clinician completes their own entry; a counselor's responsibilities are set by the circle's clinician.
            later_by = user_id if role in (policy.CLINICIAN, policy.SCHOOL_STAFF) else None
            add("care_team", p, added_by, joined, {
                "contact_kind": "person", "name": people.names[user_id], "role_title": title, "organisation": "",
                "email": "",
            }, position, (policy.CLINICIAN if responsibilities else role, joined + timedelta(days=1), changed),
                {"membership_id": p["memberships"][("small", role)]}, later_by=later_by)

        # Adjustments: a standing pass, an extension (some ending soon, some ended), sometimes an exam arrangement.
        add("adjustments", p, policy.SCHOOL_CONTACT, _at(c + timedelta(days=3), 15, 20), {
            "kind": "leave_class_pass", "subjects": "All lessons", "start_date": c + timedelta(days=3),
            "details": f"{name} may leave any lesson by showing the card, without giving a reason, and goes to Room {t['room']}.",
            "approved_by": f"{t['counselor']}, School counselor", "reason": f"Part of the in-school plan agreed with {name}.",
        })
        start = today - timedelta(days=rng.randint(0, 20))
        add("adjustments", p, policy.SCHOOL_CONTACT, _at(start, 14), {
            "kind": "extension", "subjects": t["subjects"], "start_date": start, "end_date": start + timedelta(days=14),
            "details": "Two extra weeks on every homework and coursework deadline in these subjects, with no penalty.",
            "approved_by": f"{t['counselor']}, School counselor",
            "reason": f"{name} missed several days of school and is catching up.",
        })
        if rng.random() < 0.4:
            start = today + timedelta(days=rng.randint(3, 20))
            add("adjustments", p, policy.SCHOOL_CONTACT, _at(today - timedelta(days=2), 15, 40), {
                "kind": "exam_arrangement", "subjects": "All subjects", "start_date": start,
                "end_date": start + timedelta(days=14), "details": "Tests in the small exam room, with rest breaks.",
                "approved_by": f"{t['counselor']}, School counselor", "reason": "Agreed after leaving a test.",
            })

        # Follow-ups: one attended, one plan review (some overdue), the next session, a school review.
        session = today - timedelta(days=rng.randint(2, 9))
        add("follow_ups", p, policy.CLINICIAN, _at(session - timedelta(days=7), 17), {
            "kind": "appointment", "due_at": _at(session, 16), "with_whom": t["clinician"], "location": "Riverside CAMHS",
            "status": "scheduled", "details": "Individual session: going through the week's urges step by step.",
        }, later=(policy.CLINICIAN, _at(session, 17), {"status": "attended"}))
        review = today + timedelta(days=rng.randint(-5, 25))
        add("follow_ups", p, policy.CLINICIAN, _at(session, 17, 10), {
            "kind": "plan_review", "due_at": _at(review, 10), "with_whom": f"{t['clinician']} with {name} and family",
            "location": "Riverside CAMHS", "status": "scheduled", "details": "Review of the whole plan.",
        })
        add("follow_ups", p, policy.CLINICIAN, _at(session, 17, 5), {
            "kind": "appointment", "due_at": _at(session + timedelta(days=7), 16), "with_whom": t["clinician"],
            "location": "Riverside CAMHS", "status": "scheduled", "details": "Individual session.",
        })
        add("follow_ups", p, policy.SCHOOL_CONTACT, _at(c + timedelta(days=3), 15, 45), {
            "kind": "school_review", "due_at": _at(today + timedelta(days=rng.randint(1, 30)), 15),
            "with_whom": f"{t['counselor']} with {name} and {t['parent']}", "location": f"Room {t['room']}",
            "status": "scheduled", "details": "Review the in-school plan and the adjustments.",
        })

        # In-school episodes: what staff saw and did, never why.
        for n in range(rng.choice((0, 1, 1, 2, 3))):
            when = today - timedelta(days=rng.randint(1, 60))
            by_teacher = n % 2 == 0
            role = policy.SCHOOL_STAFF if by_teacher else policy.SCHOOL_CONTACT
            add("episodes", p, role, _at(when, 11, 40), {
                "occurred_at": _at(when, 10, 5),
                "observed": f"During the lesson {name} stopped working, put their head down and kept pulling at their "
                            "sleeves. Did not answer when asked quietly if they were OK. No injury seen.",
                "steps_taken": f"Asked quietly if {name} wanted to use the card; {name} nodded and left with it. Called "
                               "the front office.",
                "contacted": f"{t['counselor']}, through the front office, at 10:08. {t['parent']} was called at 10:40.",
                "emergency_services": False, "outcome": "returned_to_class",
            }, extra={"recorded_by_id": _user_for(p, role), "school_organisation_id": p["school"]})

        # Events outside school: what happened at home or on a crisis line, what was done, never why.
        when = c + timedelta(days=rng.randint(10, 35))
        if rng.random() < 0.5:
            add("events", p, policy.CAREGIVER, _at(when, 23, 10), {
                "kind": "self_harm", "occurred_at": _at(when, 21, 30), "place": "At home, in the bathroom",
                "what_was_done": f"{name} came and told me. I cleaned and covered the cuts with the first-aid kit, "
                                 "stayed with them and we went through the night list together.",
                "medical_care": "no", "who_knows": f"{t['parent']} and {t['clinician']}, told the next morning.",
            }, later=(policy.CLINICIAN, _at(when + timedelta(days=1), 12),
                      {"who_knows": f"{t['parent']}, {t['clinician']} and the family doctor."}))
        else:
            add("events", p, policy.YOUNG_PERSON, _at(when, 22, 40), {
                "kind": "crisis_call", "occurred_at": _at(when, 22), "place": "At home",
                "what_was_done": "I texted the crisis line when the urges got strong. We talked for about twenty "
                                 "minutes and I did the first two steps of my plan. I didn't hurt myself.",
                "medical_care": "no", "who_knows": f"Me and {t['parent']}. I'll tell {t['clinician']} on Monday.",
            })

        if rng.random() < 0.5:
            setback = c + timedelta(days=40)
            add("setback_reviews", p, policy.CLINICIAN, _at(setback + timedelta(days=2), 17, 45), {
                "setback_on": setback,
                "before": "Two late nights revising, then a falling-out in a group chat. Sleep down to about five hours.",
                "missed_signs": "More time alone in their room and \"I'm fine\" more than usual, both on their own list.",
                "plan_fit": "Partly: the steps worked at school, but the plan had nothing for late evenings.",
                "more_intensive": "For four weeks: a short phone check-in on Fridays, family sessions every two weeks.",
                "new_problem": "Asked directly: no suicidal thoughts, intent or plan. Sleep needs its own attention.",
                "plan_changes": "Safety plan: a night list. Home: knives and razors into the locked drawer.",
            })

        # Weekly check-ins; progress is rarely a straight line.
        for weeks_ago in range(8, 0, -1):
            week = today - timedelta(days=7 * weeks_ago)
            if week < c:
                continue
            role = (policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON)[weeks_ago % 3]
            episodes = rng.choice((0, 0, 1, 1, 2, 3))
            add("progress", p, role, _at(week, 19), {
                "checked_on": week, "episodes": episodes,
                "severity": "none" if episodes == 0 else rng.choice(("minor", "minor", "first_aid")),
                "urges": rng.choice(("some_days", "most_days", "every_day")),
                "urge_to_action": "no_action" if episodes == 0 else rng.choice(("minutes", "under_hour", "hours")),
                "sought_help_sooner": rng.choice(("yes", "yes", "no", "unsure")),
                "less_secrecy": rng.choice(("yes", "yes", "unsure")), "sleep_hours": rng.choice((5.0, 6.0, 6.5, 7.0, 7.5)),
                "suicidal_thoughts": rng.choice(("no", "no", "no", "no", "unsure")),
                "what_helped": "" if episodes == 0 else rng.choice((
                    "Texting \"orange\" and sitting in the kitchen with the big light on.",
                    "Cold water on my hands, then the calm playlist.", "Talking it through with my cousin.")),
                "notes": rng.choice(("ok week", "A hard week, but told me the same evening.",
                                     "Used the night list twice.", "exam week. most nights were hard")),
            })

    endpoint = {"created": "plan.new_item", "updated": "plan.edit_item"}
    for kind, rows in spec_rows.items():
        spec = spec_for(kind)
        ids = _insert(spec.model, rows, ids=True)
        for item_id, (p, saves) in zip(ids, spec_history[kind], strict=True):
            for number, action, role, user_id, at, values in saves:
                batch.change(p["circle"], spec, item_id, number, action, values, user_id, role, at, endpoint[action])


def _agreements(plans: list[dict]) -> None:
    """Some young people agreed to share their safety plan with the school contact."""
    rows = []
    for p in plans:
        if p["i"] % 5 == 2:
            rows.append({"circle_id": p["circle"], "section": "safety_plan", "role": policy.SCHOOL_CONTACT,
                         "agreed_by": "young_person", "recorded_by_id": p["clinician"],
                         "starts_at": _at(p["created"] + timedelta(days=10), 12), "ends_at": None,
                         "withdrawn_at": None, "withdrawn_by_id": None})
    _insert(Agreement, rows)


def check_allowed() -> None:
    if not current_app.config.get("DEMO_ALLOWED"):
        raise RuntimeError("The bench data cannot be loaded under the production configuration.")


@click.command("seed-bench")
@click.option("--circles", type=click.IntRange(min=1), default=10, show_default=True, help="How many circles to load.")
@with_appcontext
def seed_bench_command(circles):
    """Load a large data set for the benchmark into an empty database (never in production)."""
    from portal.demo.writer import database_is_empty

    try:
        check_allowed()
    except RuntimeError as refused:
        raise click.ClickException(str(refused)) from None
    if not database_is_empty():
        raise click.ClickException("The database already has accounts. Use a fresh database for the bench.")
    started = clock.now()
    made = seed_bench(circles)
    seconds = (clock.now() - started).total_seconds()
    click.echo(f"Loaded {made['circles']} circles, {made['versions']} versions, {made['audit_events']} audit entries "
               f"in {seconds:.1f} s.")
    click.echo(f"Bench accounts (password: {BENCH_PASSWORD}; authenticator key for the clinician and the counselor: "
               f"{BENCH_TOTP_SECRET}):")
    for kind, email in BENCH_ACCOUNTS.items():
        click.echo(f"  {email:32} {kind}")
    click.echo(f"Small-caseload accounts, {min(circles, SMALL_CASELOAD)} circles each at every size (same password and key):")
    for kind, email in SMALL_CASELOAD_ACCOUNTS.items():
        click.echo(f"  {email:32} {kind}")


def create_bench_app(config_class=None):
    """The portal's app, configured from the environment as usual, plus `flask seed-bench`."""
    app = create_app(config_class)
    app.cli.add_command(seed_bench_command)
    return app
