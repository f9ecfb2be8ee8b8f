"""Under the production configuration the session cookie is a __Host- cookie
(SECURITY.md, "Sessions"): Secure, Path=/ and no Domain, so no other host,
subdomain or plain-HTTP page can set or overwrite it."""

from __future__ import annotations

import re

from tests import factories
from tests.production import production_app


def _session_cookie(response) -> str:
    (cookie,) = [header for header in response.headers.getlist("Set-Cookie") if header.startswith("__Host-session=")]
    return cookie


def test_the_production_session_cookie_is_a_host_cookie(app):
    with production_app() as production:
        client = production.test_client()
        cookie = _session_cookie(client.get("/login", base_url="https://localhost"))
        attributes = [part.strip() for part in cookie.split(";")]
        assert "Secure" in attributes and "HttpOnly" in attributes and "SameSite=Lax" in attributes
        assert "Path=/" in attributes
        assert not any(part.lower().startswith("domain=") for part in attributes)
        assert not any(header.startswith("session=") for header in client.get("/login").headers.getlist("Set-Cookie"))


def test_signing_in_under_production_works_with_the_host_cookie(app):
    with production_app() as production:
        person = factories.user("Pat Caregiver", email="pat@example.org")
        client = production.test_client()
        page = client.get("/login", base_url="https://localhost").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/login", data={"csrf_token": token, "email": person.email, "password": factories.PASSWORD},
            base_url="https://localhost", headers={"Referer": "https://localhost/login"},
        )
        assert response.status_code == 302, response.text
        assert _session_cookie(response)
        assert client.get("/dashboard", base_url="https://localhost").status_code == 200
