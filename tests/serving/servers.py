"""Real gunicorn servers for the serving tests: a browser spoken for with
http.client, free ports, and a server started, awaited and stopped."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """One browser's cookie, sent to whichever server it talks to (both
    serve the same site, as behind a load balancer). Cookies are kept by hand:
    production marks them Secure, and these servers speak plain HTTP."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "expires=thu, 01 jan 1970" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers, text

    def csrf_token(self, port: int, path: str) -> str:
        status, _headers, page = self.request(port, "GET", path)
        assert status == 200, (path, status)
        match = CSRF.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def sign_in(self, port: int, email: str, password: str):
        token = self.csrf_token(port, "/login")
        return self.request(port, "POST", "/login", {"csrf_token": token, "email": email, "password": password})


def wait_until_serving(process, port: int, log_path: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn on port {port} exited:\n{log_path.read_text()[-3000:]}")
        try:
            status, _headers, _text = Browser().request(port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"gunicorn on port {port} did not answer in {seconds} s:\n{log_path.read_text()[-3000:]}")


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn(env: dict, port: int, log_path: Path):
    """`make serve`, as a deployment runs it, on one loopback port."""
    with open(log_path, "a") as log:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn and config
            [str(BIN / "gunicorn"), "-c", "python:portal.serving"],
            env={**env, "BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(process, port, log_path)
            yield process
        finally:
            stop(process)
