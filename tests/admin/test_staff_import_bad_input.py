"""Bad files and bad confirmations for the staff import (admin.import_staff,
admin.import_staff_confirm): a clear message and the form again, never a
5xx, never an unescaped echo, and nothing written; a changed or stale
preview is refused; the preview costs the same few queries however long
the list."""

from __future__ import annotations

import io

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.admin import staff_import
from portal.auth.models import User
from portal.extensions import db
from tests.admin.test_staff_import import HEADER, confirm, counts, csv_file, outcomes, sealed_rows, upload
from tests.bad_input import HOSTILE
from tests.web import counting_statements


def test_files_that_cannot_be_read_say_why_and_write_nothing(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    before = counts()
    many = csv_file(*(f"P{n},p{n}@example.org,,teacher" for n in range(staff_import.MAX_ROWS + 1)))
    cases = {
        "no file": (None, "Please choose the CSV file"),
        "empty": (b"", "That file is empty"),
        "blank": (b"\r\n \r\n", "That file is empty"),
        "too large": (b"x" * (staff_import.MAX_BYTES + 10), "larger than 256 KB"),
        "too many rows": (many, f"at most {staff_import.MAX_ROWS} can be imported"),
        "header only": (csv_file(), "no staff in it"),
        "no header": (b"Ana Ruiz,ana@example.org,Teacher,teacher\r\n", "Missing: name, email, staff role"),
        "a column missing": (b"name,title\r\nAna,Teacher\r\n", "Missing: email, staff role"),
        "not text": (b"\x00\x01\x02PK\x03\x04" * 50, "does not look like a CSV file"),
        "a spreadsheet": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, "does not look like a CSV file"),
        "UTF-16 cut off mid-letter": (b"\xff\xfe" + "name,email".encode("utf-16-le") + b"a", "could not be read as CSV"),
        "UTF-16 with a lone surrogate": (b"\xff\xfe" + b"\x00\xd8" + b"a\x00", "could not be read as CSV"),
        "separators only": (b",,,\r\n,,,\r\n", "That file is empty"),
    }
    for label, (data, message) in cases.items():
        if data is None:
            response = admin.post("/admin/accounts/import", data={}, content_type="multipart/form-data")
        else:
            response = upload(admin, data)
        assert response.status_code == 422, (label, response.status_code)
        assert message in response.text, label
        assert 'enctype="multipart/form-data"' in response.text, label  # the form again
    assert counts() == before


def test_hostile_text_in_the_file_is_shown_escaped(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    lines = [
        f'"{HOSTILE["script"]}",{HOSTILE["attribute"].replace(chr(34), "")}@example.org,"{HOSTILE["sql"]}",'
        f'"{HOSTILE["script"]}"',
        f'"{HOSTILE["unicode"]}",uni@example.org,"{HOSTILE["sql"]}",teacher',
        f'"{"N" * 500}",{"e" * 300}@example.org,"{"T" * 500}",teacher',
    ]
    response = upload(admin, csv_file(*lines))
    assert response.status_code == 200
    page = response.text
    assert HOSTILE["script"] not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert outcomes(page) == {2: "problem", 3: "create", 4: "problem"}
    assert "Zoë 🙂 — 日本語" in page  # kept as typed
    assert "longer than 120 characters" in page and "not a valid email address" in page


def test_a_changed_or_stale_preview_is_refused_and_nothing_is_written(app, world, login_as, frozen_clock):
    admin = login_as(world.org_admin, app.test_client())
    page = upload(admin, csv_file("Ana Ruiz,ana.ruiz@example.org,Teacher,teacher")).text
    sealed = sealed_rows(page)
    before = counts()
    # Rows written by hand, or signed with another key, are not taken.
    forged = URLSafeTimedSerializer("not the key", salt="admin.staff-import").dumps(
        {
            "admin": world.org_admin.id,
            "organisation": world.school.id,
            "rows": [[2, "Eve", "eve@example.org", "", "school_contact"]],
            "plan": [],
        }
    )
    for label, value in {
        "changed": sealed[:-3] + "abc",
        "forged": forged,
        "empty": "",
        "junk": HOSTILE["script"],
    }.items():
        response = admin.post("/admin/accounts/import/confirm", data={"rows": value})
        assert response.status_code == 422 and "can no longer be used" in response.text, label
        assert HOSTILE["script"] not in response.text
    assert counts() == before
    # Something changed meanwhile: the address was given an account elsewhere.
    from tests import factories

    factories.user("Someone Else", email="ana.ruiz@example.org", org=world.clinic)
    before = counts()
    response = admin.post("/admin/accounts/import/confirm", data={"rows": sealed})
    assert response.status_code == 409 and "Something changed since the preview" in response.text
    assert outcomes(response.text) == {2: "problem"} and "Someone Else" not in response.text
    assert counts() == before
    # A preview more than an hour old.
    page = upload(admin, csv_file("Bo Late,bo.late@example.org,Teacher,teacher")).text
    frozen_clock.advance(minutes=61)
    admin = login_as(world.org_admin, app.test_client())
    response = confirm(admin, page)
    assert response.status_code == 422 and "more than an hour old" in response.text
    assert db.session.scalar(select(func.count()).where(User.email == "bo.late@example.org")) == 0


def test_the_preview_costs_the_same_queries_for_ten_rows_or_four_hundred(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    from tests import factories

    # Half of them already in the school, waiting for their password, so every branch runs.
    for n in range(0, 400, 2):
        factories.user(f"P{n}", email=f"p{n}@example.org", org=world.school, staff_role="school_staff", password=None)
    statements = {}
    for size in (10, 400):
        data = csv_file(*(f"P{n},p{n}@example.org,Teacher,teacher" for n in range(size)))
        with counting_statements() as counted:
            response = upload(admin, data)
        assert response.status_code == 200
        statements[size] = len(counted)
    assert statements[10] == statements[400], statements


def test_a_header_row_with_other_columns_and_order(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    data = csv_file("x,teacher,Ana Ruiz,ana.ruiz@example.org", header="Notes,Staff Role,Name,Email")
    page = upload(admin, data).text
    assert outcomes(page) == {2: "create"} and HEADER  # title is optional; other columns ignored
    assert "Ana Ruiz" in page and ">x<" not in page
    assert io  # the module's uploads are BytesIO
