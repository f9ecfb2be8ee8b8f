"""Every choice of a role starts with none chosen (issue 17): a form left as
it came gives nobody a role, the most powerful or any other, and sent as it
is it asks for one. Walks every role select on the pages that give roles:
an account's staff role, a circle member's role, an invitation's, a role change."""

from __future__ import annotations

import re

from portal.access import policy
from tests.web import forms_in

ROLE_FIELDS = {"role", "staff_role"}


def role_forms(page: str) -> list[dict]:
    return [form for form in forms_in(page) if form["method"] == "post" and ROLE_FIELDS & dict(form["fields"]).keys()]


def test_every_role_select_starts_empty_and_asks_for_a_choice(app, world, login_as):
    clinician = login_as(world.users[policy.CLINICIAN], app.test_client())
    admin = login_as(world.org_admin, app.test_client())
    teacher = world.memberships[policy.SCHOOL_STAFF]
    circle = f"/circles/{world.circle.id}"
    pages = {
        "account": (admin, "/admin/accounts/new"),
        "add member": (clinician, f"{circle}/members"),
        "invitation": (clinician, f"{circle}/invitations"),
        "role change": (clinician, f"{circle}/members/{teacher.id}/role"),
    }
    for label, (client, path) in pages.items():
        page = client.get(path).text
        forms = role_forms(page)
        assert forms, label
        for form in forms:
            fields = dict(form["fields"])
            (name,) = ROLE_FIELDS & fields.keys()
            assert fields[name] == "", (label, name)  # what a browser sends when nobody chooses
            select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
            assert "selected" not in select, label
            response = client.post(form["action"] or path, data=fields)
            assert response.status_code == 422, (label, response.status_code)
            assert re.search(r"Please choose (a role|the role)", response.text), label
