"""The session ping against junk (SECURITY.md, figure 11), through the checks
of tests/bad_input.py."""

from __future__ import annotations

from portal.access import policy
from tests.bad_input import HOSTILE


def test_the_session_ping_takes_junk_without_breaking(app, world, login_as, poster):
    junk = {"csrf_token": HOSTILE["attribute"], "extra": HOSTILE["script"], "nul": "\x00" * 10}
    signed_in = login_as(world.users[policy.CAREGIVER], app.test_client())
    for client, expected in ((signed_in, {204, 400}), (app.test_client(), {302, 401})):
        for data in ({}, junk):
            response = poster.send(client, "/session/ping", data, "session ping")
            assert response.status_code in expected, response.status_code
            assert HOSTILE["script"] not in response.text

