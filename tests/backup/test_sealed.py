"""Encrypted backups (BACKUP_KEY): the file holds nothing readable, restores
to every row, opens with an older key after a rotation, and is refused, with
nothing replaced, when the key is wrong or the file was changed, reordered
or cut short. Production writes none unencrypted unasked; --keep rotates."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet

from portal.backup import sealed
from tests.backup.conftest import assert_same_tables, fingerprint, make_app, plan_texts, sqlite_url

KEY, OLD_KEY, OTHER_KEY = (Fernet.generate_key().decode() for _ in range(3))


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def keyed(url: str, key: str = KEY, fallbacks=(), required: bool = False, work=None):
    app = make_app(url)
    app.config.update(BACKUP_KEY=key, BACKUP_KEY_FALLBACKS=list(fallbacks), BACKUP_KEY_REQUIRED=required,
                      BACKUP_WORK_DIR=str(work or ""))
    return app


@pytest.fixture
def backed_up(live_sqlite, tmp_path):
    (tmp_path / "work").mkdir()
    source = keyed(sqlite_url(live_sqlite), work=tmp_path / "work")
    backup_file = tmp_path / "sealed.backup"
    made = run(source, "backup", str(backup_file))
    assert made.exit_code == 0, made.output
    assert "encrypted" in made.output and "not encrypted" not in made.output
    return source, backup_file


def test_an_encrypted_backup_holds_nothing_readable_and_restores_every_row(backed_up, tmp_path):
    source, backup_file = backed_up
    data = backup_file.read_bytes()
    assert data.startswith(sealed.HEADER) and b"SQLite format 3" not in data
    assert [text for text in plan_texts(source) if text.encode() in data] == []
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    # No plain copy is made or left beside it: the backups' folder is often copied off the machine.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["live.sqlite", "sealed.backup", "work"]
    assert list((tmp_path / "work").iterdir()) == []
    target = keyed(sqlite_url(tmp_path / "restored.sqlite"))
    restored = run(target, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output
    assert_same_tables(fingerprint(source), fingerprint(target))


def test_after_a_rotation_the_old_key_still_opens_older_files(live_sqlite, tmp_path):
    source = keyed(sqlite_url(live_sqlite), key=OLD_KEY)
    backup_file = tmp_path / "old.backup"
    assert run(source, "backup", str(backup_file)).exit_code == 0
    rotated = keyed(sqlite_url(tmp_path / "restored.sqlite"), key=KEY, fallbacks=[OLD_KEY])
    restored = run(rotated, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output
    assert_same_tables(fingerprint(source), fingerprint(rotated))


def _pieces(path):
    return list(sealed._pieces(path))


def _write(path, pieces, file_id=None):
    file_id = file_id or sealed.file_id(path)
    path.write_bytes(sealed.HEADER + file_id + b"".join(len(token).to_bytes(4, "big") + token for token in pieces))


@pytest.mark.parametrize("damage", ["wrong key", "a byte changed", "cut short", "last piece dropped",
                                    "pieces reordered", "a piece repeated", "no key at all",
                                    "spliced from two backups", "a length past any piece"])
def test_a_wrong_key_or_a_changed_file_is_refused_and_nothing_is_replaced(live_sqlite, tmp_path, monkeypatch, damage):
    monkeypatch.setattr(sealed, "CHUNK", 64 * 1024)  # several pieces, to reorder
    source = keyed(sqlite_url(live_sqlite))
    backup_file = tmp_path / "sealed.backup"
    assert run(source, "backup", str(backup_file)).exit_code == 0
    pieces = _pieces(backup_file)
    assert len(pieces) > 3
    key = KEY
    if damage == "wrong key":
        key = OTHER_KEY
    elif damage == "no key at all":
        key = ""
    elif damage == "a byte changed":
        data = bytearray(backup_file.read_bytes())
        data[len(data) // 2] ^= 1
        backup_file.write_bytes(bytes(data))
    elif damage == "cut short":
        backup_file.write_bytes(backup_file.read_bytes()[:-100])
    elif damage == "last piece dropped":
        _write(backup_file, pieces[:-1])
    elif damage == "spliced from two backups":
        other = tmp_path / "other.backup"
        assert run(source, "backup", str(other)).exit_code == 0
        theirs = _pieces(other)
        _write(backup_file, [*pieces[:2], *theirs[2:]])
    elif damage == "a length past any piece":
        data = backup_file.read_bytes()
        start = len(sealed.HEADER) + sealed.FILE_ID_BYTES
        backup_file.write_bytes(data[:start] + (2**32 - 1).to_bytes(4, "big") + data[start + 4:])
    elif damage == "pieces reordered":
        _write(backup_file, [pieces[1], pieces[0], *pieces[2:]])
    else:
        _write(backup_file, [pieces[0], *pieces])
    # The target holds data already and --force is given: only the check stands in the way.
    target_path = tmp_path / "target.sqlite"
    target_path.write_bytes(live_sqlite.read_bytes())
    target = keyed(sqlite_url(target_path), key=key)
    before = fingerprint(target)
    restored = run(target, "restore", "--force", str(backup_file))
    assert restored.exit_code != 0
    assert "Traceback" not in restored.output
    assert ("BACKUP_KEY" in restored.output) if "key" in damage else ("changed" in restored.output or "cut short" in restored.output)
    assert fingerprint(target) == before


def test_production_writes_no_unencrypted_backup_unless_asked(live_sqlite, tmp_path):
    source = keyed(sqlite_url(live_sqlite), key="", required=True)
    refused = run(source, "backup", str(tmp_path / "plain.backup"))
    assert refused.exit_code != 0 and "BACKUP_KEY" in refused.output
    assert not (tmp_path / "plain.backup").exists()
    asked = run(source, "backup", "--unencrypted", str(tmp_path / "plain.backup"))
    assert asked.exit_code == 0, asked.output
    assert "not encrypted" in asked.output
    assert (tmp_path / "plain.backup").read_bytes().startswith(b"SQLite format 3")
    # Where backups are encrypted, a plain file in their place is not restored unasked.
    target = keyed(sqlite_url(tmp_path / "restored.sqlite"), key="", required=True)
    refused = run(target, "restore", str(tmp_path / "plain.backup"))
    assert refused.exit_code != 0 and "not encrypted" in refused.output
    assert run(target, "restore", "--unencrypted", str(tmp_path / "plain.backup")).exit_code == 0


def test_a_key_that_is_not_one_is_named_without_being_shown(live_sqlite, tmp_path):
    source = keyed(sqlite_url(live_sqlite), key="not-a-fernet-key-but-a-secret-words")
    refused = run(source, "backup", str(tmp_path / "x.backup"))
    assert refused.exit_code != 0 and "not a backup key" in refused.output
    assert "not-a-fernet-key-but-a-secret-words" not in refused.output


def test_keep_removes_the_oldest_of_the_series_and_nothing_else(live_sqlite, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    # The live database in the same folder, named like the series and older than all of it: never removed.
    live = folder / "support-circle-2026-11-30.backup"
    live.write_bytes(live_sqlite.read_bytes())
    os.utime(live, (1, 1))
    source = keyed(sqlite_url(live))
    (folder / "notes.backup").write_text("not a backup, whatever its name")
    (folder / "other.txt").write_text("another file")
    plain = folder / "support-circle-2026-11-29.backup"  # a plain backup of the series: not of its kind
    plain.write_bytes(live_sqlite.read_bytes())
    os.utime(plain, (2, 2))
    (folder / "elsewhere-2026-11-01.backup").write_bytes(live_sqlite.read_bytes())  # another series
    for day in range(1, 5):
        made = run(source, "backup", "--keep", "2", str(folder / f"support-circle-2026-12-0{day}.backup"))
        assert made.exit_code == 0, made.output
        os.utime(folder / f"support-circle-2026-12-0{day}.backup", (day * 1000, day * 1000))
    # (The live database's -wal and -shm files aside: SQLite's own, while it is open.)
    left = sorted(path.name for path in folder.iterdir() if not path.name.endswith(("-wal", "-shm")))
    assert left == ["elsewhere-2026-11-01.backup", "notes.backup", "other.txt", "support-circle-2026-11-29.backup",
                    "support-circle-2026-11-30.backup", "support-circle-2026-12-03.backup",
                    "support-circle-2026-12-04.backup"]
