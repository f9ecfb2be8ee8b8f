"""What an organisation admin may do to the accounts of their organisation:
create them (no role chosen for the admin), end their sessions and reset their
two-factor sign-in, and nothing beyond it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.access import policy
from portal.auth import mfa
from portal.auth.models import RecoveryCode, User
from portal.extensions import db
from portal.sessions import services as sessions
from tests import factories, signing_in
from tests.records import audited, emails_to, reload

NEW_PASSWORD = "a brand new and unusual passphrase"




# --- Organisation admins ---------------------------------------------------------------------------------


def test_an_admin_ends_the_sessions_of_an_account_of_their_organisation(app, world, login_as):
    contact = world.users[policy.SCHOOL_CONTACT]
    contact_client = login_as(contact, app.test_client())
    version = contact.session_version
    admin = login_as(world.org_admin, app.test_client())
    page = admin.get("/admin/")
    assert f'action="/admin/accounts/{contact.id}/end-sessions"' in page.text
    assert admin.get(f"/admin/accounts/{contact.id}/end-sessions").status_code == 405

    response = admin.post(f"/admin/accounts/{contact.id}/end-sessions")
    assert response.status_code == 302
    assert contact_client.get("/dashboard").status_code == 302
    assert reload(contact).session_version == version + 1
    assert admin.get("/dashboard").status_code == 200
    (entry,) = audited("sessions_ended_by_admin")
    assert (entry.user_id, entry.subject_user_id) == (world.org_admin.id, contact.id)
    reasons = {s.end_reason for s in sessions.session_history(contact)}
    assert reasons == {"ended_by_admin"}


def test_an_admin_resets_two_factor_and_the_person_sets_up_an_app_again(app, world, login_as):
    contact = signing_in.enrol(world.users[policy.SCHOOL_CONTACT])
    mfa.new_recovery_codes(contact)
    db.session.commit()
    admin = login_as(world.org_admin, app.test_client())
    assert f'action="/admin/accounts/{contact.id}/reset-two-factor"' in admin.get("/admin/").text
    assert admin.post(f"/admin/accounts/{contact.id}/reset-two-factor").status_code == 302
    stored = reload(contact)
    assert stored.totp_secret is None and stored.totp_last_step is None and not mfa.enrolled(stored)
    assert db.session.scalar(select(func.count()).where(RecoveryCode.user_id == contact.id)) == 0
    (entry,) = audited("mfa_reset_by_admin")
    assert (entry.user_id, entry.subject_user_id) == (world.org_admin.id, contact.id)
    assert any("reset two-factor sign-in" in body for body in emails_to(contact))
    response = app.test_client().post("/login", data={"email": contact.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/login/enrol"


def test_an_admin_cannot_touch_another_organisations_accounts_or_their_own(app, world, login_as):
    clinician = signing_in.enrol(world.users[policy.CLINICIAN])  # at the clinic, not the admin's school
    clinician_client = login_as(clinician, app.test_client())
    admin = login_as(world.org_admin, app.test_client())
    for action in ("end-sessions", "reset-two-factor"):
        assert admin.post(f"/admin/accounts/{clinician.id}/{action}").status_code == 404
        assert admin.post(f"/admin/accounts/999999/{action}").status_code == 404
        assert admin.post(f"/admin/accounts/{world.org_admin.id}/{action}").status_code == 403
    assert mfa.enrolled(reload(clinician)) and clinician_client.get("/dashboard").status_code == 200
    assert admin.get("/dashboard").status_code == 200
    # Nobody but an organisation admin reaches these at all.
    contact = world.users[policy.SCHOOL_CONTACT]
    for user in (world.users[policy.SCHOOL_STAFF], world.users[policy.CLINICIAN], world.users[policy.CAREGIVER]):
        client = login_as(user, app.test_client())
        for action in ("end-sessions", "reset-two-factor"):
            assert client.post(f"/admin/accounts/{contact.id}/{action}").status_code == 403
    anonymous = app.test_client().post(f"/admin/accounts/{contact.id}/end-sessions")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert audited("sessions_ended_by_admin") == [] and audited("mfa_reset_by_admin") == []


# --- Creating an account: no role is chosen for the admin ------------------------------------------------


def _untouched(page: str, action_suffix: str = "") -> dict:
    """What a browser sends for the page's main form when nobody changes anything."""
    from tests.web import forms_in

    (form,) = [f for f in forms_in(page) if f["method"] == "post" and "staff_role" in dict(f["fields"])]
    return dict(form["fields"])


@pytest.mark.parametrize(
    ("kind", "roles"),
    [("school", {"school_contact", "school_staff", "none"}), ("clinic", {"clinician", "primary_care", "none"})],
)
def test_the_new_account_form_starts_with_no_role_chosen(app, world, login_as, kind, roles):
    organisation = world.school if kind == "school" else world.clinic
    admin = login_as(factories.user("Org Admin", org=organisation, is_org_admin=True), app.test_client())
    page = admin.get("/admin/accounts/new").text
    # Left alone, the role field sends nothing chosen: never the most powerful role, never any role.
    assert _untouched(page)["staff_role"] == ""
    offered = set(re.findall(r'<option (?:selected )?value="([^"]*)"', page))
    assert offered == roles | {""}

    typed = {"name": "Robin New", "title": "Counselor", "email": "robin.new@example.com"}
    response = admin.post("/admin/accounts/new", data={**typed, "staff_role": ""})
    assert response.status_code == 422
    assert "Please choose a role" in response.text
    assert 'href="#staff_role"' in response.text  # the error summary points at the field
    for name in ("name", "title", "email"):
        assert f'value="{typed[name]}"' in response.text, name  # what was typed is kept
    assert factories_user_count("robin.new@example.com") == 0


def test_an_admin_chooses_each_role_or_none(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    for n, (choice, stored) in enumerate((("none", None), ("school_staff", "school_staff"),
                                           ("school_contact", "school_contact"))):
        email = f"chosen{n}@example.com"
        response = admin.post("/admin/accounts/new", data={
            "name": f"Chosen {n}", "email": email, "staff_role": choice})
        assert response.status_code == 302, response.text
        db.session.expire_all()
        assert db.session.scalar(select(User.staff_role).where(User.email == email)) == stored
    # A role outside the organisation's kind is refused, whatever is posted.
    response = admin.post("/admin/accounts/new", data={
        "name": "Not A Clinician", "email": "nope@example.com", "staff_role": "clinician"})
    assert response.status_code == 422 and factories_user_count("nope@example.com") == 0


def test_a_clinic_admin_creates_a_family_doctor_and_a_school_admin_cannot(app, world, login_as):
    clinic_admin = login_as(factories.user("Clinic Admin", org=world.clinic, is_org_admin=True), app.test_client())
    form = {"name": "Dr Family New", "email": "family.new@example.com", "staff_role": "primary_care"}
    page = clinic_admin.get("/admin/accounts/new").text
    assert '<option value="primary_care">Family doctor (primary care)</option>' in page
    response = clinic_admin.post("/admin/accounts/new", data=form)
    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert db.session.scalar(select(User.staff_role).where(User.email == form["email"])) == "primary_care"
    school_admin = login_as(world.org_admin, app.test_client())
    assert "primary_care" not in school_admin.get("/admin/accounts/new").text
    response = school_admin.post("/admin/accounts/new", data={**form, "email": "family.school@example.com"})
    assert response.status_code == 422 and factories_user_count("family.school@example.com") == 0


def factories_user_count(email: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


# --- Creating, stopping and allowing accounts ------------------------------------------------------


NEW_ACCOUNT = {"name": "Casey New", "title": "Maths teacher", "staff_role": "school_staff", "is_org_admin": "y"}


def main_of(response) -> str:
    return response.text.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def typeable(user: User) -> str:
    """The factories' .test addresses are refused as typed: one a person could type."""
    user.email = f"user{user.id}@example.org"
    db.session.commit()
    return user.email


def test_an_address_already_in_use_gets_the_same_words_whoever_holds_it(app, world, login_as):
    """The admin of a school must learn nothing about accounts elsewhere: not
    whose an address is, nor which organisation (a clinic) it is at."""
    holders = {
        "an account at another organisation": world.users[policy.CLINICIAN],
        "an account of their own school": world.users[policy.SCHOOL_STAFF],
        "an account of no organisation": world.users[policy.CAREGIVER],
        "a stopped account elsewhere": world.outsider,
    }
    world.outsider.active = False
    db.session.commit()
    addresses = {label: typeable(user) for label, user in holders.items()}
    addresses["the same, typed in capitals"] = addresses["an account at another organisation"].upper()
    admin = login_as(world.org_admin, app.test_client())
    before = db.session.scalar(select(func.count()).select_from(User))
    answers = {}
    for label, email in addresses.items():
        response = admin.post("/admin/accounts/new", data={**NEW_ACCOUNT, "email": email})
        assert response.status_code == 422, label
        page = main_of(response)
        assert "cannot be used for a new account" in page, label
        for holder in holders.values():
            assert holder.name not in page, (label, holder.name)
        assert world.clinic.name not in page and "Riverside" not in page, label
        # What the admin typed is kept.
        assert 'value="Casey New"' in page and 'value="Maths teacher"' in page and f'value="{email}"' in page
        assert '<option selected value="school_staff">' in page
        assert " checked " in re.search(r'<input[^>]*id="is_org_admin"[^>]*>', page).group(0)
        assert NEW_PASSWORD not in response.text
        answers[label] = page.replace(f'value="{email}"', 'value="EMAIL"')
    assert len(set(answers.values())) == 1, "the answers can be told apart"
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    # Each refusal is audited (an admin trying many addresses shows), never with the address.
    refused = [e for e in audited("account_created") if e.outcome == "refused"]
    assert len(refused) == len(addresses) and all(e.user_id == world.org_admin.id and e.subject_user_id is None for e in refused)


def test_an_address_taken_a_moment_ago_by_another_request_gets_the_same_answer(app, world, login_as, monkeypatch):
    """Two admins creating the same account at once: the second gets the
    ordinary answer, not a server error."""
    taken = typeable(world.users[policy.CLINICIAN])
    from portal.auth import services as accounts

    monkeypatch.setattr(accounts, "find_user", lambda email: None)  # it was free when looked up
    response = login_as(world.org_admin, app.test_client()).post("/admin/accounts/new", data={**NEW_ACCOUNT, "email": taken})
    assert response.status_code == 422 and "cannot be used for a new account" in main_of(response)
    assert world.users[policy.CLINICIAN].name not in response.text
    assert db.session.scalar(select(func.count()).where(func.lower(User.email) == taken)) == 1


def test_the_admin_types_no_password_and_the_person_gets_a_link_to_choose_one(app, world, login_as, monkeypatch):
    """No admin-made passwords: the form has no password field, nothing is
    hashed for a taken address or a free one (so neither is slower), and the
    new account gets a setup email instead."""
    from argon2 import PasswordHasher

    from portal.auth.setup import SETUP_KIND
    from portal.notify.models import OutboxMessage

    admin = login_as(world.org_admin, app.test_client())
    page = admin.get("/admin/accounts/new").text
    assert 'type="password"' not in page and 'name="password"' not in page
    assert "link to choose their own password" in page
    calls = []
    real_hash = PasswordHasher.hash

    def counted(self, password, *args, **kwargs):
        calls.append(password)
        return real_hash(self, password, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counted)
    taken = typeable(world.users[policy.CLINICIAN])
    for label, email in (("taken", taken), ("free", "free.address@example.org"), ("taken, capitals", taken.upper())):
        # A password posted anyway (an old form) is ignored.
        response = admin.post("/admin/accounts/new", data={**NEW_ACCOUNT, "email": email, "password": NEW_PASSWORD})
        assert response.status_code == (302 if label == "free" else 422), label
    assert calls == []
    created = db.session.scalars(select(User).where(User.email == "free.address@example.org")).one()
    assert created.password_hash == "" and not created.must_change_password
    db.session.expire_all()
    queued = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == SETUP_KIND)))
    assert [m.to_address for m in queued] == ["free.address@example.org"]
    assert queued[0].body == ""  # the link is written when it is sent, never kept in the outbox
    # Nobody can sign in to it before the person chooses a password, whatever is typed.
    for guess in ("", NEW_PASSWORD):
        response = app.test_client().post("/login", data={"email": "free.address@example.org", "password": guess})
        assert response.status_code in (401, 422)


def test_creating_stopping_and_allowing_an_account_are_audited(app, world, login_as):
    admin = login_as(world.org_admin, app.test_client())
    response = admin.post("/admin/accounts/new", data={**NEW_ACCOUNT, "email": "casey.new@example.org"})
    assert response.status_code == 302
    casey = db.session.scalars(select(User).where(User.email == "casey.new@example.org")).one()
    assert casey.organisation_id == world.school.id
    assert admin.post(f"/admin/accounts/{casey.id}/deactivate").status_code == 302
    assert not reload(casey).active
    assert admin.post(f"/admin/accounts/{casey.id}/reactivate").status_code == 302
    assert reload(casey).active
    for action in ("account_created", "account_deactivated", "account_reactivated"):
        (entry,) = audited(action)
        assert (entry.user_id, entry.subject_user_id, entry.outcome) == (world.org_admin.id, casey.id, "ok"), action
        assert entry.endpoint.startswith("admin.") and entry.ip == "127.0.0.1"
        assert NEW_PASSWORD not in repr(vars(entry)) and "casey" not in repr(vars(entry)).lower()
    # Another organisation's account is out of reach, and nothing is written.
    clinician = world.users[policy.CLINICIAN]
    for action in ("deactivate", "reactivate"):
        assert admin.post(f"/admin/accounts/{clinician.id}/{action}").status_code == 404
    assert len(audited("account_deactivated")) == len(audited("account_reactivated")) == 1
