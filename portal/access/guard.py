"""Each view declares its access rule once, with @guard(rule); the rule both
enforces access and tells the access-matrix test what to expect.

Load order for every request (as in Indico): load the objects through the
policy, check access, then let the view process. A view never tests a role.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort, current_app, g, request
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.access import policy
from portal.access.queries import find_membership, kept_by_limit, managed_account, member_can, member_can_act
from portal.audit.services import record_now
from portal.extensions import db


def deny(status: int, *, section: str | None = None):
    """Refuse; the error handler records the refusal (see record_refusal)."""
    g.denied_section = section
    abort(status)


def record_refusal(status: int) -> None:
    """Every 403 and 404 a signed-in person meets is audited once: who, which
    circle (if they are in it), which section, never what was asked for."""
    if status not in (403, 404) or not current_user.is_authenticated:
        return
    membership = g.get("membership")
    section = g.get("denied_section") or (request.view_args or {}).get("kind")
    outcome = "refused" if status == 403 else "hidden"
    if status == 403 and kept_by_limit(membership, refused_section(), refused_action()):
        # Kept from a caregiver by a safeguarding limit: recorded like any
        # refusal, and marked so that "who has seen" shows it only to those
        # who may see limits (the rest of the family never learns of one).
        outcome = "kept"
    record_now(
        "denied",
        circle_id=membership.circle_id if membership is not None else None,
        role=membership.role if membership is not None else None,
        section=section if section in policy.SECTIONS else None,
        outcome=outcome,
    )


def _current_rule():
    endpoint = request.endpoint
    return rule_for(current_app, endpoint) if endpoint in current_app.view_functions else None


def refused_action() -> str | None:
    """The circle action the current view's rule asks for, if any."""
    return getattr(_current_rule(), "action", None)


def refused_section() -> str | None:
    """The section a refusal was about: named by deny(), in the URL, or fixed by the view's rule."""
    return g.get("denied_section") or (request.view_args or {}).get("kind") or getattr(_current_rule(), "kind", None)


def load_membership(view_args: dict):
    membership = find_membership(view_args["circle_id"], current_user)
    if membership is None:
        deny(404, section=view_args.get("kind"))
    g.membership = membership
    g.circle = membership.circle
    return membership


def in_circle_or_404(model, row_id: int, circle_id: int | None = None, *, section: str | None = None,
                     options=(), where=()):
    """The row of ``model`` with this id in the circle (the one the guard
    loaded, unless given), or a 404. Loaded by id and circle together, as
    flaskr's get_post loads a post by id and author, so a row of another
    circle is never in hand; refused through deny(), so the refusal is
    audited with its section like the guard's own. ``where`` narrows it
    further (a row scope, a role): a row outside it is refused the same way."""
    if circle_id is None:
        circle_id = g.circle.id
    stmt = select(model).where(model.id == row_id, model.circle_id == circle_id, *where)
    if options:
        stmt = stmt.options(*options)
    row = db.session.scalars(stmt).first()
    if row is None:
        deny(404, section=section)
    return row


def managed_account_or_404(user_id: int, *, someone_else: bool = False):
    """An account of the signed-in admin's organisation, or a 404 through
    deny(). With ``someone_else``, their own account is refused (403): an
    admin's own sessions and app are on their account page."""
    user = managed_account(current_user, user_id)
    if user is None:
        deny(404)
    if someone_else and user.id == current_user.id:
        deny(403)
    return user


class Rule:
    """Base for access rules. ``enforce`` aborts or returns None."""

    needs_login = True

    def enforce(self, view_args: dict) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Public(Rule):
    needs_login = False

    def enforce(self, view_args: dict) -> None:
        return None


@dataclass(frozen=True)
class SignedIn(Rule):
    def enforce(self, view_args: dict) -> None:
        return None


@dataclass(frozen=True)
class OrgAdmin(Rule):
    """Organisation admins manage accounts and see no plan content."""

    def enforce(self, view_args: dict) -> None:
        if not (current_user.is_org_admin and current_user.organisation_id):
            deny(403)


@dataclass(frozen=True)
class CreatesCircles(Rule):
    def enforce(self, view_args: dict) -> None:
        if not policy.creates_circles(current_user.staff_role):
            deny(403)


@dataclass(frozen=True)
class CircleAction(Rule):
    """A member of the circle in the URL whose role allows ``action``."""

    action: str

    def __post_init__(self):
        policy.can_act(policy.CLINICIAN, self.action)  # unknown action raises now

    def enforce(self, view_args: dict) -> None:
        membership = load_membership(view_args)
        if not member_can_act(membership, self.action):
            deny(403)


@dataclass(frozen=True)
class Section(Rule):
    """A member whose role may read (or edit) the section named in the URL,
    or the fixed section given here."""

    mode: str
    kind: str | None = None
    # A circle action the role must also hold, e.g. restoring removed items.
    action: str | None = None

    def __post_init__(self):
        if self.mode not in (policy.READ, policy.EDIT):
            raise policy.UnknownName(f"unknown mode {self.mode!r}")
        if self.kind is not None:
            policy.check_section(self.kind)
        if self.action is not None:
            policy.can_act(policy.CLINICIAN, self.action)

    def section_kind(self, view_args: dict) -> str:
        return self.kind or view_args["kind"]

    def enforce(self, view_args: dict) -> None:
        membership = load_membership(view_args)
        kind = self.section_kind(view_args)
        if not member_can(membership, kind, self.mode):
            deny(403, section=kind)
        if self.action is not None and not member_can_act(membership, self.action):
            deny(403, section=kind)


def guard(rule: Rule):
    """Declare and enforce a view's access rule."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            rule.enforce(kwargs)
            return view(*args, **kwargs)

        protected = login_required(wrapped) if rule.needs_login else wrapped
        protected.access_rule = rule
        return protected

    return decorate


# Endpoints that Flask itself adds.
BUILTIN_RULES: dict[str, Rule] = {"static": Public()}


def rule_for(app, endpoint: str) -> Rule | None:
    if endpoint in BUILTIN_RULES:
        return BUILTIN_RULES[endpoint]
    return getattr(app.view_functions[endpoint], "access_rule", None)


def undeclared_endpoints(app) -> list[str]:
    return sorted(e for e in app.view_functions if rule_for(app, e) is None)
