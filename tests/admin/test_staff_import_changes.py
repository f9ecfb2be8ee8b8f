"""Importing a list again over accounts that already exist: the preview says
which fields of which account change; a staff role changes only when the
admin chooses it, never an admin's and never their own, and the person is
told; each changed account is audited with the fields that changed, by
name; accounts elsewhere are never touched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.access import accounts as account_rules
from portal.access import policy
from portal.admin import import_services, staff_import
from portal.admin import services as admin_services
from portal.extensions import db
from portal.notify.models import OutboxMessage
from tests import factories
from tests.admin.test_staff_import import csv_file, outcomes, row_html, sealed_rows, upload
from tests.mailbox import deliver_now
from tests.records import audited, reload

APPLY = "apply_role_changes"


def confirm(client, page: str, **fields):
    return client.post("/admin/accounts/import/confirm", data={"rows": sealed_rows(page), **fields})


def sealed_by_hand(app, admin, data: bytes) -> str:
    """What a preview would seal for these rows, even where it shows no button."""
    rows = staff_import.read_rows(data)
    with app.test_request_context():
        return import_services.sealed(admin, rows, staff_import.plan(admin, rows))


def emails_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)))


def staff(world):
    lee = world.users[policy.SCHOOL_STAFF]
    lee.email = "lee.park@example.org"
    sam = world.users[policy.SCHOOL_CONTACT]
    sam.email = "sam.okafor@example.org"
    db.session.commit()
    return lee, sam


def test_a_role_change_is_shown_and_made_only_when_chosen(app, world, login_as):
    lee, sam = staff(world)
    admin = login_as(world.org_admin, app.test_client())
    listed = csv_file(
        "Lee Park,lee.park@example.org,,school contact",  # 2: only the staff role differs
        "Sam Okafor-Reyes,sam.okafor@example.org,,school contact",  # 3: only the name differs
    )
    page = upload(admin, listed).text
    assert outcomes(page) == {2: "update", 3: "update"}
    assert "staff role: Teacher / school staff → School contact (counselor, pastoral lead)" in row_html(page, 2)
    assert "only if you choose" in row_html(page, 2)
    assert "name: Sam Okafor → Sam Okafor-Reyes" in row_html(page, 3) and "staff role" not in row_html(page, 3)
    # The choice is there, and not made for the admin.
    checkbox = page[page.index(f'name="{APPLY}"') - 200 : page.index(f'name="{APPLY}"') + 200]
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox

    # Confirmed without choosing: the name changes, no role does, and nobody is told.
    assert confirm(admin, page).status_code == 302
    assert reload(lee).staff_role == policy.SCHOOL_STAFF
    assert reload(sam).name == "Sam Okafor-Reyes"
    assert emails_to(lee.email) == [] and emails_to(sam.email) == []
    updated = audited("account_updated")
    assert [(e.subject_user_id, e.section) for e in updated] == [(sam.id, "name")]
    assert "not changed" in admin.get("/admin/").text

    # The same file again: the name is as listed; the role change is still only offered.
    page = upload(admin, listed).text
    assert outcomes(page) == {2: "update", 3: "unchanged"}
    assert confirm(admin, page, **{APPLY: "y"}).status_code == 302
    assert reload(lee).staff_role == policy.SCHOOL_CONTACT
    updated = audited("account_updated")
    assert sorted((e.subject_user_id, e.section) for e in updated) == sorted([(sam.id, "name"), (lee.id, "staff_role")])
    assert all(e.user_id == world.org_admin.id for e in updated)
    # And once more: nothing to do.
    page = upload(admin, listed).text
    assert outcomes(page) == {2: "unchanged", 3: "unchanged"} and 'name="rows"' not in page

    # Lee is told, in words that name no organisation and nobody, and where to look.
    (told,) = emails_to(lee.email)
    assert emails_to(sam.email) == []
    for text in (told.subject, told.body):
        assert world.school.name not in text and "Lakeview" not in text
        assert not any(name in text for name in ("Lee", "Park", "Sam", "Admin Person"))
    assert "role" in told.body and "organisation's Support Circle account" in told.body
    assert "/account/" in told.body
    (sent,) = [m for m in deliver_now() if m["To"] == lee.email]
    assert "/account/" in sent.get_content()
    # Where the email sends them: their own account page shows the role.
    lee_client = login_as(reload(lee), app.test_client())
    assert "School contact" in lee_client.get("/account/").text


def test_the_audit_names_the_fields_changed_never_the_values(app, world, login_as):
    lee, _sam = staff(world)
    lee.title = "Art"
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    page = upload(admin, csv_file("Lee Parker,lee.park@example.org,Head of art,school contact")).text
    assert confirm(admin, page, **{APPLY: "y"}).status_code == 302
    (entry,) = audited("account_updated")
    assert entry.subject_user_id == lee.id and entry.section == "name,title,staff_role"
    assert (reload(lee).name, reload(lee).title, reload(lee).staff_role) == ("Lee Parker", "Head of art", "school_contact")


def test_an_admins_role_is_never_changed_by_an_import(app, world, login_as):
    other_admin = factories.user("Olga Admin", email="olga@example.org", org=world.school, is_org_admin=True,
                                 staff_role="school_contact")
    world.org_admin.email = "the.admin@example.org"
    world.org_admin.staff_role = "school_contact"
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    listed = csv_file(
        "Olga Admin,olga@example.org,,teacher",  # 2: another admin's role
        "Admin Person,the.admin@example.org,,teacher",  # 3: the importing admin's own
        "Olga Renamed,olga@example.org,,school contact",  # 4: the same address again
    )
    page = upload(admin, listed).text
    assert outcomes(page) == {2: "problem", 3: "problem", 4: "problem"}
    assert "organisation admin" in row_html(page, 2) and "does not change an admin" in row_html(page, 2)
    assert "your own account" in row_html(page, 3)
    assert "There is nothing to import from this file." in page
    # Confirmed anyway, with the choice made: still nothing changes.
    forced = admin.post("/admin/accounts/import/confirm", data={"rows": sealed_by_hand(app, world.org_admin, listed),
                                                                 APPLY: "y"})
    assert forced.status_code == 302
    assert (reload(other_admin).staff_role, reload(other_admin).is_org_admin) == ("school_contact", True)
    assert (reload(world.org_admin).staff_role, reload(world.org_admin).is_org_admin) == ("school_contact", True)
    assert audited("account_updated") == [] and emails_to("olga@example.org") == []
    # An admin's name may still be put right from the list; their role stays.
    page = upload(admin, csv_file("Olga Adminova,olga@example.org,,school contact")).text
    assert outcomes(page) == {2: "update"}
    assert confirm(admin, page, **{APPLY: "y"}).status_code == 302
    assert (reload(other_admin).name, reload(other_admin).staff_role) == ("Olga Adminova", "school_contact")
    assert [e.section for e in audited("account_updated")] == ["name"]


def test_the_policy_refuses_an_admins_or_ones_own_role_and_other_organisations(app, world):
    other_admin = factories.user("Olga Admin", org=world.school, is_org_admin=True)
    lee = world.users[policy.SCHOOL_STAFF]
    refusal = account_rules.staff_role_refusal
    assert refusal(world.org_admin, lee, policy.SCHOOL_CONTACT) is None
    assert refusal(world.org_admin, lee, None) is None
    assert refusal(world.org_admin, other_admin, policy.SCHOOL_CONTACT) == "admin_account"
    assert refusal(world.org_admin, world.org_admin, policy.SCHOOL_CONTACT) == "own_account"
    assert refusal(world.org_admin, world.users[policy.CLINICIAN], policy.PRIMARY_CARE) == "not_managed"
    assert refusal(world.org_admin, world.users[policy.CAREGIVER], policy.SCHOOL_STAFF) == "not_managed"
    assert refusal(world.org_admin, lee, policy.CLINICIAN) == "not_given"
    assert set(account_rules.STAFF_ROLE_REFUSALS) == {"admin_account", "own_account", "not_managed", "not_given"}
    # The accounts' one way of changing a staff role asks it, whoever calls it.
    for account, role in ((other_admin, policy.SCHOOL_STAFF), (world.org_admin, policy.SCHOOL_STAFF),
                          (world.users[policy.CLINICIAN], policy.PRIMARY_CARE), (lee, policy.CLINICIAN)):
        with pytest.raises(admin_services.StaffRoleRefused):
            admin_services.change_staff_role(world.org_admin, account, role)
    db.session.rollback()
    assert (reload(other_admin).staff_role, reload(world.users[policy.CLINICIAN]).staff_role) == (None, "clinician")
    assert reload(lee).staff_role == policy.SCHOOL_STAFF


def test_accounts_elsewhere_are_never_touched(app, world, login_as):
    clinician, caregiver = world.users[policy.CLINICIAN], world.users[policy.CAREGIVER]
    clinician.email, caregiver.email = "dr.rivera@example.org", "maria@example.org"
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    listed = csv_file("Dr Changed,dr.rivera@example.org,GP,teacher", "Maria Changed,maria@example.org,,school contact")
    page = upload(admin, listed).text
    assert outcomes(page) == {2: "problem", 3: "problem"}
    assert "cannot be used for a new account" in row_html(page, 2) and "cannot be used" in row_html(page, 3)
    assert "Dr Ana Rivera" not in page and "Maria Lopez" not in page
    forced = admin.post("/admin/accounts/import/confirm", data={"rows": sealed_by_hand(app, world.org_admin, listed),
                                                                 APPLY: "y"})
    assert forced.status_code == 302
    assert (reload(clinician).name, reload(clinician).staff_role, reload(clinician).organisation_id) == (
        "Dr Ana Rivera", "clinician", world.clinic.id,
    )
    assert (reload(caregiver).name, reload(caregiver).staff_role, reload(caregiver).organisation_id) == (
        "Maria Lopez", None, None,
    )
    assert audited("account_updated") == []
    assert emails_to(clinician.email) == [] and emails_to(caregiver.email) == []


def test_the_choice_is_kept_when_the_preview_is_shown_again(app, world, login_as):
    lee, sam = staff(world)
    admin = login_as(world.org_admin, app.test_client())
    page = upload(admin, csv_file("Lee Park,lee.park@example.org,,school contact")).text
    # Meanwhile someone else changes Lee's name: the preview is shown again, the choice as it was.
    reload(lee).name = "Lee Park-Kim"
    db.session.commit()
    again = confirm(admin, page, **{APPLY: "y"})
    assert again.status_code == 409 and "Something changed since the preview" in again.text
    checkbox = again.text[again.text.index(f'name="{APPLY}"') - 200 : again.text.index(f'name="{APPLY}"') + 200]
    assert "checked" in checkbox
    assert reload(lee).staff_role == policy.SCHOOL_STAFF
    # Any value for the choice is a choice, never a 500.
    for value in ("", "0", "<script>", "y" * 5000):
        assert confirm(admin, again.text, **{APPLY: value}).status_code in (302, 409)


def test_a_stopped_account_s_role_changes_without_an_email_it_could_not_follow(app, world, login_as):
    """Someone whose access was stopped (they left) cannot sign in to look: the
    role is kept for if they come back, and nobody is emailed about it."""
    lee, _ = staff(world)
    lee.active = False
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    page = upload(admin, csv_file("Lee Park,lee.park@example.org,,school contact")).text
    assert confirm(admin, page, **{APPLY: "y"}).status_code == 302
    assert reload(lee).staff_role == policy.SCHOOL_CONTACT
    assert emails_to(lee.email) == []
