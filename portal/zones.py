"""Which time zone a time is read in: the reader's organisation's, when it
has set one (a clinic in another zone than the school it shares circles
with), else the deployment's (config TIMEZONE).

A page is read by the person signed in; an email or a digest by its
recipient, written inside ``reading_as(recipient)``. Nothing here knows the
models: an account is asked for ``organisation.timezone`` by name.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, g, has_request_context
from flask_login import current_user

_reading_as: ContextVar[ZoneInfo | None] = ContextVar("reading_as", default=None)


def deployment() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def named(name: str | None) -> ZoneInfo:
    """The zone an organisation's setting names, or the deployment's when it names none."""
    if not name:
        return deployment()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone the system no longer knows (its tz data changed): the page is still drawn.
        return deployment()


def of(account) -> ZoneInfo:
    """The zone an account reads times in."""
    organisation = getattr(account, "organisation", None) if account is not None else None
    return named(getattr(organisation, "timezone", None))


def current() -> ZoneInfo:
    forced = _reading_as.get()
    if forced is not None:
        return forced
    if not has_request_context():
        return deployment()
    return _request_reader()


def _request_reader() -> ZoneInfo:
    # Never while a dependency is down: loading the account could reach it.
    if g.get("dependency_down"):
        return deployment()
    try:
        account = current_user._get_current_object() if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - the page must still be drawn, in the deployment's zone
        return deployment()
    key = getattr(account, "id", None)
    cached = g.get("reader_zone")
    if cached is not None and cached[0] == key:
        return cached[1]
    zone = of(account)
    g.reader_zone = (key, zone)
    return zone


@contextmanager
def reading_in(zone: ZoneInfo):
    """Read times in this zone for a while, whoever is signed in."""
    token = _reading_as.set(zone)
    try:
        yield
    finally:
        _reading_as.reset(token)


def reading_as(account):
    """Write times for another reader for a while: an email or a digest for
    its recipient, composed in someone else's request or by the scheduler."""
    return reading_in(of(account))
