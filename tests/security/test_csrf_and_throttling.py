"""SECURITY.md figures 5 and 6: every state-changing route refuses a post
without a CSRF token, with a wrong one, and with another session's; sign-in
throttling refuses the attempt after the threshold."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.access import policy
from portal.extensions import db, limiter
from tests import factories, signing_in

FIGURES: dict[str, int] = {}


@pytest.fixture
def csrf_app(app):
    """CSRF on, as in production (Flask-WTF reads the flag on each request)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def url_args(world) -> dict[str, object]:
    item = factories.write_section(world.circle, "adjustments", world.users[policy.SCHOOL_CONTACT], "CSRF")
    return {
        "circle_id": world.circle.id,
        "kind": "adjustments",
        "item_id": item.id,
        "membership_id": world.memberships[policy.CAREGIVER].id,
        "user_id": world.users[policy.SCHOOL_STAFF].id,
        "notification_id": 1,
        "agreement_id": 1,
        "invitation_id": 1,
        "handover_id": 1,
        "token": "not-a-real-token-but-long-enough",
    }


def post_routes(app, args) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        missing = set(rule.arguments) - set(args)
        assert not missing, f"{rule.endpoint}: give this test a value for {missing}"
        values = {name: args[name] for name in rule.arguments}
        if "kind" in rule.arguments:
            kinds = rule._converters["kind"].kinds
            values["kind"] = "adjustments" if "adjustments" in kinds else kinds[0]
        urls.append(rule.build(values, append_unknown=False)[1])
    return urls


def signed_in(app, user):
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "sign-in with a token must work"
    if response.headers["Location"].startswith("/login/code"):
        code_page = client.get("/login/code").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', code_page).group(1)
        code = signing_in.fresh_code(user.id, signing_in.TEST_TOTP_SECRET)
        assert client.post("/login/code", data={"code": code, "csrf_token": token}).status_code == 302
    dashboard = client.get("/dashboard").text
    return client, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', dashboard).group(1)


def counts():
    import portal.models as models
    from portal.models import __all__ as names

    return {name: db.session.scalar(select(func.count()).select_from(getattr(models, name))) for name in names if name != "AuditEvent"}


def test_state_changing_routes_refuse_missing_wrong_and_foreign_tokens(csrf_app, world):
    args = url_args(world)
    urls = post_routes(csrf_app, args)
    clinician, _ = signed_in(csrf_app, signing_in.enrol(world.users[policy.CLINICIAN]))
    _, foreign_token = signed_in(csrf_app, world.users[policy.CAREGIVER])
    before = counts()
    tried = 0
    for url in urls:
        for label, extra in (("none", {}), ("wrong", {"csrf_token": "x" * 40}), ("foreign", {"csrf_token": foreign_token})):
            response = clinician.post(url, data={"base_version": "1", "email": "a@example.org", **extra})
            tried += 1
            # Refused: the plain 400 page, or back to the same page with a
            # message (portal/sessions/expired_forms.py); never done.
            assert response.status_code in (303, 400, 404), f"{url} with {label} token: {response.status_code}"
            if response.status_code == 400:
                assert "This form had expired" in response.text
            if response.status_code == 303:
                assert response.headers["Location"] == url, f"{url} with {label} token"
                with clinician.session_transaction() as session:
                    flashed = " ".join(message for _category, message in session.pop("_flashes", []))
                assert "nothing was sent" in flashed, f"{url} with {label} token"
    assert counts() == before
    FIGURES.update(
        {
            "CSRF: state-changing routes": len(urls),
            "CSRF: posts tried without, with a wrong and another session's token": tried,
            "CSRF: accepted": 0,
        }
    )


# Where the run keeps limits (memory, or Redis), and in the database, as
# production without Redis keeps them.
LIMIT_STORAGES = pytest.mark.parametrize("limit_storage", [None, "database://"], ids=["as-configured", "database"])


@LIMIT_STORAGES
def test_sign_in_is_throttled_per_account(app, world, limit_storage):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["RATELIMIT_STORAGE_URI"] = limit_storage or app.config["RATELIMIT_STORAGE_URI"]
    limiter.init_app(app)
    limiter.reset()
    client = app.test_client()
    caregiver = world.users[policy.CAREGIVER]
    limit = int(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert client.post("/login", data={"email": caregiver.email, "password": "wrong guess here"}).status_code == 401
    refused = client.post("/login", data={"email": caregiver.email, "password": factories.PASSWORD})
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    # Another account from the same address is not locked by it.
    assert client.post("/login", data={"email": world.users[policy.YOUNG_PERSON].email, "password": factories.PASSWORD}).status_code == 302
    FIGURES.update({"throttling: sign-in attempts allowed per account": limit, "throttling: the next one refused (429)": 1})
    limiter.reset()


@LIMIT_STORAGES
def test_throttling_per_address(app, world, limit_storage):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["RATELIMIT_STORAGE_URI"] = limit_storage or app.config["RATELIMIT_STORAGE_URI"]
    app.config["SIGN_IN_LIMIT_PER_IP"] = "5 per 15 minutes"
    limiter.init_app(app)
    limiter.reset()
    client = app.test_client()
    for n in range(5):
        assert client.post("/login", data={"email": f"nobody{n}@example.org", "password": "wrong guess here"}).status_code == 401
    assert client.post("/login", data={"email": "nobody9@example.org", "password": "x" * 12}).status_code == 429
    limiter.reset()
