"""The organisation form (admin.organisation) against empty, oversized,
malformed and hostile input, through tests/bad_input.py: never a 5xx, the
form back (422) with a message and what was typed, nothing echoed unescaped."""

from __future__ import annotations

import itertools

from portal.admin.organisation import OrganisationForm
from tests.bad_input import Target, check_form, describe

_unique = itertools.count(1)


def test_bad_input_on_the_organisation_form_comes_back_as_the_form(app, world, login_as, poster, request):
    with app.test_request_context():
        form = OrganisationForm(formdata=None)
        form.offer_zones(app.config["TIMEZONE"])
        fields = describe(form)
    target = Target(
        "admin.organisation",
        "/admin/organisation",
        login_as(world.org_admin, app.test_client()),
        fields,
        lambda: {
            "organisation_name": f"Lakeview High School {next(_unique)}",
            "kind": "school",
            "timezone": "Europe/Lisbon",
        },
        frozenset({302}),
        True,
    )
    target.config = request.config
    check_form(poster, target)
