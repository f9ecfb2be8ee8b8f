"""The Host header decides nothing (SECURITY.md, "Data").

Werkzeug builds absolute URLs, url_for(_external=True) and the redirect that
adds a missing slash, from the Host header of the request; anyone can send
any Host, and a link made for evil.example (a private calendar feed shown on
the page, a reset link) would hand a secret to that host. So every URL is
built against BASE_URL, in a request or outside one, and a request for a host
outside TRUSTED_HOSTS is answered with the 400 page before any other hook runs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, has_request_context, request, url_for
from werkzeug.routing import MapAdapter


class Portal(Flask):
    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        base = urlsplit(self.config["BASE_URL"])
        if request is None:
            # Outside a request (emails from `flask notify`): BASE_URL, path included.
            return self.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme, subdomain="")
        # Werkzeug validates request.host against this list when it is read;
        # refuse_untrusted_hosts reads it first thing.
        request.trusted_hosts = self.config["TRUSTED_HOSTS"]
        # Matched as usual, from the path and method; built with BASE_URL's
        # scheme and host. Flask's own version would read the Host header
        # here, and an untrusted one would leave the 400 page unable to
        # build its stylesheet's URL.
        adapter = self.url_map.bind_to_environ(request.environ, server_name=base.netloc, subdomain="")
        adapter.url_scheme = base.scheme
        return adapter


def path_for(endpoint: str, **values) -> str:
    """A page's path, built from the URL map in a request or outside one
    (emails from `flask notify`, notices the scheduler writes). The path
    alone, as a notice keeps it for its link; absolute_url adds BASE_URL."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute_url(endpoint: str, **values) -> str:
    """A page's address for an email: BASE_URL, path included, then the page's path."""
    return current_app.config["BASE_URL"].rstrip("/") + path_for(endpoint, **values)


def refuse_untrusted_hosts() -> None:
    # Reading it raises SecurityError (400) for a host outside TRUSTED_HOSTS.
    request.host  # noqa: B018


def is_this_site(url: str) -> bool:
    """Whether ``url`` (an Origin or Referer) is this site as the browser
    reached it: the request's scheme and host, already held to TRUSTED_HOSTS."""
    there = urlsplit(url)
    return (there.scheme, there.netloc) == (request.scheme, request.host)


# A circle id no real circle has, built into a link once and replaced after.
_PLACEHOLDER = 987_654_321


@lru_cache(maxsize=256)
def _circle_link(base: str, script_root: str | None, endpoint: str, values: tuple) -> tuple[str, str]:
    # script_root None: outside a request, where url_for builds from BASE_URL.
    url = url_for(endpoint, circle_id=_PLACEHOLDER, **dict(values))
    before, found, after = url.partition(str(_PLACEHOLDER))
    if not found or str(_PLACEHOLDER) in after:
        raise RuntimeError(f"cannot make a link template from {url!r}")
    return before, after


def circle_url(endpoint: str, circle_id: int, **values) -> str:
    """url_for(endpoint, circle_id=..., **values), for the links a page repeats
    for each of many circles: built once per endpoint and fixed values (a
    section's kind), then only the circle's id changes. Values that differ
    row by row (an item's id) belong in url_for."""
    script_root = request.script_root if has_request_context() else None
    base = current_app.config["BASE_URL"]
    before, after = _circle_link(base, script_root, endpoint, tuple(sorted(values.items())))
    return f"{before}{int(circle_id)}{after}"


class SectionLinks:
    """Links to one section of many circles (circle_url for plan.section)."""

    def __call__(self, membership, kind: str) -> str:
        return circle_url("plan.section", membership.circle_id, kind=kind)


# A path of this site as a browser sends it: printable ASCII without a space or
# a backslash, starting with one slash. Browsers drop tabs and newlines from a
# URL and read backslashes as slashes, so "/\t/evil.example" or "/\\evil"
# would take the person to another site; control characters in a Location
# header make the response fail. Anything else goes to the dashboard.
_SITE_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")
MAX_TARGET_LENGTH = 2000


def safe_next(target: object) -> str | None:
    """Where to go after signing in, when it is a path on this site; None otherwise."""
    if not isinstance(target, str) or len(target) > MAX_TARGET_LENGTH or not _SITE_PATH.fullmatch(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
