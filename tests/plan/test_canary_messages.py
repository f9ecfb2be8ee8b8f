"""Canary, continued (SECURITY.md, figure 4): emails, notifications, sharing,
"who has seen this plan", and logs.

With a unique marker in every text field of every section, written by the
people who write them, and with everything that makes a message happening on
the way (section changes, episodes, an overdue follow-up, sharing recorded,
about to end and withdrawn, a daily digest, a membership change, an
invitation, password resets asked for an account and for no account, every
notice about a change to how an account signs in), this checks that:

- no email that reaches a real SMTP server carries a marker, the name of a
  young person, of anyone in a circle or of any organisation, in its subject,
  its headers or its body: an inbox is often read by someone else in the
  household, and a name of a mental-health service or of the people around
  the young person tells them there is a plan;
- every place in the code that queues an email was walked (a new one fails
  the test until the run makes it happen);
- no in-portal notice carries a marker, and each person's /notifications page
  lists only their own notices, each about a part of the plan they could read
  when it was made (the policy, with the agreements then in force);
- the sharing and "who has seen this plan" pages carry no marker for anyone;
- while the safety plan and the progress log are shared with the school
  contact their pages show those markers and the teacher's never do; after
  withdrawal the contact's pages no longer do;
- whatever is shared, no school role's page, notice or email carries an
  event outside school or the check-in's answer about thoughts of suicide,
  and no email names either;
- a second caregiver, under a safeguarding limit that hides events, setback
  reviews, home safety and progress, meets none of those on any page or in
  any notice, hears of no event, and is emailed nothing at once for a use of
  the in-school plan: their outbox stays empty until the daily digest, while
  the other caregiver is emailed at once;
- no log record written during the whole run carries a marker.
"""

from __future__ import annotations

import ast
import email
import email.policy
import inspect
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from portal.access import policy
from portal.access.guard import SignedIn, guard
from portal.admin import services as admin_services
from portal.auth import services as accounts
from portal.auth import setup as account_setup
from portal.auth.models import Organisation, User
from portal.circles.models import Circle, Membership
from portal.circles.services import remove_member
from portal.extensions import db
from portal.followup.schedule import overdue_follow_ups
from portal.invitations import services as invitations
from portal.notify.delivery import send_pending
from portal.notify.models import EVENT_KINDS, Notification, NotificationPreference, OutboxMessage
from portal.notify.scheduler import agreements_ending, digests
from portal.plan import queries
from portal.plan.sections import SPECS
from portal.safeguarding.models import SafeguardingLimit
from portal.sharing.models import Agreement
from tests import factories
from tests.plan.test_canary import (
    LIMITED,
    MARKER,
    Actor,
    Canary,
    Findings,
    Page,
    actors_of,
    add_limited_caregiver,
    check_pages,
    client_for,
    fetch,
    item_ids,
    urls_to_try,
    write_whole_plan,
)

SHARED_WITH_CONTACT = frozenset({("safety_plan", policy.SCHOOL_CONTACT), ("progress", policy.SCHOOL_CONTACT)})
# Words no email may hold, and no notice to a school role: what the direct
# question is about, and what an event outside school is.
NEVER_IN_MESSAGES = re.compile(r"suicid|emergency department|hospital|crisis line|self-harm", re.I)
OPEN_LINK = re.compile(r'action="/notifications/(\d+)/open"')
OLDER_LINK = re.compile(r'href="(/notifications\?page=\d+)">Older<')
# Loggers that might not pass their records up to the root, where caplog listens.
NAMED_LOGGERS = ("portal", "werkzeug", "flask", "flask_limiter", "sqlalchemy", "mail.log", "asyncio")


# --- Every log record of the run ---------------------------------------------


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def every_log_record(caplog):
    """Everything logged at DEBUG and above, from the first fixture on.

    Requested first, so that building the world is logged too. caplog listens
    at the root; a handler of our own also sits on the named loggers and on any
    logger that does not propagate, so nothing can go round it.
    """
    caplog.set_level(logging.DEBUG)
    keep = _Keep()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in NAMED_LOGGERS)]
    loggers += [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = {}
    for logger in loggers:
        if logger.name in levels:
            continue
        levels[logger.name] = (logger, logger.level)
        logger.addHandler(keep)
        if logger is not logging.getLogger():
            logger.setLevel(logging.DEBUG)
    yield lambda: _unique_records(keep.records, caplog)
    for logger, level in levels.values():
        logger.removeHandler(keep)
        logger.setLevel(level)


def _unique_records(kept, caplog) -> list[logging.LogRecord]:
    seen, records = set(), []
    for record in [*kept, *caplog.get_records("setup"), *caplog.get_records("call")]:
        if id(record) not in seen:
            seen.add(id(record))
            records.append(record)
    return records


_FORMATTER = logging.Formatter("%(name)s %(levelname)s %(message)s")


def log_text(record: logging.LogRecord) -> str:
    """The record as a handler would write it, with any traceback and stack."""
    written = _FORMATTER.format(record)
    return "\n".join([written, str(record.args or ""), str(getattr(record, "stack_info", "") or "")])


# --- Sending, and reading what was sent --------------------------------------


def deliver() -> int:
    """Send everything waiting, as `flask notify send` would."""
    sent = 0
    while True:
        report = send_pending()
        sent += report.sent
        assert report.failed == 0, "the test SMTP server refused a message"
        if report.sent == 0:
            return sent


def scheduled(app) -> dict[str, int]:
    with app.test_request_context():
        return {"overdue": overdue_follow_ups(), "ending": agreements_ending(), "digests": digests()}


@dataclass
class Mail:
    raw: str
    subject: str
    body: str


def parse(raw: str) -> Mail:
    message = email.message_from_string(raw, policy=email.policy.default)
    return Mail(raw, str(message["Subject"] or ""), message.get_content())


def young_people_names() -> set[str]:
    """Every circle's young person, and the accounts of young people, by name."""
    names = set(db.session.scalars(select(Circle.young_person_name)))
    names |= set(
        db.session.scalars(
            select(User.name).join(Membership, Membership.user_id == User.id).where(Membership.role == policy.YOUNG_PERSON)
        )
    )
    return {name for name in names if name}


def names_in(text_: str, names: set[str]) -> list[str]:
    return [name for name in names if re.search(rf"\b{re.escape(name)}\b", text_)]


def circle_people_names() -> set[str]:
    """Everyone who is or was in a circle, by the name the others see."""
    names = set(db.session.scalars(select(User.name).join(Membership, Membership.user_id == User.id)))
    return {name for name in names if name}


def organisation_names() -> set[str]:
    """Schools and clinics: naming a mental-health service says there is a plan."""
    return {name for name in db.session.scalars(select(Organisation.name)) if name}


# --- Every way an email is queued ---------------------------------------------

# The functions that put an email in the outbox. The run below makes each of
# them queue at least one; test_the_run_walks_every_way_an_email_is_queued
# keeps this list equal to the code, so a new way fails until it is walked.
EMAIL_PATHS = frozenset(
    {
        "portal.notify.services.tell",
        "portal.notify.scheduler.digests",
        "portal.invitations.services.create_invitation",
        "portal.auth.services.tell_owner",
        "portal.auth.services.tell_staff_role_changed",
        "portal.auth.services.request_password_reset",
        "portal.auth.setup.invite",
    }
)
QUEUEING_CALLS = frozenset({"queue_email", "queue_composed", "OutboxMessage"})
PORTAL = Path(__file__).resolve().parents[2] / "portal"
OUTBOX_MODULE = "portal.notify.outbox"  # where the queueing itself is done
RESET_PATH = re.compile(r"/reset-password/[A-Za-z0-9_-]{43}")


class _QueueingCalls(ast.NodeVisitor):
    """The innermost function around each call that queues an email."""

    def __init__(self, module: str):
        self.module, self.functions, self.found = module, [], set()

    def visit_FunctionDef(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        # A Core insert into the outbox counts too.
        into_outbox = called == "insert" and any(isinstance(arg, ast.Name) and arg.id == "OutboxMessage" for arg in node.args)
        if called in QUEUEING_CALLS or into_outbox:
            self.found.add(f"{self.module}.{self.functions[-1] if self.functions else '<module>'}")
        self.generic_visit(node)


def queueing_functions_in_the_code() -> set[str]:
    found = set()
    for path in sorted(PORTAL.rglob("*.py")):
        module = ".".join(path.relative_to(PORTAL.parent).with_suffix("").parts)
        if module in (OUTBOX_MODULE, "portal.notify.models"):
            continue
        visitor = _QueueingCalls(module)
        visitor.visit(ast.parse(path.read_text(), str(path)))
        found |= visitor.found
    return found


def test_the_run_walks_every_way_an_email_is_queued():
    assert queueing_functions_in_the_code() == EMAIL_PATHS


@pytest.fixture
def queued_from(mail_server):
    """The portal function behind each outbox row made from here on."""
    callers: set[str] = set()

    def note(target, args, kwargs):
        frame = inspect.currentframe().f_back
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if module.startswith("portal.") and module != OUTBOX_MODULE:
                callers.add(f"{module}.{frame.f_code.co_name}")
                return
            frame = frame.f_back

    event.listen(OutboxMessage, "init", note)
    yield callers
    event.remove(OutboxMessage, "init", note)


def emails_to(account: User) -> list[str]:
    """The subjects of every email queued to this account, oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.to_address == account.email).order_by(OutboxMessage.id)
    ))


# --- What a notice may be about ----------------------------------------------


def shared_at(circle_id: int, at) -> frozenset:
    """The pairs shared at a past moment: an agreement withdrawn since was still in force then."""
    rows = db.session.scalars(select(Agreement).where(Agreement.circle_id == circle_id))
    return frozenset(
        (a.section, a.role)
        for a in rows
        if a.starts_at <= at
        and (a.ends_at is None or a.ends_at > at)
        and (a.withdrawn_at is None or a.withdrawn_at > at)
    )


def role_at(user_id: int, circle_id: int, at) -> str | None:
    membership = db.session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.circle_id == circle_id)
    ).first()
    if membership is None or membership.added_at > at or (membership.removed_at and membership.removed_at <= at):
        return None
    return membership.role


def standing_at(user_id: int, circle_id: int, at) -> policy.Shared:
    """The pairs shared at a past moment, with what a safeguarding limit then in force on the member hid."""
    shared = shared_at(circle_id, at)
    limits = db.session.scalars(
        select(SafeguardingLimit)
        .join(Membership, Membership.id == SafeguardingLimit.membership_id)
        .where(Membership.user_id == user_id, Membership.circle_id == circle_id)
    )
    hidden = [
        kind
        for limit in limits
        if limit.placed_at <= at and (limit.lifted_at is None or limit.lifted_at > at)
        for kind in limit.hidden_sections
    ]
    return policy.Standing(shared, hidden=hidden, limited=True) if hidden else shared


def notice_allowed(notice: Notification) -> bool:
    """A notice about a section goes only to someone who could read the section
    when it was made. The one exception tells a role that a section is shared,
    or no longer shared, with that very role: it names the part, never its text."""
    if notice.section is None:
        return True
    if notice.circle_id is None:
        return False
    role = role_at(notice.user_id, notice.circle_id, notice.created_at)
    if role is None:
        return False
    if policy.can(role, notice.section, policy.READ, standing_at(notice.user_id, notice.circle_id, notice.created_at)):
        return True
    return (
        notice.kind == "agreement_changed"
        and (notice.section, role) in policy.SHAREABLE
        and notice.text.endswith(f"the {policy.ROLE_LABELS[role].lower()}.")
    )


def outside_row_scope(notice: Notification, role: str | None) -> bool:
    """In this run, the only rows outside a scoped reader's reach are the ones
    others wrote: the contact's episodes (for the teacher) and clinical
    appointments and plan reviews (for the school contact)."""
    if role == policy.SCHOOL_STAFF and notice.section == "episodes":
        return True
    if role == policy.SCHOOL_CONTACT and notice.section == "follow_ups":
        return not notice.text.startswith("A school review")
    return False


# --- Walking the pages --------------------------------------------------------


@dataclass
class Walk:
    found: Findings = field(default_factory=Findings)
    pages: dict[str, list[Page]] = field(default_factory=dict)

    def markers_of(self, actor_name: str, kind: str, canary: Canary) -> int:
        return sum(
            1
            for page in self.pages[actor_name]
            for token, _ in page.scan.found
            if canary.markers[token].kind == kind
        )


def walk(app, world, login_as, canary: Canary, actors: list[Actor], shared) -> Walk:
    circle_id = world.circle.id
    urls = urls_to_try(circle_id, world.other_circle.id, item_ids(circle_id))
    done = Walk()
    for actor in actors:
        client = client_for(app, login_as, actor.user_id)
        pages = [Page(actor, url, *fetch(app, client, url)) for url in urls]
        done.pages[actor.name] = pages
        check_pages(actor, pages, canary, circle_id, done.found, shared)
    return done


def assert_clean(found: Findings, when: str) -> None:
    for name in ("leaks", "missing", "misplaced", "server_errors", "unscanned", "on_content_free_pages"):
        problems = getattr(found, name)
        assert not problems, f"{when}: {name}: {problems[:5]}"


def notification_pages(app, login_as, user_id: int) -> tuple[list[Page], list[int]]:
    """Every page of a person's notifications, following "Older", and the notices listed."""
    client = client_for(app, login_as, user_id)
    actor = Actor(f"user {user_id}", user_id, None)
    url, pages, shown = "/notifications", [], []
    while url:
        page = Page(actor, url, *fetch(app, client, url))
        assert page.status == 200, (user_id, url, page.status)
        pages.append(page)
        shown += [int(n) for n in OPEN_LINK.findall(page.text)]
        older = OLDER_LINK.search(page.text)
        url = older.group(1).replace("&amp;", "&") if older else None
        assert len(pages) < 50
    return pages, shown


# --- The run -------------------------------------------------------------------


def test_no_marker_in_emails_notifications_sharing_audit_or_logs(
    every_log_record, app, world, mail_server, queued_from, frozen_clock, login_as, canary_figures
):
    users = world.users
    circle_id = world.circle.id
    young_person, clinician = users[policy.YOUNG_PERSON], users[policy.CLINICIAN]
    limited = db.session.get(User, add_limited_caregiver(world).user_id)
    actors = actors_of(world)
    app.config["DIGEST_HOUR"] = 0  # the digest may go at any hour of this run
    # Some people hear by the daily digest, some only in the portal. Both
    # caregivers ask for the digest for everything about events and episodes:
    # the policy emails the one without a limit at once all the same.
    db.session.add(NotificationPreference(user_id=users[policy.CAREGIVER].id, kind="section_changed", mode="digest"))
    for kind in ("episode_recorded", "event_recorded"):
        db.session.add(NotificationPreference(user_id=users[policy.CAREGIVER].id, kind=kind, mode="digest"))
    for kind in EVENT_KINDS:
        db.session.add(NotificationPreference(user_id=limited.id, kind=kind, mode="digest"))
    for kind in ("section_changed", "agreement_changed"):
        db.session.add(NotificationPreference(user_id=users[policy.SCHOOL_STAFF].id, kind=kind, mode="portal"))
    db.session.commit()
    # What reached them when they joined, before they chose the digest.
    limited_on_joining = emails_to(limited)

    # 1. A marker in every section, by the people who write it; nothing shared.
    canary = write_whole_plan(world)
    deliver()
    before = walk(app, world, login_as, canary, actors, frozenset())
    assert_clean(before.found, "nothing shared")
    assert before.markers_of(policy.SCHOOL_CONTACT, "safety_plan", canary) == 0
    # Events and in-school uses were recorded: the caregiver without a limit
    # was emailed at once; the limited one heard of the use in the portal
    # only, waiting for the digest, and of no event at all.
    limited_heard = list(db.session.scalars(select(Notification).where(Notification.user_id == limited.id)))
    limited_at_once = len(emails_to(limited)) - len(limited_on_joining)
    caregiver_at_once = len(emails_to(users[policy.CAREGIVER]))
    caregiver_heard = {n.kind for n in db.session.scalars(
        select(Notification).where(Notification.user_id == users[policy.CAREGIVER].id)
    )}
    assert {"event_recorded", "episode_recorded"} <= caregiver_heard and caregiver_at_once >= 1
    limited_uses = [n for n in limited_heard if n.kind == "episode_recorded"]
    assert limited_uses and all(n.email_state == "digest" for n in limited_uses)
    limited_hidden_notices = [
        (n.kind, n.section) for n in limited_heard
        if n.kind == "event_recorded" or n.section in factories.LIMIT_HIDES
    ]
    assert limited_hidden_notices == []
    assert limited_at_once == 0, "the limited caregiver was emailed before the digest"

    # 2. The young person shares the safety plan with the school contact, until
    # the day after tomorrow, and a guardian the progress log (whose check-in
    # answered "yes" to the direct question); the clinician then changes the
    # safety plan.
    frozen_clock.advance(minutes=1)
    young = client_for(app, login_as, young_person.id)
    ends_on = (frozen_clock.current + timedelta(days=2)).date().isoformat()
    status, _ = fetch(
        app, young, f"/circles/{circle_id}/sharing", "POST",
        {"share": "safety_plan:school_contact", "agreed_by": "young_person", "ends_on": ends_on},
    )
    assert status == 302
    parent = client_for(app, login_as, users[policy.CAREGIVER].id)
    status, _ = fetch(
        app, parent, f"/circles/{circle_id}/sharing", "POST", {"share": "progress:school_contact", "agreed_by": "guardian"},
    )
    assert status == 302
    frozen_clock.advance(minutes=1)
    canary.revise("safety_plan", queries.document(circle_id, SPECS["safety_plan"]), clinician)
    frozen_clock.advance(minutes=1)
    made = scheduled(app)
    assert made["overdue"] >= 1 and made["ending"] == 1 and made["digests"] >= 1, made
    deliver()
    assert emails_to(limited)[len(limited_on_joining):] == ["Your daily Support Circle summary"]
    while_shared = walk(app, world, login_as, canary, actors, SHARED_WITH_CONTACT)
    assert_clean(while_shared.found, "safety plan and progress shared with the school contact")
    shown_to_contact = while_shared.markers_of(policy.SCHOOL_CONTACT, "safety_plan", canary)
    assert shown_to_contact > 0, "the shared safety plan never reached the school contact"
    # Progress shared with school carries only policy.SHARED_FIELDS, none of
    # them text: no marker of a check-in reaches the contact. What does reach
    # them is checked in test_canary_shared_progress.py.
    progress_to_contact = while_shared.markers_of(policy.SCHOOL_CONTACT, "progress", canary)
    assert not {f.name for f in SPECS["progress"].fields if f.type in ("line", "text")} & set(
        policy.SHARED_FIELDS[("progress", policy.SCHOOL_CONTACT)]
    )
    assert progress_to_contact == 0, "text of the progress log reached the school contact"
    assert while_shared.markers_of(policy.SCHOOL_STAFF, "safety_plan", canary) == 0
    assert while_shared.markers_of(policy.SCHOOL_STAFF, "progress", canary) == 0
    # Events stay away from the school, shared or not (also checked, by hand, in check_pages).
    events_to_school = sum(while_shared.markers_of(role, "events", canary) for role in policy.SCHOOL_ROLES)
    assert events_to_school == 0
    assert while_shared.markers_of(policy.PRIMARY_CARE, "events", canary) > 0

    # 3. The young person withdraws; the contact's very next pages follow.
    frozen_clock.advance(minutes=1)
    agreements = {a.section: a for a in db.session.scalars(select(Agreement).where(Agreement.circle_id == circle_id))}
    assert set(agreements) == {"safety_plan", "progress"}
    for who, section in ((young, "safety_plan"), (parent, "progress")):
        status, _ = fetch(app, who, f"/circles/{circle_id}/sharing/{agreements[section].id}/withdraw", "POST", {})
        assert status == 302
    frozen_clock.advance(minutes=1)
    deliver()
    after = walk(app, world, login_as, canary, actors, frozenset())
    assert_clean(after.found, "sharing withdrawn")
    assert after.markers_of(policy.SCHOOL_CONTACT, "safety_plan", canary) == 0
    assert after.markers_of(policy.SCHOOL_CONTACT, "progress", canary) == 0

    # 4. Someone joins and leaves; someone is invited.
    frozen_clock.advance(minutes=1)
    newcomer = factories.user("Pat Newcomer")
    membership = factories.member(world.circle, newcomer, policy.CAREGIVER, clinician)
    frozen_clock.advance(minutes=1)
    remove_member(membership, clinician)
    invitations.create_invitation(world.circle, world.memberships[policy.CLINICIAN], "invitee@example.test", policy.CAREGIVER)
    frozen_clock.advance(days=1)
    scheduled(app)
    deliver()

    # 5. Password resets asked for an account and for an address without one;
    # the link used; and every notice about a change to how an account signs in.
    caregiver = users[policy.CAREGIVER]
    for address in (caregiver.email, "nobody-here@example.test"):
        status, _ = fetch(app, app.test_client(), "/reset-password", "POST", {"email": address})
        assert status == 200
    deliver()
    reset_mails = [parse(raw) for raw in mail_server.messages if str(accounts.RESET_SUBJECT) in parse(raw).subject]
    assert len(reset_mails) == 1, "one reset email, for the account only"
    new_password = "a completely new passphrase for the canary"
    status, _ = fetch(
        app, app.test_client(), RESET_PATH.search(reset_mails[0].body).group(0), "POST",
        {"new_password": new_password, "confirm_password": new_password},
    )
    assert status == 302
    for what in accounts.SECURITY_NOTICES:
        accounts.tell_owner(db.session.get(User, clinician.id), what)
    db.session.commit()
    deliver()

    # 6. A new staff account's invitation to choose its own password (an
    # admin's form or a staff import): it says no more than a reset does.
    staff = factories.user("Sam Newstaff", org=world.school, staff_role="school_staff")
    staff.password_hash = ""
    account_setup.invite(staff)
    db.session.commit()
    deliver()
    # Their admin changes their staff role (the accounts' one way, as a staff import does): they are told.
    admin_services.change_staff_role(world.org_admin, staff, policy.SCHOOL_CONTACT)
    db.session.commit()
    deliver()

    # Emails: everything in the outbox went through the SMTP server, and none of it says anything.
    outbox = list(db.session.scalars(select(OutboxMessage)))
    assert outbox and all(message.sent_at is not None for message in outbox)
    mails = [parse(raw) for raw in mail_server.messages]
    assert len(mails) == len(outbox)
    names = young_people_names() | circle_people_names() | organisation_names()
    assert {"Jordan", "Alex", "Jordan Lopez"} <= names
    assert {world.clinic.name, world.school.name, clinician.name, caregiver.name, "Pat Newcomer"} <= names
    assert queued_from == EMAIL_PATHS, "the run did not queue an email in every way the code can"
    email_markers, email_names, email_words = [], [], []
    for mail in mails:
        for part in (mail.raw, mail.subject, mail.body):
            email_markers += MARKER.findall(part)
            email_names += names_in(part, names)
            email_words += NEVER_IN_MESSAGES.findall(part)
    for message in outbox:
        email_markers += MARKER.findall(message.subject + message.body)
        email_names += names_in(message.subject + message.body, names)
        email_words += NEVER_IN_MESSAGES.findall(message.subject + message.body)
    invitation_emails = [mail for mail in mails if mail.subject == invitations.SUBJECT]
    digest_emails = [mail for mail in mails if "daily" in mail.subject.lower()]
    assert invitation_emails and digest_emails

    # Notices: no marker anywhere in them; each about a part its reader could read.
    notices = list(db.session.scalars(select(Notification)))
    notice_markers = [n.id for n in notices if MARKER.search(n.text) or MARKER.search(n.link or "")]
    not_allowed = [(n.user_id, n.kind, n.section, n.text) for n in notices if not notice_allowed(n)]
    by_id = {n.id: n for n in notices}
    roles = {user.id: role for role, user in users.items()}
    out_of_scope = [
        (n.user_id, n.section, n.text) for n in notices if n.circle_id == circle_id and outside_row_scope(n, roles.get(n.user_id))
    ]
    kinds = {n.kind for n in notices}
    assert {"section_changed", "episode_recorded", "follow_up_overdue", "membership_changed", "agreement_changed"} <= kinds
    # The contact heard of the safety plan while it was shared with them, the teacher never.
    contact_notices = [n for n in notices if n.user_id == users[policy.SCHOOL_CONTACT].id]
    assert any(n.section == "safety_plan" and n.kind == "section_changed" for n in contact_notices)
    assert not [n for n in notices if n.user_id == users[policy.SCHOOL_STAFF].id and n.section == "safety_plan"]
    # The contact heard of the progress log while it was shared; no school role of an event, or of the answer.
    assert any(n.section == "progress" for n in contact_notices)
    school_ids = {users[role].id for role in policy.SCHOOL_ROLES}
    to_school = [n for n in notices if n.user_id in school_ids]
    school_heard = [(n.user_id, n.kind, n.section, n.text) for n in to_school
                    if n.section == "events" or n.kind in ("event_recorded", "contact_soon", "aftercare_due")
                    or NEVER_IN_MESSAGES.search(n.text)]

    # Each person's notification pages: their own notices, no marker.
    people = [actor for actor in actors if actor.user_id is not None] + [Actor("newcomer", newcomer.id, None)]
    page_problems, pages_markers, listed = [], [], 0
    for person in people:
        pages, shown = notification_pages(app, login_as, person.user_id)
        listed += len(shown)
        pages_markers += [token for page in pages for token in MARKER.findall(page.text)]
        for notice_id in shown:
            notice = by_id.get(notice_id)
            if notice is None or notice.user_id != person.user_id or not notice_allowed(notice):
                page_problems.append((person.name, notice_id))
        own_visible = [
            n.id
            for n in notices
            if n.user_id == person.user_id
            and (n.circle_id is None or role_at(n.user_id, n.circle_id, frozen_clock.current) is not None)
        ]
        assert sorted(shown) == sorted(own_visible), person.name

    # Logs, from the first fixture to here.
    records = every_log_record()
    log_markers = [(r.name, r.levelname, token) for r in records for token in MARKER.findall(log_text(r))]

    walks = (before, while_shared, after)
    canary_figures.update(
        {
            "messages run: pages fetched (nothing shared, safety plan and progress shared, withdrawn)": sum(
                len(pages) for w in walks for pages in w.pages.values()
            ),
            "messages run: markers found where the policy forbids": sum(len(w.found.leaks) for w in walks),
            "messages run: allowed markers missing": sum(len(w.found.missing) for w in walks),
            "messages run: safety-plan markers shown to the school contact while shared": shown_to_contact,
            "messages run: safety-plan markers shown to the teacher, or to the contact after withdrawal": (
                while_shared.markers_of(policy.SCHOOL_STAFF, "safety_plan", canary)
                + after.markers_of(policy.SCHOOL_CONTACT, "safety_plan", canary)
            ),
            "messages run: limited caregiver: markers of the sections their limit hides": sum(
                1 for w in walks for leak in w.found.leaks if leak[0] == LIMITED
            ),
            "messages run: limited caregiver: notices of an event or a hidden section": len(limited_hidden_notices),
            "messages run: limited caregiver: emails before the daily digest": limited_at_once,
            "messages run: markers on sharing, who-has-seen and notification pages": sum(
                len(w.found.on_content_free_pages) for w in walks
            ),
            "emails checked (real SMTP)": len(mails),
            "  of which invitation emails": len(invitation_emails),
            "  of which daily digests": len(digest_emails),
            "markers found in emails": len(email_markers),
            "emails naming thoughts of suicide or an event outside school": len(email_words),
            "messages run: event markers shown to school roles while safety plan and progress shared": events_to_school,
            "messages run: progress text markers shown to the school contact while shared (none is shared)": (
                progress_to_contact
            ),
            "notifications to school roles about an event or the direct question": len(school_heard),
            "  ways of queueing an email walked": len(queued_from),
            "names of young people, circle members and organisations found in emails": len(email_names),
            "notifications checked": len(notices),
            "notifications listed on /notifications pages": listed,
            "markers found in notifications and their pages": len(notice_markers) + len(pages_markers),
            "notifications about a section the reader could not read": len(not_allowed) + len(page_problems),
            "notifications about rows outside the reader's scope": len(out_of_scope),
            "log records checked": len(records),
            "markers found in log records": len(log_markers),
        }
    )
    assert not email_markers, email_markers[:5]
    assert not email_names, email_names[:5]
    assert not email_words, email_words[:5]
    assert not school_heard, school_heard[:5]
    assert not notice_markers, notice_markers[:5]
    assert not pages_markers, pages_markers[:5]
    assert not not_allowed, not_allowed[:5]
    assert not page_problems, page_problems[:5]
    assert not out_of_scope, out_of_scope[:5]
    assert len(records) > 100, "the log capture saw almost nothing"
    assert not log_markers, log_markers[:5]


def test_a_database_error_does_not_carry_plan_text_into_the_log(every_log_record, app, world, login_as):
    """An error from the database names the statement, never the values bound
    to it: the traceback that the error handler logs must not quote the plan."""
    # Built here, so that the source lines a traceback quotes do not hold it.
    marker = f"CANARY{1:04d}X"
    with pytest.raises(DBAPIError) as raised:
        db.session.execute(text("SELECT * FROM no_such_table WHERE x = :value"), {"value": marker})
    db.session.rollback()
    assert marker not in str(raised.value)

    def fails():  # a view that meets a database error with plan text bound to it
        db.session.execute(text("INSERT INTO no_such_table (x) VALUES (:value)"), {"value": marker})

    app.add_url_rule("/__canary_db_error", "canary_db_error", guard(SignedIn())(fails))
    client = client_for(app, login_as, world.users[policy.CLINICIAN].id)
    status, page = fetch(app, client, "/__canary_db_error")
    assert status == 500 and not MARKER.search(page)
    records = every_log_record()
    logged_errors = [r for r in records if r.levelno >= logging.ERROR and r.exc_info]
    assert logged_errors, "the error handler logged no traceback"
    assert not [(r.name, r.levelname) for r in records if marker in log_text(r)]
