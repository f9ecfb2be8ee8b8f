"""One's own account: each use case a page starts, written and committed once.

mfa and the sessions store write into the caller's transaction; these
functions are the callers, and the account's routes only parse and show.
"""

from __future__ import annotations

from portal.audit.services import record, record_now
from portal.auth import mfa
from portal.auth import services as accounts
from portal.extensions import db
from portal.sessions import services as sessions


def start_two_factor(user) -> None:
    """A new secret for the app to be set up with, kept until it is confirmed."""
    mfa.prepare_enrolment(user)
    db.session.commit()


def confirm_app(user, code: str) -> list[str] | None:
    """The new recovery codes once the app's code proves it is set up; None
    (and a failed attempt on record) when the code is wrong."""
    replacing = mfa.enrolled(user)
    codes = mfa.confirm_enrolment(user, code)
    if codes is None:
        record_now("mfa_failed", user=user)
        return None
    record("mfa_enrolled", user=user)
    if replacing:
        accounts.tell_owner(user, "app_changed")
    db.session.commit()
    return codes


def renew_recovery_codes(user, code: str) -> list[str] | None:
    """New recovery codes, the old ones void, when the app's code is right;
    None (and a failed attempt on record) when it is wrong."""
    if not mfa.check_totp(user, code):
        record_now("mfa_failed", user=user)
        return None
    codes = mfa.new_recovery_codes(user)
    record("recovery_codes_renewed", user=user)
    db.session.commit()
    return codes


def choose_language(user, code: str) -> None:
    """The language the account reads its pages, notices and emails in."""
    user.language = code
    db.session.commit()


def end_other_sessions(user) -> int:
    """Sign the account out everywhere but this browser; how many sessions ended."""
    ended = sessions.end_all(user, "ended_elsewhere", keep=sessions.current())
    record("sessions_ended", user=user)
    db.session.commit()
    return ended
