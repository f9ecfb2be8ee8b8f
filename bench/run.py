"""`make bench`: what the busiest pages cost, on SQLite and PostgreSQL, with
10 and 10,000 circles, against two references served the same way: the
floor (bench/floor.py: a hand-written Flask + SQLAlchemy Core page doing only
what the plan page must: the session, the membership, the section, one
chained audit entry, in one durable transaction) and bare Flask's "hello"
(bench/hello.py). Every page is reported as a multiple of the floor's cost in
the same database and size, and of bare Flask's, from the same run.

For each database and size: a fresh database, `flask db upgrade`, `flask
seed-bench` (bench/seed.py), then gunicorn (2 sync workers, the production
configuration, nothing added) on a free loopback port. The bench accounts
sign in as a browser does (bench/client.py: the real forms with their CSRF
token, the authenticator code where asked, the redirect to the dashboard
followed, every Set-Cookie kept), on a first server; a fresh one then serves
the measured pages, so that its workers' memory after the pages is that of
the pages, before any Argon2id sign-in. Each page is opened once by the
browser, then wrk, a separate process, drives it with the browser's cookies
(8 connections, 2 threads) for a warm-up and a measured run, and counts the
responses that still carry Set-Cookie. Then one Argon2id sign-in (memory
after it), the sign-in POST run, and the floor on its own server. The SQL
statements of each page are counted afterwards in a separate, in-process
pass (bench/statements.py), never with a listener on while timing. The
figures go to a table on stdout and to bench/results.json.

The dashboard, the caseload and the weekly sheet are measured twice: as the
main bench accounts, whose caseloads grow with the data (10 circles at 10;
at 10,000 the clinician's dashboard 300, the counselor's caseload 295, the
teacher's sheet 150), and as the small-caseload accounts (clinician-small@
and so on), who hold the same min(N, 10) circles at every size. Each row
names the account and its caseload. The big caseload's page is held to
within 1.5x the cost of the small one's in the same run; "RPS at 10,000
within 10% of 10" only where like is compared with like.

Settings, from the environment:
  BENCH_CIRCLES      sizes, default "10 10000"
  BENCH_DATABASES    default "sqlite postgresql"
  BENCH_SECONDS      measured seconds a page, default 8
  BENCH_WARMUP       warm-up seconds a page, default 3
  BENCH_PG_URL       server, default postgresql://postgres@127.0.0.1:5432
  BENCH_PG_DATABASE  the database it drops and creates, default support_circle_bench (never "test")
  BENCH_SIGN_IN_POST 0 to skip the sign-in POST (Argon2id is slow on purpose)

Only the sign-in throttle is lifted, and only for the bench, through the
settings every deployment has (SIGN_IN_LIMIT_PER_ACCOUNT/_PER_IP): the
benchmark signs in many times from one address. Nothing else differs from
production.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.json"

sys.path.insert(0, str(ROOT))
from bench.client import Browser, Codes, csrf, request  # noqa: E402
from bench.results import FLOOR, HELLO, Row, add_ratios, table, targets, verdict  # noqa: E402
from bench.seed import BENCH_ACCOUNTS, BENCH_PASSWORD, SMALL_CASELOAD_ACCOUNTS  # noqa: E402
from bench.servers import CONNECTIONS, THREADS, WORKERS, Server, measure  # noqa: E402  # noqa: E402

# Who is signed in for the benchmark: the main bench accounts under their kind, the
# small-caseload ones as "clinician-small" and so on (the start of their address).
ACCOUNTS = {**BENCH_ACCOUNTS, **{f"{kind}-small": email for kind, email in SMALL_CASELOAD_ACCOUNTS.items()}}
# The pages that depend on the account's caseload: (page, path, account kind, the role the caseload is counted in).
CASELOAD_PAGES = (
    ("caseload", "/school/caseload", "counselor", "school_contact"),
    ("weekly sheet", "/school/this-week", "teacher", "school_staff"),
    ("dashboard", "/dashboard", "clinician", "clinician"),
)


def _env_list(name: str, default: str) -> list[str]:
    return os.environ.get(name, default).split()


def settings() -> dict:
    database = os.environ.get("BENCH_PG_DATABASE", "support_circle_bench")
    if database == "test":
        raise SystemExit("BENCH_PG_DATABASE must not be 'test': other people's test runs use it.")
    return {
        "sizes": [int(n) for n in _env_list("BENCH_CIRCLES", "10 10000")],
        "databases": _env_list("BENCH_DATABASES", "sqlite postgresql"),
        "seconds": int(os.environ.get("BENCH_SECONDS", "8")),
        "warmup": int(os.environ.get("BENCH_WARMUP", "3")),
        "pg_url": os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/"),
        "pg_database": database,
        "sign_in_post": os.environ.get("BENCH_SIGN_IN_POST", "1") != "0",
    }


# --- Databases ------------------------------------------------------------------------------------


def fresh_database(kind: str, config: dict, workdir: Path) -> str:
    if kind == "sqlite":
        path = workdir / "bench.sqlite"
        for leftover in workdir.glob("bench.sqlite*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    if kind == "postgresql":
        import psycopg

        name = config["pg_database"]
        with psycopg.connect(f"{config['pg_url']}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"{config['pg_url']}/{name}"
    raise SystemExit(f"unknown database {kind!r}: use sqlite or postgresql")


def app_env(database_url: str, secret_key: str, *, production: bool) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "FLASK_APP": "portal:create_app",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret_key,
            # The servers are asked for by their loopback address; production trusts only BASE_URL's host.
            "BASE_URL": "http://127.0.0.1",
            # The seed needs a configuration that allows demo data; the server runs as in production.
            "SUPPORT_CIRCLE_CONFIG": "production" if production else "development",
            "FLASK_DEBUG": "0",
            # The bench signs in over and over from one address: lift only the sign-in throttle.
            "SIGN_IN_LIMIT_PER_ACCOUNT": "1000000 per minute",
            "SIGN_IN_LIMIT_PER_IP": "1000000 per minute",
            "PYTHONPATH": str(ROOT),
        }
    )
    if production:
        # The bench signs in with the seeded bench accounts, whose password is published:
        # the production configuration refuses them unless told this is the bench's server.
        env["BENCH_ACCOUNTS_ALLOWED"] = "1"
    else:
        env.pop("BENCH_ACCOUNTS_ALLOWED", None)
    return env


def run(command: list[str], env: dict) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def count_statements(env: dict, wanted: dict) -> dict[str, int]:
    """The separate, in-process pass that counts each page's SQL statements (bench/statements.py)."""
    command = [sys.executable, "-m", "bench.statements"]
    result = subprocess.run(command, cwd=ROOT, env=env, input=json.dumps(wanted), capture_output=True, text=True)  # noqa: S603
    found = re.search(r"^BENCH_STATEMENTS (\{.*\})$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not found:
        raise SystemExit(f"counting the statements failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(found.group(1))


# --- One database, one size -----------------------------------------------------------------------


def bench_portal(database: str, circles: int, config: dict, workdir: Path, codes: Codes) -> tuple[list[Row], dict]:
    secret_key = secrets.token_urlsafe(48)
    url = fresh_database(database, config, workdir)
    setup_env = app_env(url, secret_key, production=False)
    serve_env = app_env(url, secret_key, production=True)
    flask = str(BIN / "flask")
    started = time.monotonic()
    run([flask, "db", "upgrade"], setup_env)
    migrated = time.monotonic()
    # seed-bench lives with the bench (bench/seed.py), in an app of its own: never in a deployment's `flask`.
    run([flask, "seed-bench", "--circles", str(circles)], {**setup_env, "FLASK_APP": "bench.seed:create_bench_app"})
    seeded = time.monotonic()
    facts = {"migrate_s": round(migrated - started, 1), "seed_s": round(seeded - migrated, 1)}
    print(
        f"  {database}, {circles} circles: migrated in {facts['migrate_s']} s, seeded in {facts['seed_s']} s",
        flush=True,
    )

    circle_id = _first_circle(url, BENCH_ACCOUNTS["clinician"])
    plan_path = f"/circles/{circle_id}/plan/safety_plan"
    # (label, path, account, page kind): the plan page, then each caseload page as the small-caseload
    # account (the same caseload at every size) and as the main one (whose caseload grows with the data).
    pages = [("plan page (clinician)", plan_path, "clinician", "")]
    for page, path, kind, role in CASELOAD_PAGES:
        for who in (f"{kind}-small", kind):
            pages.append((f"{page} ({who}, {_caseload(url, ACCOUNTS[who], role)} circles)", path, who, page))

    # Signed in on a first server, so that the measured server's workers have run no Argon2id before the pages.
    server = Server("bench.wsgi:app", serve_env, workdir / f"{database}-{circles}.log")
    try:
        browsers = {}
        for who in dict.fromkeys(who for _, _, who, _ in pages):
            browsers[who] = Browser(server.port)
            browsers[who].sign_in(ACCOUNTS[who], codes)
    finally:
        server.stop()

    rows: list[Row] = []
    memory = {}
    server = Server("bench.wsgi:app", serve_env, workdir / f"{database}-{circles}.log")
    try:
        for label, path, who, kind in pages:
            browser = browsers[who]
            browser.port = server.port
            setting = browser.visit(path)
            rows.append(
                measure(
                    server,
                    label,
                    database,
                    circles,
                    path,
                    config,
                    cookie=browser.cookie,
                    kind=kind,
                    who=who if kind else "",
                )
            )
            rows[-1].notes.append(f"{setting} of the browser's visits before the run set a cookie")
        # Signed out: the sign-in page itself, as a visitor who has opened it once.
        visitor = Browser(server.port)
        setting = visitor.visit("/login")
        rows.append(measure(server, "sign-in GET", database, circles, "/login", config, cookie=visitor.cookie))
        rows[-1].notes.append(f"{setting} of the visitor's visits before the run set a cookie")
        memory["after_pages_mib"] = server.memory_mib()
        if config["sign_in_post"]:
            Browser(server.port).sign_in(BENCH_ACCOUNTS["teacher"], codes)
            memory["after_one_sign_in_mib"] = server.memory_mib()
            # A full sign-in of an account without a second factor: Argon2id verification (slow on
            # purpose), a new session, the audit entry. Every request sends the same visitor's cookie
            # and CSRF token; each answers 302 to the dashboard, with the new session's cookie.
            visitor = Browser(server.port)
            _, _, _, html = visitor.open("GET", "/login")
            form = {"email": BENCH_ACCOUNTS["teacher"], "password": BENCH_PASSWORD, "csrf_token": csrf(html)}
            row = measure(
                server,
                "sign-in POST (Argon2id)",
                database,
                circles,
                "/login",
                config,
                cookie=visitor.cookie,
                body=urlencode(form),
                expect=302,
                longer=2,
            )
            row.notes.append(
                "Argon2id verification is deliberately slow; measured over twice the duration; "
                "each answer sets the new session's cookie, as it must"
            )
            rows.append(row)
            memory["after_sign_in_run_mib"] = server.memory_mib()
        memory["peak_mib"] = server.memory_mib("VmHWM")
    finally:
        server.stop()

    rows.append(bench_floor(database, circles, config, workdir, serve_env, url, plan_path))
    wanted = {
        "pages": [{"label": label, "email": ACCOUNTS[who], "path": path} for label, path, who, _ in pages]
        + [{"label": "sign-in GET", "email": None, "path": "/login"}],
        "sign_in_post": {"label": "sign-in POST (Argon2id)", "email": BENCH_ACCOUNTS["teacher"]}
        if config["sign_in_post"]
        else None,
        "floor": {"label": FLOOR, "email": BENCH_ACCOUNTS["clinician"], "path": plan_path},
    }
    counted = count_statements(serve_env, wanted)
    for row in rows:
        row.queries = counted.get(row.page)
    facts["worker_memory"] = memory
    print(
        f"    worker RSS (MiB, each worker): after the pages {memory.get('after_pages_mib')}, after one Argon2id "
        f"sign-in {memory.get('after_one_sign_in_mib', '-')}, after the sign-in run "
        f"{memory.get('after_sign_in_run_mib', '-')}; peak {memory.get('peak_mib')}",
        flush=True,
    )
    return rows, facts


def bench_floor(database: str, circles: int, config: dict, workdir: Path, env: dict, url: str, path: str) -> Row:
    """The floor app on its own server, against the same database, as the bench clinician."""
    from bench.floor import COOKIE, engine_for, open_session

    engine = engine_for(url)
    token = open_session(engine, BENCH_ACCOUNTS["clinician"])
    engine.dispose()
    server = Server("bench.floor:create_app_from_env()", env, workdir / f"floor-{database}-{circles}.log")
    try:
        cookie = f"{COOKIE}={token}"
        status = request(server.port, "GET", path, cookie=cookie)[0]
        if status != 200:
            raise SystemExit(f"the floor answered {status} for {path}")
        return measure(server, FLOOR, database, circles, path, config, cookie=cookie)
    finally:
        server.stop()


def _engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _caseload(url: str, email: str, role: str) -> int:
    """How many circles the account is in, in that role."""
    from sqlalchemy import text

    engine = _engine(url)
    with engine.connect() as connection:
        size = connection.execute(
            text(
                'SELECT count(*) FROM membership m JOIN "user" u ON u.id = m.user_id '
                "WHERE u.email = :email AND m.role = :role AND m.removed_at IS NULL"
            ),
            {"email": email, "role": role},
        ).scalar_one()
    engine.dispose()
    return size


def _first_circle(url: str, email: str) -> int:
    from sqlalchemy import text

    engine = _engine(url)
    with engine.connect() as connection:
        circle_id = connection.execute(
            text(
                'SELECT m.circle_id FROM membership m JOIN "user" u ON u.id = m.user_id '
                "WHERE u.email = :email ORDER BY m.circle_id LIMIT 1"
            ),
            {"email": email},
        ).scalar_one()
    engine.dispose()
    return circle_id


def bench_hello(config: dict, workdir: Path) -> Row:
    server = Server("bench.hello:app", {**os.environ, "PYTHONPATH": str(ROOT)}, workdir / "hello.log")
    try:
        return measure(server, HELLO, "-", 0, "/", config)
    finally:
        server.stop()


# --- The run --------------------------------------------------------------------------------------


def main() -> None:
    config = settings()
    # Stopped from outside (Ctrl-C, a timeout): still stop the servers started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed: `apt-get install wrk` (Debian), or run `make bench`, which installs it."
        )
    print(
        f"Bench: {config['databases']} x {config['sizes']} circles, {config['seconds']} s a page after "
        f"{config['warmup']} s of warm-up; {CONNECTIONS} connections, {THREADS} wrk threads, "
        f"gunicorn with {WORKERS} sync workers.",
        flush=True,
    )
    started = time.monotonic()
    codes = Codes()
    rows: list[Row] = []
    facts = {}
    with tempfile.TemporaryDirectory(prefix="support-circle-bench-") as tmp:
        print(f"  {HELLO}", flush=True)
        hello = bench_hello(config, Path(tmp))
        for database in config["databases"]:
            for circles in config["sizes"]:
                found, facts[f"{database}/{circles}"] = bench_portal(database, circles, config, Path(tmp), codes)
                rows += found
    all_rows = [hello, *rows]
    add_ratios(all_rows, hello)
    checks = targets(rows)
    print()
    print(table(all_rows))
    print(
        "\n  x floor, x hello: the page's cost (1 / its request rate) as a multiple of the floor's in the same "
        "database and size, and of bare Flask's, from this run. Set-Cookie: the share of responses carrying one "
        "although wrk sends the cookies the browser held after opening the page. SQL/req: counted in a separate "
        "in-process pass. RSS: the largest worker's resident memory after the page's run, at rest; peak: the "
        "most a worker ever held (VmHWM).\n"
    )
    for row in all_rows:
        if row.notes:
            print(f"  {row.page}, {row.database}/{row.circles}: {'; '.join(row.notes)}")
    print()
    for key, fact in facts.items():
        memory = fact["worker_memory"]
        print(
            f"  worker RSS, {key} (MiB, each worker): after the pages {memory.get('after_pages_mib')}, after one "
            f"Argon2id sign-in {memory.get('after_one_sign_in_mib', '-')}, after the sign-in run "
            f"{memory.get('after_sign_in_run_mib', '-')}; peak {memory.get('peak_mib')}"
        )
    print()
    for check in checks:
        print(f"  [{verdict(check['met'])}] {check['target']}: {check['value']}")
    print(f"\n(total {time.monotonic() - started:.0f} s; figures are noisy on a shared machine)")
    RESULTS.write_text(
        json.dumps(
            {
                "settings": {**config, "connections": CONNECTIONS, "threads": THREADS, "workers": WORKERS},
                "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
                "setup": facts,
                "rows": [asdict(row) for row in all_rows],
                "targets": checks,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
