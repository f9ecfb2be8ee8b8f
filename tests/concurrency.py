"""Two writers at once, as in production: an app whose connections are
separate (the test PostgreSQL database, or a SQLite file, since the in-memory
one is a single connection), and a thread that reports what went wrong."""

from __future__ import annotations

import threading

import pytest

from config import TestingConfig
from portal import create_app
from portal.extensions import db


@pytest.fixture
def shared_database(app, tmp_path):
    if db.engine.dialect.name == "postgresql":
        yield app
        return

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'writers.sqlite'}"
        SQLALCHEMY_ENGINE_OPTIONS = {}

    separate = create_app(FileConfig)
    with separate.app_context():
        db.create_all()
    yield separate
    with separate.app_context():
        db.engine.dispose()


def in_thread(target, *args):
    """Start ``target`` in a thread; the list it returns holds what it raised."""
    failures = []

    def run():
        try:
            target(*args)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            failures.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, failures


def first_holds_second_tries(app, first, second, *, second_waits: bool, message: str) -> None:
    """Two transactions at once, each in its own thread and app context:
    ``first()`` does its part and is held open, uncommitted, while
    ``second()`` runs; ``second_waits`` says whether the second must wait for
    the first's commit (a lock) or finish meanwhile (no lock in its way).
    Then the first commits, and neither may have raised."""
    holding, release, second_done = threading.Event(), threading.Event(), threading.Event()

    def run_first():
        with app.app_context():
            first()
            db.session.flush()
            holding.set()
            release.wait(10)
            db.session.commit()

    def run_second():
        holding.wait(10)
        with app.app_context():
            second()
            db.session.commit()
            second_done.set()

    threads = [in_thread(run_first), in_thread(run_second)]
    try:
        assert holding.wait(10), threads[0][1]
        finished = second_done.wait(0.5 if second_waits else 3)
        assert finished != second_waits, message
    finally:
        release.set()
        for thread, failures in threads:
            thread.join(20)
            assert not failures, failures
