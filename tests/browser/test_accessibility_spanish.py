"""The axe sweep again with every page in Spanish: every demo account reads
Spanish and the browser asks for it, so the signed-out pages are Spanish too.
A longer sentence must not break a layout, a label or a contrast."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from portal.auth.models import User
from portal.extensions import db
from tests.browser.pages import html_get_endpoints, site_pages  # noqa: F401 - a fixture
from tests.browser.test_accessibility import Sweep, run_sweep

pytestmark = [pytest.mark.browser, pytest.mark.rendering]


@pytest.fixture(scope="module")
def spanish_sweep(browser, live_server, site_pages, request) -> Sweep:  # noqa: F811
    with live_server.app.app_context():
        db.session.execute(update(User).values(language="es"))
        db.session.commit()
        db.session.remove()
    return run_sweep(browser, live_server, site_pages, request.config, locale="es-MX", label="axe in Spanish")


def test_spanish_pages_have_no_serious_or_critical_axe_violations(spanish_sweep):
    report = "\n".join(f"{f.impact:8} {f.rule:28} {f.role:12} {f.path}  {f.nodes}" for f in spanish_sweep.serious())
    assert not spanish_sweep.serious(), f"{len(spanish_sweep.serious())} serious/critical axe violations:\n{report}"


def test_every_html_page_is_checked_in_spanish_for_some_role(spanish_sweep, live_server):
    missing = sorted(html_get_endpoints(live_server.app) - set(spanish_sweep.covered))
    assert not missing, missing


def test_every_spanish_form_field_has_a_label(spanish_sweep):
    assert not spanish_sweep.unlabelled, spanish_sweep.unlabelled
