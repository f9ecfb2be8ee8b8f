"""Nothing is kept longer than it should be (issue 18, pruning): with the
clock frozen, each kind of row just past its age is deleted and one just
inside it is kept, once an hour by the scheduler or at once from the command
line, and the log says how many, never which."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.access import policy
from portal.auth.models import PasswordReset, RecoveryCode
from portal.extensions import db
from portal.invitations.models import Invitation
from portal.notify.models import OutboxMessage
from portal.notify.scheduler import run_scheduled
from portal.ratelimits.models import RateLimitCounter
from portal.retention.pruning import prune
from portal.sessions.models import KeptDraft, UserSession

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def now(monkeypatch):
    frozen = clock.now().replace(minute=30, second=0, microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: frozen)
    return frozen


def _rows(world, now) -> dict[str, tuple[list, list]]:
    """(rows that must go, rows that must stay), by kind, each just past or just inside its age."""
    parent, clinician = world.users[policy.CAREGIVER], world.users[policy.CLINICIAN]
    config_days = 30  # OUTBOX_KEPT_DAYS and LINKS_KEPT_DAYS as config.py sets them
    past, inside = now - config_days * DAY - MINUTE, now - config_days * DAY + HOUR

    def email(n, **values):
        return OutboxMessage(dedupe_key=f"prune-{n}", to_address=f"person{n}@example.org", subject="s", body="b",
                             **values)

    def session(n, **values):
        values.setdefault("created_at", now - HOUR)
        values.setdefault("last_seen_at", now - 5 * MINUTE)
        return UserSession(user_id=parent.id, token_hash=f"{n:064d}", ip=f"203.0.113.{n}", **values)

    def reset(n, **values):
        return PasswordReset(user_id=parent.id, token_hash=f"{n + 100:064d}", created_at=now - 40 * DAY, **values)

    def invitation(n, **values):
        values.setdefault("expires_at", now + DAY)
        return Invitation(circle_id=world.circle.id, email=f"invited{n}@example.org", role=policy.CAREGIVER,
                          token_hash=f"{n + 200:064d}", invited_by_id=clinician.id,
                          invited_as_role=policy.CLINICIAN, created_at=now - 40 * DAY, **values)

    def code(n, **values):
        return RecoveryCode(user_id=parent.id, code_hash=f"{n + 300:064d}", created_at=now - 40 * DAY, **values)

    ended_kept, idle, most = 24 * HOUR, 30 * MINUTE, 12 * HOUR  # config.py's session ages
    return {
        "emails": (
            [email(1, sent_at=past, created_at=past), email(2, created_at=past)],
            [email(3, sent_at=inside, created_at=past), email(4, created_at=now - DAY)],
        ),
        "sessions": (
            [session(1, ended_at=now - ended_kept - MINUTE, end_reason="signed_out"),
             session(2, last_seen_at=now - ended_kept - idle - MINUTE),
             session(3, created_at=now - ended_kept - most - MINUTE)],
            [session(4, ended_at=now - ended_kept + MINUTE, end_reason="signed_out"), session(5)],
        ),
        "drafts": (
            [KeptDraft(user_id=parent.id, path="/a", fields={}, created_at=now - HOUR, used_at=now - MINUTE),
             KeptDraft(user_id=parent.id, path="/b", fields={"x": "typed"}, created_at=now - 24 * HOUR - MINUTE)],
            [KeptDraft(user_id=parent.id, path="/c", fields={"x": "typed"}, created_at=now - 23 * HOUR)],
        ),
        "resets": (
            [reset(1, expires_at=past), reset(2, expires_at=now + HOUR, used_at=past)],
            [reset(3, expires_at=inside), reset(4, expires_at=now + HOUR)],
        ),
        "invitations": (
            [invitation(1, accepted_at=past), invitation(2, revoked_at=past), invitation(3, expires_at=past)],
            [invitation(4), invitation(5, revoked_at=inside), invitation(6, expires_at=inside)],
        ),
        "codes": ([code(1, used_at=past)], [code(2, used_at=inside), code(3)]),
        "windows": (
            [RateLimitCounter(key="a" * 64, count=3, expires_at_ms=int((now - MINUTE).timestamp() * 1000))],
            [RateLimitCounter(key="b" * 64, count=3, expires_at_ms=int((now + MINUTE).timestamp() * 1000))],
        ),
    }


def _left(keys) -> list[bool]:
    return [db.session.get(model, key) is not None for model, key in keys]


def _add(world, now) -> dict[str, tuple[list, list]]:
    """The rows written, as (model, primary key) pairs: what is deleted can no longer be asked its id."""
    rows = _rows(world, now)
    for gone, kept in rows.values():
        db.session.add_all([*gone, *kept])
    db.session.commit()

    def keys(found):
        return [(type(row), row.key if isinstance(row, RateLimitCounter) else row.id) for row in found]

    return {kind: (keys(gone), keys(kept)) for kind, (gone, kept) in rows.items()}


def test_each_kind_goes_just_past_its_age_and_stays_just_inside_it(app, world, now, caplog):
    rows = _add(world, now)
    caplog.set_level(logging.INFO, logger="portal.retention.pruning")
    done = prune()
    db.session.expire_all()
    for kind, (gone, kept) in rows.items():
        assert _left(gone) == [False] * len(gone), kind
        assert _left(kept) == [True] * len(kept), kind
    assert done["emails sent"] == 1 and done["emails never delivered"] == 1 and done["sessions"] == 3
    assert done["kept drafts"] == 2 and done["invitations"] == 3 and done["reset links"] == 2
    # The log counts; it names no address, no session's IP, no typed text.
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "sessions 3" in logged
    for secret in ("@example.org", "203.0.113.", "typed", "/b"):
        assert secret not in logged


def test_the_scheduler_prunes_once_an_hour(app, world, now, monkeypatch):
    _add(world, now)
    assert run_scheduled()["rows pruned"] == 14
    db.session.add(OutboxMessage(dedupe_key="late", to_address="late@example.org", subject="s", body="b",
                                 created_at=now - 40 * DAY, sent_at=now - 40 * DAY))
    db.session.commit()
    assert run_scheduled()["rows pruned"] == 0  # this hour's prune is done, by whichever worker came first
    later = now + HOUR
    monkeypatch.setattr(clock, "now", lambda: later)
    # The late email, and the ended session and the draft that came of age in that hour.
    assert run_scheduled()["rows pruned"] == 3
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key == "late")) == 0


def test_the_ages_are_the_deployments(app, world, now):
    rows = _add(world, now)
    app.config.update(OUTBOX_KEPT_DAYS=60, LINKS_KEPT_DAYS=60)
    prune()
    db.session.expire_all()
    assert _left(rows["emails"][0]) == [True, True] and _left(rows["invitations"][0]) == [True, True, True]


def test_the_command_prunes_now_and_says_how_many(app, world, now):
    _add(world, now)
    result = app.test_cli_runner().invoke(args=["retention", "prune"])
    assert result.exit_code == 0, result.output
    assert "emails sent 1" in result.output and "sessions 3" in result.output
    assert "@" not in result.output
