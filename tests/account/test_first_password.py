"""A password an admin chose works for one sign-in: until the person chooses
their own, every page sends them to the change-password form; signing out
still works. Accounts created by admins before this are marked by migration
a8df662445b7 (tests/db/test_first_password_migration.py)."""

from __future__ import annotations

from portal.access import policy
from portal.extensions import db
from tests import factories
from tests.records import audited, reload

NEW_PASSWORD = "a brand new and unusual passphrase"


def signed_in_with_the_admins_password(app, user):
    user.must_change_password = True
    db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.text
    return client


def test_every_page_asks_for_a_new_password_first_and_sign_out_still_works(app, world):
    teacher = world.users[policy.SCHOOL_STAFF]
    client = signed_in_with_the_admins_password(app, teacher)
    for path in ("/dashboard", "/circles", f"/circles/{world.circle.id}", "/account/", "/notifications"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", path
    # A form sent elsewhere is not acted on.
    response = client.post("/notifications/read")
    assert response.status_code == 303 and response.headers["Location"] == "/account/password"
    page = client.get("/account/password")
    assert page.status_code == 200 and "chosen by your organisation" in page.text
    assert client.get("/urgent-help").status_code == 200  # urgent help stays one click away
    # The plan was never shown while the password waited.
    assert audited("view") == []
    out = client.post("/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/login"
    assert client.get("/account/password").status_code == 302  # signed out: to the sign-in page
    assert client.get("/account/password").headers["Location"].startswith("/login")
    assert reload(teacher).must_change_password


def test_once_changed_the_pages_open_and_it_is_not_asked_again(app, world):
    teacher = world.users[policy.SCHOOL_STAFF]
    client = signed_in_with_the_admins_password(app, teacher)
    wrong = client.post(
        "/account/password",
        data={"current_password": "not the password", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401 and reload(teacher).must_change_password
    changed = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert not reload(teacher).must_change_password
    assert client.get("/dashboard").status_code == 200
    again = app.test_client()
    assert (
        again.post("/login", data={"email": teacher.email, "password": NEW_PASSWORD}).headers["Location"]
        == "/dashboard"
    )
    assert again.get("/dashboard").status_code == 200


def test_a_reset_by_email_also_counts_as_their_own(app, world):
    """Choosing a password from a reset link is choosing one's own."""
    from portal.auth import services

    teacher = world.users[policy.SCHOOL_STAFF]
    teacher.must_change_password = True
    db.session.commit()
    app.test_client().post("/reset-password", data={"email": teacher.email})
    from tests.mailbox import deliver_now

    (email,) = [e for e in deliver_now() if e["To"] == teacher.email and e["Subject"] == str(services.RESET_SUBJECT)]
    path = "/reset-password/" + email.get_content().split("/reset-password/")[1].split()[0]
    response = app.test_client().post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not reload(teacher).must_change_password
