"""Two schedulers at once (a cron `flask notify send` beside `flask notify
run`, two servers each running one): what one has claimed the other leaves,
and neither fails its pass on the unique key; a pass that fails for another
reason does not stop the loop."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.notify import cli
from portal.notify import services as notices
from portal.notify.models import NoticeSent
from tests.concurrency import in_thread


def test_a_key_claimed_by_one_scheduler_is_left_by_the_other_without_an_error(shared_database):
    app = shared_database
    holding, release = threading.Event(), threading.Event()
    answers = {}

    def first():
        with app.app_context():
            answers["first"] = notices.once("follow-up-overdue:1")
            notices.mark("attention-last-run-test", clock.now())
            db.session.flush()
            holding.set()
            release.wait(10)
            db.session.commit()

    def second():
        holding.wait(10)
        with app.app_context():
            answers["second"] = notices.once("follow-up-overdue:1")
            notices.mark("attention-last-run-test", clock.now())
            db.session.commit()

    threads = [in_thread(first), in_thread(second)]
    assert holding.wait(10)
    threading.Event().wait(0.5)
    release.set()
    for thread, failures in threads:
        thread.join(20)
        assert not failures, failures
    assert answers == {"first": True, "second": False}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoticeSent)) == 2


def test_a_failed_pass_is_logged_and_the_next_one_still_runs(app, monkeypatch, caplog):
    passes = []

    def one_pass():
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("the database went away for a moment: carol@example.org")
        return "1 thing"

    monkeypatch.setattr(cli, "one_pass", one_pass)
    with caplog.at_level(logging.ERROR):
        result = app.test_cli_runner().invoke(args=["notify", "run", "--interval", "0", "--passes", "2"])
    assert result.exit_code == 0, result.output
    assert len(passes) == 2 and "1 thing" in result.output
    failed = [r for r in caplog.records if r.name == "portal.notify.cli"]
    assert len(failed) == 1 and "RuntimeError" in failed[0].getMessage()
    # What the error said stays out of the log: it could hold anything.
    assert "carol" not in caplog.text and "went away" not in caplog.text
