"""Where a page's time goes: the benchmarked pages, served in-process by the
production app against a seeded database, under cProfile, with the SQL
statements each ran.

    SECRET_KEY=<the key the database was seeded with> DATABASE_URL=... \\
        .venv/bin/python bench/profile_pages.py [page ...] [--repeat N] [--sql]

Pages: plan, caseload, sheet, dashboard, login, and caseload-small, sheet-small,
dashboard-small over the small caseload (10 circles). The bench accounts sign in
through the real pages, over a pretend HTTPS (the session cookie is Secure).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SUPPORT_CIRCLE_CONFIG", "production")
os.environ.setdefault("BASE_URL", "https://localhost")
os.environ.setdefault("SIGN_IN_LIMIT_PER_ACCOUNT", "1000000 per minute")
os.environ.setdefault("SIGN_IN_LIMIT_PER_IP", "1000000 per minute")

import pyotp  # noqa: E402
from sqlalchemy import event, select, update  # noqa: E402

from bench.seed import BENCH_ACCOUNTS, BENCH_PASSWORD, BENCH_TOTP_SECRET, SMALL_CASELOAD_ACCOUNTS  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.circles.models import Membership  # noqa: E402
from portal.extensions import db  # noqa: E402

BASE = "https://localhost"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(app, email: str, step_offset: int = 0):
    client = app.test_client()
    token = _csrf(client.get("/login", base_url=BASE).get_data(as_text=True))
    # Over HTTPS, Flask-WTF also wants a Referer from this site.
    referer = {"Referer": f"{BASE}/login"}
    response = client.post("/login", base_url=BASE, headers=referer,
                           data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    if response.location and response.location.endswith("/login/code"):
        token = _csrf(client.get("/login/code", base_url=BASE).get_data(as_text=True))
        totp = pyotp.TOTP(BENCH_TOTP_SECRET)
        code = totp.generate_otp(totp.timecode(time.time()) + step_offset)
        response = client.post("/login/code", base_url=BASE, headers=referer, data={"code": code, "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/dashboard"), (email, response.status_code)
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", nargs="*", default=["plan", "caseload", "sheet", "dashboard", "login"])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--sql", action="store_true", help="print each page's statements once")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--step", type=int, default=0, help="TOTP step offset, to sign in twice within 30 s")
    parser.add_argument("--time-only", action="store_true", help="only the median time a request, unprofiled")
    parser.add_argument("--dump", metavar="DIR", help="also write each page's profile to DIR/<page>.prof (pstats)")
    args = parser.parse_args()

    app = create_app()
    statements: list[str] = []
    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", lambda c, cur, statement, *rest: statements.append(statement))
        # A code works once per 30-second step; on this bench database, forget the last one used
        # so that the tool can be run again and again.
        db.session.execute(update(User).where(User.email.in_(BENCH_ACCOUNTS.values())).values(totp_last_step=None))
        db.session.commit()
        clinician = db.session.scalars(select(User).where(User.email == BENCH_ACCOUNTS["clinician"])).one()
        circle_id = db.session.scalar(
            select(Membership.circle_id).where(Membership.user_id == clinician.id).order_by(Membership.circle_id)
        )
    clients = {}

    def client_for(kind):
        if kind not in clients:
            accounts = {**BENCH_ACCOUNTS, **{f"{k}-small": email for k, email in SMALL_CASELOAD_ACCOUNTS.items()}}
            clients[kind] = sign_in(app, accounts[kind], args.step) if kind != "anonymous" else app.test_client()
        return clients[kind]

    pages = {
        "plan": ("clinician", f"/circles/{circle_id}/plan/safety_plan"),
        "caseload": ("counselor", "/school/caseload"),
        "sheet": ("teacher", "/school/this-week"),
        "dashboard": ("clinician", "/dashboard"),
        "login": ("anonymous", "/login"),
        # The same pages over the small caseload (10 circles), to see what grows with it.
        "caseload-small": ("counselor-small", "/school/caseload"),
        "sheet-small": ("teacher-small", "/school/this-week"),
        "dashboard-small": ("clinician-small", "/dashboard"),
    }
    for name in args.pages:
        kind, path = pages[name]
        client = client_for(kind)
        client.get(path, base_url=BASE)  # warm
        statements.clear()
        response = client.get(path, base_url=BASE)
        assert response.status_code == 200, (name, response.status_code)
        print(f"\n=== {name}: {path} as {kind}: {len(statements)} statements, {len(response.data)} bytes")
        if args.sql:
            for statement in statements:
                print("   ", " ".join(statement.split())[:300])
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path, base_url=BASE)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        cpu.sort()
        # CPU time says more than wall time on a busy machine; wall time also counts waiting on disk.
        print(f"    unprofiled: wall median {times[len(times) // 2]:.1f} ms (best {times[0]:.1f}), "
              f"CPU median {cpu[len(cpu) // 2]:.1f} ms (best {cpu[0]:.1f}) a request (in-process)")
        if args.time_only:
            continue
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(args.repeat):
            client.get(path, base_url=BASE)
        profile.disable()
        print(f"    {(time.perf_counter() - started) / args.repeat * 1000:.1f} ms a request (in-process, profiled)")
        stats = pstats.Stats(profile)
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            stats.dump_stats(Path(args.dump) / f"{name}.prof")
        stats.sort_stats("cumulative").print_stats("portal/|templates/|commit|render", args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
