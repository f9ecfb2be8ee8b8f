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


# --- Bench accounts (flask seed-bench): published password too ---------------------------------


def _bench_account(local_part: str = "clinician"):
    from bench.seed import BENCH_DOMAIN, BENCH_PASSWORD

    return factories.user(f"Bench {local_part}", email=f"{local_part}@{BENCH_DOMAIN}", password=BENCH_PASSWORD)


def test_a_bench_account_cannot_sign_in_under_production_by_default(app, login_as):
    from bench.seed import BENCH_PASSWORD

    with production_app(WTF_CSRF_ENABLED=False) as production:
        assert production.config["BENCH_ACCOUNTS_ALLOWED"] is False
        account = _bench_account()
        client = production.test_client()
        for email in (account.email, account.email.upper()):
            refused = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
            assert refused.status_code == 401 and escaped(FAILED_SIGN_IN) in refused.text
        # A session it had already ends too.
        signed_in = login_as(account, production.test_client())
        response = signed_in.get("/dashboard")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_bench_account_signs_in_under_production_only_with_the_bench_flag(app):
    from bench.seed import BENCH_PASSWORD

    with production_app(WTF_CSRF_ENABLED=False, BENCH_ACCOUNTS_ALLOWED=True) as production:
        account = _bench_account("teacher")
        response = production.test_client().post("/login", data={"email": account.email, "password": BENCH_PASSWORD})
        assert response.status_code == 302
        # The flag is for the bench's accounts only: demo accounts stay refused.
        demo = _demo_account()
        refused = production.test_client().post("/login", data={"email": demo.email, "password": DEMO_PASSWORD})
        assert refused.status_code == 401


def test_the_bench_starts_its_server_with_the_bench_flag_and_only_that_server():
    from bench import run

    assert run.app_env("sqlite://", "k" * 40, production=True)["BENCH_ACCOUNTS_ALLOWED"] == "1"
    assert "BENCH_ACCOUNTS_ALLOWED" not in run.app_env("sqlite://", "k" * 40, production=False)


def test_the_bench_flag_is_off_unless_the_environment_sets_it():
    import os
    import subprocess
    import sys
    from pathlib import Path

    def flag(value: str | None) -> str:
        env = {k: v for k, v in os.environ.items() if k != "BENCH_ACCOUNTS_ALLOWED"}
        if value is not None:
            env["BENCH_ACCOUNTS_ALLOWED"] = value
        return subprocess.run(  # noqa: S603 - this interpreter, a fixed program
            [sys.executable, "-c", "import config; print(config.ProductionConfig.BENCH_ACCOUNTS_ALLOWED)"],
            cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()

    assert flag(None) == "False" and flag("0") == "False" and flag("1") == "True"
