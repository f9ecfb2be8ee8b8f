from __future__ import annotations

import os

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestingConfig
from portal import create_app
from portal.extensions import db
from tests import factories
from tests.bad_input import Poster
from tests.local_evening import new_york_evening  # noqa: F401 - a fixture for tests/test_today.py and tests/dashboard

# The session store switch: tests/sessions, tests/auth and tests/security run
# with sessions in the database and again in Redis. Two writers at once:
# tests/concurrency.py (shared_database).
pytest_plugins = ["tests.sessions.backends", "tests.concurrency"]

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL_ACTIVE", "").startswith("postgres")
_schema_ready = False


def _reset_database() -> None:
    global _schema_ready
    if ON_POSTGRES:
        if not _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready = True
        else:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
    else:
        db.create_all()


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production.

    The test holds an app context open for its factories; without this, every
    request would reuse it, share ``g`` (and Flask-Login's cached user) and
    the test's database session, and one client could be served as another.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


CHAIN_FIGURES = "audit chain (SECURITY.md, figure 16)"


def _audit_chain_is_whole(request) -> None:
    """After every test, whatever it did, the audit chain still verifies: a way
    of writing audit entries that skips the chain fails here (SECURITY.md, figure 16)."""
    if request.node.get_closest_marker("audit_chain_tampered") or request.node.session.shouldfail:
        return
    from portal.audit import chain

    db.session.rollback()
    try:
        verdict = chain.verify(db.session.connection())
    finally:
        db.session.rollback()
    assert verdict.whole, f"the audit chain is broken after this test: {verdict}"
    from tests.web import add

    add(request.config, CHAIN_FIGURES, "tests ending with the audit chain verified")
    add(request.config, CHAIN_FIGURES, "audit entries verified at their ends", verdict.checked)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """Spanish pages need compiled catalogues; compile the stale ones once."""
    from tests.translations import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def policy_words_from_the_policy_as_it_is():
    """The "who sees this" lines are worked out once a process; a test that
    changes the policy (monkeypatch) gets lines from its own policy, and
    leaves none of them behind for the next test."""
    from portal.access import audience

    audience.forget()
    yield
    audience.forget()


@pytest.fixture
def app(request):
    app = create_app(TestingConfig)
    app.test_client_class = FreshContextClient
    with app.app_context():
        _reset_database()
        yield app
        _audit_chain_is_whole(request)
        db.session.remove()
        if not ON_POSTGRES:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    return factories.world()


@pytest.fixture
def poster(request):
    """Sends bad input and checks what comes back, for every feature's bad-input tests (tests/bad_input.py)."""
    return Poster(request.config)


@pytest.fixture
def login_as(client):
    """Sign a test client in as an account without going through the form."""

    def sign_in(user, test_client=None):
        from portal.sessions.services import SESSION_KEY, issue

        target = test_client or client
        token = issue(user)  # in whichever session store the app uses
        with target.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session[SESSION_KEY] = token
        return target

    return sign_in


@pytest.fixture(autouse=True)
def no_real_email(monkeypatch):
    """No test may reach a real mail server: only one a test started on loopback."""
    import smtplib

    real_smtp = smtplib.SMTP

    class LoopbackOnlySMTP(real_smtp):
        def __init__(self, host="", port=0, *args, **kwargs):
            if host and host not in ("127.0.0.1", "localhost", "::1"):
                raise AssertionError(f"a test tried to send email through {host}")
            super().__init__(host, port, *args, **kwargs)

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to send real email")

    monkeypatch.setattr(smtplib, "SMTP", LoopbackOnlySMTP)
    monkeypatch.setattr(smtplib, "SMTP_SSL", refuse)
