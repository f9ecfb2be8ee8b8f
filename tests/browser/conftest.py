"""A live server with the demo data, and Debian's Chromium driven by Playwright.

The browser tests run wherever /usr/bin/chromium exists (`.ci/run` installs
it); elsewhere they are skipped with a message saying how to install it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestingConfig
from portal import create_app
from portal.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason="Chromium is not installed: run `apt-get install chromium` (Debian's package)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


class BrowserConfig(TestingConfig):
    # As in production: forms carry CSRF tokens; the browser must send them.
    WTF_CSRF_ENABLED = True


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL_ACTIVE", "")
    database = url if url.startswith("postgres") else f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}"

    class LiveConfig(BrowserConfig):
        SQLALCHEMY_DATABASE_URI = database.replace("postgresql://", "postgresql+psycopg://", 1)
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    app = create_app(LiveConfig)
    with app.app_context():
        from portal.demo.seed import seed

        db.drop_all()
        db.create_all()
        seed()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    # Links in emails (invitations, notices) lead to this server, as BASE_URL does in production.
    app.config["BASE_URL"] = server.url
    yield server
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    import tests.conftest as root

    root._schema_ready = False  # the shared PostgreSQL schema was dropped


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium; it never downloads a browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _sign_in(page, live_server, email: str) -> None:
    from scripts.browsing import demo_code, sign_in

    sign_in(page, live_server.url, email, lambda address: demo_code(live_server.app, address))


@pytest.fixture
def page_as(browser, live_server):
    """A fresh browser context signed in as a demo account (or anonymous)."""
    contexts = []

    def open_page(email: str | None, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        if email:
            _sign_in(page, live_server, email)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def _kept_sign_ins(live_server) -> dict:
    return {}


@pytest.fixture
def signed_in(browser, live_server, _kept_sign_ins):
    """Like page_as, but each account goes through the sign-in pages once per
    module: later contexts carry its session cookie, as a second tab would.
    A session the server has since ended (idle, signed out) signs in again."""
    contexts = []

    def open_page(email: str | None, width: int = 1280, height: int = 900):
        kept = _kept_sign_ins.get(email) if email else None
        context = browser.new_context(viewport={"width": width, "height": height}, storage_state=kept)
        contexts.append(context)
        page = context.new_page()
        if not email:
            return page
        if kept is not None:
            page.goto(f"{live_server.url}/dashboard")
            if page.url == f"{live_server.url}/dashboard":
                return page
        _sign_in(page, live_server, email)
        _kept_sign_ins[email] = context.storage_state()
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def jordan(live_server) -> int:
    from sqlalchemy import select

    from portal.circles.models import Circle

    with live_server.app.app_context():
        return db.session.scalars(select(Circle.id).where(Circle.young_person_name.like("Jordan%"))).first()


class _Inbox:
    """What a real SMTP server (aiosmtpd, on loopback) received."""

    def __init__(self):
        self.raw: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content.decode("utf8", "replace"))
        return "250 OK"


class MailCatcher:
    def __init__(self, app):
        self.app = app
        self.inbox = _Inbox()

    def deliver(self) -> str:
        """One pass of `flask notify send`: the scheduled notices, then the outbox."""
        result = self.app.test_cli_runner().invoke(args=["notify", "send"])
        assert result.exit_code == 0, result.output
        return result.output

    @property
    def messages(self):
        import email
        from email import policy

        return [email.message_from_string(raw, policy=policy.default) for raw in self.inbox.raw]

    def to(self, address: str):
        return [message for message in self.messages if message["To"] == address]

    def recipients(self) -> set[str]:
        return {message["To"] for message in self.messages}


@pytest.fixture
def mail(live_server):
    """The live server's outbox is delivered through a real SMTP server on loopback.

    Whatever earlier tests left waiting is delivered first and forgotten, so a
    test sees only the emails its own steps caused."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    catcher = MailCatcher(live_server.app)
    controller = Controller(catcher.inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = live_server.app.config
    before = {key: config[key] for key in ("MAIL_BACKEND", "SMTP_HOST", "SMTP_PORT", "SMTP_TIMEOUT")}
    config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    try:
        catcher.deliver()
        catcher.inbox.raw.clear()
        yield catcher
    finally:
        config.update(before)
        controller.stop()


class FrozenClock:
    """portal.clock.now, frozen and moved by hand, for the server thread too."""

    def __init__(self, monkeypatch):
        from portal import clock

        self.current = clock.now().replace(microsecond=0)
        monkeypatch.setattr(clock, "now", lambda: self.current)

    def advance(self, **kwargs):
        from datetime import timedelta

        self.current += timedelta(**kwargs)


@pytest.fixture
def frozen_clock(monkeypatch):
    return FrozenClock(monkeypatch)
