"""The audit record is tamper-evident (SECURITY.md, "Audit"; figure 16): each
entry is chained by hash to the one before, on every way an entry is written,
without forks when writers run at once; `flask audit verify` says OK with the
count, or names the first entry that does not fit and exits non-zero.

Every test of the suite also ends with the chain verified (tests/conftest.py);
the tests here that break it on purpose say so with a mark.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, select, text

from portal import clock
from portal.access import policy
from portal.audit import chain
from portal.audit.models import AuditChainHead, AuditEvent, AuditRecordIsFinal, AuditShown
from portal.audit.services import View, record, record_views
from portal.extensions import db
from portal.followup import services as followup_services
from tests import factories
from tests.concurrency import first_holds_second_tries, in_thread
from tests.conftest import CHAIN_FIGURES
from tests.mailbox import deliver_now
from tests.web import add

tampered = pytest.mark.audit_chain_tampered
_run = {}


@pytest.fixture(autouse=True)
def _figures_go_to(request):
    _run["config"] = request.config


def entries() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def hashed(entry: AuditEvent) -> dict:
    """What an entry's hash covers: its fields, and the lines of what it showed (the weekly sheet's, version 2)."""
    shown = [tuple(line) for line in db.session.execute(
        select(AuditShown.circle_id, AuditShown.role, AuditShown.section).where(AuditShown.seq == entry.seq))]
    return {**{name: getattr(entry, name) for name in chain.HASHED_FIELDS}, chain.SHOWN: shown}


def verify_command(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def a_day_of_use(app, world, login_as) -> None:
    """A realistic run through every way an entry is written: pages viewed (after
    the response), changes, sign-ins good and bad, a refusal, a sheet across many
    circles, a calendar app, the sender's reset link, an admin's changes."""
    users = world.users
    clinician, contact, caregiver = users[policy.CLINICIAN], users[policy.SCHOOL_CONTACT], users[policy.CAREGIVER]
    factories.write_section(world.circle, "school_plan", contact, "CHAIN-SP")
    factories.write_section(world.circle, "adjustments", contact, "CHAIN-ADJ",
                            start_date=clock.today(), end_date=clock.today() + timedelta(days=2))
    factories.write_section(world.circle, "follow_ups", clinician, "CHAIN-FU", kind="appointment",
                            status="scheduled", due_at=clock.now() + timedelta(days=1))
    client = app.test_client()
    client.post("/login", data={"email": caregiver.email, "password": "not the password at all"})
    client.post("/login", data={"email": caregiver.email, "password": factories.PASSWORD})
    for user, url in ((caregiver, f"/circles/{world.circle.id}/plan/school_plan"),
                      (users[policy.SCHOOL_STAFF], f"/circles/{world.circle.id}/plan/clinical"),
                      (contact, "/school/caseload"), (contact, "/school/this-week"),
                      (clinician, "/clinician/caseload"), (clinician, "/dashboard"), (caregiver, "/notifications")):
        login_as(user, app.test_client()).get(url)
    token = followup_services.renew_feed(clinician)
    app.test_client().get(f"/calendar/{token}.ics")
    app.test_client().post("/reset-password", data={"email": caregiver.email})
    deliver_now()
    admin = login_as(world.org_admin, app.test_client())
    admin.post(f"/admin/accounts/{users[policy.SCHOOL_STAFF].id}/deactivate")
    admin.post(f"/admin/accounts/{users[policy.SCHOOL_STAFF].id}/reactivate")


def test_every_entry_is_chained_to_the_one_before_and_the_chain_verifies(app, world, login_as):
    a_day_of_use(app, world, login_as)
    chained = entries()
    actions = {entry.action for entry in chained}
    assert {"view", "sign_in", "denied", "create", "calendar_feed", "notifications_viewed",
            "password_reset_requested", "account_deactivated", "member_added"} <= actions
    assert [entry.seq for entry in chained] == list(range(1, len(chained) + 1))
    previous = chain.GENESIS
    for entry in chained:
        assert entry.prev_hash == previous
        assert entry.entry_hash == chain.entry_hash(hashed(entry), entry.prev_hash)
        previous = entry.entry_hash
    head = db.session.get(AuditChainHead, chain.HEAD_ID)
    assert (head.last_seq, head.last_hash) == (len(chained), previous)
    result = verify_command(app)
    assert result.exit_code == 0, result.output
    assert f"OK: {len(chained)} audit entries" in result.output and previous in result.output


def test_an_empty_record_verifies_and_the_chain_starts_at_genesis(app):
    assert "OK: 0 audit entries" in verify_command(app).output
    record("sign_in")
    db.session.commit()
    (first,) = entries()
    assert (first.seq, first.prev_hash) == (1, chain.GENESIS)
    assert verify_command(app).exit_code == 0


def test_a_rolled_back_transaction_or_savepoint_leaves_the_chain_whole(app, world):
    record("sign_in", outcome="kept")
    db.session.commit()
    record("sign_in", outcome="undone")
    db.session.flush()
    db.session.rollback()
    record("sign_in", outcome="kept again")
    savepoint = db.session.begin_nested()
    record("sign_in", outcome="undone in savepoint")
    db.session.flush()
    savepoint.rollback()
    record("sign_in", outcome="after savepoint")
    db.session.commit()
    outcomes = [entry.outcome for entry in entries()]
    assert "undone" not in outcomes and "undone in savepoint" not in outcomes
    assert outcomes[-3:] == ["kept", "kept again", "after savepoint"]
    assert verify_command(app).exit_code == 0


def test_the_application_still_cannot_change_or_delete_an_entry_or_the_head(app, world):
    entry = entries()[0]
    entry.action = "view"
    with pytest.raises(AuditRecordIsFinal):
        db.session.commit()
    db.session.rollback()
    head = db.session.get(AuditChainHead, chain.HEAD_ID)
    head.last_seq = 1
    with pytest.raises(AuditRecordIsFinal):
        db.session.commit()
    db.session.rollback()
    db.session.add(AuditChainHead(id=2, last_seq=0, last_hash=chain.GENESIS))
    with pytest.raises(AuditRecordIsFinal):
        db.session.commit()
    db.session.rollback()
    assert verify_command(app).exit_code == 0


# --- Tampering, straight in the database, past the application's guard ---------------


def _broken(app, at: int | None, words: str) -> str:
    result = verify_command(app)
    assert result.exit_code == 1, result.output
    where = f"BROKEN at audit entry {at}:" if at is not None else "BROKEN at its end:"
    assert where in result.output and words in result.output, result.output
    add(_run["config"], CHAIN_FIGURES, "tamperings found by `flask audit verify`")
    return result.output


def _middle(app, world, login_as) -> tuple[list[AuditEvent], AuditEvent]:
    a_day_of_use(app, world, login_as)
    chained = entries()
    assert len(chained) > 20
    return chained, chained[len(chained) // 2]


def _other_value(column: str, current, world):
    """A value the column does not hold now."""
    if column in ("prev_hash", "entry_hash"):
        return ("f" if current != "f" * 64 else "e") * 64
    if column == "at":
        return "2020-01-01 00:00:00.000000"
    if column in ("user_id", "circle_id"):
        return None if current is not None else (world.users[policy.CAREGIVER].id if column == "user_id" else world.circle.id)
    return {"action": "view", "outcome": "ok", "ip": "10.0.0.1"}[column] if current != {
        "action": "view", "outcome": "ok", "ip": "10.0.0.1"}[column] else "changed"


@tampered
@pytest.mark.parametrize("column", ["action", "user_id", "circle_id", "outcome", "ip", "at", "prev_hash", "entry_hash"])
def test_a_changed_entry_is_found(app, world, login_as, column):
    _, victim = _middle(app, world, login_as)
    value = _other_value(column, getattr(victim, column), world)
    # Straight in the database, past the application's guard.
    db.session.execute(text(f"UPDATE audit_event SET {column} = :value WHERE id = :id"), {"value": value, "id": victim.id})  # noqa: S608 - a column name from the list above
    db.session.commit()
    _broken(app, victim.id, "its content does not match its hash: it was changed")


@tampered
def test_a_removed_entry_is_found_at_the_entry_after_it(app, world, login_as):
    chained, victim = _middle(app, world, login_as)
    after_id, victim_id, victim_seq = chained[chained.index(victim) + 1].id, victim.id, victim.seq
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": victim_id})
    db.session.commit()
    _broken(app, after_id, f"the entry numbered {victim_seq} before it is missing")


@tampered
def test_removed_last_entries_are_found_by_the_head(app, world):
    chained = entries()
    db.session.execute(text("DELETE FROM audit_event WHERE seq > :seq"), {"seq": chained[-3].seq})
    db.session.commit()
    _broken(app, None, f"the chain ends after entry {chained[-3].id}, but the head records {len(chained)} entries")


@tampered
def test_an_entry_slipped_in_is_found(app, world, login_as):
    chained, victim = _middle(app, world, login_as)
    # A made-up entry at the end, with a hash that fits the chain, but the head not moved:
    last = chained[-1]
    forged = {"at": clock.now(), "user_id": None, "role": None, "circle_id": world.circle.id, "section": "safety_plan",
              "item_id": None, "subject_user_id": None, "action": "view", "outcome": "ok", "endpoint": None,
              "ip": None, "seq": last.seq + 1, "prev_hash": last.entry_hash}
    forged["entry_hash"] = chain.entry_hash(forged, last.entry_hash)
    db.session.execute(AuditEvent.__table__.insert().values(**forged))
    db.session.commit()
    (slipped,) = [entry for entry in entries() if entry.seq == last.seq + 1]
    _broken(app, slipped.id, "it lies beyond the end of the chain")
    # And one slipped between two entries, renumbering those after it, without their hashes.
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == slipped.id))
    # The lines of what the renumbered entries showed move with them (lifted
    # first: PostgreSQL holds them to their entry's place).
    moved = [dict(line._mapping) for line in db.session.execute(
        select(AuditShown.seq, AuditShown.circle_id, AuditShown.role, AuditShown.section)
        .where(AuditShown.seq > victim.seq))]
    db.session.execute(text("DELETE FROM audit_shown WHERE seq > :seq"), {"seq": victim.seq})
    db.session.execute(text("UPDATE audit_event SET seq = seq + 1000000 WHERE seq > :seq"), {"seq": victim.seq})
    db.session.execute(text("UPDATE audit_event SET seq = seq - 999999 WHERE seq > 1000000"))
    if moved:
        db.session.execute(AuditShown.__table__.insert(), [{**line, "seq": line["seq"] + 1} for line in moved])
    between = {**forged, "seq": victim.seq + 1, "prev_hash": victim.entry_hash}
    between["entry_hash"] = chain.entry_hash(between, victim.entry_hash)
    db.session.execute(AuditEvent.__table__.insert().values(**between))
    db.session.commit()
    after = chained[chained.index(victim) + 1]
    _broken(app, after.id, "does not match its hash")


SEAL_WRONG = "the chain head's seal does not match it"


def _kept(app) -> tuple[str, str]:
    """The entry number and hash an operator keeps from a verify."""
    output = verify_command(app).output
    return output.split("--expect-seq ")[1].split()[0], output.split("--expect-hash ")[1].split()[0].rstrip(".")


def _forge_head(seq: int, last_hash: str) -> None:
    """What someone with the database but not the key can do: move the head, keeping or dropping its seal."""
    db.session.execute(text("UPDATE audit_chain_head SET last_seq = :seq, last_hash = :hash"), {"seq": seq, "hash": last_hash})
    db.session.commit()


@tampered
def test_removed_last_entries_with_the_head_moved_back_to_match_are_found_by_its_seal(app, world, login_as):
    a_day_of_use(app, world, login_as)
    chained = entries()
    keep = chained[-3]
    db.session.execute(text("DELETE FROM audit_event WHERE seq > :seq"), {"seq": keep.seq})
    db.session.commit()
    _forge_head(keep.seq, keep.entry_hash)
    _broken(app, None, SEAL_WRONG)
    # The next entry the application writes does not reseal it: the tampering keeps showing.
    record("sign_in")
    db.session.commit()
    _broken(app, None, SEAL_WRONG)
    # Nor does a seal copied from another head: it covers that head's place and hash, not these.
    db.session.execute(text("UPDATE audit_chain_head SET head_mac = :mac"), {"mac": chain.head_mac("guess", 1, keep.entry_hash)})
    db.session.commit()
    _broken(app, None, SEAL_WRONG)


@tampered
def test_a_whole_rewrite_is_found(app, world, login_as):
    """Every entry from one on rewritten and rehashed, and the head moved to
    match: without the key the head cannot be sealed to fit."""
    chained, victim = _middle(app, world, login_as)
    kept_seq, kept_hash = _kept(app)
    # Each entry's lines of what it showed stay where they are, with its place in the chain.
    rows = [hashed(entry) for entry in chained[chained.index(victim) + 1:]]
    last_seq, last_hash = victim.seq - 1, victim.prev_hash
    db.session.execute(text("DELETE FROM audit_shown WHERE seq >= :seq"), {"seq": victim.seq})
    db.session.execute(text("DELETE FROM audit_event WHERE seq >= :seq"), {"seq": victim.seq})
    lines = []
    for row in rows:
        last_seq += 1
        row["seq"], row["prev_hash"] = last_seq, last_hash
        last_hash = row["entry_hash"] = chain.entry_hash(row, last_hash)
        lines += [{"seq": last_seq, "circle_id": c, "role": r, "section": k} for c, r, k in row.pop(chain.SHOWN)]
    db.session.execute(AuditEvent.__table__.insert(), rows)
    if lines:
        db.session.execute(AuditShown.__table__.insert(), lines)
    db.session.commit()
    _forge_head(last_seq, last_hash)
    _broken(app, None, SEAL_WRONG)
    # And against what the operator kept: the chain no longer passes through it.
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--expect-seq", kept_seq, "--expect-hash", kept_hash])
    assert result.exit_code == 1, result.output


def test_the_chain_verifies_against_what_was_kept_and_not_against_anything_else(app, world, login_as):
    a_day_of_use(app, world, login_as)
    kept_seq, kept_hash = _kept(app)
    record("sign_in")  # the chain grows after the operator kept its end
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify", "--expect-seq", kept_seq, "--expect-hash", kept_hash])
    assert ok.exit_code == 0 and f"It passes through entry {kept_seq} as kept." in ok.output, ok.output
    assert runner.invoke(args=["audit", "verify", "--expect-seq", "0", "--expect-hash", chain.GENESIS]).exit_code == 0
    for seq, hash_ in ((kept_seq, "f" * 64), (str(int(kept_seq) + 1000), kept_hash), ("0", kept_hash)):
        result = runner.invoke(args=["audit", "verify", "--expect-seq", seq, "--expect-hash", hash_])
        assert result.exit_code == 1 and "BROKEN against what was kept" in result.output, result.output
    assert runner.invoke(args=["audit", "verify", "--expect-seq", kept_seq]).exit_code == 2  # a usage error


def test_a_rotated_secret_key_still_verifies_and_the_next_entry_seals_with_the_new_one(app, world):
    record("sign_in")
    db.session.commit()
    old_key, old_fallbacks = app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]
    new_key = "a-new-secret-key-for-the-rotation-test-0123456789"
    try:
        app.config.update(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[old_key])
        assert verify_command(app).exit_code == 0, verify_command(app).output
        record("sign_in")
        db.session.commit()
        head = db.session.execute(text("SELECT last_seq, last_hash, head_mac FROM audit_chain_head")).one()
        assert head.head_mac == chain.head_mac(new_key, head.last_seq, head.last_hash)
        app.config.update(SECRET_KEY_FALLBACKS=[])
        assert verify_command(app).exit_code == 0
        # The old key alone no longer opens it: the seal is made with the current key.
        app.config.update(SECRET_KEY=old_key)
        assert SEAL_WRONG in verify_command(app).output
    finally:
        app.config.update(SECRET_KEY=old_key, SECRET_KEY_FALLBACKS=old_fallbacks)
    assert verify_command(app).exit_code == 1  # sealed with the new key, which this server no longer has
    # Put back as the suite expects: the operator's reseal.
    result = app.test_cli_runner().invoke(args=["audit", "seal", "--yes"])
    assert result.exit_code == 0 and "Sealed the chain head" in result.output
    assert verify_command(app).exit_code == 0


def test_a_head_not_yet_sealed_says_so_and_the_next_entry_seals_it(app, world, caplog):
    record("sign_in")
    db.session.commit()
    db.session.execute(text("UPDATE audit_chain_head SET head_mac = NULL"))
    db.session.commit()
    result = verify_command(app)
    assert result.exit_code == 2 and "NOT YET SEALED" in result.output and "OK" not in result.output, result.output
    record("sign_in")
    db.session.commit()
    assert "sealed for the first time" in caplog.text
    result = verify_command(app)
    assert result.exit_code == 0 and "the head sealed" in result.output, result.output


def test_sealing_needs_to_be_asked_for(app, world):
    assert app.test_cli_runner().invoke(args=["audit", "seal"]).exit_code == 2


@tampered
def test_a_missing_head_is_found_and_refuses_new_entries(app, world):
    db.session.execute(text("DELETE FROM audit_chain_head"))
    db.session.commit()
    _broken(app, None, "the chain head, which says where the chain ends, is missing")
    record("sign_in")
    with pytest.raises(chain.AuditChainHeadMissing):
        db.session.commit()
    db.session.rollback()


# --- Writers at once -----------------------------------------------------------


def test_a_second_writer_waits_for_the_first_and_chains_after_it(shared_database):
    app = shared_database
    # The chain's head is locked from the first's flush to its commit.
    first_holds_second_tries(
        app,
        lambda: record("sign_in", outcome="first"),
        lambda: record("sign_in", outcome="second"),
        second_waits=True,
        message="the second writer did not wait for the first",
    )
    with app.app_context():
        outcomes = [entry.outcome for entry in entries()]
        assert outcomes[-2:] == ["first", "second"]
        assert chain.verify(db.session.connection()).whole


def test_many_writers_at_once_leave_one_unbroken_chain(shared_database):
    app = shared_database
    with app.app_context():
        built = factories.world()
        circles = [built.circle.id, built.other_circle.id]
        teacher = SimpleNamespace(id=built.users[policy.SCHOOL_STAFF].id)
    writers, rounds = 4, 15
    start = threading.Barrier(writers)

    def write(n: int):
        with app.app_context():
            start.wait(10)
            for r in range(rounds):
                if r % 3 == 0:
                    # A sheet across many circles: one INSERT, under the same lock.
                    with app.test_request_context("/school/this-week"):
                        record_views([View(circle_id, policy.SCHOOL_STAFF, "adjustments") for circle_id in circles],
                                     user=teacher)
                else:
                    record("sign_in", outcome=f"w{n}")
                    record("sign_out", outcome=f"w{n}")
                    db.session.commit()

    threads = [in_thread(write, n) for n in range(writers)]
    for thread, failures in threads:
        thread.join(60)
        assert not failures, failures
    with app.app_context():
        verdict = chain.verify(db.session.connection())
        assert verdict.whole, verdict
        signed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome.like("w%")))
        sheets = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.endpoint == "school.this_week")
        )
        with_views = len(range(0, rounds, 3))
        assert signed == writers * (rounds - with_views) * 2 and sheets == writers * with_views * len(circles)
