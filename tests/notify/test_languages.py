"""Notices and emails in each recipient's language (DESIGN.md, principle 13):
a notice is written in its reader's language whoever caused it, an email in
the language of the account it goes to, and a Spanish email keeps the promise
an English one makes: nothing of the plan, no name, no organisation."""

from __future__ import annotations

import email
import email.policy

import pytest
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import policy
from portal.extensions import db
from portal.languages import in_language
from portal.notify import outbox
from portal.notify import services as notify
from portal.notify.delivery import send_pending
from portal.notify.models import Notification, OutboxMessage
from portal.notify.outbox import Composed, compose, queue_composed
from portal.notify.scheduler import digests
from tests import factories
from tests.notify.catalogues import compile_catalogues

# Words no email may hold, in either language (tests/browser/test_journeys.py has the English).
NEVER_IN_EMAIL = (
    "self-harm", "self harm", "safety plan", "episode", "Lopez",
    "autolesión", "autolesion", "plan de seguridad", "episodio",
)


@pytest.fixture(scope="module", autouse=True)
def spanish_catalogue():
    compile_catalogues()


def parsed(raw: str):
    # The server's collector keeps the text; the message is parsed as the bytes it was.
    message = email.message_from_bytes(raw.encode("utf8"), policy=email.policy.default)
    return message["To"], str(message["Subject"]), message.get_body().get_content()


def notices(user):
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def speaks_spanish(user):
    user.language = "es"
    db.session.commit()
    return user


def assert_private(world, words: str, *markers: str) -> None:
    for secret in (*NEVER_IN_EMAIL, world.circle.young_person_name, world.clinic.name, world.school.name, *markers):
        assert secret.lower() not in words.lower(), secret


def test_a_notice_is_stored_in_each_recipients_language(app, world, mail_server):
    maria = speaks_spanish(world.users[policy.CAREGIVER])
    # Another caregiver, who reads English (no language of their own: the default).
    colleague = factories.user("Chris Lopez-Smith")
    factories.member(world.circle, colleague, policy.CAREGIVER, world.users[policy.CLINICIAN])
    db.session.commit()
    notify.tell(
        [notify.Recipient(maria, policy.CAREGIVER), notify.Recipient(colleague, policy.CAREGIVER)],
        "membership_changed",
        circle_id=world.circle.id,
        section=None,
        text=lambda role: _("You were added to %(name)s's circle.", name="Jordan"),
        link="/",
    )
    db.session.commit()
    english = "You were added to Jordan's circle."
    # The catalogue's words, whatever a read-through makes of them; never the English.
    with in_language("es"):
        spanish = _("You were added to %(name)s's circle.", name="Jordan")
    assert spanish != english and "Jordan" in spanish
    assert notices(maria)[-1].text == spanish
    assert notices(colleague)[-1].text == english


def test_a_use_of_the_school_plan_reads_in_spanish_for_a_spanish_caregiver(app, world, mail_server):
    maria = speaks_spanish(world.users[policy.CAREGIVER])
    factories.write_section(world.circle, "episodes", world.users[policy.SCHOOL_STAFF], "CANARY-EPISODE")
    (spanish,) = [n for n in notices(maria) if n.kind == "episode_recorded"]
    assert "plan escolar" in spanish.text and "Jordan" in spanish.text and "school" not in spanish.text
    (english,) = [n for n in notices(world.users[policy.CLINICIAN]) if n.kind == "episode_recorded"]
    assert "in-school plan was used for Jordan" in english.text


def test_a_plain_string_is_kept_as_given(app, world, mail_server):
    maria = speaks_spanish(world.users[policy.CAREGIVER])
    notify.tell([notify.Recipient(maria, policy.CAREGIVER)], "membership_changed", circle_id=None, section=None,
                text="Already written.", link="/")
    db.session.commit()
    assert notices(maria)[-1].text == "Already written."


def test_an_immediate_email_to_a_spanish_account_is_spanish_over_smtp(app, world, mail_server):
    maria = speaks_spanish(world.users[policy.CAREGIVER])
    factories.write_section(world.circle, "episodes", world.users[policy.SCHOOL_STAFF], "CANARY-EPISODE")
    send_pending()
    mails = {to: (subject, body) for to, subject, body in map(parsed, mail_server.messages)}
    subject, body = mails[maria.email]
    assert subject == "Hay algo nuevo en Support Circle"
    assert "Hay algo nuevo para que usted vea en Support Circle." in body
    assert "Inicie sesión para verlo: http" in body and "/notifications" in body
    assert "If someone" not in body
    assert_private(world, subject + body, "CANARY-EPISODE", maria.name)
    # The clinician's stays English.
    subject, body = mails[world.users[policy.CLINICIAN].email]
    assert subject == "Something new in Support Circle" and "There is something new for you to see" in body


def test_a_spanish_account_gets_one_something_new_email_whatever_its_language(app, world, mail_server):
    """Pending 'something new' emails are found by their key, not their (translated) subject."""
    maria = speaks_spanish(world.users[policy.CAREGIVER])
    for _n in range(2):
        factories.write_section(world.circle, "episodes", world.users[policy.SCHOOL_STAFF], "CANARY-EPISODE")
    db.session.expire_all()
    pending = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == maria.email)))
    assert len(pending) == 1 and pending[0].subject == "Hay algo nuevo en Support Circle"


def test_the_digest_is_written_in_the_accounts_language(app, world, mail_server, frozen_clock):
    maria = speaks_spanish(world.users[policy.CAREGIVER])
    db.session.add_all(
        Notification(user_id=maria.id, circle_id=world.circle.id, kind="section_changed", text="x", link="/",
                     email_state="digest")
        for _n in range(2)
    )
    db.session.commit()
    # Past the digest hour, wherever in the day the clock starts.
    for _hour in range(25):
        if digests():
            break
        frozen_clock.advance(hours=1)
    send_pending()
    (to, subject, body), = [parsed(raw) for raw in mail_server.messages]
    assert to == maria.email and subject == "Su resumen diario de Support Circle"
    assert "Tiene 2 novedades para ver en Support Circle." in body and "Inicie sesión para verlas" in body
    assert_private(world, subject + body, maria.name)


def test_a_composer_writes_in_the_language_of_the_account_using_the_address(app, world, mail_server, monkeypatch):
    """A feature's composer (a password reset) writes at sending time in the
    language of the account that uses the address; the default for none."""
    maria = speaks_spanish(world.users[policy.CAREGIVER])

    def hello(address):
        return Composed(_("Hello,"), address)

    monkeypatch.setitem(outbox._COMPOSERS, "test_language", hello)

    queue_composed("test_language", maria.email)
    queue_composed("test_language", world.users[policy.CLINICIAN].email)
    queue_composed("test_language", "nobody@example.org")
    db.session.commit()
    words = [compose(m).subject for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert words == ["Hola:", "Hello,", "Hello,"]
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
