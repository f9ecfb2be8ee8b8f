"""A live server with the demo data, and Debian's Chromium driven by Playwright.

The browser tests run wherever /usr/bin/chromium exists (`.ci/run` installs
it); elsewhere they are skipped with a message saying how to install it.
"""

from __future__ import annotations

import os
import re
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


def _demo_code(live_server, email: str) -> str:
    from portal.auth.models import User
    from portal.demo.seed import DEMO_TOTP_SECRET
    from tests import signing_in

    with live_server.app.app_context():
        user_id = db.session.scalars(db.select(User.id).where(User.email == email)).one()
        # The same account may sign in twice within one 30-second step here.
        return signing_in.fresh_code(user_id, DEMO_TOTP_SECRET)


@pytest.fixture
def page_as(browser, live_server):
    """A fresh browser context signed in as a demo account (or anonymous)."""
    contexts = []

    def open_page(email: str | None, width: int = 1280, height: int = 900):
        from portal.demo.seed import DEMO_PASSWORD

        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        if email:
            page.goto(f"{live_server.url}/login")
            page.fill("#email", email)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/(dashboard|login/code)$"))
            if page.url.endswith("/login/code"):
                # The demo clinicians and counselor: their app holds the demo key.
                page.fill("#code", _demo_code(live_server, email))
                page.click("main button[type=submit]")
            page.wait_for_url(f"{live_server.url}/dashboard")
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
