"""The SQL statements each benchmarked page runs, counted in a pass of their
own, in-process, so that no listener is left on while the pages are timed.

    <the environment bench/run.py gives the portal's server> \\
        .venv/bin/python -m bench.statements < pages.json

pages.json: {"pages": [{"label", "email" (null: signed out), "path"}],
"sign_in_post": {"label", "email"} or null, "floor": {"label", "email",
"path"} or null}. The portal is the production app (create_app), the accounts
sign in through its real pages over a pretend HTTPS (the session cookie is
Secure); each page is fetched once to warm it, then once with a SQLAlchemy
event listener counting every statement the request runs. The floor
(bench/floor.py) is counted the same way on its own engine. Prints one line,
BENCH_STATEMENTS {label: count}.

On this bench database only, the accounts' last used authenticator step is
forgotten first, so that they can sign in again within the same 30 seconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
from sqlalchemy import event, update  # noqa: E402

from bench import floor  # noqa: E402
from bench.client import csrf  # noqa: E402
from bench.seed import BENCH_PASSWORD, BENCH_TOTP_SECRET  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402

BASE = "https://127.0.0.1"
# Over HTTPS, Flask-WTF also wants a Referer from this site.
REFERER = {"Referer": f"{BASE}/login"}


@contextmanager
def counting(engine):
    counted = [0]

    def count(*args, **kwargs):
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


def sign_in(app, email: str):
    client = app.test_client()
    token = csrf(client.get("/login", base_url=BASE).get_data(as_text=True))
    response = client.post(
        "/login", base_url=BASE, headers=REFERER, data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    if response.location and response.location.endswith("/login/code"):
        token = csrf(client.get("/login/code", base_url=BASE).get_data(as_text=True))
        totp = pyotp.TOTP(BENCH_TOTP_SECRET)
        code = totp.generate_otp(totp.timecode(time.time()))
        response = client.post("/login/code", base_url=BASE, headers=REFERER, data={"code": code, "csrf_token": token})
    if response.status_code != 302 or not response.location.endswith("/dashboard"):
        raise SystemExit(f"signing in as {email} failed: {response.status_code} {response.location}")
    client.get("/dashboard", base_url=BASE)
    return client


def count_portal(app, wanted: dict) -> dict[str, int]:
    found = {}
    emails = {page["email"] for page in wanted["pages"] if page["email"]}
    with app.app_context():
        db.session.execute(update(User).where(User.email.in_(emails)).values(totp_last_step=None))
        db.session.commit()
        engine = db.engine
    clients = {}
    for page in wanted["pages"]:
        email = page["email"]
        if email not in clients:
            clients[email] = sign_in(app, email) if email else app.test_client()
        client = clients[email]
        client.get(page["path"], base_url=BASE)
        with counting(engine) as counted:
            response = client.get(page["path"], base_url=BASE)
        if response.status_code != 200:
            raise SystemExit(f"GET {page['path']} as {email} answered {response.status_code}")
        found[page["label"]] = counted[0]
    post = wanted.get("sign_in_post")
    if post:
        client = app.test_client()
        token = csrf(client.get("/login", base_url=BASE).get_data(as_text=True))
        with counting(engine) as counted:
            response = client.post(
                "/login",
                base_url=BASE,
                headers=REFERER,
                data={"email": post["email"], "password": BENCH_PASSWORD, "csrf_token": token},
            )
        if response.status_code != 302:
            raise SystemExit(f"POST /login as {post['email']} answered {response.status_code}")
        found[post["label"]] = counted[0]
    return found


def count_floor(wanted: dict) -> dict[str, int]:
    page = wanted.get("floor")
    if not page:
        return {}
    engine = floor.engine_for(os.environ["DATABASE_URL"])
    client = floor.create_floor_app(engine, os.environ["SECRET_KEY"]).test_client()
    client.set_cookie(floor.COOKIE, floor.open_session(engine, page["email"]))
    client.get(page["path"])
    with counting(engine) as counted:
        response = client.get(page["path"])
    engine.dispose()
    if response.status_code != 200:
        raise SystemExit(f"the floor's GET {page['path']} answered {response.status_code}")
    return {page["label"]: counted[0]}


def main() -> None:
    wanted = json.load(sys.stdin)
    found = count_portal(create_app(), wanted)
    found.update(count_floor(wanted))
    print("BENCH_STATEMENTS " + json.dumps(found), flush=True)


if __name__ == "__main__":
    main()
