"""Template globals and filters; templates never decide access."""

from __future__ import annotations

import re
from functools import lru_cache
from types import MappingProxyType

from flask import current_app, g, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from portal.access.policy import ROLE_LABELS
from portal.urls import circle_url


def _signed_in() -> bool:
    """Whether the page is drawn for a signed-in person. Not while a
    dependency is down: the calm 503 page (and the urgent-help page through
    an outage) must not load the account, count notifications or make a
    form token, any of which could reach the service that is down."""
    from portal.sessions.services import unverified

    if g.get("dependency_down") or unverified():
        return False
    return current_user.is_authenticated


# The crisis line's words as config.py gives them by default, in each
# language. A deployment that sets its own (CRISIS_LINE_NAME,
# CRISIS_TEXT_LINE) is shown its own words as they are; the numbers are
# always the deployment's.
DEFAULT_URGENT_WORDS = {
    "988 Suicide & Crisis Lifeline (call or text)": _l("988 Suicide & Crisis Lifeline (call or text)"),
    "Text HOME to 741741 (Crisis Text Line)": _l("Text HOME to 741741 (Crisis Text Line)"),
}


def urgent_words(configured: str) -> str:
    """A crisis line's name or text line in the page's language when it is
    config.py's default; what the deployment set, unchanged, otherwise."""
    words = DEFAULT_URGENT_WORDS.get(configured)
    return str(words) if words is not None else configured


def _unread_count() -> int:
    """Unread notices for the header: a number kept on the account as notices
    are made and read (portal/notify/unread.py), so no page counts them."""
    if not _signed_in():
        return 0
    # Never shown below nothing, whatever a hand-made row did to the number.
    return max(current_user.unread_notices or 0, 0)


# A phone number inside typed text, for tel_links. Written to leave dates
# (2026-12-02, 12-02-2026), times (21:59, 08:00-15:30) and other figures as
# they are: a number counts only in the shapes phone numbers are written in.
_PHONE = re.compile(
    r"""
    (?<![\w+./:-])
    (?P<number>
        \+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}                    # international: +1 555 010 2345
      | (?:1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}    # North American: (555) 010-2345
      | 0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}                          # a trunk prefix: 020 7946 0958
      | \d{3}[ .-]\d{4}                                           # local: 555-0102
      | \d{3,6}                                                   # short: 988 (only the known ones)
    )
    (?:[ ]?(?:ext\.?|extension|x)[ ]?(?P<extension>\d{1,5}))?
    (?![\w/:]|[.,-]?\d)
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Short numbers that are phone numbers wherever they appear, besides the
# deployment's own urgent numbers; any other short figure is left as text.
SHORT_NUMBERS = frozenset({"911", "988", "211", "112"})


def _short_numbers() -> frozenset[str]:
    config = current_app.config
    own = {re.sub(r"\D", "", config["EMERGENCY_NUMBER"]), re.sub(r"\D", "", config["CRISIS_LINE_NUMBER"])}
    return SHORT_NUMBERS | own


def _dialled(number: str, extension: str | None) -> str | None:
    """What the phone dials, or None when the figure is not a phone number."""
    digits = re.sub(r"\D", "", number)
    if len(digits) <= 6 and number.isdigit():
        if digits not in _short_numbers():
            return None
    elif not 7 <= len(digits) <= 15:
        return None
    dialled = ("+" if number.startswith("+") else "") + digits
    return f"{dialled};ext={extension}" if extension else dialled


def tel_links(text) -> Markup:
    """Typed text, escaped, with each phone number in it a tappable tel: link.

    Built from escaped parts only: the text around a number and the number's
    own text are escaped, and the link's target holds digits alone, so markup
    typed into the plan stays text. Markup already made is returned as it is
    (its numbers are inside HTML, where this does not look)."""
    if text is None:
        return Markup("")
    if isinstance(text, Markup):
        return text
    text = str(text)
    parts: list[Markup] = []
    written = 0
    for found in _PHONE.finditer(text):
        dialled = _dialled(found.group("number"), found.group("extension"))
        if dialled is None:
            continue
        parts.append(escape(text[written:found.start()]))
        parts.append(Markup('<a href="tel:{}">{}</a>').format(dialled, found.group(0)))
        written = found.end()
    parts.append(escape(text[written:]))
    return Markup("").join(parts)


def phone_link(phone) -> Markup:
    """A care-team phone field: its numbers as tel_links finds them, or, when
    the whole field is one number written plainly (5550102345), that number."""
    linked = tel_links(phone)
    if "<a " in linked or phone is None:
        return linked
    digits = re.sub(r"\D", "", str(phone))
    if re.fullmatch(r"\+?[\d ().-]+", str(phone).strip()) and 3 <= len(digits) <= 15:
        dialled = ("+" if str(phone).strip().startswith("+") else "") + digits
        return Markup('<a href="tel:{}">{}</a>').format(dialled, phone)
    return linked


# What every page's header and footer link to, and their fixed words: worked
# out once per language (and the path the portal is served under), not with a
# url_for and a gettext each on every page.
SITE_LINKS = {
    "home": ("auth.index", {}),
    "dashboard": ("dashboard.index", {}),
    "circles": ("circles.index", {}),
    "notices": ("notify.index", {}),
    "accounts": ("admin.accounts_list", {}),
    "account": ("account.index", {}),
    "sign_out": ("auth.logout", {}),
    "ping": ("sessions.ping", {}),
    "urgent": ("urgent.help_page", {}),
    "pico_css": ("static", {"filename": "vendor/pico/pico.jade.min.css"}),
    "app_css": ("static", {"filename": "css/app.css"}),
    "session_js": ("static", {"filename": "js/session.js"}),
}
SITE_WORDS = {
    "skip": _l("Skip to main content"),
    "main": _l("Main"),
    "dashboard": _l("Dashboard"),
    "circles": _l("Circles"),
    "notices": _l("Notifications"),
    "unread": _l("unread"),
    "accounts": _l("Accounts"),
    "account": _l("Your account"),
    "sign_out": _l("Sign out"),
    "urgent": _l("Urgent help"),
    "still_there": _l("Are you still there?"),
    "idle": _l("To keep the plan private, you will be signed out in a few minutes without activity. "
               "Anything you are typing will be kept."),
    "stay": _l("Stay signed in"),
    "when_urgent": _l("When to get urgent help"),
}


@lru_cache(maxsize=64)
def _site(script_root: str, locale: str) -> MappingProxyType:
    links = {name: url_for(endpoint, **values) for name, (endpoint, values) in SITE_LINKS.items()}
    # Escaped once here, so the page does not escape them again.
    words = {name: escape(str(word)) for name, word in SITE_WORDS.items()}
    return MappingProxyType({"link": MappingProxyType(links), "words": MappingProxyType(words)})


def site() -> MappingProxyType:
    """The header's and footer's links (``site.link.dashboard``) and words
    (``site.words.sign_out``) for this request's language."""
    return _site(request.script_root, str(get_locale()))


def register(app) -> None:
    @app.context_processor
    def globals_for_templates():
        config = current_app.config
        return {
            "signed_in": _signed_in,
            "circle_url": circle_url,
            "site": site,
            "unread_count": _unread_count,
            "urgent_numbers": {
                "emergency": config["EMERGENCY_NUMBER"],
                "crisis": config["CRISIS_LINE_NUMBER"],
                "crisis_name": urgent_words(config["CRISIS_LINE_NAME"]),
                "crisis_text": urgent_words(config["CRISIS_TEXT_LINE"]),
            },
            "role_labels": ROLE_LABELS,
            "session_idle_seconds": config["SESSION_IDLE_MINUTES"] * 60,
            "session_warn_seconds": config["SESSION_WARN_MINUTES"] * 60,
        }

    app.add_template_filter(tel_links, "tel_links")
    app.add_template_filter(phone_link, "phone_link")
