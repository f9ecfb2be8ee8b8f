"""Notification settings and buttons against bad and hostile input (SECURITY.md,
figure 11), through the checks of tests/bad_input.py."""

from __future__ import annotations

from sqlalchemy import select

from portal.access import policy
from portal.circles.services import remove_member
from portal.extensions import db
from portal.notify.models import EVENT_KINDS, Notification, NotificationPreference
from tests import factories
from tests.bad_input import HOSTILE
from tests.web import forms_in


def _preferences(user) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return {row.kind: row.mode for row in rows}


def test_notification_settings_take_only_their_choices(app, world, login_as, poster):
    caregiver, other = world.users[policy.CAREGIVER], world.users[policy.CLINICIAN]
    client = login_as(caregiver, app.test_client())
    url = "/notifications/settings"
    valid = {kind: "digest" for kind in EVENT_KINDS}
    assert poster.send(client, url, valid, "notify.settings valid").status_code == 302
    saved = _preferences(caregiver)
    assert saved == valid
    refused = ["digested", "", "IMMEDIATE", "immediate ", "never", "1", "0", "none",
               HOSTILE["script"], HOSTILE["sql"], "x" * 5000]
    for kind in EVENT_KINDS:
        for value in refused:
            data = dict(valid, **{kind: value})
            data.update({k: "portal" for k in EVENT_KINDS if k != kind})
            label = f"notify.settings {kind}={value!r:.30}"
            response = poster.send(client, url, data, label)
            assert response.status_code == 422, label
            assert f'href="#{kind}"' in response.text, label
            # The other choices come back as they were made, not as they were saved.
            sent_back = dict(next(form for form in forms_in(response.text) if form["method"] == "post" and
                                  any(name == kind for name, _ in form["fields"]))["fields"])
            assert all(sent_back[k] == "portal" for k in EVENT_KINDS if k != kind), label
            assert _preferences(caregiver) == saved, label
    # Names that are not a kind of event are ignored, and nobody else's settings move.
    data = dict(valid, bogus_kind="immediate", user_id=str(other.id), **{"section_changed": "portal"})
    assert poster.send(client, url, data, "notify.settings extra names").status_code == 302
    assert _preferences(caregiver) == dict(valid, section_changed="portal")
    assert _preferences(other) == {}
    kinds = set(db.session.scalars(select(NotificationPreference.kind)))
    assert kinds <= set(EVENT_KINDS)


def _unread(notice_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Notification, notice_id).read_at is None


def test_notification_buttons_touch_only_ones_own_notices(app, world, login_as, poster):
    users = world.users
    caregiver, young_person = users[policy.CAREGIVER], users[policy.YOUNG_PERSON]
    factories.write_section(world.circle, "safety_plan", users[policy.CLINICIAN], "NOTICE")
    mine = db.session.scalars(select(Notification.id).where(Notification.user_id == caregiver.id)).all()
    theirs = db.session.scalars(select(Notification.id).where(Notification.user_id == young_person.id)).all()
    assert mine and theirs
    # A notice about a circle the person has left.
    leaver = factories.user("Leaving Caregiver")
    membership = factories.member(world.circle, leaver, policy.CAREGIVER, users[policy.CLINICIAN])
    factories.write_section(world.circle, "home_safety", users[policy.CLINICIAN], "NOTICE2")
    left_behind = db.session.scalars(
        select(Notification.id).where(Notification.user_id == leaver.id, Notification.section == "home_safety")
    ).one()
    remove_member(membership, users[policy.CLINICIAN])

    junk = {"csrf_token": HOSTILE["attribute"], "next": "https://evil.example/", "extra": HOSTILE["script"]}
    client = login_as(caregiver, app.test_client())
    for notice_id in theirs:
        for data in ({}, junk):
            response = poster.send(client, f"/notifications/{notice_id}/open", data, "another's notice")
            assert response.status_code == 404
            assert _unread(notice_id), "opening another person's notice marked it read"
    for url in ("/notifications/999999/open", "/notifications/0/open", "/notifications/-1/open",
                "/notifications/abc/open", f"/notifications/{mine[0]}%00/open"):
        assert poster.send(client, url, junk, url).status_code in (404, 405)
    leaver_client = login_as(leaver, app.test_client())
    response = poster.send(leaver_client, f"/notifications/{left_behind}/open", junk, "a left circle's notice")
    assert response.status_code == 404 and _unread(left_behind)
    # One's own: read, and sent on to an address inside the portal only.
    response = poster.send(client, f"/notifications/{mine[0]}/open", junk, "own notice")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/") and not response.headers["Location"].startswith("//")
    assert not _unread(mine[0])
    # Marking all as read reaches only one's own.
    for data in ({}, junk):
        response = poster.send(client, "/notifications/read", data, "mark all read")
        assert response.status_code == 302
    assert not any(_unread(notice_id) for notice_id in mine)
    assert all(_unread(notice_id) for notice_id in theirs)
    assert _unread(left_behind)
    # GET never changes anything.
    young_client = login_as(young_person, app.test_client())
    for url in (f"/notifications/{theirs[0]}/open", "/notifications/read"):
        assert young_client.get(url).status_code == 405
    assert all(_unread(notice_id) for notice_id in theirs)

