"""Who has seen this plan, as its readers read it: a summary of this week in
people, entries grouped by person or by part, filters that say when they
cannot be used, paging with a clear end, and never a part of the plan the
reader cannot read, nor a word of what the plan says."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.who_has_seen import trail, words
from tests import factories

# Wednesday 18 March 2026, 10:00 in New York (the tests' zone, on summer
# time since the 8th): the week began on Monday 16 March, the month on the 1st.
NOW = datetime(2026, 3, 18, 14, 0, tzinfo=UTC)
THIS_MONTH = "when=month"


@pytest.fixture
def world(app, monkeypatch):
    """The circle made in January, so that making it (its care team, its
    members) is not this month's record; then the clock stands at NOW."""
    monkeypatch.setattr(clock, "now", lambda: NOW - timedelta(days=60))
    built = factories.world()
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return built


@pytest.fixture
def frozen(world):
    return NOW


def _entry(world, role: str, action: str, section: str | None, at: datetime, *, outcome: str = "ok", user=None, in_circle: bool = True):
    user = user or world.users[role]
    db.session.add(AuditEvent(
        at=at, user_id=user.id, role=role if in_circle else None, circle_id=world.circle.id,
        section=section, action=action, outcome=outcome, endpoint="plan.section", ip="127.0.0.1",
    ))
    db.session.commit()


class _Page(HTMLParser):
    """The summary lines, the groups (heading, [(sentence, refused)]) and the
    page's visible text, read out of the page as a browser shows them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.summary: list[str] = []
        self.groups: list[tuple[str, list[tuple[str, bool]]]] = []
        self.text: list[str] = []
        self.options: list[str] = []
        self._in = None
        self._refused = False
        self._where: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "section":
            self._where.append(classes)
        if tag == "li":
            self._in, self._refused = "li", "seen-refused" in classes
            self._buffer = ""
        if tag == "h2" and self._where and "seen-group" in self._where[-1]:
            self._in, self._buffer = "h2", ""
        if tag == "option":
            self._in, self._buffer = "option", ""

    def handle_endtag(self, tag):
        if tag == "section" and self._where:
            self._where.pop()
        if tag in ("li", "h2", "option") and self._in == tag:
            text = " ".join(self._buffer.split())
            if tag == "option":
                self.options.append(text)
            elif tag == "h2":
                self.groups.append((text, []))
            elif self._where and "seen-summary" in self._where[-1]:
                self.summary.append(text)
            elif self._where and "seen-group" in self._where[-1]:
                self.groups[-1][1].append((text, self._refused))
            self._in = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in:
            self._buffer += data

    @property
    def sentences(self) -> list[str]:
        return [sentence for _, entries in self.groups for sentence, _ in entries]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def _open(app, login_as, world, role: str, query: str = "") -> tuple[int, _Page]:
    response = login_as(world.users[role], app.test_client()).get(f"/circles/{world.circle.id}/who-has-seen{query}")
    return response.status_code, _Page(response.text)


def _a_week_of_the_plan(world):
    """This week: three people open the safety plan (the clinician twice), the
    school contact changes the in-school plan; last week the teacher opened it."""
    monday = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
    _entry(world, policy.CAREGIVER, "view", "safety_plan", NOW - timedelta(hours=1))
    _entry(world, policy.YOUNG_PERSON, "view", "safety_plan", NOW - timedelta(hours=2))
    _entry(world, policy.CLINICIAN, "view", "safety_plan", monday)
    _entry(world, policy.CLINICIAN, "history", "safety_plan", NOW - timedelta(days=1))
    _entry(world, policy.SCHOOL_CONTACT, "update", "school_plan", NOW - timedelta(days=1, hours=3))
    _entry(world, policy.SCHOOL_STAFF, "view", "school_plan", monday - timedelta(days=3))


# --- The summary -----------------------------------------------------------------------------------


def test_the_summary_counts_the_people_in_this_weeks_trail_in_the_readers_words(app, world, login_as, frozen):
    _a_week_of_the_plan(world)
    status, page = _open(app, login_as, world, policy.CAREGIVER)
    assert status == 200
    assert page.summary == ["3 people, you among them, opened the safety plan", "1 person changed the in-school plan"]
    _, page = _open(app, login_as, world, policy.YOUNG_PERSON)
    assert page.summary == ["3 people, you among them, opened your safety plan", "1 person changed your in-school plan"]
    # A print made this week, and the teacher's view of last week still not counted.
    _entry(world, policy.SCHOOL_STAFF, "print", "school_plan", NOW - timedelta(minutes=5))
    _, page = _open(app, login_as, world, policy.CLINICIAN)
    assert page.summary == [
        "3 people, you among them, opened the safety plan", "1 person changed the in-school plan", "1 person printed the in-school plan",
    ]
    # The school contact does not read this record at all (view_audit).
    assert _open(app, login_as, world, policy.SCHOOL_CONTACT)[0] == 403
    _entry(world, policy.YOUNG_PERSON, "update", "progress", NOW - timedelta(minutes=1))
    _, page = _open(app, login_as, world, policy.YOUNG_PERSON)
    assert "You changed your progress check-ins" in page.summary


def test_an_empty_week_says_so_in_words(app, world, login_as, frozen):
    _entry(world, policy.CAREGIVER, "view", "safety_plan", NOW - timedelta(days=10))
    _, page = _open(app, login_as, world, policy.YOUNG_PERSON)
    assert page.summary == []
    assert "Nobody has opened, changed, printed or downloaded your plan since Monday." in page.all_text


# --- Each entry --------------------------------------------------------------------------------------


def test_each_entry_says_who_what_which_part_and_when_in_local_time(app, world, login_as, frozen):
    _entry(world, policy.CAREGIVER, "view", "home_safety", datetime(2026, 3, 18, 13, 2, tzinfo=UTC))
    _entry(world, policy.CLINICIAN, "print", "safety_plan", datetime(2026, 3, 17, 13, 15, tzinfo=UTC))
    _entry(world, policy.SCHOOL_CONTACT, "update", "school_plan", datetime(2026, 3, 10, 19, 30, tzinfo=UTC))
    _, page = _open(app, login_as, world, policy.CLINICIAN, f"?{THIS_MONTH}")
    assert set(page.sentences) == {
        "Maria Lopez, caregiver, opened the home safety checklist today at 09:02.",
        "You printed the safety plan yesterday at 09:15.",
        "Sam Okafor, school contact, changed the in-school plan on Tue 10 Mar 2026 at 15:30.",
    }
    assert "viewed" not in page.all_text
    # Whoever started the circle joined it; they did not "add" themselves.
    _, page = _open(app, login_as, world, policy.CAREGIVER, "?when=all")
    assert any(s.startswith("Dr Ana Rivera joined the circle on ") for s in page.sentences)
    assert not any("added Dr Ana Rivera" in s for s in page.sentences)


# --- Grouping --------------------------------------------------------------------------------------


def test_entries_are_grouped_by_person_or_by_part_of_the_plan(app, world, login_as, frozen):
    _a_week_of_the_plan(world)
    _, by_person = _open(app, login_as, world, policy.CAREGIVER, f"?{THIS_MONTH}")
    # Whoever was here most recently first; the reader (Maria Lopez) is "You".
    assert [heading for heading, _ in by_person.groups] == ["You", "Jordan Lopez", "Dr Ana Rivera", "Sam Okafor", "Lee Park"]
    clinician = dict(by_person.groups)["Dr Ana Rivera"]
    assert [sentence for sentence, _ in clinician] == [
        "Dr Ana Rivera, clinician, looked at the earlier versions of the safety plan yesterday at 10:00.",
        "Dr Ana Rivera, clinician, opened the safety plan on Mon 16 Mar 2026 at 09:00.",
    ]
    _, by_part = _open(app, login_as, world, policy.CAREGIVER, f"?by=section&{THIS_MONTH}")
    assert [heading for heading, _ in by_part.groups] == ["Safety plan", "In-school plan"]
    assert len(dict(by_part.groups)["Safety plan"]) == 4 and len(dict(by_part.groups)["In-school plan"]) == 2
    assert sorted(by_part.sentences) == sorted(by_person.sentences)
    _, yours = _open(app, login_as, world, policy.YOUNG_PERSON, f"?by=section&{THIS_MONTH}")
    assert [heading for heading, _ in yours.groups] == ["Your safety plan", "Your in-school plan"]


# --- Filters ---------------------------------------------------------------------------------------


def test_one_person_one_part_and_each_period_narrow_the_entries(app, world, login_as, frozen):
    _a_week_of_the_plan(world)
    _entry(world, policy.CAREGIVER, "view", "care_team", NOW - timedelta(days=20))
    _entry(world, policy.CAREGIVER, "view", "care_team", NOW - timedelta(days=40))
    clinician = world.users[policy.CLINICIAN]

    _, page = _open(app, login_as, world, policy.CAREGIVER, f"?person={clinician.id}&{THIS_MONTH}")
    assert [heading for heading, _ in page.groups] == ["Dr Ana Rivera"] and len(page.sentences) == 2
    _, page = _open(app, login_as, world, policy.CAREGIVER, "?part=school_plan")
    assert len(page.sentences) == 2 and all("in-school plan" in s for s in page.sentences)
    counts = {}
    for period in ("today", "week", "month", "all"):
        status, page = _open(app, login_as, world, policy.CAREGIVER, f"?when={period}")
        assert status == 200 and "so all time is shown" not in page.all_text
        counts[period] = len(page.sentences)
    # Today: two views this morning; this week: and Monday's and yesterday's;
    # this month: and last Friday's (20 and 40 days ago were February); all:
    # those two as well, and the making of the circle in January.
    made = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.circle_id == world.circle.id, AuditEvent.at < NOW - timedelta(days=50)))
    assert made > 0
    assert counts == {"today": 2, "week": 5, "month": 6, "all": 8 + made}
    _, page = _open(app, login_as, world, policy.CAREGIVER, f"?person={clinician.id}&part=safety_plan&when=today")
    assert page.sentences == [] and "Nothing is recorded for these choices." in page.all_text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?by=sideways", "The page cannot be grouped that way, so it is grouped by person."),
        ("?when=forever", "That is not one of the periods here, so all time is shown."),
        ("?part=clinical", "That is not a part of the plan you can choose here, so every part is shown."),
        ("?part=../../etc", "That is not a part of the plan you can choose here, so every part is shown."),
        ("?person=abc", "There is nobody by that choice in this record, so everyone is shown."),
        ("?person=99999999999999999999", "There is nobody by that choice in this record, so everyone is shown."),
    ],
)
def test_a_filter_value_that_cannot_be_used_says_so_and_the_page_shows_the_default(app, world, login_as, frozen, query, message):
    _a_week_of_the_plan(world)
    _, everything = _open(app, login_as, world, policy.CAREGIVER)
    status, page = _open(app, login_as, world, policy.CAREGIVER, query)
    assert status == 200
    assert message in page.all_text
    assert page.groups == everything.groups


def test_a_person_outside_what_the_reader_is_shown_is_not_a_choice(app, world, login_as, frozen):
    """The outsider and the young person's clinical reader are not in this
    caregiver's record: choosing them is refused as a choice, not answered."""
    _a_week_of_the_plan(world)
    _entry(world, policy.PRIMARY_CARE, "view", "clinical", NOW - timedelta(hours=1))
    for someone in (world.outsider, world.users[policy.PRIMARY_CARE]):
        _, page = _open(app, login_as, world, policy.CAREGIVER, f"?person={someone.id}")
        assert "There is nobody by that choice in this record, so everyone is shown." in page.all_text
        # Not a choice, nor a heading ("added Dr Nadia Haddad to the circle" may be an entry).
        assert someone.name not in page.options
        assert someone.name not in [heading for heading, _ in page.groups]


# --- Paging ------------------------------------------------------------------------------------------


def test_pages_follow_each_other_and_a_page_past_the_end_says_so(app, world, login_as, frozen, monkeypatch):
    monkeypatch.setattr(trail, "PER_PAGE", 2)
    _a_week_of_the_plan(world)
    seen = []
    for number in (1, 2, 3):
        _, page = _open(app, login_as, world, policy.CAREGIVER, f"?page={number}&{THIS_MONTH}")
        seen += page.sentences
        assert f"Page {number} of 3" in page.all_text
    assert len(seen) == 6 and len(set(seen)) == 6

    response = login_as(world.users[policy.CAREGIVER], app.test_client()).get(f"/circles/{world.circle.id}/who-has-seen?page=9&by=section&{THIS_MONTH}")
    page = _Page(response.text)
    assert response.status_code == 200 and page.groups == []
    assert "There is no page 9 here: this record ends on page 3." in page.all_text
    assert "Nothing recorded yet" not in page.all_text and "Nothing is recorded" not in page.all_text
    assert f'href="/circles/{world.circle.id}/who-has-seen?page=3&amp;by=section&amp;when=month"' in response.text
    assert login_as(world.users[policy.CAREGIVER], app.test_client()).get(
        f"/circles/{world.circle.id}/who-has-seen?page=99999999999999999999999"
    ).status_code == 200


# --- What the reader may read --------------------------------------------------------------------------


def _parts_nobody_in_the_family_reads(world):
    _entry(world, policy.CLINICIAN, "update", "clinical", NOW - timedelta(hours=1))
    _entry(world, policy.PRIMARY_CARE, "view", "clinical", NOW - timedelta(hours=2))
    _entry(world, policy.CAREGIVER, "view", "home_safety", NOW - timedelta(hours=3))
    _entry(world, policy.SCHOOL_CONTACT, "create", "episodes", NOW - timedelta(hours=4))
    _entry(world, policy.CLINICIAN, "update", "setback_reviews", NOW - timedelta(hours=5))
    _entry(world, policy.CAREGIVER, "view", "safety_plan", NOW - timedelta(hours=6))


@pytest.mark.parametrize("role", [policy.CAREGIVER, policy.YOUNG_PERSON])
def test_a_part_the_reader_cannot_read_is_never_named(app, world, login_as, frozen, role):
    _parts_nobody_in_the_family_reads(world)
    standing = policy.Standing()
    unreadable = [kind for kind in policy.SECTIONS if not policy.can(role, kind, policy.READ, standing)]
    assert "clinical" in unreadable
    for query in ("", "?by=section", "?when=today", "?part=safety_plan"):
        _, page = _open(app, login_as, world, role, query)
        text = page.all_text.lower()
        for kind in unreadable:
            assert str(words.SECTION_PHRASES[kind]) not in text, (role, kind, query)
            assert policy.SECTION_TITLES[kind].lower() not in " ".join(page.options).lower(), (role, kind)
    _, page = _open(app, login_as, world, role)
    # What they may read is there; the primary care doctor, who only read the clinical notes, is not.
    assert any("safety plan" in sentence for sentence in page.sentences)
    doctor = world.users[policy.PRIMARY_CARE].name
    assert [s for s in page.sentences if s.startswith(doctor)] == [] and doctor not in page.options
    assert "left out of this record" in page.all_text


def test_the_clinician_reads_every_part(app, world, login_as, frozen):
    _parts_nobody_in_the_family_reads(world)
    _, page = _open(app, login_as, world, policy.CLINICIAN)
    assert "Dr Nadia Haddad, family doctor (primary care), opened the assessment and treatment notes today at 08:00." in page.sentences
    assert "Sam Okafor, school contact, added to the record of times the in-school plan was used today at 06:00." in page.sentences
    assert "episode" not in page.all_text.lower()


# --- Refusals ----------------------------------------------------------------------------------------------


def test_a_refused_attempt_by_a_member_is_explained_calmly_and_an_outsiders_is_never_shown(app, world, login_as, frozen):
    teacher = login_as(world.users[policy.SCHOOL_STAFF], app.test_client())
    assert teacher.get(f"/circles/{world.circle.id}/plan/safety_plan").status_code == 403
    outsider = login_as(world.outsider, app.test_client())
    assert outsider.get(f"/circles/{world.circle.id}/plan/safety_plan").status_code == 404
    # Even a refusal written against the circle for someone with no role in it stays out.
    _entry(world, policy.CLINICIAN, "denied", "safety_plan", NOW, outcome="hidden", user=world.outsider, in_circle=False)
    for role in (policy.CAREGIVER, policy.YOUNG_PERSON):
        _, page = _open(app, login_as, world, role)
        refused = [(s, r) for _, entries in page.groups for s, r in entries if "tried to open" in s]
        owner = "your" if role == policy.YOUNG_PERSON else "the"
        assert refused == [(f"Lee Park, teacher / school staff, tried to open {owner} safety plan, which is not shared with them today at 10:00.", True)]
        assert world.outsider.name not in page.all_text
    css = (Path(app.static_folder) / "css" / "who_has_seen.css").read_text()
    rule = re.search(r"li\.seen-refused \{([^}]*)\}", css).group(1)
    assert "--sc-muted" in rule and "urgent" not in rule and "red" not in rule


# --- Never the content ---------------------------------------------------------------------------------------


def test_the_page_and_the_trail_behind_it_hold_no_plan_text(app, world, login_as):
    markers = {kind: f"CANARY-SEEN-{kind}" for kind in ("safety_plan", "school_plan", "home_safety")}
    for kind, marker in markers.items():
        author = world.users[policy.SCHOOL_CONTACT if kind == "school_plan" else policy.CLINICIAN]
        factories.write_section(world.circle, kind, author, marker)
    for role in (policy.CAREGIVER, policy.CLINICIAN):
        client = login_as(world.users[role], app.test_client())
        for kind in markers:
            client.get(f"/circles/{world.circle.id}/plan/{kind}")
    for role in (policy.CAREGIVER, policy.YOUNG_PERSON, policy.CLINICIAN):
        for query in ("", "?by=section"):
            response = login_as(world.users[role], app.test_client()).get(f"/circles/{world.circle.id}/who-has-seen{query}")
            assert response.status_code == 200
            assert [m for m in markers.values() if m in response.text] == []
    rows = "\n".join(repr(tuple(row)) for row in db.session.execute(select(AuditEvent.__table__)))
    assert [m for m in markers.values() if m in rows] == []
