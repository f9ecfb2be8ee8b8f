"""Pages in the family's language (DESIGN.md, principle 13): the pages that
need no signing in follow the browser and the ?lang= switch, kept in a
cookie; a signed-in account reads its own language whatever its browser
says; dates are written as each language writes them. The Spanish words
asserted here are those of the catalogue (portal/translations, compiled by
tests/conftest.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_babel import refresh

from portal import languages
from portal.access import policy
from portal.extensions import db
from tests import signing_in

SPANISH = {"Accept-Language": "es"}


def _spanish(english: str) -> str:
    """The catalogue's Spanish for an English message, as the page writes it."""
    from flask_babel import force_locale, gettext

    with force_locale("es"):
        return gettext(english)


@pytest.mark.parametrize(
    "path, english_title",
    [("/login", "Sign in"), ("/reset-password", "Forgot your password?"), ("/urgent-help", "Urgent help")],
)
def test_a_spanish_browser_reads_the_signed_out_pages_in_spanish(app, client, path, english_title):
    title = _spanish(english_title)
    assert title != english_title, "the Spanish catalogue is not compiled"
    page = client.get(path, headers=SPANISH)
    assert page.status_code == 200
    assert '<html lang="es"' in page.text
    assert f"<title>{title} · Support Circle</title>" in page.text
    assert f"<h1>{title}</h1>" in page.text
    assert "Accept-Language" in page.headers.get("Vary", "")


def test_the_urgent_help_page_gives_every_sign_in_spanish(app, client):
    page = client.get("/urgent-help", headers=SPANISH).text
    assert "Pensamientos de suicidio activos" in page
    assert "Oír voces que le dicen que se haga daño" in page
    assert "Hearing voices" not in page
    # The numbers are the deployment's, in every language.
    assert f'href="tel:{app.config["EMERGENCY_NUMBER"]}"' in page
    assert f'href="tel:{app.config["CRISIS_LINE_NUMBER"]}"' in page


def test_a_switch_to_english_is_kept_in_a_cookie(app, client):
    switched = client.get("/login?lang=en", headers=SPANISH)
    assert '<html lang="en"' in switched.text and "<h1>Sign in</h1>" in switched.text
    cookies = switched.headers.getlist("Set-Cookie")
    assert any(cookie.startswith(f"{languages.COOKIE}=en;") for cookie in cookies), cookies
    # The next page, with no switch, stays in English though the browser asks for Spanish.
    again = client.get("/reset-password", headers=SPANISH)
    assert '<html lang="en"' in again.text and "<h1>Forgot your password?</h1>" in again.text


def test_the_signed_out_pages_offer_the_switch(app, client):
    english = client.get("/login").text
    assert 'class="language-switch" href="?lang=es" lang="es"' in english
    assert ">Español</a>" in english
    spanish = client.get("/urgent-help", headers=SPANISH).text
    assert 'class="language-switch" href="?lang=en" lang="en"' in spanish


def test_an_account_in_spanish_reads_spanish_whatever_its_browser_says(app, world):
    caregiver = world.users[policy.CAREGIVER]
    caregiver.language = "es"
    db.session.commit()
    client = app.test_client()
    signing_in.sign_in(client, caregiver.email)
    page = client.get("/account/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="es"' in page.text
    assert f"<h1>{_spanish('Your account')}</h1>" in page.text
    # The signed-in header offers no switch: the account keeps its own language.
    assert 'class="language-switch"' not in page.text


def test_moment_writes_spanish_dates_and_leaves_english_ones_as_they_were(app):
    moment = datetime(2026, 12, 3, 19, 5, tzinfo=UTC)  # 14:05 in New York
    # The app fixture's context outlives each request context: forget the language chosen before.
    with app.test_request_context("/", headers=SPANISH):
        refresh()
        assert languages.current() == "es"
        assert languages.moment(moment, "date") == "3 de dic de 2026"
        assert languages.moment(date(2026, 12, 3), "long_date") == "3 de diciembre de 2026"
        assert languages.moment(moment, "datetime") == "3 de dic de 2026, 14:05"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        refresh()
        assert languages.current() == "en"
        assert languages.moment(moment, "date") == "03 Dec 2026"
        assert languages.moment(date(2026, 12, 3), "long_date") == "3 December 2026"
        assert languages.moment(moment, "datetime") == "03 Dec 2026, 14:05"


def test_the_spanish_words_asserted_here_are_the_catalogues(app):
    # The urgent-help signs are asserted verbatim above: they must be the catalogue's.
    assert _spanish("Active thoughts of suicide") == "Pensamientos de suicidio activos"
    assert _spanish("Hearing voices that tell them to hurt themselves") == "Oír voces que le dicen que se haga daño"
    catalogue = Path(__file__).resolve().parent.parent / "portal" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    assert catalogue.exists()
    assert json.dumps("Pensamientos de suicidio activos", ensure_ascii=False) in catalogue.read_text(encoding="utf-8")
