"""Every page of the portal, as every role that can reach it, for the
accessibility and phone checks.

The page list is built from the app's url_map, with URL arguments filled from
the demo data in the live server's database, so a new page is covered without
anyone adding it here. A new kind of URL argument fails loudly (see
``ArgumentFillers``) rather than being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from scripts.browsing import demo_code, sign_in

# Anonymous first: the pages everyone reaches, signed in or not.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "clinician": "clinician@demo.example.org",
    "psychiatrist": "psychiatrist@demo.example.org",
    "parent": "parent@demo.example.org",
    "counselor": "counselor@demo.example.org",
    "teacher": "teacher@demo.example.org",
    "student": "student@demo.example.org",
    "admin": "admin@demo.example.org",
}

# GET endpoints that answer with something other than an HTML page. Each says
# why; anything not listed here must be an HTML page some role can open.
NON_HTML_ENDPOINTS: dict[str, str] = {
    "static": "stylesheets, scripts and Pico CSS",
    "health.healthz": "the JSON health check for the load balancer",
    "followup.calendar_feed": "the private calendar feed (text/calendar, RFC 5545)",
    "export.fhir_bundle": "the clinic's FHIR R4 download (application/fhir+json, an attachment)",
    "auth.index": "only redirects: to the dashboard, or to sign in",
}

# Pages reached only part-way through signing in (between the password and
# the dashboard); role_pages() checks them on the way, see SignInStep.
SIGN_IN_ENDPOINTS = ("auth.login_code", "auth.login_enrol")

# Known tokens written into the live database, so the pages behind emailed
# links can be opened: an invitation for someone without an account, and a
# password-reset link. Both are for test use only.
# Both have the shape of a real link's token (43 URL-safe characters).
INVITATION_TOKEN = "browser-tests-invitation-".ljust(43, "x")  # noqa: S105
RESET_TOKEN = "browser-tests-password-reset-".ljust(43, "x")  # noqa: S105
# The link a new staff account gets to choose its first password.
SETUP_TOKEN = "browser-tests-account-setup-".ljust(43, "x")  # noqa: S105
SETUP_EMAIL = "new-staff@demo.example.org"
UNKNOWN_TOKEN = "browser-tests-no-such-token-".ljust(43, "x")  # noqa: S105
# An account that must set up an authenticator app when it next signs in.
ENROLLING_EMAIL = "enrolling-clinician@demo.example.org"

SERIOUS = ("serious", "critical")


@dataclass(frozen=True)
class Page:
    endpoint: str
    path: str


@dataclass
class Visit:
    role: str
    page: Page
    status: int
    html: bool
    # The generic error page (403, 404...), as opposed to a page of its own
    # answered with such a status (an invitation for another account, a spent link).
    generic_error: bool = False


def prepare_tokens(live_server) -> None:
    """An open invitation, a usable reset link, an account still to enrol and
    a new staff account's link to choose its password."""
    from portal import clock
    from portal.auth import services as auth_services
    from portal.auth.models import Organisation, PasswordReset, User
    from portal.circles.models import Circle, Membership
    from portal.extensions import db
    from portal.invitations.models import Invitation
    from portal.invitations.services import token_hash

    with live_server.app.app_context():
        circle = db.session.scalars(select(Circle).where(Circle.young_person_name.like("Jordan%"))).first()
        counselor = db.session.scalars(select(User).where(User.email == ROLES["counselor"])).one()
        membership = db.session.scalars(
            select(Membership).where(Membership.circle_id == circle.id, Membership.user_id == counselor.id)
        ).first()
        now = clock.now()
        if db.session.scalars(select(Invitation).where(Invitation.token_hash == token_hash(INVITATION_TOKEN))).first():
            return
        db.session.add(
            Invitation(
                circle_id=circle.id,
                email="new-teacher@demo.example.org",
                role="school_staff",
                relationship_label="Art teacher",
                token_hash=token_hash(INVITATION_TOKEN),
                invited_by_id=counselor.id,
                invited_as_role=membership.role,
                created_at=now,
                expires_at=now + timedelta(days=7),
            )
        )
        parent = db.session.scalars(select(User).where(User.email == ROLES["parent"])).one()
        db.session.add(
            PasswordReset(
                user_id=parent.id,
                token_hash=auth_services.token_hash(RESET_TOKEN),
                created_at=now,
                expires_at=now + timedelta(minutes=30),
            )
        )
        clinic = db.session.scalars(select(Organisation).where(Organisation.kind == "clinic")).first()
        from portal.demo.seed import DEMO_PASSWORD

        auth_services.create_user(
            email=ENROLLING_EMAIL,
            name="Dr Enrolling Clinician",
            password=DEMO_PASSWORD,
            organisation=clinic,
            staff_role="clinician",
        )
        school = db.session.scalars(select(Organisation).where(Organisation.kind == "school")).first()
        newcomer = User(email=SETUP_EMAIL, name="Robin New-Staff", password_hash="", organisation=school,
                        staff_role="school_staff", created_at=now)
        db.session.add(newcomer)
        db.session.flush()
        db.session.add(
            PasswordReset(
                user_id=newcomer.id,
                token_hash=auth_services.token_hash(SETUP_TOKEN),
                created_at=now,
                expires_at=now + timedelta(days=7),
            )
        )
        db.session.commit()
        assert auth_services.usable_reset(RESET_TOKEN) is not None, "the reset token's hash changed"


class ArgumentFillers:
    """The values tried for each URL argument, read from the demo data."""

    def __init__(self, live_server, circle_id: int):
        from portal.extensions import db
        from portal.plan.converters import CONVERTERS
        from portal.plan.models import SetbackReview
        from portal.plan.sections import SPECS

        self.circle_id = circle_id
        self.converters = CONVERTERS
        self.items: dict[str, list[int]] = {}
        with live_server.app.app_context():
            for kind, spec in SPECS.items():
                if not spec.is_list:
                    continue
                model = spec.model
                rows = db.session.execute(
                    select(model.id, model.created_by_id)
                    .where(model.circle_id == circle_id, model.removed_at.is_(None))
                    .order_by(model.id)
                ).all()
                # The first item, and the first each author wrote: a teacher
                # reaches only the episodes they recorded.
                chosen, authors = [], set()
                for row_id, author in rows:
                    if not chosen or author not in authors:
                        chosen.append(row_id)
                        authors.add(author)
                self.items[kind] = chosen
            from portal.auth.models import User
            from portal.circles.models import Membership

            # The teacher: a member whose role the clinician and the counselor may change.
            self.members = list(
                db.session.scalars(
                    select(Membership.id)
                    .join(User, Membership.user_id == User.id)
                    .where(Membership.circle_id == circle_id, User.email == "teacher@demo.example.org")
                )
            )
            # The parent: the caregiver on whom a safeguarding limit may be placed.
            self.caregivers = list(
                db.session.scalars(
                    select(Membership.id)
                    .join(User, Membership.user_id == User.id)
                    .where(Membership.circle_id == circle_id, User.email == "parent@demo.example.org")
                )
            )
            self.setback_reviews = list(
                db.session.scalars(
                    select(SetbackReview.id)
                    .where(SetbackReview.circle_id == circle_id, SetbackReview.removed_at.is_(None))
                    .order_by(SetbackReview.id)
                    .limit(1)
                )
            )

    def values(self, rule, name: str, chosen: dict) -> list:
        converter = rule._converters[name]
        if name == "circle_id":
            return [self.circle_id]
        if name == "kind":
            return list(converter.kinds)
        if name == "item_id":
            return self.items[chosen["kind"]]
        if name == "review_id":
            return self.setback_reviews
        if name == "membership_id" and rule.endpoint == "circles.change_role":
            return self.members
        if name == "membership_id" and rule.endpoint in ("safeguarding.set_limit", "safeguarding.lift_limit"):
            return self.caregivers
        if name == "token" and rule.endpoint == "invitations.accept":
            return [INVITATION_TOKEN, UNKNOWN_TOKEN]
        if name == "token" and rule.endpoint == "auth.reset_password":
            return [RESET_TOKEN, UNKNOWN_TOKEN]
        if name == "token" and rule.endpoint == "auth.set_password":
            return [SETUP_TOKEN, UNKNOWN_TOKEN]
        raise LookupError(
            f"{rule.endpoint}: no demo value for the URL argument {name!r}; teach tests/browser/pages.py one"
        )


def _order(rule) -> list[str]:
    # "kind" before "item_id": an item belongs to a section.
    names = [name for name, _ in _rule_arguments(rule)]
    return sorted(names, key=lambda name: (name != "circle_id", name != "kind", name))


def _rule_arguments(rule):
    return [(name, rule._converters[name]) for name in rule.arguments]


def html_get_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NON_HTML_ENDPOINTS
    }


def all_pages(live_server, circle_id: int) -> list[Page]:
    """Every GET page of the app, its URL arguments filled from the demo data."""
    app = live_server.app
    fillers = ArgumentFillers(live_server, circle_id)
    pages: list[Page] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if "GET" not in rule.methods or rule.endpoint in NON_HTML_ENDPOINTS:
            continue
        if rule.endpoint in SIGN_IN_ENDPOINTS:
            continue
        combos = [{}]
        for name in _order(rule):
            combos = [{**combo, name: value} for combo in combos for value in fillers.values(rule, name, combo)]
        with app.test_request_context():
            from flask import url_for

            for combo in combos:
                pages.append(Page(rule.endpoint, url_for(rule.endpoint, **combo)))
    return pages


# ---------------------------------------------------------------- signing in


@dataclass
class SignInStep:
    """A page met between the password and the dashboard."""

    endpoint: str
    role: str
    page: object


def _code(live_server, email: str) -> str:
    return demo_code(live_server.app, email)


@dataclass
class RoleBrowsers:
    """One signed-in browser context per role, reused across every page."""

    browser: object
    live_server: object
    width: int = 1280
    height: int = 900
    # Script run in every page before its own, e.g. axe-core.
    init_script: str | None = None
    # The browser's language (Accept-Language), e.g. "es-MX" for the Spanish sweep.
    locale: str | None = None
    pages: dict = field(default_factory=dict)
    contexts: list = field(default_factory=list)

    def new_page(self):
        options = {"locale": self.locale} if self.locale else {}
        context = self.browser.new_context(viewport={"width": self.width, "height": self.height}, **options)
        if self.init_script:
            context.add_init_script(script=self.init_script)
        self.contexts.append(context)
        return context.new_page()

    def page_for(self, role: str, on_step=None):
        if role not in self.pages:
            page = self.new_page()
            if ROLES[role]:
                sign_in(page, self.live_server.url, ROLES[role], lambda email: _code(self.live_server, email), on_step=on_step)
            for prepare in PREPARATIONS.get(role, ()):
                prepare(page, self.live_server.url)
            self.pages[role] = page
        return self.pages[role]

    def enrolment_page(self):
        """The account that must set up an app, stopped on the set-up step."""
        from portal.demo.seed import DEMO_PASSWORD

        page = self.new_page()
        base = self.live_server.url
        page.goto(f"{base}/login")
        page.fill("#email", ENROLLING_EMAIL)
        page.fill("#password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/login/enrol")
        return page

    def close(self):
        for context in self.contexts:
            context.close()


def probe(page, base: str, target: Page, role: str) -> Visit:
    """What the role gets at this page, asked without drawing it (fast): the
    request shares the signed-in context's cookies. A redirect (to sign in,
    or onwards) is not the page."""
    response = page.request.get(base + target.path, max_redirects=0)
    content_type = response.headers.get("content-type", "").split(";")[0]
    html = content_type == "text/html"
    generic_error = html and response.status >= 400 and "data-error-page=" in response.text()
    visit_ = Visit(role, target, response.status, html, generic_error)
    response.dispose()
    return visit_


def reached(visit_: Visit) -> bool:
    """The page itself: 200, or a page of its own answered with another status."""
    return visit_.html and (visit_.status == 200 or (visit_.status >= 400 and not visit_.generic_error))


def start_app_setup(page, base: str) -> None:
    """account.two_factor shows only while an app is being set up: start one."""
    page.goto(f"{base}/account/")
    # The form that starts it, found by where it posts: in any language the page is in.
    page.locator('form[action$="/account/two-factor/start"] button[type=submit]').click()
    page.wait_for_url(f"{base}/account/two-factor")


# State a role's account is put in before its pages are visited, so that pages
# shown only in that state are reached too.
PREPARATIONS = {"parent": [start_app_setup]}


def open_page(page, base: str, target: Page) -> None:
    page.goto(base + target.path)
    assert page.url == base + target.path, (target, page.url)


@pytest.fixture(scope="module")
def site_pages(live_server, jordan) -> list[Page]:
    prepare_tokens(live_server)
    return all_pages(live_server, jordan)


def summary_plugin(config, name: str):
    """A plugin that prints one line under pytest's summary, with or without -s."""

    class Summary:
        lines: list[str] = []

        def pytest_terminal_summary(self, terminalreporter):
            for line in self.lines:
                terminalreporter.write_line(line)

    plugin = config.pluginmanager.get_plugin(name)
    if plugin is None:
        plugin = Summary()
        plugin.lines = []
        config.pluginmanager.register(plugin, name)
    return plugin
