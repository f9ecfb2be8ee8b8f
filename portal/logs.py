"""Logging that keeps secrets out: tokens in URLs are redacted before any
handler sees a record."""

from __future__ import annotations

import logging
import re

# Paths whose last part is a secret: invitation links (and, later, reset links).
SECRET_PATHS = re.compile(r"(/(?:invitations|reset-password|calendar)/)[A-Za-z0-9_\-.~%]{8,}")


def redact(text: str) -> str:
    return SECRET_PATHS.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def register(app) -> None:
    redactor = RedactSecrets()
    for name in ("werkzeug", "gunicorn.access", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(redactor)
