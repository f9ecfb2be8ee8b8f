"""Signing a demo account in through the pages, as a person does, in a
browser: one sign-in for the browser tests (tests/browser) and for
scripts/screenshots.py, so that neither imports the other's code.

It drives a Playwright page, but imports nothing of Playwright (a development
dependency only): the caller brings the page.
"""

from __future__ import annotations

import re


def demo_code(app, email: str) -> str:
    """A code from the demo key (README) that the account can still use now.
    A code works once per 30-second step; the browser tests and the
    screenshots sign the same account in several times within one, so the
    last step used is forgotten first, which only a demo or a test may do."""
    import pyotp
    from sqlalchemy import select, update

    from portal import clock
    from portal.auth.models import User
    from portal.demo.seed import DEMO_TOTP_SECRET
    from portal.extensions import db

    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.email == email)).one()
        db.session.execute(update(User).where(User.id == user_id).values(totp_last_step=None))
        db.session.commit()
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    return totp.generate_otp(totp.timecode(clock.now()))


def sign_in(page, base: str, email: str, code_for, on_step=None) -> None:
    """Sign in through the pages: the password, then the code step where the
    account has one (``code_for(email)`` gives the code). ``on_step(endpoint,
    page)`` sees the code step."""
    from portal.demo.seed import DEMO_PASSWORD

    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(dashboard|login/code)$"))
    if page.url.endswith("/login/code"):
        if on_step:
            on_step("auth.login_code", page)
        page.fill("#code", code_for(email))
        page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")
