"""The session store: chosen from config, failing loudly on a wrong choice,
and in Redis laid out as promised (a hash per session that expires, a set
per account, no raw token, ended sessions kept with their reason, every key
under the configured prefix)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import TestingConfig
from portal import clock, create_app
from portal.access import policy
from portal.extensions import db
from portal.sessions import services as sessions
from portal.sessions.store import DatabaseStore, RedisStore, get_store, hash_token
from tests import signing_in
from tests.sessions.backends import redis_client


def test_the_store_follows_the_configuration(app, session_store):
    expected = RedisStore if session_store == "redis" else DatabaseStore
    assert isinstance(get_store(), expected)


def test_an_unknown_store_or_redis_without_an_address_stops_start_up():
    class Misspelt(TestingConfig):
        SESSION_STORE = "memcache"

    class NoAddress(TestingConfig):
        SESSION_STORE = "redis"
        REDIS_URL = ""

    with pytest.raises(RuntimeError, match="SESSION_STORE"):
        create_app(Misspelt)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app(NoAddress)


def test_listing_and_ending_sessions_work_alike_in_both_stores(app, world):
    caregiver = world.users[policy.CAREGIVER]
    first, second = app.test_client(), app.test_client()
    signing_in.sign_in(first, caregiver.email)
    signing_in.sign_in(second, caregiver.email)
    live = sessions.active_sessions(caregiver)
    assert len(live) == 2 and all(s.user_id == caregiver.id and s.ended_at is None for s in live)
    assert sessions.active_sessions(world.users[policy.CLINICIAN]) == []

    page = first.get("/account/").text
    assert page.count("This browser</strong>") == 1 and "Sign out everywhere else" in page
    assert first.post("/account/sessions/end-others").status_code == 302
    assert first.get("/dashboard").status_code == 200
    assert second.get("/dashboard").status_code == 302
    reasons = sorted(s.end_reason or "live" for s in sessions.session_history(caregiver))
    assert reasons == ["ended_elsewhere", "live"]


def test_redis_layout(app, world, session_store):
    if session_store != "redis":
        pytest.skip("the Redis layout is checked in the Redis run")
    caregiver = world.users[policy.CAREGIVER]
    client = app.test_client()
    signing_in.sign_in(client, caregiver.email)
    store = get_store()
    prefix = app.config["REDIS_KEY_PREFIX"]
    (record,) = sessions.active_sessions(caregiver)
    with redis_client() as redis:
        keys = set(redis.scan_iter(match=prefix + "*"))
        session_key = f"{prefix}session:{record.id}"
        user_key = f"{prefix}user:{caregiver.id}:sessions"
        assert {session_key, user_key} <= keys
        assert redis.smembers(user_key) == {record.id}
        fields = redis.hgetall(session_key)
        assert set(fields) <= {"user_id", "created_at", "last_seen_at", "ip", "ended_at", "end_reason"}
        absolute = app.config["SESSION_MAX_HOURS"] * 3600
        kept = app.config["SESSION_ENDED_KEPT_HOURS"] * 3600
        assert absolute < redis.ttl(session_key) <= absolute + kept
        # Only the token's hash is stored: the cookie's token appears nowhere.
        with client.session_transaction() as cookie:
            token = cookie[sessions.SESSION_KEY]
        assert record.id == hash_token(token)
        assert all(token not in key for key in keys)
        assert all(token not in value for value in fields.values())

        client.post("/logout")
        fields = redis.hgetall(session_key)
        assert fields["end_reason"] == "signed_out"
        assert 0 < redis.ttl(session_key) <= kept
        # An ended session cannot be touched or ended again, nor brought back.
        ended = store.find(token)
        store.touch(ended, clock.now() + timedelta(minutes=5))
        store.end(ended, "idle", clock.now())
        assert redis.hgetall(session_key) == fields
        redis.delete(session_key)
        store.touch(ended, clock.now())
        assert not redis.exists(session_key)
        # Listing drops the set's entries whose hash has expired.
        assert sessions.active_sessions(caregiver) == []
        assert not redis.exists(user_key)


def test_an_old_cookie_is_told_why_it_was_signed_out(app, world, login_as):
    """The ended session keeps its reason, in either store, so the page can say why."""
    caregiver = world.users[policy.CAREGIVER]
    client = app.test_client()
    signing_in.sign_in(client, caregiver.email)
    admin = login_as(world.org_admin, app.test_client())
    caregiver.organisation_id = world.school.id
    db.session.commit()
    assert admin.post(f"/admin/accounts/{caregiver.id}/end-sessions").status_code == 302
    assert client.get("/dashboard").status_code == 302
    assert {s.end_reason for s in sessions.session_history(caregiver)} == {"ended_by_admin"}
