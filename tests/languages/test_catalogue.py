"""The Spanish catalogue is complete (issue 14, item 6): every message the
code and the templates mark, extracted the way `make translations` does, has
a Spanish translation that is not fuzzy and keeps the message's placeholders
and markup; no catalogue entry is left over from words the code no longer says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "portal" / "translations"
KEYWORDS = {
    "_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
    "N_": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
TAG = re.compile(r"</?([a-z][a-z0-9]*)\b[^>]*>", re.I)


def method_map() -> tuple[list, dict]:
    """babel.cfg, read as pybabel reads it."""
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg") as config:
        return parse_mapping_cfg(config)


def extracted() -> dict[str, tuple[str, ...]]:
    """msgid -> where it is used, from the whole tree."""
    methods, options = method_map()
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=methods, options_map=options, keywords=KEYWORDS,
        # Babel leaves out folders starting with "_" by default: templates/_macros holds words too.
        directory_filter=lambda path: not Path(path).name.startswith("."),
    ):
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return {key: tuple(where) for key, where in found.items()}


def catalogue(code: str):
    with open(CATALOGUES / code / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=code)


def languages() -> list[str]:
    return sorted(path.name for path in CATALOGUES.iterdir() if (path / "LC_MESSAGES" / "messages.po").exists())


@pytest.fixture(scope="module")
def messages() -> dict[str, tuple[str, ...]]:
    return extracted()


def test_every_language_offered_has_a_catalogue_and_every_catalogue_is_offered():
    from config import Config

    assert set(Config.LANGUAGES) == {Config.BABEL_DEFAULT_LOCALE, *languages()}


def test_the_tree_marks_words_to_translate(messages):
    # Not an empty catalogue passing by default: the pages, forms and notices are marked.
    assert len(messages) > 1000, len(messages)


@pytest.mark.parametrize("code", languages())
def test_every_marked_message_is_translated(messages, code):
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue(code) if m.id}
    missing = sorted((key, where[0]) for key, where in messages.items() if key not in entries or not _all(entries[key].string))
    assert missing == [], f"{len(missing)} messages have no {code} translation (make translations, then translate): {missing[:20]}"
    fuzzy = sorted(key for key, m in entries.items() if m.fuzzy)
    assert fuzzy == [], f"fuzzy {code} entries (check them, then drop the flag): {fuzzy[:20]}"
    stale = sorted(key for key in entries if key not in messages)
    assert stale == [], f"{code} entries the code no longer says (make translations drops them): {stale[:20]}"


@pytest.mark.parametrize("code", languages())
def test_translations_keep_placeholders_and_markup(code):
    problems = []
    for entry in catalogue(code):
        if not entry.id:
            continue
        sources = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        targets = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted_names = sorted(set(PLACEHOLDER.findall(" ".join(sources))))
        wanted_tags = sorted(TAG.findall(sources[0]))
        for target in targets:
            if not target:
                continue
            names = sorted(set(PLACEHOLDER.findall(target)))
            # A plural form may leave out the count ("one person" for 1), never add a name.
            if not set(names) <= set(wanted_names) or (len(targets) == 1 and names != wanted_names):
                problems.append(("placeholders", sources[0], target))
            if sorted(TAG.findall(target)) != wanted_tags:
                problems.append(("markup", sources[0], target))
    assert problems == [], problems[:20]


def _all(string) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)
