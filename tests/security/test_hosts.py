"""The Host header decides nothing (SECURITY.md, "Data"): a request for a
host outside TRUSTED_HOSTS gets the 400 page, on every route and on none,
and every absolute URL the app builds (links shown on pages, slash
redirects, links in emails) starts with BASE_URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for

from config import TestingConfig
from portal import create_app
from portal.access import policy

EVIL = "evil.example"
PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _plain_paths(app) -> list[str]:
    """Every GET route without arguments, the static files' and an unknown path."""
    paths = [rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments]
    return sorted(set(paths)) + ["/static/css/app.css", "/no-such-page", "/account"]


def test_an_untrusted_host_gets_the_400_page_everywhere(app, world, login_as):
    client = login_as(world.users[policy.CAREGIVER])
    paths = _plain_paths(app)
    assert len(paths) > 10
    for path in paths:
        for method in ("GET", "POST"):
            response = client.open(path, method=method, headers={"Host": EVIL})
            assert response.status_code == 400, (method, path, response.status_code)
            assert "Something in that request was not right" in response.text, path
            assert EVIL not in response.text
            assert response.headers["Content-Security-Policy"]
    # The same paths answer on the trusted host.
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("host", [EVIL, "localhost.evil.example", "evil.example:80", "127.0.0.1.nip.io", "[::1]"])
def test_the_calendar_link_is_never_made_for_an_untrusted_host(app, world, login_as, host):
    client = login_as(world.users[policy.CAREGIVER])
    response = client.post("/calendar/renew", data={}, headers={"Host": host})
    assert response.status_code == 400
    assert "/calendar/" not in response.text


def test_the_calendar_link_starts_with_base_url_not_with_the_host_asked_for(app, world, login_as):
    app.config["BASE_URL"] = "https://support.example.org"
    client = login_as(world.users[policy.CAREGIVER])
    response = client.post("/calendar/renew", data={}, headers={"Host": "localhost:5000"})
    assert response.status_code == 200
    links = re.findall(r'value="([^"]+\.ics)"', response.text)
    assert len(links) == 1 and links[0].startswith("https://support.example.org/calendar/")
    assert "localhost" not in response.text


def test_a_slash_redirect_is_refused_for_an_untrusted_host_and_built_from_base_url_otherwise(app, world, login_as):
    app.config["BASE_URL"] = "https://support.example.org"
    client = login_as(world.users[policy.CAREGIVER])
    refused = client.get("/account", headers={"Host": EVIL})
    assert refused.status_code == 400 and "Location" not in refused.headers
    redirected = client.get("/account", headers={"Host": "localhost:5000"})
    assert redirected.status_code == 308
    assert redirected.headers["Location"] == "https://support.example.org/account/"


def test_external_urls_inside_and_outside_a_request_come_from_base_url(app):
    app.config["BASE_URL"] = "https://support.example.org"
    with app.test_request_context("/login", headers={"Host": "localhost"}):
        assert url_for("auth.login", _external=True) == "https://support.example.org/login"
        assert url_for("auth.login") == "/login"
    with app.app_context():
        assert url_for("auth.login", _external=True) == "https://support.example.org/login"


def test_no_code_reads_the_host_of_the_request():
    """Absolute URLs come from BASE_URL (url_for, or BASE_URL + a path); the
    request's own idea of its address never reaches a page or an email."""
    pattern = re.compile(r"request\.(host|host_url|url_root|root_url|base_url|url)\b")
    offenders = [
        f"{path.relative_to(PORTAL)}:{number}"
        for path in PORTAL.rglob("*.py")
        if path.name != "urls.py"  # which reads it only to refuse an untrusted host
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_an_app_without_trusted_hosts_refuses_to_start():
    class TrustsEveryone(TestingConfig):
        TRUSTED_HOSTS = []

    with pytest.raises(RuntimeError, match="TRUSTED_HOSTS"):
        create_app(TrustsEveryone)
