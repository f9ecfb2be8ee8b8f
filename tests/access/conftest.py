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
    ("matrix_deny_410", "    invitation link no longer usable (410)"),
    ("matrix_mismatches", "  mismatches"),
    ("matrix_shared_cases", "  cases run under agreements (school contact, family doctor)"),
    ("matrix_shared_opened", "    of which opened by the agreements"),
    ("matrix_limited_closed", "  caregiver's cases closed by a safeguarding limit on them"),
    ("idor_attempts", "IDOR attempts on another circle's or organisation's ids"),
    ("idor_writes", "  of which writes"),
    ("idor_refused", "  refused (403/404)"),
    ("idor_db_changed", "  attempts that changed the database"),
    ("transitions_cases", "transitions: membership route x actor x target state x role"),
    ("transitions_allowed", "  expected allowed"),
    ("transitions_refused", "  expected refused"),
    ("transitions_mismatches", "  mismatches"),
    ("transitions_changed_after_refusal", "  refusals that changed the database"),
)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(FIGURES, None)
    if not counts:
        return
    terminalreporter.section("access figures (SECURITY.md, figures 1-3 and 14)")
    lines = list(LINES)
    # A denial status with no line of its own is still shown, after the others.
    named = {key for key, _ in LINES}
    last_deny = max(i for i, (key, _) in enumerate(lines) if key.startswith("matrix_deny_"))
    for key in sorted(k for k in counts if k.startswith("matrix_deny_") and k not in named):
        last_deny += 1
        lines.insert(last_deny, (key, f"    denied ({key.removeprefix('matrix_deny_')})"))
    for key, label in lines:
        if key in counts:
            terminalreporter.write_line(f"{label:<60} {counts.get(key, 0):>6}")
