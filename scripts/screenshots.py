"""Regenerate the README's screenshots from the demo data, in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Serves the app on a loopback port against a fresh SQLite file, migrated and
seeded with the demo, then signs in as each demo account.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import DevelopmentConfig  # noqa: E402
from portal import create_app  # noqa: E402
from scripts.browsing import demo_code, sign_in  # noqa: E402 - the browser tests' sign-in too

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def serve_demo(database: Path):
    class DemoConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"

    app = create_app(DemoConfig)
    with app.app_context():
        from flask_migrate import upgrade

        from portal.demo.seed import seed

        upgrade(directory=str(ROOT / "migrations"))
        seed()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", app


def jordan_circle_id(app) -> int:
    from sqlalchemy import select

    from portal.circles.models import Circle
    from portal.extensions import db

    with app.app_context():
        return db.session.scalars(select(Circle.id).where(Circle.young_person_name.like("Jordan%"))).first()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, base, app = serve_demo(Path(tmp) / "demo.sqlite")
        circle = jordan_circle_id(app)
        # (file, account, page, viewport): what README.md shows, from the demo.
        shots = [
            ("dashboard.png", "clinician@demo.example.org", "/dashboard", (1280, 800)),
            ("plan-clinician.png", "clinician@demo.example.org", f"/circles/{circle}", (1280, 1450)),
            ("plan-teacher.png", "teacher@demo.example.org", f"/circles/{circle}", (1280, 960)),
            ("school-plan-clinician.png", "clinician@demo.example.org", f"/circles/{circle}/plan/school_plan", (1280, 1300)),
            ("school-plan-teacher.png", "teacher@demo.example.org", f"/circles/{circle}/plan/school_plan", (1280, 1300)),
            ("urgent-help.png", None, "/urgent-help", (1280, 1350)),
            ("phone-safety-plan-young-person.png", "student@demo.example.org", f"/circles/{circle}/plan/safety_plan", (375, 812)),
            ("phone-right-now-young-person.png", "student@demo.example.org", f"/circles/{circle}/right-now", (375, 812)),
            ("phone-dashboard-parent.png", "parent@demo.example.org", "/dashboard", (375, 812)),
            ("phone-events-parent.png", "parent@demo.example.org", f"/circles/{circle}/plan/events", (375, 812)),
            ("return-to-school-teacher.png", "teacher@demo.example.org", f"/circles/{circle}/plan/return_to_school", (1280, 1100)),
            ("follow-ups-parent.png", "parent@demo.example.org", f"/circles/{circle}/plan/follow_ups", (1280, 1100)),
            # In Spanish, as a family that reads Spanish sees them (the plan's own words stay as typed).
            ("es-dashboard-parent.png", "parent@demo.example.org", "/dashboard?lang=es", (1280, 900)),
            ("es-safety-plan-young-person.png", "student@demo.example.org", f"/circles/{circle}/plan/safety_plan?lang=es", (375, 812)),
            ("es-urgent-help.png", None, "/urgent-help?lang=es", (1280, 1350)),
        ]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, email, path, (width, height) in shots:
                    context = browser.new_context(viewport={"width": width, "height": height})
                    page = context.new_page()
                    if email:
                        sign_in(page, base, email, lambda address: demo_code(app, address))
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    # The whole page, but the phone: one screenful, as a phone shows it.
                    page.screenshot(path=str(out / name), full_page=width > 400)
                    context.close()
                    print(f"wrote {out / name}")
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
