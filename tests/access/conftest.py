"""The figures that SECURITY.md asks the access tests to report (1: endpoints,
2: the matrix, 3: IDOR), shown at the end of every run."""

from __future__ import annotations

from collections import Counter

import pytest

FIGURES = pytest.StashKey[Counter]()


@pytest.fixture
def figures(request) -> Counter:
    return request.config.stash.setdefault(FIGURES, Counter())


LINES = (
    ("endpoints", "endpoints in app.url_map"),
    ("undeclared", "endpoints without a declared access rule"),
    ("matrix_cases", "matrix cases checked (actor x endpoint x URL x method)"),
    ("matrix_allows", "  expected allows"),
    ("matrix_denies", "  expected denies"),
    ("matrix_deny_302", "    anonymous sent to sign in (302)"),
    ("matrix_deny_403", "    refused (403)"),
    ("matrix_deny_404", "    hidden (404)"),
    ("matrix_deny_405", "    method not allowed (405)"),
    ("matrix_mismatches", "  mismatches"),
    ("idor_attempts", "IDOR attempts on another circle's or organisation's ids"),
    ("idor_writes", "  of which writes"),
    ("idor_refused", "  refused (403/404)"),
    ("idor_db_changed", "  attempts that changed the database"),
)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(FIGURES, None)
    if not counts:
        return
    terminalreporter.section("access figures (SECURITY.md, figures 1-3)")
    for key, label in LINES:
        if key in counts:
            terminalreporter.write_line(f"{label:<60} {counts.get(key, 0):>6}")
