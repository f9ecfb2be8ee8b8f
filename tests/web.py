"""What the conflict, bad-input, query-budget, health and sign-in tests share:
reading forms out of pages, valid values for a section's fields, counting SQL
statements, and the figures printed at the end of the run."""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

from markupsafe import escape
from sqlalchemy import event

from portal.access.sections import section_access
from portal.extensions import db
from tests import fieldsamples


class _FormReader(HTMLParser):
    """Collects each form's fields the way a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = {"action": attributes.get("action"), "method": (attributes.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._form["fields"].append((name, attributes.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].append((name, ""))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attributes and not self._select_chosen:
                self._form["fields"].append((self._select, value))
                self._select_chosen = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None and self._form is not None:
                self._form["fields"].append((self._select, self._select_first))
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)


def forms_in(html: str) -> list[dict]:
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        # A browser drops the one newline that WTForms puts after <textarea>.
        form["fields"] = [(name, value[2:] if value.startswith("\r\n") else value) for name, value in form["fields"]]
    return reader.forms


def section_form(html: str) -> dict:
    """The form on an edit or conflict page: the one carrying base_version."""
    found = [form for form in forms_in(html) if any(name == "base_version" for name, _ in form["fields"])]
    assert len(found) == 1, "expected one section form on the page"
    return found[0]


def base_version_in(html: str) -> str:
    match = re.search(r'<input[^>]*name="base_version"[^>]*value="([^"]*)"', html)
    assert match, "the form carries no base_version"
    return match.group(1)


def as_post_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def valid_post_value(field_spec, marker: str, choices=None):
    """A value for a field as a browser would post it; text carries the marker."""
    return fieldsamples.samples(field_spec).posted(field_spec, marker, choices)


def valid_section_post(spec, membership, fields, marker: str) -> dict:
    """Valid posted values for ``fields`` as ``membership`` may choose them."""
    limits = dict(section_access(membership, spec).choice_limits)
    return {name: valid_post_value(spec.field(name), marker, limits.get(name)) for name in fields}


def escaped(text: str) -> str:
    return str(escape(text))


@contextlib.contextmanager
def counting_statements():
    """Counts SQL statements sent to the database while the block runs."""
    counted = []

    def count(conn, cursor, statement, parameters, context, executemany):
        counted.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


class _Figures:
    """Figures a reviewer expects the suite to report (SECURITY.md), printed after the run."""

    def __init__(self):
        self.sections: dict[str, dict[str, object]] = {}

    def pytest_terminal_summary(self, terminalreporter):
        for title, lines in self.sections.items():
            if not lines:
                continue
            terminalreporter.section(title)
            for label, value in lines.items():
                terminalreporter.write_line(f"{label:<64} {value}")


_PLUGIN = "support-circle-figures"


def figures(config, title: str) -> dict[str, object]:
    plugin = config.pluginmanager.get_plugin(_PLUGIN)
    if plugin is None:
        plugin = _Figures()
        config.pluginmanager.register(plugin, _PLUGIN)
    return plugin.sections.setdefault(title, {})


def add(config, title: str, label: str, amount: int = 1) -> None:
    lines = figures(config, title)
    lines[label] = lines.get(label, 0) + amount


def without_tokens(text: str) -> str:
    """A page with its signed tokens (the CSRF token each page carries, which
    holds the second it was made) replaced, so that two answers can be
    compared for what they say."""
    return re.sub(r'"[\w-]+\.[\w-]+\.[\w-]+"', '"TOKEN"', text)
