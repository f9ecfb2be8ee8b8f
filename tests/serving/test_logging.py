"""Production logs: one JSON line per request with a request id (a sane
incoming one kept, otherwise a new one; echoed in X-Request-ID), method,
endpoint, path (secrets redacted, never the query string), status and
duration; the app's own records as JSON with the same id; and never an
email address, a token, a password or plan text."""

from __future__ import annotations

import json
import logging

import pytest
from flask import current_app
from sqlalchemy import select

from config import TestingConfig
from portal.access import policy
from portal.extensions import db
from portal.logs import json_handler
from portal.plan.models import SchoolPlan
from tests import factories, signing_in

CANARY = "CANARY-PLAN-TEXT-7f3a"


@pytest.fixture(autouse=True)
def json_logging(monkeypatch):
    """The app of these tests logs as production does, through the handler
    gunicorn's config (portal/serving.py) puts on the root logger; the root
    logger is put back afterwards, so the rest of the suite is unaffected."""
    monkeypatch.setattr(TestingConfig, "LOG_FORMAT", "json")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    root.addHandler(json_handler("INFO"))
    root.setLevel(logging.INFO)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(capsys) -> list[dict]:
    """Every line written to stdout, each of which must be one JSON object."""
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def request_lines(entries):
    return [entry for entry in entries if entry["logger"] == "portal.request"]


def test_one_json_line_per_request_with_its_id_echoed(app, client, capsys):
    capsys.readouterr()
    responses = [client.get("/login"), client.get("/urgent"), client.get("/no-such-page")]
    entries = lines(capsys)
    logged = request_lines(entries)
    assert len(logged) == len(responses)
    for entry, response in zip(logged, responses, strict=True):
        assert entry["request_id"] == response.headers["X-Request-ID"]
        assert len(entry["request_id"]) == 32  # a fresh uuid4, hex
        assert entry["method"] == "GET"
        assert entry["status"] == response.status_code
        assert isinstance(entry["duration_ms"], int | float) and entry["duration_ms"] >= 0
        assert entry["level"] == "INFO" and entry["time"].endswith("+00:00")
    assert [e["path"] for e in logged] == ["/login", "/urgent", "/no-such-page"]
    assert logged[0]["endpoint"] == "auth.login" and logged[2]["endpoint"] is None
    assert len({e["request_id"] for e in logged}) == 3


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f1c9a7e-5b2d-4c8e-9a1f-0e2d4c6b8a10", True),
        ("lb.edge:1234abcd", True),
        ("short", False),
        ("x" * 65, False),
        ("<script>alert(1)</script>", False),
        ("id with spaces and words", False),
        ("someone@example.org", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(client, capsys, incoming, kept):
    capsys.readouterr()
    response = client.get("/login", headers={"X-Request-ID": incoming})
    (entry,) = request_lines(lines(capsys))
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert (response.headers["X-Request-ID"] == incoming) is kept
    if not kept:
        assert incoming not in json.dumps(entry)


def test_no_query_string_email_or_token_reaches_the_log(client, capsys):
    capsys.readouterr()
    token = "Zx9_abcDEF-1234567890qwertyUIOP"
    client.get("/login?email=someone%40example.org&next=/secret-place")
    client.get(f"/invitations/{token}")
    client.get(f"/reset-password/{token}")
    client.get(f"/calendar/{token}.ics")
    text = capsys.readouterr().out
    entries = [json.loads(line) for line in text.splitlines()]
    assert len(request_lines(entries)) == 4
    for needle in (token, "someone", "example.org", "secret-place", "email="):
        assert needle not in text
    assert "/invitations/[redacted]" in text and "/reset-password/[redacted]" in text


def test_app_records_are_json_with_the_request_id_and_without_emails(app, client, capsys):
    @app.get("/_boom")
    def boom():
        current_app.logger.warning("about to fail for %s", "someone@example.org")
        raise ValueError("duplicate key (email)=(someone@example.org)")

    boom.access_rule = object()  # a test-only view, outside the access matrix
    capsys.readouterr()
    response = client.get("/_boom", headers={"X-Request-ID": "trace-0001-abcd"})
    assert response.status_code == 500
    entries = lines(capsys)
    assert "someone@example.org" not in json.dumps(entries)
    warning = next(e for e in entries if e["level"] == "WARNING")
    assert warning["request_id"] == "trace-0001-abcd" and "[email]" in warning["message"]
    error = next(e for e in entries if e["level"] == "ERROR")
    assert error["request_id"] == "trace-0001-abcd"
    assert error["exception"] == "ValueError" and "[email]" in error["traceback"]
    (request_entry,) = request_lines(entries)
    assert request_entry["status"] == 500 and request_entry["request_id"] == "trace-0001-abcd"


def test_signing_in_and_writing_the_plan_log_no_email_password_or_plan_text(app, world, capsys):
    contact = signing_in.enrol(world.users[policy.SCHOOL_CONTACT])
    client = app.test_client()
    capsys.readouterr()
    client.post("/login", data={"email": contact.email, "password": "a wrong password entirely"})
    signing_in.sign_in(client, contact.email)
    path = f"/circles/{world.circle.id}/plan/school_plan/edit"
    response = client.post(path, data={"base_version": "0", "staff_steps": f"1. {CANARY}", "who_to_call": CANARY})
    assert response.status_code == 302
    assert CANARY in db.session.scalar(select(SchoolPlan.staff_steps))
    client.post("/logout")
    text = capsys.readouterr().out
    logged = request_lines([json.loads(line) for line in text.splitlines()])
    endpoints = [entry["endpoint"] for entry in logged]
    assert endpoints[0] == "auth.login" and endpoints[-2:] == ["plan.edit_document", "auth.logout"]
    assert [entry["status"] for entry in logged][0] == 401
    for needle in (CANARY, contact.email, contact.email.split("@")[0], factories.PASSWORD, "a wrong password", contact.name):
        assert needle not in text
