"""An invitation in the language its inviter chose (DESIGN.md, principle 13):
the email is written in it, the page behind the link is shown in it unless
the visitor switches, and a new account made through it reads the portal in
it. A Spanish invitation names no more than an English one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import languages
from portal.access import policy
from portal.auth.models import User
from portal.extensions import db
from portal.invitations.models import Invitation
from portal.notify.models import OutboxMessage
from tests.invitations.test_invitations import NEW_PASSWORD, TOKEN_IN_LINK
from tests.notify.catalogues import compile_catalogues

CLINICIAN, CAREGIVER = policy.CLINICIAN, policy.CAREGIVER
NEVER_IN_EMAIL = (
    "self-harm", "self harm", "safety plan", "episode", "Lopez", "Jordan",
    "autolesión", "plan de seguridad", "episodio",
    # Who invites, from where, and as what.
    "Riverside", "Rivera", "clinician", "clínico", "caregiver", "cuidador", "Abuela",
)


@pytest.fixture(scope="module", autouse=True)
def spanish_catalogue():
    compile_catalogues()


@pytest.fixture
def clinician_client(app, world, login_as):
    return login_as(world.users[CLINICIAN], app.test_client())


def invite(client, circle_id, email, **extra):
    data = {"email": email, "role": CAREGIVER, "relationship_label": "Abuela", **extra}
    return client.post(f"/circles/{circle_id}/invitations", data=data)


def last_email() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()


def invitation_to(email: str) -> Invitation:
    db.session.expire_all()
    return db.session.scalars(select(Invitation).where(Invitation.email == email)).one()


def test_the_invite_form_offers_the_languages_and_starts_with_the_page_language(app, world, clinician_client):
    page = clinician_client.get(f"/circles/{world.circle.id}/invitations?lang=es")
    languages_select = re.search(r'<select[^>]*name="language".*?</select>', page.text, re.S).group(0)
    assert set(re.findall(r'<option[^>]*value="(\w+)"', languages_select)) == set(app.config["LANGUAGES"])
    assert re.search(r'<option[^>]*selected[^>]*value="es"|<option[^>]*value="es"[^>]*selected', languages_select)


def test_a_spanish_invitation_is_emailed_in_spanish_and_says_nothing_more(app, world, clinician_client):
    # The clinician reads English; the grandmother, Spanish.
    assert invite(clinician_client, world.circle.id, "abuela@example.org", language="es").status_code == 302
    invitation = invitation_to("abuela@example.org")
    assert invitation.language == "es"
    message = last_email()
    assert message.to_address == "abuela@example.org"
    assert message.subject == "Tiene una invitación a Support Circle"
    assert "Le invitaron a unirse a Support Circle." in message.body
    assert "El enlace funciona una sola vez." in message.body
    with languages.in_language("es"):
        expiry = languages.moment(invitation.expires_at, "datetime_zone")
    assert " de " in expiry and f"antes del {expiry}:" in message.body
    assert "Hello" not in message.body and "invited" not in message.body
    words = (message.subject + message.body).lower()
    for secret in (*NEVER_IN_EMAIL, world.clinic.name, world.circle.young_person_name):
        assert secret.lower() not in words, secret


def test_without_a_choice_the_invitation_takes_the_inviters_page_language(app, world, clinician_client):
    invite(clinician_client, world.circle.id, "uncle@example.org")
    assert invitation_to("uncle@example.org").language == "en"
    assert last_email().subject == "You are invited to Support Circle"
    world.users[CLINICIAN].language = "es"
    db.session.commit()
    invite(clinician_client, world.circle.id, "tia@example.org")
    assert invitation_to("tia@example.org").language == "es"
    assert last_email().subject == "Tiene una invitación a Support Circle"


def test_the_page_behind_the_link_is_in_the_invitations_language_unless_switched(app, world, clinician_client):
    invite(clinician_client, world.circle.id, "abuela@example.org", language="es")
    token = TOKEN_IN_LINK.search(last_email().body).group(1)
    page = app.test_client().get(f"/invitations/{token}")
    assert page.status_code == 200
    assert '<html lang="es"' in page.text
    assert "Un profesional clínico de Riverside" in page.text and "le ha invitado a unirse a un círculo de apoyo" in page.text
    visitor = app.test_client()
    switched = visitor.get(f"/invitations/{token}?lang=en")
    assert '<html lang="en"' in switched.text and "A clinician at Riverside" in switched.text
    # The switch holds while they go on (a form sent back with a mistake).
    again = visitor.post(f"/invitations/{token}", data={"name": "", "password": "", "password_again": ""})
    assert again.status_code == 422 and '<html lang="en"' in again.text


def test_a_new_account_made_from_a_spanish_invitation_reads_spanish(app, world, clinician_client):
    invite(clinician_client, world.circle.id, "abuela@example.org", language="es")
    token = TOKEN_IN_LINK.search(last_email().body).group(1)
    response = app.test_client().post(
        f"/invitations/{token}", data={"name": "Rosa", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response.status_code == 302
    account = db.session.scalars(select(User).where(User.email == "abuela@example.org")).one()
    assert account.language == "es"
