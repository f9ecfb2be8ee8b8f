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
