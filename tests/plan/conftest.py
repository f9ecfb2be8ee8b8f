"""Figures from the canary test, printed at the end of the run (SECURITY.md, figure 4)."""

import pytest

# The real SMTP server and the movable clock, for the canary's emails (test_canary_messages.py).
from tests.notify.conftest import frozen_clock, mail_server  # noqa: F401

CANARY_FIGURES = pytest.StashKey[dict]()


@pytest.fixture
def canary_figures(request) -> dict:
    return request.config.stash.setdefault(CANARY_FIGURES, {})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    figures = config.stash.get(CANARY_FIGURES, None)
    if not figures:
        return
    terminalreporter.section("canary leaks (SECURITY.md, figure 4)")
    for name, value in figures.items():
        terminalreporter.write_line(f"{name}: {value}")
