"""Canary test (DESIGN.md "Tests", SECURITY.md figure 4).

A unique marker goes into every text field of every section, then every actor
fetches every page of the circle they could try, including the pages that
refuse them. Whether an actor may see a marker is worked out from the policy
alone (field_visible, the row scopes, and which school a school record was
made at), never from what the pages happen to show, so a page that forgets to
filter shows up as a leak. The walk runs again after a move of school.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.access import policy
from portal.auth.models import User
from portal.extensions import db
from portal.plan import queries, services
from portal.plan.sections import SPECS
from tests import factories, fieldsamples

MARKER = re.compile(r"CANARY\d{4}X")
TEXT_TYPES = ("line", "text")
DOCUMENT_KINDS = tuple(kind for kind, spec in SPECS.items() if not spec.is_list)
PLAN_PAGE = re.compile(r"^/circles/(\d+)/plan/(\w+)(?:/|$)")
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


@dataclass
class Marker:
    token: str
    kind: str
    field: str
    # The row's values of the columns a row scope filters on, as written.
    row: dict
    # False once a later revision replaced it: then only history may show it.
    current: bool = True


class Canary:
    """Writes sections through the same services the routes use, one fresh marker per text field."""

    def __init__(self, circle):
        self.circle_id = circle.id
        self.markers: dict[str, Marker] = {}
        self._numbers = itertools.count(1)

    def texts(self, spec) -> dict[str, str]:
        return {f.name: f"CANARY{next(self._numbers):04d}X ({f.name})" for f in spec.fields if f.type in TEXT_TYPES}

    def _remember(self, spec, row, texts: dict[str, str]) -> None:
        for marker in self.markers.values():
            if marker.kind == spec.kind and marker.row.get("id") == row.id:
                marker.current = False
        scoped = {scope.field for (kind, _), scope in policy.ROW_SCOPES.items() if kind == spec.kind}
        if spec.kind in policy.SCHOOL_RECORDS:
            scoped.add(policy.SCHOOL_RECORD_FIELD)
        row_values = {"id": row.id} | {name: getattr(row, name) for name in scoped}
        for name, text in texts.items():
            token = MARKER.match(text).group()
            self.markers[token] = Marker(token, spec.kind, name, row_values)

    def write(self, kind: str, author, /, **fixed):
        spec = SPECS[kind]
        texts = self.texts(spec)
        values = {f.name: factories.sample_value(f, "") for f in spec.fields if f.type not in TEXT_TYPES}
        values |= texts | fixed
        if spec.is_list:
            if kind == "episodes":
                values["recorded_by_id"] = author.id  # as plan.new_item does
            row = services.add_item(self.circle_id, spec, values, author)
        else:
            current = queries.document(self.circle_id, spec)
            row = services.save_document(self.circle_id, spec, values, current.version if current else 0, author)
        self._remember(spec, row, texts)
        return row

    def revise(self, kind: str, row, author):
        spec = SPECS[kind]
        texts = self.texts(spec)
        if spec.is_list:
            row = services.update_item(row, spec, texts, row.version, author)
        else:
            row = services.save_document(self.circle_id, spec, texts, row.version, author)
        self._remember(spec, row, texts)
        return row


def write_whole_plan(world) -> Canary:
    users = world.users
    clinician, contact, teacher = users[policy.CLINICIAN], users[policy.SCHOOL_CONTACT], users[policy.SCHOOL_STAFF]
    canary = Canary(world.circle)
    revisions = [
        ("care_team", canary.write("care_team", clinician), clinician),
        ("school_plan", canary.write("school_plan", contact), clinician),
        ("adjustments", canary.write("adjustments", contact), contact),
        ("safety_plan", canary.write("safety_plan", users[policy.YOUNG_PERSON]), clinician),
        ("home_safety", canary.write("home_safety", clinician), clinician),
        ("clinical", canary.write("clinical", clinician), clinician),
        ("setback_reviews", canary.write("setback_reviews", clinician), clinician),
        ("progress", canary.write("progress", users[policy.CAREGIVER], suicidal_thoughts="yes"), clinician),
        # The care team says when; the school contact plans how.
        ("return_to_school", canary.write("return_to_school", clinician), contact),
    ]
    for kind, _ in SPECS["follow_ups"].field("kind").choices:
        author = contact if kind == "school_review" else clinician
        # Booked, so that one falls overdue on the way (the first status is now "Being arranged").
        revisions.append(("follow_ups", canary.write("follow_ups", author, kind=kind, status="scheduled"), author))
    # One event outside school of every kind, by each of the people who record them.
    recorders = (users[policy.CAREGIVER], clinician, users[policy.YOUNG_PERSON])
    for n, (kind, _) in enumerate(SPECS["events"].field("kind").choices):
        author = recorders[n % len(recorders)]
        revisions.append(("events", canary.write("events", author, kind=kind), author))
    revisions.append(("episodes", canary.write("episodes", teacher), teacher))
    revisions.append(("episodes", canary.write("episodes", contact), contact))
    # A second revision of everything, so history pages hold old and new text.
    for kind, row, author in revisions:
        canary.revise(kind, row, author)
    return canary


def kinds_found(pages: list[Page], canary: Canary) -> set[str]:
    return {canary.markers[token].kind for page in pages for token, _ in page.scan.found}


# The direct question's label: its answer is never for school roles, whatever is shared.
SUICIDAL_THOUGHTS_LABEL = str(SPECS["progress"].field("suicidal_thoughts").label)


def school_never_sees(actor: Actor, pages: list[Page], canary: Canary) -> list:
    """Leaks by a rule written out here rather than asked of the policy: a
    school role never meets an event outside school or the check-in's answer
    about thoughts of suicide, on any page, under any agreement."""
    if actor.role not in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        return []
    leaks = [
        (actor.name, page.url, "events", canary.markers[token].field, token)
        for page in pages
        for token, _ in page.scan.found
        if canary.markers[token].kind == "events"
    ]
    leaks += [
        (actor.name, page.url, "progress", "suicidal_thoughts", "the question's label")
        for page in pages
        if SUICIDAL_THOUGHTS_LABEL in page.text or 'name="suicidal_thoughts"' in page.text
    ]
    return leaks


@dataclass(frozen=True)
class Actor:
    name: str
    user_id: int | None
    role: str | None  # the role in the canary circle; None for everyone outside it
    # The school the canary circle is at now (its school records are that school's).
    circle_school: int | None = None
    # What a safeguarding limit on them hides; None when there is none.
    hidden: tuple[str, ...] | None = None

    def standing(self, shared: policy.Shared = frozenset()) -> policy.Shared:
        """What the policy is asked with for them: the agreements in force, and their limit."""
        if self.hidden is None:
            return shared
        return policy.Standing(shared, hidden=self.hidden, limited=True)


LIMITED = "limited caregiver"
# What the limited caregiver still reads, written out by hand (not asked of the policy).
LIMITED_STILL_READS = frozenset(
    {"care_team", "school_plan", "adjustments", "return_to_school", "safety_plan", "follow_ups", "episodes"}
)


def add_limited_caregiver(world) -> Actor:
    """A second caregiver, under a safeguarding limit hiding factories.LIMIT_HIDES;
    actors_of(world) walks them from then on."""
    account = factories.user("Chris Lopez")
    membership = factories.member(world.circle, account, policy.CAREGIVER, world.users[policy.CLINICIAN])
    factories.limit(membership, world.users[policy.CLINICIAN])
    actor = Actor(LIMITED, account.id, policy.CAREGIVER, world.circle.school_organisation_id, factories.LIMIT_HIDES)
    world.extra["limited"] = actor
    return actor


def limit_hid(actor: Actor, pages: list[Page], canary: Canary) -> list:
    """Leaks by a rule written out here: a limited caregiver never meets a
    marker of a section the limit hides, on any page."""
    if actor.hidden is None:
        return []
    return [
        (actor.name, page.url, canary.markers[token].kind, canary.markers[token].field, token)
        for page in pages
        for token, _ in page.scan.found
        if canary.markers[token].kind in actor.hidden
    ]


def actors_of(world) -> list[Actor]:
    school = world.circle.school_organisation_id
    actors = [Actor(role, world.users[role].id, role, school) for role in policy.ROLES]
    if "limited" in world.extra:
        actors.append(world.extra["limited"])
    actors.append(Actor("outsider", world.outsider.id, None))
    actors.append(Actor("org_admin", world.org_admin.id, None))
    actors.append(Actor("removed_member", world.removed.id, None))
    actors.append(Actor("anonymous", None, None))
    return actors


def may_see(actor: Actor, marker: Marker, shared: policy.Shared = frozenset()) -> bool:
    """From the policy alone, with the (section, role) pairs shared under agreements in force."""
    if actor.role is None or not policy.field_visible(actor.role, marker.kind, marker.field, actor.standing(shared)):
        return False
    # A school reaches only the school records made while the student was there.
    if actor.role in policy.SCHOOL_ROLES and marker.kind in policy.SCHOOL_RECORDS:
        if marker.row[policy.SCHOOL_RECORD_FIELD] != actor.circle_school:
            return False
    scope = policy.row_scope(actor.role, marker.kind)
    if scope is None:
        return True
    allowed = actor.user_id if scope.value is policy.SELF else scope.value
    return marker.row[scope.field] == allowed


class PageScan(HTMLParser):
    """Every marker in a page, with the data-section block it sits in."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self._open: list[tuple[str, str | None, str]] = []  # tag, data-section, class
        self.found: list[tuple[str, str | None]] = []
        self.sections: set[str] = set()
        self.attention_links: list[str] = []
        self.feed(text)
        self.close()

    def _section(self) -> str | None:
        return next((section for _, section, _ in reversed(self._open) if section), None)

    def _note(self, text: str | None) -> None:
        for token in MARKER.findall(text or ""):
            self.found.append((token, self._section()))

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("data-section"):
            self.sections.add(attributes["data-section"])
        if tag not in VOID_TAGS:
            self._open.append((tag, attributes.get("data-section"), attributes.get("class") or ""))
        if tag == "a" and any(css.startswith("attention-") for _, _, css in self._open):
            self.attention_links.append(attributes.get("href", ""))
        for value in attributes.values():
            self._note(value)

    def handle_endtag(self, tag):
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth][0] == tag:
                del self._open[depth:]
                return

    def handle_data(self, data):
        self._note(data)

    def handle_comment(self, data):
        self._note(data)


@dataclass
class Page:
    actor: Actor
    url: str
    status: int
    text: str
    scan: PageScan = field(init=False)

    def __post_init__(self):
        self.scan = PageScan(self.text)


def fetch(app, client, url: str, method: str = "GET", data: dict | None = None):
    # A fresh app context per request: the `app` fixture keeps one open, and
    # Flask-Login caches the signed-in user on `g`, so without this every
    # client in a test would be served as whoever asked first.
    with app.app_context():
        response = client.open(url, method=method, data=data)
        return response.status_code, response.get_data(as_text=True)


def client_for(app, login_as, user_id: int | None):
    client = app.test_client()
    if user_id is not None:
        with app.app_context():
            login_as(db.session.get(User, user_id), client)
    return client


def item_ids(circle_id: int) -> dict[str, list[int]]:
    return {
        kind: list(db.session.scalars(select(spec.model.id).where(spec.model.circle_id == circle_id)))
        for kind, spec in SPECS.items()
        if spec.is_list
    }


def content_free_pages(circle_id: int) -> list[str]:
    """Pages that talk about the plan but must never quote it: sharing, who has
    seen it, notifications. A marker there is a leak whoever looks."""
    base = f"/circles/{circle_id}"
    return [f"{base}/sharing", f"{base}/who-has-seen", "/notifications", "/notifications/settings"]


def urls_to_try(circle_id: int, other_circle_id: int, items: dict[str, list[int]]) -> list[str]:
    base = f"/circles/{circle_id}"
    urls = [base, f"{base}/members", "/dashboard", "/circles", "/admin/", *content_free_pages(circle_id)]
    # The check-ins drawn as charts: with the progress log shared, the school contact opens them.
    urls.append(f"{base}/progress/charts?period=all")
    for kind, spec in SPECS.items():
        urls += [f"{base}/plan/{kind}", f"{base}/plan/{kind}/history"]
        if spec.printable:
            urls.append(f"{base}/plan/{kind}/print")
        if spec.is_list:
            urls.append(f"{base}/plan/{kind}/new")
            urls += [f"{base}/plan/{kind}/{item_id}/edit" for item_id in items[kind]]
        else:
            urls.append(f"{base}/plan/{kind}/edit")
    # Error pages must not carry content either.
    urls += [
        f"/circles/{other_circle_id}",
        f"/circles/{other_circle_id}/plan/safety_plan",
        "/circles/999999/plan/clinical",
        f"{base}/plan/no_such_section",
        f"{base}/plan/episodes/999999/edit",
    ]
    return urls


@dataclass
class Findings:
    leaks: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    misplaced: list = field(default_factory=list)
    unwrapped: list = field(default_factory=list)
    server_errors: list = field(default_factory=list)
    unscanned: list = field(default_factory=list)
    unreadable_attention: list = field(default_factory=list)
    on_content_free_pages: list = field(default_factory=list)
    attention_items: int = 0


def check_pages(
    actor: Actor, pages: list[Page], canary: Canary, circle_id: int, found: Findings, shared: policy.Shared = frozenset()
) -> None:
    by_url = {page.url: page for page in pages}
    found.leaks += school_never_sees(actor, pages, canary)
    found.leaks += limit_hid(actor, pages, canary)
    content_free = set(content_free_pages(circle_id))
    for page in pages:
        if page.url in content_free and page.scan.found:
            found.on_content_free_pages.append((actor.name, page.url, [token for token, _ in page.scan.found]))
        if page.status >= 500:
            found.server_errors.append((actor.name, page.url, page.status))
        # The parser must see every marker that a plain text search sees.
        if sorted(MARKER.findall(page.text)) != sorted(token for token, _ in page.scan.found):
            found.unscanned.append((actor.name, page.url))
        for token, section in page.scan.found:
            marker = canary.markers[token]
            if not may_see(actor, marker, shared):
                found.leaks.append((actor.name, page.url, marker.kind, marker.field, token))
            elif section != marker.kind:
                found.misplaced.append((actor.name, page.url, marker.kind, marker.field, section))
        plan_page = PLAN_PAGE.match(page.url)
        if page.status == 200 and plan_page and plan_page.group(2) not in page.scan.sections:
            found.unwrapped.append((actor.name, page.url))

    for marker in canary.markers.values():
        if not may_see(actor, marker, shared):
            continue
        # The current text belongs on the section page; replaced text lives on in history.
        where = f"/circles/{circle_id}/plan/{marker.kind}" + ("" if marker.current else "/history")
        page = by_url[where]
        if page.status != 200 or (marker.token, marker.kind) not in page.scan.found:
            found.missing.append((actor.name, where, marker.field, marker.token))

    for href in by_url["/dashboard"].scan.attention_links:
        found.attention_items += 1
        linked = PLAN_PAGE.match(href)
        if linked is None or int(linked.group(1)) != circle_id:
            continue
        if actor.role is None or not policy.can(actor.role, linked.group(2), policy.READ, actor.standing()):
            found.unreadable_attention.append((actor.name, href))


def test_every_marker_appears_exactly_where_the_policy_allows(app, world, login_as, canary_figures):
    add_limited_caregiver(world)
    canary = write_whole_plan(world)
    circle_id, other_circle_id = world.circle.id, world.other_circle.id
    urls = urls_to_try(circle_id, other_circle_id, item_ids(circle_id))
    actors = actors_of(world)
    found = Findings()
    pages_fetched = 0
    attention_kinds: dict[str, set[str]] = {}
    kinds_seen: dict[str, set[str]] = {}
    for actor in actors:
        client = client_for(app, login_as, actor.user_id)
        pages = [Page(actor, url, *fetch(app, client, url)) for url in urls]
        pages_fetched += len(pages)
        check_pages(actor, pages, canary, circle_id, found)
        kinds_seen[actor.name] = kinds_found(pages, canary)
        attention_kinds[actor.name] = {
            PLAN_PAGE.match(href).group(2)
            for href in pages[urls.index("/dashboard")].scan.attention_links
            if PLAN_PAGE.match(href)
        }

    canary_figures.update(
        {
            "markers written": len(canary.markers),
            "actors": len(actors),
            "pages fetched": pages_fetched,
            "markers found where the policy forbids": len(found.leaks),
            "allowed markers missing": len(found.missing),
            "markers outside their own data-section block": len(found.misplaced),
            "plan pages without their data-section": len(found.unwrapped),
            "dashboard attention items checked": found.attention_items,
            "attention items for sections the role cannot read": len(found.unreadable_attention),
            "markers on sharing, who-has-seen and notification pages": len(found.on_content_free_pages),
            "limited caregiver: markers of the sections their limit hides": len(
                [leak for leak in found.leaks if leak[0] == LIMITED]
            ),
            "limited caregiver: sections whose markers they met": len(kinds_seen[LIMITED]),
        }
    )
    assert not found.leaks, found.leaks
    assert not found.missing, found.missing
    assert not found.misplaced, found.misplaced
    assert not found.unwrapped, found.unwrapped
    assert not found.server_errors, found.server_errors
    assert not found.unscanned, found.unscanned
    assert not found.unreadable_attention, found.unreadable_attention
    assert not found.on_content_free_pages, found.on_content_free_pages
    # Guards against a vacuous pass: the clinician reads all three kinds of attention item.
    assert {"follow_ups", "episodes", "adjustments"} <= attention_kinds[policy.CLINICIAN]
    assert attention_kinds["anonymous"] == attention_kinds["outsider"] == set()
    # Written out by hand, not asked of the policy: what each role's pages showed.
    assert kinds_seen[policy.PRIMARY_CARE] == {
        "care_team", "school_plan", "adjustments", "return_to_school", "safety_plan", "home_safety", "clinical",
        "follow_ups", "events",
    }
    assert {"events", "return_to_school"} <= kinds_seen[policy.CAREGIVER] & kinds_seen[policy.YOUNG_PERSON]
    for role in (policy.SCHOOL_CONTACT, policy.SCHOOL_STAFF):
        assert "return_to_school" in kinds_seen[role] and "events" not in kinds_seen[role], role
    # The limit is on one caregiver: they meet what it leaves, the other caregiver everything as before.
    assert kinds_seen[LIMITED] == LIMITED_STILL_READS
    assert set(factories.LIMIT_HIDES) <= kinds_seen[policy.CAREGIVER]


def test_after_a_move_of_school_each_school_reaches_only_its_own_records(app, world, login_as, canary_figures):
    """The whole walk again once the student has moved: the new school's
    contact and teacher reach the in-school plan and the adjustments that
    moved, and the episodes recorded since, never the old school's; the old
    school's people reach nothing; the family and the clinicians everything."""
    from portal.circles.models import Circle
    from portal.school import services as school_services

    world.circle.school = world.school
    db.session.commit()
    canary = write_whole_plan(world)
    hillside = factories.organisation("Hillside Academy", "school")
    kim = factories.user("Kim Lee", email="kim.lee@hillside.example.com", staff_role="school_contact", org=hillside)
    pat = factories.user("Pat Ng", email="pat.ng@hillside.example.com", staff_role="school_staff", org=hillside)
    agreement = school_services.record_move_agreement(world.circle, "Hillside Academy", world.users[policy.CAREGIVER])
    school_services.hand_over(world.circle, agreement, kim.email, world.users[policy.SCHOOL_CONTACT])
    circle = db.session.get(Circle, world.circle.id)
    factories.member(circle, pat, policy.SCHOOL_STAFF, kim)
    for author in (kim, pat):
        canary.revise("episodes", canary.write("episodes", author), author)
    circle_id, other_circle_id = circle.id, world.other_circle.id
    urls = urls_to_try(circle_id, other_circle_id, item_ids(circle_id))
    urls += ["/school/caseload", "/school/this-week", "/school/this-week/print", f"/circles/{circle_id}/school"]
    school = circle.school_organisation_id
    actors = [Actor(role, world.users[role].id, role, school)
              for role in (policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON)]
    actors += [Actor("new school contact", kim.id, policy.SCHOOL_CONTACT, school),
               Actor("new teacher", pat.id, policy.SCHOOL_STAFF, school),
               Actor("old school contact", world.users[policy.SCHOOL_CONTACT].id, None),
               Actor("old teacher", world.users[policy.SCHOOL_STAFF].id, None),
               Actor("outsider", world.outsider.id, None), Actor("anonymous", None, None)]
    found = Findings()
    for actor in actors:
        client = client_for(app, login_as, actor.user_id)
        check_pages(actor, [Page(actor, url, *fetch(app, client, url)) for url in urls], canary, circle_id, found)
    canary_figures["old school records reached by the new school after a move"] = len(
        [leak for leak in found.leaks if leak[0].startswith("new ")]
    )
    assert not found.leaks, found.leaks
    assert not found.missing, found.missing
    assert not found.server_errors, found.server_errors
    assert not found.unscanned, found.unscanned
    # Not vacuous: each school wrote episodes, and the new contact is shown the new ones.
    by_school = {marker.row[policy.SCHOOL_RECORD_FIELD] for marker in canary.markers.values() if marker.kind == "episodes"}
    assert by_school == {world.school.id, hillside.id}
    assert any(may_see(actors[3], marker) for marker in canary.markers.values() if marker.kind == "episodes")


# --- Conflicts: two people save the same thing from the same version. ---


def form_data(spec, row, names, texts: dict[str, str], base_version: str) -> dict:
    """A valid submission: fresh text in text fields, the saved value elsewhere."""
    data = {"base_version": base_version}
    for name in names:
        field_spec = spec.field(name)
        if field_spec.type in TEXT_TYPES:
            data[name] = texts[name]
            continue
        posted = fieldsamples.posted_back(field_spec, getattr(row, name))
        if posted is not None:
            data[name] = posted
    return data


BASE_VERSION = re.compile(r'<input[^>]*name="base_version"[^>]*value="(\d*)"')


def base_version_of(page_text: str) -> str:
    match = BASE_VERSION.search(page_text)
    assert match, "the edit form carries no base_version"
    return match.group(1)


def document_conflicts():
    for kind in DOCUMENT_KINDS:
        editors = [role for role in policy.ROLES if policy.can(role, kind, policy.EDIT)]
        for first, second in itertools.permutations(editors, 2):
            yield pytest.param(kind, first, second, id=f"{kind}-{first}-then-{second}")


def item_conflicts():
    # (kind, whose item, first to save, second to save)
    yield pytest.param(
        "follow_ups",
        "school_review",
        policy.CLINICIAN,
        policy.SCHOOL_CONTACT,
        id="follow_up-clinician-then-school_contact",
    )
    yield pytest.param(
        "follow_ups",
        "school_review",
        policy.SCHOOL_CONTACT,
        policy.CLINICIAN,
        id="follow_up-school_contact-then-clinician",
    )
    yield pytest.param(
        "episodes",
        policy.SCHOOL_STAFF,
        policy.SCHOOL_CONTACT,
        policy.SCHOOL_STAFF,
        id="episode-school_contact-then-teacher",
    )
    # The teacher edits their own care-team entry, where responsibilities are hidden from them.
    yield pytest.param(
        "care_team", policy.SCHOOL_STAFF, policy.CLINICIAN, policy.SCHOOL_STAFF, id="own_contact-clinician-then-teacher"
    )


def run_conflict(app, world, login_as, canary: Canary, kind: str, row, url: str, first: str, second: str):
    spec = SPECS[kind]
    clients = {role: client_for(app, login_as, world.users[role].id) for role in (first, second)}
    bases = {}
    for role, client in clients.items():
        status, text = fetch(app, client, url)
        assert status == 200, (role, url, status)
        bases[role] = base_version_of(text)
    assert bases[first] == bases[second]
    # Each posts every field the policy lets their role read; the form keeps
    # only the ones they may change, as it would for a hand-made POST.
    sent = {}
    for role in (first, second):
        names = [f.name for f in spec.fields if policy.field_visible(role, kind, f.name)]
        texts = canary.texts(spec)
        sent[role] = texts
        status, text = fetch(app, clients[role], url, "POST", form_data(spec, row, names, texts, bases[role]))
        assert status == (302 if role == first else 409), (role, status)
    return sent, text


def check_conflict_page(kind: str, second: str, sent: dict, text: str, canary: Canary) -> list:
    """What the second person must and must not see on their conflict page."""
    spec = SPECS[kind]
    first = next(role for role in sent if role != second)
    mine = {MARKER.match(text).group(): name for name, text in sent[second].items()}
    theirs = {MARKER.match(text).group(): name for name, text in sent[first].items()}
    scan = PageScan(text)
    shown = {token for token, _ in scan.found}
    problems = []
    hidden = [f.name for f in spec.fields if not policy.field_visible(second, kind, f.name)]
    for token, section in scan.found:
        name = mine.get(token) or theirs.get(token) or canary.markers[token].field
        if name in hidden:
            problems.append(("hidden field shown", name, token))
        if section != kind:
            problems.append(("outside its data-section", name, section))
    for name in hidden:
        # Non-text fields carry no marker, so look for the field itself.
        if f'name="{name}"' in text or str(spec.field(name).label) in text:
            problems.append(("hidden field shown", name))
    # The person's own text is offered again, and what the other person saved is shown beside it.
    editable = [name for token, name in mine.items() if token in shown]
    if not editable:
        problems.append(("own text not shown",))
    if not any(token in shown for token, name in theirs.items() if name in editable):
        problems.append(("the other text not shown",))
    return problems


def count_conflict(figures: dict, problems: list) -> None:
    figures["conflict pages checked"] = figures.get("conflict pages checked", 0) + 1
    figures["conflict pages showing hidden fields"] = figures.get("conflict pages showing hidden fields", 0) + bool(
        problems
    )


@pytest.mark.parametrize(("kind", "first", "second"), list(document_conflicts()))
def test_document_conflict_shows_both_texts_and_only_readable_fields(
    app, world, login_as, canary_figures, kind, first, second
):
    canary = Canary(world.circle)
    canary.write(kind, world.users[policy.CLINICIAN])
    row = queries.document(world.circle.id, SPECS[kind])
    url = f"/circles/{world.circle.id}/plan/{kind}/edit"
    sent, text = run_conflict(app, world, login_as, canary, kind, row, url, first, second)
    problems = check_conflict_page(kind, second, sent, text, canary)
    count_conflict(canary_figures, problems)
    assert not problems, problems


@pytest.mark.parametrize(("kind", "owner", "first", "second"), list(item_conflicts()))
def test_item_conflict_shows_both_texts_and_only_readable_fields(
    app, world, login_as, canary_figures, kind, owner, first, second
):
    canary = Canary(world.circle)
    spec = SPECS[kind]
    if kind == "follow_ups":
        row = canary.write(kind, world.users[policy.SCHOOL_CONTACT], kind=owner)
    elif kind == "episodes":
        row = canary.write(kind, world.users[owner])
    else:
        membership_id = world.memberships[owner].id
        row = db.session.scalars(select(spec.model).where(spec.model.membership_id == membership_id)).one()
    url = f"/circles/{world.circle.id}/plan/{kind}/{row.id}/edit"
    sent, text = run_conflict(app, world, login_as, canary, kind, row, url, first, second)
    problems = check_conflict_page(kind, second, sent, text, canary)
    count_conflict(canary_figures, problems)
    assert not problems, problems


def test_teacher_never_gets_the_school_plan_editor(app, world, login_as):
    canary = Canary(world.circle)
    canary.write("school_plan", world.users[policy.SCHOOL_CONTACT])
    spec = SPECS["school_plan"]
    before = spec.snapshot(queries.document(world.circle.id, spec))
    version = queries.document(world.circle.id, spec).version
    teacher = client_for(app, login_as, world.users[policy.SCHOOL_STAFF].id)
    url = f"/circles/{world.circle.id}/plan/school_plan/edit"

    status, text = fetch(app, teacher, url)
    assert status == 403
    assert not MARKER.search(text)
    posted = {name: "CANARY9999X teacher" for name in before if spec.field(name).type in TEXT_TYPES}
    status, text = fetch(app, teacher, url, "POST", posted | {"base_version": str(version)})
    assert status == 403
    assert not MARKER.search(text)
    db.session.expire_all()
    assert spec.snapshot(queries.document(world.circle.id, spec)) == before
