"""The portal as the bench serves it: the production app, plus a count of the
SQL statements each request ran, in an X-Bench-Queries response header.

The count lives here, not in portal/: an event listener adds one to an integer
per statement, which costs next to nothing beside the statement itself. Sync
workers serve one request at a time, so a process-wide counter is exact.
"""

from __future__ import annotations

from sqlalchemy import event

from portal import create_app
from portal.extensions import db

app = create_app()
_count = [0]

with app.app_context():
    for engine in db.engines.values():

        @event.listens_for(engine, "before_cursor_execute")
        def _counted(*args, **kwargs):
            _count[0] += 1


class _CountQueries:
    """Counts from the request's first statement (the session check) to the
    last one before the response starts (the audit entries written after rendering)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        _count[0] = 0

        def counted_start_response(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Bench-Queries", str(_count[0]))], exc_info)

        return self.wsgi_app(environ, counted_start_response)


app.wsgi_app = _CountQueries(app.wsgi_app)
