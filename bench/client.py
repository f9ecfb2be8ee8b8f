"""The bench's browser: a small HTTP client that keeps its cookies as a
browser does (every Set-Cookie it is sent replaces that cookie), signs in
through the real forms (the sign-in page's CSRF token, the password, then
the authenticator code where one is asked for) and follows the redirect to
the dashboard. Before a page is measured it is opened once, like a person
opening it, and its cookies kept; wrk then sends exactly those cookies, so a
response that still carries Set-Cookie is one the portal re-signs on every
request, not one answering a stale cookie (bench/report.lua counts them).

The production session cookie is Secure; this is loopback HTTP, so the
cookies are kept here rather than in a real cookie jar.
"""

from __future__ import annotations

import http.client
import re
import time
from urllib.parse import urlencode

from bench.seed import BENCH_PASSWORD, BENCH_TOTP_SECRET


def request(port: int, method: str, path: str, *, cookie: str = "", form: dict | None = None):
    """(status, headers with the last value of each, every Set-Cookie, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read().decode("utf-8", "replace")
    result = response.status, dict(response.getheaders()), response.msg.get_all("Set-Cookie") or [], data
    connection.close()
    return result


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


class Codes:
    """TOTP codes that work: a code works once per 30-second step and account,
    so a second sign-in within the same step uses the next step's code, which
    the portal accepts for clock drift, or waits."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def code(self, email: str) -> str:
        import pyotp

        totp = pyotp.TOTP(BENCH_TOTP_SECRET)
        while True:
            now = totp.timecode(time.time())
            step = max(now, self.last.get(email, -1) + 1)
            if step <= now + 1:
                self.last[email] = step
                return totp.generate_otp(step)
            time.sleep(1)


class Browser:
    """One browser's cookies, against one server."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _keep(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            expired = re.search(r"(?i)(max-age=0|expires=thu, 01 jan 1970)", header)
            if expired or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    def open(self, method: str, path: str, form: dict | None = None):
        status, headers, set_cookies, html = request(self.port, method, path, cookie=self.cookie, form=form)
        self._keep(set_cookies)
        return status, headers, set_cookies, html

    def visit(self, path: str, expect: int = 200, *, settle: int = 3) -> int:
        """Open the page as a person would, again while it still sets a cookie (at most ``settle``
        times), so that the cookies kept are those the browser holds from then on; how many of
        those responses set one."""
        setting = 0
        for _ in range(settle):
            status, _, set_cookies, _ = self.open("GET", path)
            if status != expect:
                raise SystemExit(f"GET {path} answered {status}, not {expect}")
            if not set_cookies:
                break
            setting += 1
        return setting

    def sign_in(self, email: str, codes: Codes) -> None:
        """Through the real pages, then to the dashboard, as the redirect says."""
        status, _, _, html = self.open("GET", "/login")
        if status != 200:
            raise SystemExit(f"GET /login answered {status}")
        status, headers, _, _ = self.open(
            "POST", "/login", {"email": email, "password": BENCH_PASSWORD, "csrf_token": csrf(html)}
        )
        if status == 302 and headers.get("Location", "").endswith("/login/code"):
            _, _, _, html = self.open("GET", "/login/code")
            status, headers, _, _ = self.open(
                "POST", "/login/code", {"code": codes.code(email), "csrf_token": csrf(html)}
            )
        if status != 302 or not headers.get("Location", "").endswith("/dashboard"):
            raise SystemExit(f"signing in as {email} failed: {status} {headers.get('Location')}")
        self.visit("/dashboard")
