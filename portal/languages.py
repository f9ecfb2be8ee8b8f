"""Which language a page, a notice or an email is written in, and how dates
and times read in it (DESIGN.md, principle 13).

The words themselves are Babel catalogues under ``portal/translations``,
marked in the code with ``gettext``/``lazy_gettext`` and in templates with
``_()`` or ``{% trans %}``. A language is offered once it has a catalogue and
a line in the ``LANGUAGES`` setting.

The page's language, in order: a ``?lang=`` switch on this request (kept in a
cookie for the pages that need no signing in), the signed-in account's own
choice, the cookie, the browser's ``Accept-Language``, the deployment's
default. What people typed is never translated: it keeps the language it was
written in.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from urllib.parse import urlencode

from babel import dates
from flask import current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale
from flask_login import current_user
from markupsafe import Markup

from portal import zones

COOKIE = "lang"
COOKIE_DAYS = 365

# Named ways of writing a moment, in CLDR patterns per language. Spanish
# leaves out the zone's letters, which CLDR can only write as "-0500" there:
# every time in the portal is in the reader's own zone anyway.
# Named ways of writing a moment, in CLDR patterns per language. English keeps
# the portal's own shapes ("03 Dec 2026, 14:05", "Thu 3 Dec 2026"); another
# language writes them as its readers do, and falls back to English's shape
# with its own month and day names.
FORMATS: dict[str, dict[str, str]] = {
    "datetime": {"en": "dd MMM y, HH:mm", "es": "d 'de' MMM 'de' y, HH:mm"},
    "date": {"en": "dd MMM y", "es": "d 'de' MMM 'de' y"},
    "long_date": {"en": "d MMMM y", "es": "d 'de' MMMM 'de' y"},
    "day": {"en": "EEE d MMM y", "es": "EEE d 'de' MMM 'de' y"},
    "long_day": {"en": "EEEE d MMMM", "es": "EEEE d 'de' MMMM"},
    "day_month": {"en": "d MMM", "es": "d 'de' MMM"},
    "month_year": {"en": "MMM y", "es": "MMM y"},
    "month": {"en": "MMM", "es": "MMM"},
    "weekday": {"en": "EEE", "es": "EEE"},
    "day_of_month": {"en": "dd", "es": "dd"},
    "time": {"en": "HH:mm", "es": "HH:mm"},
    "day_padded": {"en": "EEE dd MMM y", "es": "EEE d 'de' MMM 'de' y"},
    "day_time_zone": {"en": "EEE dd MMM y, HH:mm zzz", "es": "EEE d 'de' MMM 'de' y, HH:mm"},
    "short_date": {"en": "d MMM y", "es": "d 'de' MMM 'de' y"},
    "datetime_zone": {"en": "dd MMMM y, HH:mm zzz", "es": "d 'de' MMMM 'de' y, HH:mm"},
}


def N_(message: str) -> str:
    """Marks words for the catalogue that are translated later, where they are
    shown (gettext's "noop"): a library's message, a key's English."""
    return message


def offered() -> dict[str, str]:
    """The languages this deployment offers: code -> its own name for itself."""
    return current_app.config["LANGUAGES"]


def default() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def known(code: str | None) -> str | None:
    """``code`` when it is one of the languages offered, else None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-")[0]
    return code if code in offered() else None


def _account_language() -> str | None:
    # Never while a dependency is down: loading the account could reach it.
    if g.get("dependency_down"):
        return None
    try:
        if current_user.is_authenticated:
            return known(getattr(current_user, "language", None))
    except Exception:  # noqa: BLE001 - the page must still be drawn, in the default language
        return None
    return None


def for_request() -> str:
    """The language of the page being drawn (Flask-Babel's locale selector)."""
    if not has_request_context():
        return g.get("language") or default()
    switched = known(request.args.get("lang"))
    if switched:
        g.language_switched = switched
        return switched
    return (
        _account_language()
        or known(request.cookies.get(COOKIE))
        or request.accept_languages.best_match(list(offered()))
        or default()
    )


def current() -> str:
    """The language being written now, as a code ("en", "es")."""
    return str(get_locale() or default())


@contextmanager
def in_language(code: str | None):
    """Write in another person's language for a while: a notice or an email
    for its recipient, composed in someone else's request."""
    with force_locale(known(code) or default()):
        yield


def moment(value: datetime | date | None, name: str = "datetime") -> str:
    """A stored moment (UTC) or a day, written in the reader's zone in the
    current language: ``moment(row.created_at, "date")``."""
    if value is None:
        return ""
    language = current()
    patterns = FORMATS[name]
    pattern = patterns.get(language, patterns["en"])
    if isinstance(value, datetime):
        zone = zones.current()
        return dates.format_datetime(value.astimezone(zone), pattern, tzinfo=zone, locale=language)
    return dates.format_date(value, pattern, locale=language)


def _remember_switch(response):
    # The same address reads differently by language: caches must keep them apart.
    response.vary.add("Accept-Language")
    switched = g.get("language_switched")
    if switched and request.cookies.get(COOKIE) != switched:
        response.set_cookie(
            COOKIE,
            switched,
            max_age=COOKIE_DAYS * 24 * 3600,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


def switch_links() -> list[tuple[str, str, bool]]:
    """(code, own name, is current) for the switch on pages that need no signing in."""
    now = current()
    return [(code, name, code == now) for code, name in offered().items()]


def typed_in(code: str | None) -> Markup:
    """` lang="en"` for words someone typed in another language than the page's
    (screen readers then read them in their own voice); nothing when the same.
    Words from before languages existed were typed in English."""
    code = code or "en"
    if code == current():
        return Markup("")
    return Markup(' lang="{}"').format(code)


def switch_url(code: str) -> str:
    """This page again in another language (its other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    # Relative to this page: the address is not repeated (nor a host trusted).
    return "?" + urlencode(args, doseq=True)


def register(app, babel: Babel) -> None:
    babel.init_app(app, locale_selector=for_request, timezone_selector=lambda: str(zones.current()))
    app.after_request(_remember_switch)

    @app.context_processor
    def language_globals():
        return {"current_language": current, "language_switch": switch_links, "language_url": switch_url, "typed_in": typed_in}

    app.add_template_filter(moment, "moment")
