"""Journey 14, the admin's half (DESIGN.md): a school admin imports 40 staff
from a CSV with two bad rows, fixes them, imports again, and 40 invitation
emails arrive through a real SMTP server, one to each, by the notify
worker's delivery; a teacher follows hers and signs in."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.notify.delivery import send_pending
from tests.admin.test_staff_import import confirm, csv_file, outcomes, row_html, upload

NEW_PASSWORD = "a brand new and unusual passphrase"
SUBJECT = re.compile(r"^Subject: (.+?)\r?$", re.M)
TO = re.compile(r"^To: (.+?)\r?$", re.M)


def staff_list(bad: bool) -> bytes:
    rows = []
    for n in range(1, 41):
        email = f"teacher{n:02d}@lakeview.example.org"
        role = "teacher" if n % 10 else "school contact"
        if bad and n == 7:
            email = "teacher07 at lakeview"  # typed wrong
        if bad and n == 23:
            role = "supply"  # not a staff role
        rows.append(f"Teacher {n:02d},{email},Subject teacher {n},{role}")
    return csv_file(*rows)


def test_an_admin_onboards_forty_staff_and_forty_invitations_arrive(app, world, login_as, mail_server):
    admin = login_as(world.org_admin, app.test_client())
    assert 'href="/admin/accounts/import"' in admin.get("/admin/").text

    # The first file: two rows with problems; the rest can go in now.
    page = upload(admin, staff_list(bad=True)).text
    problems = [line for line, outcome in outcomes(page).items() if outcome == "problem"]
    assert problems == [8, 24]  # spreadsheet lines: the header is line 1
    assert "not a valid email address" in row_html(page, 8) and "“supply” is not a staff role" in row_html(page, 24)
    assert "38 new accounts" in page and "2 rows with problems" in page
    assert db.session.scalar(select(func.count()).where(User.email.like("%@lakeview.example.org"))) == 0
    response = confirm(admin, page)
    assert response.status_code == 302
    assert "2 rows with problems were left out." in admin.get("/admin/").text

    # Fixed, and the whole list imported again: only the two are new, nobody is invited twice.
    page = upload(admin, staff_list(bad=False)).text
    assert [line for line, o in outcomes(page).items() if o == "create"] == [8, 24]
    assert sum(o == "unchanged" for o in outcomes(page).values()) == 38
    assert "2 invitation emails to send" in page
    assert confirm(admin, page).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(User.email.like("%@lakeview.example.org"))) == 40

    # The notify worker sends them.
    while send_pending().sent:
        pass
    invitations = [m for m in mail_server.messages if "lakeview.example.org" in TO.search(m).group(1)]
    assert len(invitations) == 40
    assert sorted(TO.search(m).group(1) for m in invitations) == [
        f"teacher{n:02d}@lakeview.example.org" for n in range(1, 41)
    ]
    for message in invitations:
        assert SUBJECT.search(message).group(1) == "Choose your password for Support Circle"
        assert world.school.name not in message and "Teacher " not in message
        assert "/set-password/" in message

    # One of them chooses her password and signs in.
    (hers,) = [m for m in invitations if "teacher24@" in TO.search(m).group(1)]
    path = re.search(r"(/set-password/[A-Za-z0-9_-]{43})", hers.replace("=\r\n", "").replace("=\n", "")).group(1)
    teacher = app.test_client()
    assert teacher.post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    signed_in = teacher.post("/login", data={"email": "teacher24@lakeview.example.org", "password": NEW_PASSWORD})
    assert signed_in.headers["Location"] == "/dashboard" and teacher.get("/dashboard").status_code == 200
    listing = admin.get("/admin/").text
    assert listing.count("Invited: no password chosen yet") == 39
