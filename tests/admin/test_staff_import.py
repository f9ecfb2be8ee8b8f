"""Importing a staff list: the preview shows each row's problems and saves
nothing; confirming creates the accounts and queues their invitations; the
same list again changes nothing and duplicates nothing."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from portal.access import policy
from portal.audit.models import AuditEvent
from portal.auth.models import PasswordReset, User
from portal.auth.setup import SETUP_KIND
from portal.extensions import db
from portal.notify.models import OutboxMessage
from tests import factories
from tests.mailbox import deliver_now
from tests.records import audited, reload

HEADER = "name,email,title,staff role"


def csv_file(*lines: str, header: str = HEADER, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join([header, *lines]) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def upload(client, data: bytes, filename: str = "staff.csv"):
    return client.post(
        "/admin/accounts/import",
        data={"staff_file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def sealed_rows(page: str) -> str:
    return re.search(r'name="rows" type="hidden" value="([^"]*)"', page).group(1)


def confirm(client, page: str):
    return client.post("/admin/accounts/import/confirm", data={"rows": sealed_rows(page)})


def outcomes(page: str) -> dict[int, str]:
    return {int(line): outcome for line, outcome in re.findall(r'data-line="(\d+)" data-outcome="(\w+)"', page)}


def row_html(page: str, line: int) -> str:
    return re.search(rf'<tr data-line="{line}".*?</tr>', page, re.S).group(0)


def counts() -> tuple[int, int, int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        db.session.scalar(select(func.count()).select_from(PasswordReset)),
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "view")),
    )


def setup_emails() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == SETUP_KIND)))


def test_the_preview_shows_each_rows_problem_and_saves_nothing(app, world, login_as):
    elsewhere = world.users[policy.CLINICIAN]  # at the clinic: the school's admin must not learn it
    elsewhere.email = "dr.elsewhere@example.org"
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    data = csv_file(
        "Ana Ruiz,ana.ruiz@example.org,Maths teacher,teacher",  # 2: fine
        "Ben Ode,not-an-address,Science teacher,school staff",  # 3: bad email
        ",nameless@example.org,Teacher,school_staff",  # 4: missing name
        "Cleo Park,cleo.park@example.org,Head of year,headmaster",  # 5: unknown role
        "Ana Again,ANA.RUIZ@example.org,Art teacher,teacher",  # 6: duplicate of line 2
        "Dee Clinic,dr.elsewhere@example.org,Nurse,teacher",  # 7: an account elsewhere
        "Eli Doc,eli.doc@example.org,GP,clinician",  # 8: a role a school does not give
        'Fay Count,fay.count@example.org,Counselor,"School contact (counselor, pastoral lead)"',  # 9: by its label
    )
    before = counts()
    response = upload(admin, data)
    assert response.status_code == 200, response.text
    page = response.text
    assert counts() == before  # nothing written: no account, email, link or audit entry
    assert outcomes(page) == {
        2: "create",
        3: "problem",
        4: "problem",
        5: "problem",
        6: "problem",
        7: "problem",
        8: "problem",
        9: "create",
    }
    assert "Nothing is saved yet" in page
    assert "not a valid email address" in row_html(page, 3)
    assert "name is missing" in row_html(page, 4)
    assert "“headmaster” is not a staff role here" in row_html(page, 5)
    assert "school contact" in row_html(page, 5) and "clinician" not in row_html(page, 5).split("It can be:")[1]
    assert "same email is on line 2" in row_html(page, 6)
    assert "cannot be used for a new account" in row_html(page, 7)
    assert "“clinician” is not a staff role here" in row_html(page, 8)
    # Whose the address is, and where, is never said.
    assert elsewhere.name not in page and world.clinic.name not in page and "Riverside" not in page
    assert "2 new accounts" in page and "6 rows with problems" in page and "2 invitation emails to send" in page
    # Confirmed, the address in use is recorded as a refusal (never the address), as on the single form.
    assert confirm(admin, page).status_code == 302
    refused = [e for e in audited("account_created") if e.outcome == "refused"]
    assert len(refused) == 1 and refused[0].user_id == world.org_admin.id and refused[0].subject_user_id is None
    assert reload(elsewhere).name != "Dee Clinic" and reload(elsewhere).organisation_id == world.clinic.id


def test_confirming_creates_the_accounts_and_queues_their_invitations(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    page = upload(
        admin,
        csv_file(
            "Ana Ruiz,ana.ruiz@example.org,Maths teacher,teacher",
            "Fay Count,Fay.Count@Example.org,Counselor,school contact",
            "Gus Office,gus.office@example.org,,none",
            "Bad Row,bad-address,,teacher",
        ),
    ).text
    response = confirm(admin, page)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    listing = admin.get("/admin/").text
    assert "3 accounts created." in listing and "3 invitation emails are on their way." in listing
    assert "1 row with a problem was left out." in listing
    assert "Invited: no password chosen yet" in listing
    made = {u.email: u for u in db.session.scalars(select(User).where(User.organisation_id == world.school.id))}
    ana, fay, gus = made["ana.ruiz@example.org"], made["fay.count@example.org"], made["gus.office@example.org"]
    assert (ana.name, ana.title, ana.staff_role) == ("Ana Ruiz", "Maths teacher", policy.SCHOOL_STAFF)
    assert (fay.staff_role, gus.staff_role, gus.title) == (policy.SCHOOL_CONTACT, None, "")
    assert not any(u.is_org_admin for u in (ana, fay, gus))
    assert all(u.password_hash == "" and not u.must_change_password for u in (ana, fay, gus))
    assert setup_emails() == sorted(made_address for made_address in (ana.email, fay.email, gus.email))
    created = [e for e in audited("account_created")]
    assert {e.subject_user_id for e in created} == {ana.id, fay.id, gus.id}
    assert all(e.user_id == world.org_admin.id for e in created)
    # The emails: one link each, to choose a password; no organisation, no name.
    sent = [m for m in deliver_now() if m["To"].endswith("@example.org")]
    assert sorted(m["To"] for m in sent) == setup_emails()
    for message in sent:
        body = message.get_content()
        assert "/set-password/" in body and "choose your password" in body
        assert world.school.name not in body and "Lakeview" not in body
        assert not any(name in body for name in ("Ana", "Fay", "Gus", world.org_admin.name))
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 3


def test_importing_again_changes_only_what_differs_and_never_duplicates(app, world, login_as, frozen_clock):
    admin = login_as(world.org_admin, app.test_client())
    staff = [
        "Ana Ruiz,ana.ruiz@example.org,Maths teacher,teacher",
        "Fay Count,fay.count@example.org,Counselor,school contact",
        "Hal Set,hal.set@example.org,Librarian,teacher",
    ]
    confirm(admin, upload(admin, csv_file(*staff)).text)
    deliver_now()
    hal = db.session.scalars(select(User).where(User.email == "hal.set@example.org")).one()
    hal.password_hash = "set by hal"  # Hal chose a password from his link
    db.session.commit()
    users_before, emails_before = counts()[0], len(setup_emails())

    # The same list: nothing changes; invitations still open are not sent again.
    page = upload(admin, csv_file(*staff)).text
    assert outcomes(page) == {2: "unchanged", 3: "unchanged", 4: "unchanged"}
    assert "the invitation sent earlier still works, so no new email is sent" in row_html(page, 2)
    assert "invitation" not in row_html(page, 4)  # Hal has a password: never invited again
    assert "There is nothing to import from this file." in page and 'name="rows"' not in page

    # Changes are shown as changes, and saved as updates.
    changed = [
        "Ana Ruiz-Lopez,ana.ruiz@example.org,Head of maths,teacher",
        "Fay Count,fay.count@example.org,Counselor,teacher",
        "Hal Set,HAL.SET@example.org,Librarian,teacher",
    ]
    page = upload(admin, csv_file(*changed)).text
    assert outcomes(page) == {2: "update", 3: "update", 4: "unchanged"}
    assert "name: Ana Ruiz → Ana Ruiz-Lopez" in row_html(page, 2)
    assert "title: Maths teacher → Head of maths" in row_html(page, 2)
    assert "staff role: School contact (counselor, pastoral lead) → Teacher / school staff" in row_html(page, 3)
    # A staff role changes only when the admin chooses it (test_staff_import_changes.py).
    chosen = admin.post(
        "/admin/accounts/import/confirm", data={"rows": sealed_rows(page), "apply_role_changes": "y"}
    )
    assert chosen.status_code == 302
    assert counts()[0] == users_before and len(setup_emails()) == emails_before
    ana = db.session.scalars(select(User).where(User.email == "ana.ruiz@example.org")).one()
    fay = db.session.scalars(select(User).where(User.email == "fay.count@example.org")).one()
    assert (ana.name, ana.title, fay.staff_role) == ("Ana Ruiz-Lopez", "Head of maths", policy.SCHOOL_STAFF)
    assert {e.subject_user_id for e in audited("account_updated")} == {ana.id, fay.id}

    # Once the links have expired, an account with no password yet gets a fresh invitation; Hal does not.
    frozen_clock.advance(days=app.config["ACCOUNT_SETUP_DAYS"] + 1)
    admin = login_as(world.org_admin, app.test_client())  # a week later, signed in again
    page = upload(admin, csv_file(*changed)).text
    assert "a new invitation email is sent" in row_html(page, 2) and "a new invitation email is sent" in row_html(
        page, 3
    )
    assert "invitation" not in row_html(page, 4)
    assert confirm(admin, page).status_code == 302
    assert setup_emails().count("ana.ruiz@example.org") == 2 and setup_emails().count("hal.set@example.org") == 1
    assert counts()[0] == users_before


def test_the_file_may_come_from_excel(app, world, login_as):
    """UTF-8 with a byte-order mark, Windows Latin with semicolons, quoted
    commas, blank trailing rows and columns, headers spelled another way."""
    admin = login_as(world.org_admin, app.test_client())
    with_bom = csv_file('"Núñez, José",jose.nunez@example.org,"Teacher, Spanish",Teacher', ",,,", bom=True)
    page = upload(admin, with_bom).text
    assert outcomes(page) == {2: "create"} and "Núñez, José" in page and "Teacher, Spanish" in page
    windows = csv_file(
        "Zoë Brontë;zoe.bronte@example.org;Leraar;school_staff;",
        header="Full name;E-mail;Job title;Staff_Role;",
        encoding="cp1252",
    )
    page = upload(admin, windows).text
    assert outcomes(page) == {2: "create"} and "Zoë Brontë" in page and "Leraar" in page
    utf16 = ("Name\tEmail\tStaff role\nYu Lin\tyu.lin@example.org\tteacher\n").encode("utf-16")
    page = upload(admin, utf16).text
    assert outcomes(page) == {2: "create"} and "Yu Lin" in page


def test_a_list_made_from_the_spanish_page_names_its_columns_as_the_page_does(app, world, login_as):
    """The page in Spanish names the columns in Spanish; a list that follows it
    imports, and a missing column is named in the page's words, which the
    file may use."""
    admin = login_as(world.org_admin, app.test_client())
    spanish = csv_file(
        "Lucía Gómez,lucia.gomez@example.org,Maestra de ciencias,docente",
        "Pablo Ruiz,pablo.ruiz@example.org,,Consejero",
        header="Nombre,Correo electrónico,Cargo,Rol profesional",
    )
    page = upload(admin, spanish).text
    assert outcomes(page) == {2: "create", 3: "create"}
    assert "Maestra de ciencias" in page
    missing = upload(admin, csv_file("Lucía Gómez,Maestra", header="Nombre,Cargo"))
    admin.post("/account/language", data={"language": "es"})
    missing_es = upload(admin, csv_file("Lucía Gómez,Maestra", header="Nombre,Cargo")).text
    assert "email" in missing.text and "staff role" in missing.text
    assert "correo electrónico" in missing_es and "rol profesional" in missing_es


def test_an_admin_of_another_organisation_or_kind_and_everyone_else(app, world, login_as):
    """Each admin imports into their own organisation, with its own roles;
    nobody else reaches the import at all."""
    clinic_admin = login_as(factories.user("Clinic Admin", org=world.clinic, is_org_admin=True), app.test_client())
    page = upload(
        clinic_admin,
        csv_file(
            "Dr New,dr.new@example.org,Psychiatrist,clinician",
            "Dr Family,dr.family@example.org,GP,family doctor",
            "Tim Teach,tim.teach@example.org,Teacher,teacher",
        ),
    ).text
    assert outcomes(page) == {2: "create", 3: "create", 4: "problem"}
    assert confirm(clinic_admin, page).status_code == 302
    made = dict(db.session.execute(select(User.email, User.organisation_id).where(User.email.like("dr.%"))).all())
    assert made == {"dr.new@example.org": world.clinic.id, "dr.family@example.org": world.clinic.id}
    # A preview sealed for one admin does not work for another.
    school_admin = login_as(world.org_admin, app.test_client())
    response = school_admin.post("/admin/accounts/import/confirm", data={"rows": sealed_rows(page)})
    assert response.status_code == 422 and "can no longer be used" in response.text
    for user in (world.users[policy.SCHOOL_CONTACT], world.users[policy.CLINICIAN]):
        client = login_as(user, app.test_client())
        assert client.get("/admin/accounts/import").status_code == 403
        assert upload(client, csv_file("X Y,x.y@example.org,,teacher")).status_code == 403
    assert db.session.scalar(select(func.count()).where(User.email == "x.y@example.org")) == 0


def test_the_admins_own_account_in_the_list_is_left_alone(app, world, login_as):
    world.org_admin.email = "the.admin@example.org"
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    page = upload(admin, csv_file("Someone Else,the.admin@example.org,Teacher,teacher")).text
    assert outcomes(page) == {2: "problem"} and "your own account" in page
    assert reload(world.org_admin).name == "Admin Person"
