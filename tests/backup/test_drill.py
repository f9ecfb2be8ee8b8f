"""The README's restore drill, followed step by step on SQLite and on
PostgreSQL: an encrypted backup, a restore into an empty scratch database,
and `flask audit verify` over what came back. The steps are read from the
README, so the drill it tells an operator to run is the one tested."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.backup.conftest import assert_same_tables, fingerprint, make_app, sqlite_url
from tests.backup.test_backup_postgres import databases, server  # noqa: F401 - fixtures
from tests.backup.test_backup_sqlite import run

README = Path(__file__).resolve().parents[2] / "README.md"
FLASK = ".venv/bin/flask --app portal:create_app "


def drill_steps() -> list[list[str]]:
    """The flask commands of the README's drill, in order, as arguments after `flask`."""
    section = README.read_text().split("### The restore drill", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line.split(FLASK, 1)[1].split("#")[0]) for line in block.splitlines() if FLASK in line]


def test_the_drill_is_a_backup_a_restore_and_a_verify():
    assert [step[0] for step in drill_steps()] == ["backup", "restore", "audit"]


def _follow(source, scratch, folder: Path) -> list[str]:
    key = Fernet.generate_key().decode()
    said = []
    for app in (source, scratch):
        app.config.update(BACKUP_KEY=key)
    named = {}
    for step in drill_steps():
        # The README's path, moved into this test's folder; the live database before
        # DATABASE_URL is changed, the scratch one after (as in the README).
        arguments = [str(folder / Path(arg).name) if arg.startswith("/secure/") else arg for arg in step]
        app = source if step[0] == "backup" else scratch
        result = run(app, *arguments)
        assert result.exit_code == 0, (step, result.output)
        said.append(result.output)
        named.setdefault(step[0], result.output)
    assert named["audit"].startswith("OK:")
    return said


def test_the_drill_on_sqlite(live_sqlite, tmp_path):
    source = make_app(sqlite_url(live_sqlite))
    scratch = make_app(sqlite_url(tmp_path / "drill.sqlite"))
    _follow(source, scratch, tmp_path)
    assert_same_tables(fingerprint(source), fingerprint(scratch))


def test_the_drill_on_postgresql(databases, tmp_path):  # noqa: F811 - the fixture imported above
    from tests.backup.conftest import migrate, seed_demo

    source = make_app(databases("drill_src"))
    migrate(source)
    seed_demo(source)
    scratch = make_app(databases("drill_dst"))
    _follow(source, scratch, tmp_path)
    assert_same_tables(fingerprint(source), fingerprint(scratch))


@pytest.mark.parametrize("line", ["export BACKUP_KEY", "export DATABASE_URL"])
def test_the_drill_sets_the_key_and_a_scratch_database(line):
    section = README.read_text().split("### The restore drill", 1)[1]
    assert line in re.search(r"```sh\n(.*?)```", section, re.S).group(1)
