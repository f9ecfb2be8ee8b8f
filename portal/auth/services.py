from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from config import BENCH_EMAIL_DOMAIN, DEMO_EMAIL_DOMAIN
from portal import clock, languages
from portal.audit.services import record
from portal.auth import mfa
from portal.auth.models import Organisation, PasswordReset, User
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db
from portal.notify.outbox import Composed, composer, queue_composed, queue_email
from portal.sessions import services as sessions
from portal.tokens import TOKEN_SHAPE, new_token, token_hash
from portal.urls import absolute_url


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def _domain(user: User) -> str:
    return user.email.rpartition("@")[2].strip().lower()


def is_demo_account(user: User) -> bool:
    return _domain(user) == DEMO_EMAIL_DOMAIN


def is_bench_account(user: User) -> bool:
    return _domain(user) == BENCH_EMAIL_DOMAIN


def may_sign_in(user: User) -> bool:
    """Active, and where the demo is not allowed (production) not a seeded
    account, whose password is published: never a demo account, and a bench
    account only where BENCH_ACCOUNTS_ALLOWED (the server bench/run.py starts)."""
    if not user.active:
        return False
    config = current_app.config
    if config["DEMO_ALLOWED"]:
        return True
    if is_demo_account(user):
        return False
    return not is_bench_account(user) or config["BENCH_ACCOUNTS_ALLOWED"]


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None; as slow either way."""
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not may_sign_in(user):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def account_for(login_id: str) -> User | None:
    """The active account named by ``id:version``, while that version is
    current (a password reset or ``end_sessions`` moves it on)."""
    user_id, _, version = (login_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # With the organisation, in the same statement: every page reads its time zone (portal/zones.py).
    user = db.session.get(User, int(user_id), options=[joinedload(User.organisation)])
    if user is None or not may_sign_in(user) or user.session_version != int(version):
        return None
    return user


def load_session_user(login_id: str) -> User | None:
    """Flask-Login's loader, and so the only way a request is signed in:
    the account must hold the live server-side session this request
    carries. Whatever asks (the session cookie, a remember-me cookie the
    portal never issues, code running before the session check), an account
    id alone opens nothing."""
    login_id = str(login_id or "")
    record = sessions.live_session()
    if record is None or str(record.user_id) != login_id.partition(":")[0]:
        return None
    return account_for(login_id)


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    title: str = "",
    organisation: Organisation | None = None,
    staff_role: str | None = None,
    is_org_admin: bool = False,
) -> User:
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        title=title.strip(),
        # None: the person chooses one from an emailed link (auth/setup.py).
        password_hash=hash_password(password) if password else "",
        organisation=organisation,
        staff_role=staff_role or None,
        is_org_admin=is_org_admin,
    )
    db.session.add(user)
    return user


def end_sessions(user: User) -> None:
    """Every session of the account stops working on its next request."""
    user.session_version += 1


# --- Changing and resetting a password ---------------------------------------------------------------

RESET_SUBJECT = _l("Reset your Support Circle password")


def _writing_for(user: User):
    """An email about the account, in the account's own language (or, when it
    chose none, the language being written in now)."""
    return languages.in_language(user.language or languages.current())


def reset_email_body(token: str) -> str:
    """The link and what to do; no name, nothing about any plan."""
    minutes = current_app.config["RESET_LINK_MINUTES"]
    if minutes == 60:
        within = _("To choose a new password, open this link within one hour:")
    else:
        within = ngettext(
            "To choose a new password, open this link within %(num)d minute:",
            "To choose a new password, open this link within %(num)d minutes:",
            minutes,
        )
    return (
        _("Hello,") + "\n\n"
        + _("Someone asked to reset the password of the Support Circle account that uses this email address.") + "\n\n"
        + within + "\n"
        + absolute_url("auth.reset_password", token=token) + "\n\n"
        + _(
            "The link works once. Signing in afterwards still asks for the code from your authenticator app, "
            "if your account uses one."
        ) + "\n\n"
        + _("If you did not ask for this, you can ignore this email: your password stays as it is.") + "\n"
    )


SECURITY_NOTICES = {
    "password_changed": _l(
        "The password of the Support Circle account that uses this email address was changed, "
        "and the account was signed out everywhere else."
    ),
    "password_reset": _l(
        "The password of the Support Circle account that uses this email address was reset with an "
        "emailed link, and the account was signed out everywhere."
    ),
    "app_changed": _l(
        "A new authenticator app was set up for the Support Circle account that uses this email "
        "address, and new recovery codes were made. The old app and codes no longer work."
    ),
    "mfa_reset_by_admin": _l(
        "Your organisation's admin reset two-factor sign-in for the Support Circle account that "
        "uses this email address, and the account was signed out everywhere. If your role needs it, you will be asked "
        "to set up an authenticator app the next time you sign in."
    ),
    "mfa_reset_by_operator": _l(
        "The team that runs Support Circle reset two-factor sign-in for the Support Circle "
        "account that uses this email address, as asked, and the account was signed out everywhere. If your role needs "
        "it, you will be asked to set up an authenticator app the next time you sign in."
    ),
}


def tell_owner(user: User, what: str) -> None:
    """An email about a change to how the account signs in, in case it was
    not them (ASVS 4.0.3 2.2.3); no name, nothing about any plan."""
    with _writing_for(user):
        subject = _("A change to how you sign in to Support Circle")
        body = (
            _("Hello,") + "\n\n"
            + str(SECURITY_NOTICES[what]) + "\n\n"
            + _("If this was you, or you asked for it, there is nothing more to do.") + "\n\n"
            + _("If not, please choose a new password now with \"Forgot your password?\" on the sign-in page:") + "\n"
            + absolute_url("auth.reset_request") + "\n"
            + _("and tell your organisation's Support Circle admin.") + "\n"
        )
    queue_email(user.email, subject, body)


def tell_staff_role_changed(user: User) -> None:
    """An email that the account's staff role changed and where to see it:
    no name, no organisation, no role (the account page shows it, to them)."""
    with _writing_for(user):
        subject = _("Your role in Support Circle changed")
        body = (
            _("Hello,") + "\n\n"
            + _("Your staff role in your organisation's Support Circle account changed.") + "\n\n"
            + _("Sign in to see it on your account page: %(link)s", link=absolute_url("account.index")) + "\n\n"
            + _("If you think this is a mistake, please tell your organisation's Support Circle admin.") + "\n"
        )
    queue_email(user.email, subject, body)


def reset_two_factor(user: User, *, by: User | None) -> None:
    """Forget the account's authenticator app and recovery codes, and end
    every session of it, so that neither a lost phone nor a browser signed in
    with it still works; the next sign-in sets an app up again where the role
    needs one. ``by``: the organisation admin who did it, or None for an
    operator at the command line (`flask accounts reset-two-factor`).
    Audited, and the owner is told by email, in case it was not them."""
    action = "mfa_reset_by_admin" if by is not None else "mfa_reset_by_operator"
    mfa.reset(user)
    end_sessions(user)
    sessions.end_all(user, "two_factor_reset")
    record(action, user=by, subject=user)
    tell_owner(user, action)
    db.session.commit()


RESET_KIND = "password_reset"


def request_password_reset(email: str) -> None:
    """Queue the request, and nothing else: the same single INSERT whatever
    the address, so neither the answer nor the time it takes shows whether an
    account uses it. The sender decides that later (``reset_email``)."""
    queue_composed(RESET_KIND, normalise_email(email))
    db.session.commit()


@composer(RESET_KIND)
def reset_email(address: str) -> Composed | None:
    """At sending time: a new link for an active account that uses the
    address, or nothing. Only the link's hash is stored; the email itself
    is never kept."""
    user = find_user(address)
    if user is None or not user.active:
        return None
    if not user.password_hash:
        # Not set up yet: a new setup link, which says so, rather than a reset.
        from portal.auth import setup

        record("password_reset_requested", user=user)
        return setup.compose_setup(user)
    token = new_token()
    now = clock.now()
    expires = now + timedelta(minutes=current_app.config["RESET_LINK_MINUTES"])
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=expires))
    record("password_reset_requested", user=user)
    with _writing_for(user):
        return Composed(str(RESET_SUBJECT), reset_email_body(token))


def usable_reset(token: str) -> PasswordReset | None:
    """The reset for this link if it can still be used; used, expired,
    unknown and mangled links alike give None."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    reset = db.session.scalars(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.now():
        return None
    user = db.session.get(User, reset.user_id)
    if user is None or not user.active:
        return None
    return reset


def _void_resets(user: User, now) -> int:
    """Every unused link of the account stops working; how many were claimed."""
    result = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def set_password_from_link(reset: PasswordReset, password: str) -> User | None:
    """The one use of an emailed link (a reset, or a new account's setup):
    claim it, set the password, void the account's other links and end its
    sessions; None, rolled back, when another request used it first or it
    expired meanwhile. The caller records, tells and commits."""
    now = clock.now()
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    user = db.session.get(User, reset.user_id)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    _void_resets(user, now)
    end_sessions(user)
    sessions.end_all(user, "password_reset")
    return user


def complete_password_reset(reset: PasswordReset, new_password: str) -> User | None:
    """Set the new password and end every session of the account; None when
    another request used the link first. It never signs anyone in: the next
    sign-in asks for the password and the second factor as always."""
    user = set_password_from_link(reset, new_password)
    if user is None:
        return None
    record("password_reset", user=user)
    tell_owner(user, "password_reset")
    db.session.commit()
    return user


def change_password(user: User, new_password: str, keep) -> int:
    """Set the new password and end the account's other sessions, keeping
    ``keep`` (this browser's); how many ended."""
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    _void_resets(user, clock.now())
    ended = sessions.end_all(user, "password_changed", keep=keep)
    record("password_changed", user=user)
    tell_owner(user, "password_changed")
    db.session.commit()
    return ended


def names_of(user_ids) -> dict[int, str]:
    """Account names by id, in one query (None ids, as in "not yet withdrawn", are skipped)."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
