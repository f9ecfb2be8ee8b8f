"""Demo accounts share a published password (README, `flask seed-demo`): under
the production configuration they never sign in, whatever database they are
found in, and the refusal looks like any other failed sign-in."""

from __future__ import annotations

import pytest

from portal.auth.routes import FAILED_SIGN_IN
from portal.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests import factories
from tests.production import production_app
from tests.web import escaped


def _demo_account(local_part: str = "caregiver"):
    return factories.user(f"Demo {local_part}", email=f"{local_part}@{DEMO_DOMAIN}", password=DEMO_PASSWORD)


@pytest.mark.parametrize(
    "spelling", [lambda email: email, str.upper, lambda email: f" {email} "], ids=["as-stored", "upper-case", "spaces"]
)
def test_a_demo_account_cannot_sign_in_under_production(app, spelling):
    with production_app(WTF_CSRF_ENABLED=False) as production:
        account = _demo_account()
        someone = factories.user("Real Person", email="real.person@example.org")
        client = production.test_client()
        refused = client.post("/login", data={"email": spelling(account.email), "password": DEMO_PASSWORD})
        assert refused.status_code == 401
        assert escaped(FAILED_SIGN_IN) in refused.text
        # Exactly what a wrong password for a real account gets.
        wrong = client.post("/login", data={"email": someone.email, "password": "not the password at all"})
        assert wrong.status_code == 401 and escaped(FAILED_SIGN_IN) in wrong.text
        assert client.get("/dashboard").status_code == 302
        # A real account still signs in.
        assert client.post("/login", data={"email": someone.email, "password": factories.PASSWORD}).status_code == 302


def test_a_demo_accounts_existing_session_ends_under_production(app, login_as):
    with production_app(WTF_CSRF_ENABLED=False) as production:
        account = _demo_account("parent")
        client = login_as(account, production.test_client())
        response = client.get("/dashboard")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_demo_accounts_still_sign_in_where_the_demo_is_allowed(app):
    account = _demo_account()
    assert app.config["DEMO_ALLOWED"] is True
    response = app.test_client().post("/login", data={"email": account.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
