"""The README's who-sees-what table is the policy, not a copy that drifts."""

import re
from pathlib import Path

from portal.access import policy
from portal.plan.sections import SPECS

README = Path(__file__).resolve().parent.parent / "README.md"
COLUMNS = ("clinician", "primary_care", "caregiver", "young_person", "school_contact", "school_staff")


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


ACTIONS_SHOWN = ("add", "invite", "change_role", "remove", "restore")


def _transitions_cell(action: str, role: str) -> str:
    from portal.access import transitions

    pairs = transitions.TRANSITIONS[action].get(role, frozenset())
    if not pairs:
        return ""
    side = 0 if action in ("remove", "change_role") else 1
    roles = sorted({pair[side] for pair in pairs}, key=policy.ROLES.index)
    words = "anyone" if set(roles) == set(policy.ROLES) else ", ".join(policy.ROLE_LABELS[r].lower() for r in roles)
    return f"among {words}" if action == "change_role" else words


def transitions_table() -> str:
    lines = ["| acting role | adds | invites | changes the role | removes | restores |", "|---|---|---|---|---|---|"]
    for role in policy.ROLES:
        cells = " | ".join(_transitions_cell(action, role) for action in ACTIONS_SHOWN)
        lines.append(f"| {policy.ROLE_LABELS[role]} | {cells} |")
    return "\n".join(lines)


def test_readme_membership_table_matches_the_transitions_policy():
    text = README.read_text()
    block = re.search(r"<!-- transitions-table:start -->(.*?)<!-- transitions-table:end -->", text, re.S).group(1)
    assert block.strip() == transitions_table()
