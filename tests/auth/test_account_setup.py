"""A new account's emailed link to choose its own password: it works once and
for ACCOUNT_SETUP_DAYS; an expired one opens a page that asks for a new one;
the email is in the person's language and says nothing of the organisation."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.auth import setup
from portal.auth.models import PasswordReset
from portal.auth.services import RESET_SUBJECT
from portal.extensions import db
from tests import factories
from tests.mailbox import deliver_now
from tests.records import audited, reload

NEW_PASSWORD = "a brand new and unusual passphrase"
LINK = re.compile(r"http://[^\s]+(/set-password/[A-Za-z0-9_-]{43})")


def invited(email: str = "new.teacher@example.org", language: str | None = None, org=None):
    person = factories.user("New Teacher", email=email, password=None, org=org, staff_role="school_staff")
    person.language = language
    setup.invite(person)
    db.session.commit()
    return person


def link_for(person) -> str:
    (email,) = [email for email in deliver_now() if email["To"] == person.email]
    return LINK.search(email.get_content()).group(1)


def test_the_link_sets_a_password_once_and_then_the_person_signs_in(app, world):
    person = invited(org=world.school)
    assert setup.with_open_invitation([person]) == {person.id}  # waiting in the outbox
    path = link_for(person)
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Choose your password" in page.text
    mismatched = client.post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"})
    assert mismatched.status_code == 422 and reload(person).password_hash == ""
    response = client.post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert setup.has_password(reload(person)) and not reload(person).must_change_password
    (entry,) = audited("password_set")
    assert entry.user_id == person.id
    # No "your password was reset" notice for a first password.
    assert [e for e in deliver_now() if e["To"] == person.email] == []
    signed_in = app.test_client().post("/login", data={"email": person.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/dashboard"
    # Used once: the same link now opens the page that offers a new one.
    again = app.test_client().get(path)
    assert again.status_code == 404 and "This link cannot be used" in again.text
    assert setup.with_open_invitation([person]) == set()


def test_an_expired_link_offers_a_new_one_that_works(app, world, frozen_clock):
    person = invited(org=world.school)
    path = link_for(person)
    frozen_clock.advance(days=app.config["ACCOUNT_SETUP_DAYS"], minutes=1)
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 404
    assert "This link cannot be used" in page.text and "Get a new link" in page.text
    assert 'action="/reset-password"' in page.text
    assert person.email not in page.text  # the page does not say whose link it was
    post = client.post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert post.status_code == 404 and reload(person).password_hash == ""
    # Asking again by address: the same answer as any reset request, and a fresh setup link
    # (not a reset: they never had a password), valid for days again.
    asked = client.post("/reset-password", data={"email": person.email.upper()})
    assert asked.status_code == 200
    (email,) = [email for email in deliver_now() if email["To"] == person.email]
    assert email["Subject"] != str(RESET_SUBJECT) and "choose your password" in email.get_content()
    fresh = LINK.search(email.get_content()).group(1)
    assert fresh != path
    frozen_clock.advance(days=app.config["ACCOUNT_SETUP_DAYS"] - 1)
    response = client.post(fresh, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and setup.has_password(reload(person))


def test_the_email_is_in_the_persons_language_and_names_nobody(app, world):
    person = invited("nueva@example.org", language="es", org=world.school)
    (email,) = [email for email in deliver_now() if email["To"] == person.email]
    body = email.get_content()
    assert "/set-password/" in body
    assert "Hello," not in body and "Hola" in body  # written in Spanish, not English
    assert world.school.name not in body and "New Teacher" not in body


def test_no_email_once_the_password_is_chosen_or_the_account_is_stopped(app, world):
    chosen = invited("chosen@example.org", org=world.school)
    chosen.password_hash = "chosen meanwhile"
    stopped = invited("stopped@example.org", org=world.school)
    stopped.active = False
    db.session.commit()
    assert [e for e in deliver_now() if e["To"] in (chosen.email, stopped.email)] == []
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0
