"""The movable clock of the notify tests."""

from tests.notify.conftest import frozen_clock  # noqa: F401
