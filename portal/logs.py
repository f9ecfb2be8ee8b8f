"""Logging that keeps secrets out, and one structured line per request.

Tokens in URLs (invitation, reset and calendar links) and email addresses
are redacted before any handler sees a record. In production (LOG_FORMAT
"json") every record is one JSON object on a line, carrying the id of the
request it belongs to; each request adds one line with its method, endpoint,
path, status and duration. Never a query string, a form, a header other
than the request id, or plan text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

# Paths whose last part is a secret: invitation, password-reset and calendar links.
SECRET_PATHS = re.compile(r"(/(?:invitations|reset-password|calendar)/)[A-Za-z0-9_\-.~%]{8,}")
# A safety net: an email address in a message (e.g. a database error's detail).
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# An incoming X-Request-ID is kept only when it looks like an id, so a client
# cannot put text of its choosing (or a very long value) into the logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_LOGGER = "portal.request"
_EXTRA_FIELDS = ("method", "endpoint", "path", "status", "duration_ms")


def redact(text: str) -> str:
    return EMAIL.sub("[email]", SECRET_PATHS.sub(r"\1[redacted]", text))


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, the
    request id when there is one, the request fields of a request line, and
    an exception's type and redacted traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for name in _EXTRA_FIELDS:
            if name in record.__dict__:
                value = record.__dict__[name]
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = redact("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(entry, ensure_ascii=False, default=str)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is now (gunicorn's, or a test's capture)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


def json_handler(level: str = "INFO") -> logging.Handler:
    handler = StdoutHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets())
    handler.setLevel(level)
    return handler


def use_json_logging(level: str = "INFO") -> None:
    """Every record through the root logger as JSON, unless the root logger
    is already set up: by gunicorn from portal/serving.py (JSON already), or
    by whoever embeds the app (a test runner), which keeps its own."""
    root = logging.getLogger()
    if root.handlers:
        return
    root.addHandler(json_handler(level))
    root.setLevel(level)


def _request_id() -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _start_request() -> None:
    g.request_id = _request_id()
    g.request_started = time.perf_counter()


def _finish_request(response):
    request_id = g.get("request_id")
    if request_id is None:  # a request that never reached before_request
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s",
        request.method,
        request.endpoint or "-",
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "endpoint": request.endpoint,
            # Only the path: a query string may hold anything.
            "path": redact(request.path),
            "status": response.status_code,
            "duration_ms": duration_ms,
        },
    )
    return response


def register(app: Flask) -> None:
    redactor = RedactSecrets()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(redactor)
    # First of all before-request functions, so that every record of the
    # request (the session check's included) carries its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    if app.config.get("LOG_FORMAT", "text") == "json":
        from flask.logging import default_handler

        use_json_logging(app.config.get("LOG_LEVEL", "INFO"))
        # Records of the app reach the root's JSON handler; Flask's own
        # plain-text handler would write them a second time.
        app.logger.removeHandler(default_handler)
    elif app.config.get("LOG_FORMAT") != "text":
        raise RuntimeError(f"Unknown LOG_FORMAT {app.config.get('LOG_FORMAT')!r}; use json or text.")
