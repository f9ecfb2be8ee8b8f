"""Every page, for every role, in Spanish (issue 14, item 6).

The access matrix's walk (tests/access/test_matrix.py) is reused as it is:
every endpoint in the URL map, for every actor, with the URLs the matrix
builds, GET and POST. Every account reads Spanish (User.language) and the
anonymous visitor's browser asks for it (Accept-Language). Each HTML answer
must say lang="es" and hold none of a list of common English words outside
what people typed: the scene's typed content is marker text (M-<section>-...)
and people's names, which no word of the list matches, and text marked with
another language (a lang attribute) is what someone wrote, left as written.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from sqlalchemy import select, update

from portal.auth.models import Organisation, User
from portal.extensions import db
from portal.invitations.models import Invitation
from tests.access.test_matrix import ACTORS, actor_for, build_cases, place_the_limit, scene  # noqa: F401 - the fixture

pytestmark = pytest.mark.rendering

# Words of English that Spanish never uses ("has" is Spanish too: "¿has tenido...?"); a page with one left is not translated.
ENGLISH = frozenset(
    """
    the and you your yours with for this that these those what when who whom whose which where why how have
    had been was were are is isn't not can can't cannot will won't would could should from here there about into
    only they them their our ours it's don't doesn't didn't please yes save cancel back next previous page sign
    signed help today yesterday tomorrow edit print history shared nothing someone people open opened changed
    added removed show choose needed optional recorded record password dashboard notifications account
    something everyone anyone nobody because until since after before again still also just than then now
    """.split()
)
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")  # letters of any alphabet: "recordó" is not "record"
# What the scene typed into the plan (tests/fieldsamples.py): its marker, then the field's name.
TYPED_PLAN_TEXT = re.compile(r"\bM-[\w-]+(?: [a-z_]+)?")
# Attributes a person reads or hears.
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


class _Words(HTMLParser):
    """The words a reader meets, outside scripts, styles and text marked with another language."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.skipping: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.words: list[tuple[str, str]] = []
        self.page_language: str | None = None

    def _skip_now(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.page_language = attributes.get("lang")
        other_language = "lang" in attributes and not (attributes["lang"] or "").startswith(self.language)
        skip = tag in ("script", "style") or (other_language and tag != "html")
        if tag not in self.VOID:
            self.stack.append((tag, skip))
        if skip or self._skip_now():
            return
        for name in READ_ATTRIBUTES:
            if attributes.get(name):
                self._take(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self._take(attributes["value"])

    def handle_endtag(self, tag):
        while self.stack:
            opened, _ = self.stack.pop()
            if opened == tag:
                break

    def handle_data(self, data):
        if not self._skip_now():
            self._take(data)

    def _take(self, text: str) -> None:
        for word in WORD.findall(text):
            if word.lower() in ENGLISH:
                self.words.append((word, " ".join(text.split())[:120]))


def english_left(html: str, language: str = "es", typed: tuple[str, ...] = ()) -> tuple[str | None, list[tuple[str, str]]]:
    """The page's language and the English words left, once ``typed`` (what
    people wrote: names, addresses, organisations) is taken out."""
    for text in typed:
        html = html.replace(text, " ")
    html = TYPED_PLAN_TEXT.sub(" ", html)
    reader = _Words(language)
    reader.feed(html)
    return reader.page_language, reader.words


def typed_in_the_world() -> tuple[str, ...]:
    """Names, addresses and organisations as people typed them, longest first."""
    values = set(db.session.scalars(select(User.name))) | set(db.session.scalars(select(User.email)))
    values |= set(db.session.scalars(select(Organisation.name))) | set(db.session.scalars(select(Invitation.email)))
    return tuple(sorted((v for v in values if v), key=len, reverse=True))


def test_the_reader_finds_english_and_leaves_what_is_marked_as_another_language():
    language, words = english_left(
        '<html lang="es"><p>Guardar <span lang="en">the plan as typed</span></p>'
        '<button aria-label="Save the plan">x</button><script>var the = 1;</script></html>'
    )
    assert language == "es"
    assert [word for word, _ in words] == ["Save", "the"]


@pytest.fixture
def world(app, monkeypatch):
    """The tests' world, built in a deployment whose default language is
    Spanish: the notices written while it is built are Spanish too, as they
    would be for Spanish readers (notify writes each in its reader's language)."""
    from portal import languages
    from tests import factories

    monkeypatch.setattr(languages, "default", lambda: "es")
    return factories.world()


@pytest.mark.parametrize("actor_name", ACTORS)
def test_every_page_for_every_role_is_in_spanish(app, client, login_as, scene, actor_name):  # noqa: F811
    actor = actor_for(scene, actor_name)
    place_the_limit(scene, actor)
    for account in {scene.world.users[role] for role in scene.world.users} | {
        scene.world.outsider, scene.world.org_admin, scene.world.removed
    }:
        account.language = "es"
    # An invitation's page is in the language its sender chose: here, Spanish.
    db.session.execute(update(Invitation).values(language="es"))
    db.session.commit()
    if actor.user is not None:
        login_as(actor.user)
    headers = {"Accept-Language": "es-MX,es;q=0.9"}
    typed = typed_in_the_world()
    found: dict[str, list] = {}
    not_spanish: list[str] = []
    pages = Counter()
    for case in build_cases(app, scene, actor):
        # A fresh app context per request, as in production: the test's own
        # context would keep the first request's language (and user) on `g`.
        with app.app_context():
            response = client.open(
                case.path, method=case.method, data={} if case.method == "POST" else None, headers=headers
            )
        if response.mimetype != "text/html" or 300 <= response.status_code < 400:  # a redirect's body is Werkzeug's
            continue
        body = response.get_data(as_text=True)
        if "<html" not in body:
            continue  # not a page (an empty answer to a ping)
        pages[case.method] += 1
        language, words = english_left(body, typed=typed)
        if language != "es":
            not_spanish.append(f"{case.method} {case.path}: lang={language!r}")
        if words:
            found[f"{case.method} {case.path} [{response.status_code}]"] = sorted(set(words))[:6]
    print(f"{actor_name}: {sum(pages.values())} pages in Spanish ({dict(pages)})")
    assert sum(pages.values()) > 0
    assert not_spanish == [], not_spanish[:20]
    assert found == {}, f"{len(found)} pages hold English words: " + "\n".join(
        f"{where}: {words}" for where, words in list(found.items())[:25]
    )
