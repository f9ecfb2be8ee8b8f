"""A clock tests can move."""

from tests.notify.conftest import frozen_clock  # noqa: F401
