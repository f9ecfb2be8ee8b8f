"""One definition of "today": the deployment's local date (config TIMEZONE),
from portal.clock.today(), everywhere a date "today" is needed.

On a New York evening the UTC date is already tomorrow. Anything that took
"today" from UTC refused an agreement ending on the local tomorrow and moved
the dashboard's items by a day (tests/dashboard/test_dashboard.py). The scan
at the end keeps other spellings of "today" from coming back.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import clock
from portal.access import policy
from portal.extensions import db
from portal.sharing.models import Agreement
from tests.local_evening import LOCAL_TODAY, LOCAL_TOMORROW


def test_today_is_the_deployment_date_not_the_utc_one(app, new_york_evening):
    assert clock.now().date() == LOCAL_TOMORROW  # the trap: UTC has moved on
    assert clock.today() == LOCAL_TODAY
    app.config["TIMEZONE"] = "Asia/Tokyo"  # 12:30 on the 11th there
    assert clock.today() == LOCAL_TOMORROW


def _share(client, circle_id: int, ends_on: date):
    return client.post(
        f"/circles/{circle_id}/sharing",
        data={"share": "safety_plan:school_contact", "agreed_by": "guardian", "ends_on": ends_on.isoformat()},
    )


def test_sharing_accepts_an_end_date_of_the_local_tomorrow(app, world, login_as, new_york_evening):
    caregiver = login_as(world.users[policy.CAREGIVER], app.test_client())
    # The local today is still refused: sharing would end before it began.
    refused = _share(caregiver, world.circle.id, LOCAL_TODAY)
    assert refused.status_code == 422 and "Please choose a date after today." in refused.text
    assert db.session.scalar(select(Agreement.id)) is None

    accepted = _share(caregiver, world.circle.id, LOCAL_TOMORROW)
    assert accepted.status_code == 302, accepted.text
    agreement = db.session.scalars(select(Agreement)).one()
    # It ends at the start of the local tomorrow: half an hour from now.
    assert agreement.ends_at == datetime(2026, 3, 11, 4, 0, tzinfo=UTC)


# --- The scan ----------------------------------------------------------------------------------------

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# The one place allowed to turn "now" into a date, and the one place that reads the system clock.
THE_ONE_TODAY = ("clock.py", "today")
THE_ONE_NOW = ("clock.py", "now")


def _mentions_now(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and "now" in n.id.lower()) or (isinstance(n, ast.Attribute) and "now" in n.attr.lower())
        for n in ast.walk(node)
    )


def _forbidden(node: ast.Call) -> str | None:
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    owner = ast.unparse(func.value)
    name = func.attr
    if name == "today" and owner.split(".")[-1] in ("date", "datetime"):
        return f"{owner}.today()"
    if name in ("now", "utcnow", "utcfromtimestamp") and owner.split(".")[-1] == "datetime":
        return f"{owner}.{name}()"
    if name in ("localtime", "gmtime") and owner == "time":
        return f"time.{name}()"
    if name == "date" and not node.args:
        # A moment's date is a local date only through to_local(); "now"'s date is clock.today().
        receiver = func.value
        local = isinstance(receiver, ast.Call) and ast.unparse(receiver.func).endswith("to_local")
        if not local or _mentions_now(receiver):
            return f"{owner}.date()"
    if name == "strftime" and _mentions_now(func.value):
        return f"{owner}.strftime()"
    return None


def _functions(tree: ast.Module):
    """(enclosing function name, call) for every call in the module."""
    for top in ast.walk(tree):
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(top):
                if isinstance(node, ast.Call):
                    yield top.name, node
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call):
                    yield None, sub


def forbidden_todays(root: Path = PORTAL) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for function, call in _functions(tree):
            spelling = _forbidden(call)
            if spelling is None:
                continue
            where = (path.name, function)
            if path.parent == root and where in (THE_ONE_TODAY, THE_ONE_NOW):
                continue
            found.append(f"{path.relative_to(root.parent)}:{call.lineno}: {spelling}")
    return sorted(set(found))


def test_no_other_spelling_of_today_in_the_portal():
    assert forbidden_todays() == [], "use portal.clock.today() for the local date, portal.clock.now() for the moment"


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import date\ndef f():\n    return date.today()\n",
        "import datetime\ndef f():\n    return datetime.date.today()\n",
        "from datetime import datetime, UTC\ndef f():\n    return datetime.now(UTC)\n",
        "from datetime import datetime\ndef f():\n    return datetime.utcnow()\n",
        "from portal import clock\ndef f():\n    return clock.now().date()\n",
        "from portal import clock\ndef f():\n    now = clock.now()\n    return now.date()\n",
        "from portal import clock\nfrom portal.timezone import to_local\ndef f():\n    return to_local(clock.now()).date()\n",
        "from portal import clock\nfrom portal.timezone import zone\ndef f():\n    return clock.now().astimezone(zone()).date()\n",
        "from portal import clock\ndef f():\n    return clock.now().strftime('%Y-%m-%d')\n",
        "import time\ndef f():\n    return time.localtime()\n",
    ],
)
def test_the_scan_finds_each_spelling(tmp_path, source):
    (tmp_path / "feature.py").write_text(source)
    assert len(forbidden_todays(tmp_path)) == 1


def test_the_scan_allows_a_stored_moment_on_its_local_day(tmp_path):
    (tmp_path / "feature.py").write_text(
        "from portal.timezone import to_local\ndef f(row):\n    return to_local(row.occurred_at).date()\n"
    )
    assert forbidden_todays(tmp_path) == []


def test_no_template_makes_a_today_of_its_own():
    """Templates get dates from the views; a template turning "now" into a date would take it in UTC."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    spelled = re.compile(r"\bnow\b[^}%]*\.(?:date\(\)|strftime\()|\btoday\(\)")
    found = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if spelled.search(line)
    ]
    assert found == []
