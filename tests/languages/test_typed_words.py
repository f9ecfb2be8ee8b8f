"""What people typed stays as typed (issue 14, item 4): never translated, kept
with the language of the page it was typed on, and marked with it (lang) on a
page in another language, so that a screen reader reads it in its own voice."""

from __future__ import annotations

import re

from portal import languages
from portal.access import policy
from portal.extensions import db
from tests import factories

C, CG = policy.CLINICIAN, policy.CAREGIVER


def dd_for(page: str, text: str) -> str:
    """The opening tag of the element holding ``text``."""
    found = re.search(r"<(dd|p|li|ul)\b([^>]*)>(?:(?!</\1>).)*?" + re.escape(text), page, re.S)
    assert found, text
    return found.group(2)


def test_words_keep_the_language_they_were_typed_in_and_are_marked_on_other_pages(app, world, login_as):
    with languages.in_language("es"):
        factories.write_section(world.circle, "home_safety", world.users[CG], "Escrito por Maria")
    factories.write_section(world.circle, "safety_plan", world.users[C], "Written by Ana")
    spanish_reader, english_reader = world.users[CG], world.users[C]
    spanish_reader.language = "es"
    db.session.commit()
    url = f"/circles/{world.circle.id}/plan"

    home = login_as(english_reader, app.test_client()).get(f"{url}/home_safety").get_data(as_text=True)
    assert 'lang="es"' in dd_for(home, "Escrito por Maria")
    assert "Escrito por Maria" in home  # as typed, never translated

    own = login_as(spanish_reader, app.test_client()).get(f"{url}/home_safety").get_data(as_text=True)
    assert "lang=" not in dd_for(own, "Escrito por Maria")  # the page's own language: nothing to mark

    plan = login_as(spanish_reader, app.test_client()).get(f"{url}/safety_plan").get_data(as_text=True)
    assert '<html lang="es"' in plan
    assert 'lang="en"' in dd_for(plan, "Written by Ana")
    printed = login_as(spanish_reader, app.test_client()).get(f"{url}/safety_plan/print").get_data(as_text=True)
    assert 'lang="en"' in dd_for(printed, "Written by Ana")
