"""The real SMTP server and a clock, for the staff import and its invitations."""

from tests.notify.conftest import frozen_clock, mail_server  # noqa: F401
