"""The young person's say in sharing (DESIGN.md, principle 10): who decides,
a guardian's word refused when they do, their disagreement told to the
clinicians without its words, sharing without agreement told to them, and
the page that tells them all this."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notify.models import Notification, OutboxMessage
from portal.sharing import services
from portal.sharing.models import Agreement, DecidingRecord, Disagreement, Disclosure

WORDS = "MY-OWN-WORDS-7731"


def client_for(app, login_as, world, role):
    return login_as(world.users[role], app.test_client())


def sharing_url(world, tail=""):
    return f"/circles/{world.circle.id}/sharing{tail}"


def they_decide(app, login_as, world, answer="yes"):
    clinician = client_for(app, login_as, world, policy.CLINICIAN)
    response = clinician.post(sharing_url(world, "/deciding"), data={"deciding-decides": answer})
    assert response.status_code == 302
    return response


def notices(user, kind):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)))


def selected(page: str, name: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
    return next(filter(None, found.groups())) if found else None


def test_the_clinicians_record_of_who_decides_keeps_its_history(app, world, login_as):
    they_decide(app, login_as, world, "yes")
    they_decide(app, login_as, world, "no")
    rows = db.session.scalars(select(DecidingRecord).order_by(DecidingRecord.id)).all()
    assert [row.they_decide for row in rows] == [True, False]
    from portal.access.queries import they_decide as in_force

    assert in_force(world.circle.id) is False
    # Only a clinician's judgement: a caregiver cannot record it.
    caregiver = client_for(app, login_as, world, policy.CAREGIVER)
    assert caregiver.post(sharing_url(world, "/deciding"), data={"deciding-decides": "no"}).status_code == 403


def test_a_guardian_alone_cannot_share_when_they_decide_on_the_form(app, world, login_as):
    caregiver = client_for(app, login_as, world, policy.CAREGIVER)
    # Before the clinician's record the caregiver is offered the guardian's word.
    before = caregiver.get(sharing_url(world)).text
    assert 'value="guardian"' in before
    they_decide(app, login_as, world)
    page = caregiver.get(sharing_url(world)).text
    # No form now, and the reason why instead.
    assert 'name="agreed_by"' not in page
    assert "Jordan decides about sharing for themselves" in page and "Only Jordan can agree" in page
    # A form opened before the record, sent after it: refused with the reason, their choice kept.
    response = caregiver.post(sharing_url(world), data={"share": "safety_plan:school_contact", "agreed_by": "guardian"})
    assert response.status_code == 422
    assert "Only Jordan can agree to share this" in response.text
    assert selected(response.text, "agreed_by") == "guardian"
    assert selected(response.text, "share") == "safety_plan:school_contact"
    assert db.session.scalars(select(Agreement)).all() == []
    # The clinician is offered only the young person's word now.
    clinician_page = client_for(app, login_as, world, policy.CLINICIAN).get(sharing_url(world)).text
    assert 'value="young_person"' in clinician_page and 'value="guardian"' not in clinician_page
    refused = client_for(app, login_as, world, policy.CLINICIAN).post(
        sharing_url(world), data={"share": "safety_plan:school_contact", "agreed_by": "guardian"}
    )
    assert refused.status_code == 422 and db.session.scalars(select(Agreement)).all() == []


def test_the_service_refuses_a_guardians_word_alone_when_they_decide(app, world):
    clinician, caregiver, young = (world.users[r] for r in (policy.CLINICIAN, policy.CAREGIVER, policy.YOUNG_PERSON))
    services.record_deciding(world.circle.id, True, clinician)
    for actor, agreed_by, key in ((caregiver, "guardian", "they_decide"), (caregiver, "both", "they_decide"),
                                  (clinician, "guardian", "they_decide")):
        with pytest.raises(services.AgreementRefused) as refused:
            services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, agreed_by, None, actor)
        assert refused.value.key == key
        assert "Jordan decides about sharing for themselves" in refused.value.reason and "Only Jordan can agree" in refused.value.reason
    assert db.session.scalars(select(Agreement)).all() == []
    services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "young_person", None, young)
    assert len(db.session.scalars(select(Agreement)).all()) == 1


def test_when_they_do_not_decide_a_guardian_may_agree_and_they_are_told_whose_word(app, world, login_as):
    caregiver = client_for(app, login_as, world, policy.CAREGIVER)
    response = caregiver.post(sharing_url(world), data={"share": "safety_plan:school_contact", "agreed_by": "guardian"})
    assert response.status_code == 302
    told = notices(world.users[policy.YOUNG_PERSON], "agreement_changed")
    assert len(told) == 1, "told once, in their own words, not twice"
    assert told[0].text.startswith("Your safety plan is now shared with the school contact, as a parent or guardian agreed.")
    # The others who read it hear the usual notice.
    assert len(notices(world.users[policy.CLINICIAN], "agreement_changed")) == 1


def test_their_disagreement_reaches_the_clinicians_without_its_words(app, world, login_as):
    agreement = services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "guardian", None, world.users[policy.CAREGIVER])
    young = client_for(app, login_as, world, policy.YOUNG_PERSON)
    form_page = young.get(sharing_url(world)).text
    assert f'value="agreement:{agreement.id}"' in form_page
    response = young.post(sharing_url(world, "/disagreements"),
                          data={"disagree-about": f"agreement:{agreement.id}", "disagree-words": WORDS})
    assert response.status_code == 302
    row = db.session.scalars(select(Disagreement)).one()
    assert row.agreement_id == agreement.id and row.words == WORDS
    # The clinician is told, and the notice holds no words of theirs.
    told = notices(world.users[policy.CLINICIAN], "disagreement_recorded")
    assert len(told) == 1 and WORDS not in told[0].text
    assert all(WORDS not in m.body and WORDS not in m.subject for m in db.session.scalars(select(OutboxMessage)))
    assert all(WORDS not in repr(vars(e)) for e in db.session.scalars(select(AuditEvent)))
    # Nobody else is told.
    for role in (policy.CAREGIVER, policy.SCHOOL_CONTACT, policy.YOUNG_PERSON):
        assert notices(world.users[role], "disagreement_recorded") == []
    # The clinician and the young person read it; a caregiver does not.
    clinician = client_for(app, login_as, world, policy.CLINICIAN)
    assert WORDS in clinician.get(sharing_url(world)).text
    assert WORDS in young.get(sharing_url(world)).text
    assert WORDS not in client_for(app, login_as, world, policy.CAREGIVER).get(sharing_url(world)).text
    # A clinician marks it talked over; it stays in the history.
    done = clinician.post(sharing_url(world, "/disagreements/talked-over"), data={"disagreement_id": row.id})
    assert done.status_code == 302
    db.session.refresh(row)
    assert row.answered_at is not None and row.answered_by_id == world.users[policy.CLINICIAN].id
    assert "Talked over" in young.get(sharing_url(world)).text


def test_they_can_disagree_with_the_record_of_who_decides(app, world, login_as):
    record = services.record_deciding(world.circle.id, False, world.users[policy.CLINICIAN])
    young = client_for(app, login_as, world, policy.YOUNG_PERSON)
    response = young.post(sharing_url(world, "/disagreements"), data={"disagree-about": f"deciding:{record.id}"})
    assert response.status_code == 302
    assert db.session.scalars(select(Disagreement)).one().deciding_record_id == record.id


def test_another_circles_disagreement_cannot_be_marked(app, world, login_as):
    other = services.record_deciding(world.other_circle.id, False, world.outsider)
    theirs = Disagreement(circle_id=world.other_circle.id, deciding_record_id=other.id, words="", recorded_by_id=world.outsider.id)
    db.session.add(theirs)
    db.session.commit()
    clinician = client_for(app, login_as, world, policy.CLINICIAN)
    assert clinician.post(sharing_url(world, "/disagreements/talked-over"), data={"disagreement_id": theirs.id}).status_code == 404
    assert clinician.post(sharing_url(world, "/disagreements/talked-over"), data={"disagreement_id": "x"}).status_code == 302
    db.session.refresh(theirs)
    assert theirs.answered_at is None


def test_bad_input_keeps_what_was_typed(app, world, login_as):
    clinician = client_for(app, login_as, world, policy.CLINICIAN)
    response = clinician.post(sharing_url(world, "/disclosures"), data={
        "disclosure-shared_what": "That you said TYPED-WHAT", "disclosure-shared_with": "TYPED-WITH",
        "disclosure-why": "", "disclosure-shared_on": clock.today().isoformat(),
    })
    assert response.status_code == 422
    assert "Please say why." in response.text
    assert "TYPED-WHAT" in response.text and 'value="TYPED-WITH"' in response.text
    assert db.session.scalars(select(Disclosure)).all() == []
    # A date ahead of today is refused too, with the words kept.
    future = clinician.post(sharing_url(world, "/disclosures"), data={
        "disclosure-shared_what": "W", "disclosure-shared_with": "TYPED-WITH", "disclosure-why": "TYPED-WHY",
        "disclosure-shared_on": "2999-01-01",
    })
    assert future.status_code == 422 and "TYPED-WHY" in future.text
    assert clinician.post(sharing_url(world, "/deciding"), data={"deciding-decides": ""}).status_code == 422

    agreement = services.record(world.circle.id, "safety_plan", policy.SCHOOL_CONTACT, "guardian", None, world.users[policy.CAREGIVER])
    young = client_for(app, login_as, world, policy.YOUNG_PERSON)
    long_words = "TYPED-LONG " * 300
    response = young.post(sharing_url(world, "/disagreements"),
                          data={"disagree-about": f"agreement:{agreement.id}", "disagree-words": long_words})
    assert response.status_code == 422 and "under 2000 characters" in response.text
    assert long_words.strip() in response.text
    assert selected(response.text, "disagree-about") == f"agreement:{agreement.id}"
    nothing = young.post(sharing_url(world, "/disagreements"), data={"disagree-words": "TYPED-NO-CHOICE"})
    assert nothing.status_code == 422 and "TYPED-NO-CHOICE" in nothing.text
    assert db.session.scalars(select(Disagreement)).all() == []


def test_shared_without_agreement_is_told_to_them_and_shown_them(app, world, login_as):
    contact = client_for(app, login_as, world, policy.SCHOOL_CONTACT)
    response = contact.post(sharing_url(world, "/disclosures"), data={
        "disclosure-shared_what": "That you told me SECRET-WHAT", "disclosure-shared_with": "your mother",
        "disclosure-why": "You said SECRET-WHY", "disclosure-shared_on": clock.today().isoformat(),
    })
    assert response.status_code == 302
    told = notices(world.users[policy.YOUNG_PERSON], "shared_without_agreement")
    assert len(told) == 1 and "SECRET" not in told[0].text and "mother" not in told[0].text
    assert all("SECRET" not in m.body for m in db.session.scalars(select(OutboxMessage)))
    young = client_for(app, login_as, world, policy.YOUNG_PERSON)
    for page in (young.get(sharing_url(world, "/your-say")).text, young.get(sharing_url(world)).text):
        assert "SECRET-WHAT" in page and "SECRET-WHY" in page and "your mother" in page
    # Those the policy does not show it to do not read it.
    for role in (policy.CAREGIVER, policy.SCHOOL_STAFF, policy.PRIMARY_CARE):
        client = client_for(app, login_as, world, role)
        assert "SECRET-WHAT" not in client.get(sharing_url(world)).text
        assert "SECRET-WHAT" not in client.get(sharing_url(world, "/your-say")).text
    assert client_for(app, login_as, world, policy.CAREGIVER).post(
        sharing_url(world, "/disclosures"), data={"disclosure-why": "x"}).status_code == 403


def test_the_your_say_page_speaks_to_them_and_about_them_by_name(app, world, login_as):
    app.config["SHARING_WITHOUT_AGREEMENT"] = ("DEPLOYMENT-PARAGRAPH-ONE", "DEPLOYMENT-PARAGRAPH-TWO")
    young = client_for(app, login_as, world, policy.YOUNG_PERSON).get(sharing_url(world, "/your-say")).text
    assert "Your say in sharing" in young and "the young person" not in young.lower()
    assert "DEPLOYMENT-PARAGRAPH-ONE" in young and "DEPLOYMENT-PARAGRAPH-TWO" in young
    # What the school contact would see of progress, from the policy's field list.
    assert "only week of, asked for help sooner, average sleep (hours a night)" in young
    assert "Your parents or carers" in young
    clinician = client_for(app, login_as, world, policy.CLINICIAN).get(sharing_url(world, "/your-say")).text
    assert "Jordan's say in sharing" in clinician and "Jordan&#39;s parents or carers" in clinician
    assert "DEPLOYMENT-PARAGRAPH-ONE" in clinician
    # Linked from every sharing page, and from the young person's dashboard only.
    for role in policy.ROLES:
        assert f"/circles/{world.circle.id}/sharing/your-say" in client_for(app, login_as, world, role).get(sharing_url(world)).text
    assert sharing_url(world, "/your-say") in client_for(app, login_as, world, policy.YOUNG_PERSON).get("/dashboard").text
    assert sharing_url(world, "/your-say") not in client_for(app, login_as, world, policy.CAREGIVER).get("/dashboard").text


def test_the_words_for_sharing_without_agreement_are_the_portals_own_or_the_deployments_per_language(app, world, login_as):
    young = client_for(app, login_as, world, policy.YOUNG_PERSON)
    # Left at its default: the portal's own words, in the page's language.
    app.config["SHARING_WITHOUT_AGREEMENT"] = ()
    assert "Most of the time, nothing beyond what is listed above is shared unless you agree." in young.get(
        sharing_url(world, "/your-say")).text
    # The deployment's words for one language, and for every other.
    app.config["SHARING_WITHOUT_AGREEMENT"] = ("DEPLOYMENT-FOR-EVERY-LANGUAGE",)
    app.config["SHARING_WITHOUT_AGREEMENT_ES"] = ("DEPLOYMENT-EN-ESPANOL",)
    spanish = young.get(sharing_url(world, "/your-say?lang=es")).text
    assert "DEPLOYMENT-EN-ESPANOL" in spanish and "DEPLOYMENT-FOR-EVERY-LANGUAGE" not in spanish
    english = young.get(sharing_url(world, "/your-say?lang=en")).text
    assert "DEPLOYMENT-FOR-EVERY-LANGUAGE" in english and "DEPLOYMENT-EN-ESPANOL" not in english
