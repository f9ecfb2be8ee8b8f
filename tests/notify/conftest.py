"""A real SMTP server (aiosmtpd) on loopback, and a clock tests can move."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from portal import clock


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf8", "replace"))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    def __init__(self):
        self.port = free_port()
        self.collector = Collector()
        self.controller = None

    def start(self):
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.collector.messages


@pytest.fixture
def mail_server(app, world):
    """Starts after the world is built; the welcome emails of building it are dropped."""
    from sqlalchemy import delete, update

    from portal.auth.models import User
    from portal.extensions import db
    from portal.notify.models import Notification, OutboxMessage

    db.session.execute(delete(OutboxMessage))
    # Deleted in bulk, past the session, so the unread counts go back by hand.
    db.session.execute(delete(Notification))
    db.session.execute(update(User).values(unread_notices=0))
    db.session.commit()
    server = MailServer()
    server.start()
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
    yield server
    server.stop()


class Clock:
    """Moves portal.clock.now; every service reads time through it."""

    def __init__(self, monkeypatch):
        self.current = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.current)

    def advance(self, **kwargs):
        self.current += timedelta(**kwargs)


@pytest.fixture
def frozen_clock(monkeypatch):
    return Clock(monkeypatch)
