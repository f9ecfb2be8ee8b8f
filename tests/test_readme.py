"""The README's who-sees-what table is the policy, not a copy that drifts."""

import re
from pathlib import Path

from portal.access import policy
from portal.plan.sections import SPECS

README = Path(__file__).resolve().parent.parent / "README.md"
COLUMNS = ("clinician", "caregiver", "young_person", "school_contact", "school_staff")


def test_readme_policy_table_matches_the_policy():
    text = README.read_text()
    block = re.search(r"<!-- policy-table:start -->(.*?)<!-- policy-table:end -->", text, re.S).group(1)
    rows = [line for line in block.strip().splitlines()[2:]]
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        table[cells[0]] = tuple(cell or None for cell in cells[1:])
    expected = {
        SPECS[kind].title: tuple(policy.role_mode(role, kind) for role in COLUMNS) for kind in policy.SECTIONS
    }
    assert table == expected


def test_readme_shows_the_two_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text
