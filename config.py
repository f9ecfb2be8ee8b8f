"""Configuration, read from the environment.

Every setting a deployment may change is an environment variable; the README
lists them. A configuration that must not serve people (a weak or missing
secret, no explicit database, per-process rate limits in production, an
unknown time zone anywhere) is refused at start-up with a ConfigError, which
the entry points report as one line (see refuse_to_start).
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """A setting that stops start-up. Its message is one line, says which
    setting and what to do, and never repeats a secret."""


# The status a gunicorn worker exits with when it cannot boot: the master then
# stops, instead of starting the same failing worker again and again.
STARTUP_REFUSED = 3


def refuse_to_start(error: ConfigError) -> NoReturn:
    print(f"Support Circle will not start: {error}", file=sys.stderr, flush=True)
    raise SystemExit(STARTUP_REFUSED)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _paragraphs(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Paragraphs separated by a blank line; unset or blank keeps the default."""
    value = os.environ.get(name, "")
    found = tuple(" ".join(part.split()) for part in value.replace("\r\n", "\n").split("\n\n") if part.strip())
    return found or default


def _names(name: str, default: str) -> frozenset[str]:
    """A comma-separated list; an empty value means none."""
    value = os.environ.get(name, default)
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _with_driver(url: str) -> str:
    """psycopg 3 is the driver; accept the common postgres:// spellings."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _database_url(default: str) -> str:
    return _with_driver(os.environ.get("DATABASE_URL") or default)


def _test_database_url() -> str:
    return _with_driver(os.environ.get("TEST_DATABASE_URL_ACTIVE", "sqlite://"))


def _test_engine_options(url: str) -> dict:
    if url == "sqlite://":
        from sqlalchemy.pool import StaticPool

        # One in-memory database shared by every connection of a test.
        return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    return {"pool_pre_ping": True}


def _host_names(name: str) -> list[str] | None:
    """A comma-separated list of host names, or None when the variable is unset."""
    value = os.environ.get(name)
    if value is None:
        return None
    return [host.strip() for host in value.split(",") if host.strip()]


DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused by ProductionConfig
# BASE_URL when unset, outside production only (`flask run`'s address).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
# The demo's accounts (portal/demo/seed.py) share a published password; they
# sign in only where DEMO_ALLOWED, never under ProductionConfig.
DEMO_EMAIL_DOMAIN = "demo.example.org"
# The benchmark's accounts (bench/seed.py, `flask seed-bench`, bench only) share a
# published password too: where the demo is not allowed they sign in only
# with BENCH_ACCOUNTS_ALLOWED, which bench/run.py sets for the server it starts.
BENCH_EMAIL_DOMAIN = "bench.example.org"
MIN_SECRET_LENGTH = 32
# A random key of 32 characters from any usual generator (secrets.token_hex(16),
# token_urlsafe, uuid4().hex) clears these with a wide margin; a word, a
# repeated pattern or a run of the keyboard does not.
MIN_DISTINCT_CHARACTERS = 8
MIN_ESTIMATED_BITS = 80


def secret_key_weakness(key: str) -> str | None:
    """Why this key would be easy to guess, or None. The estimate is the
    Shannon entropy of the key's own characters times its length: it cannot
    prove a key random, but it refuses what is plainly not."""
    if key in (DEV_SECRET_KEY, TestingConfig.SECRET_KEY):
        return "is a key published in this repository"
    if len(key) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    counts = Counter(key)
    if len(counts) < MIN_DISTINCT_CHARACTERS:
        return f"uses fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    if any(key == (key[:period] * (len(key) // period + 1))[: len(key)] for period in range(1, len(key) // 2 + 1)):
        return "repeats a shorter pattern"
    steps = Counter(ord(after) - ord(before) for before, after in zip(key, key[1:], strict=False))
    if max(steps.values()) * 2 > len(key) - 1:
        return "is mostly a run of neighbouring characters"
    bits = -sum(count * math.log2(count / len(key)) for count in counts.values())
    if bits < MIN_ESTIMATED_BITS:
        return f"has under {MIN_ESTIMATED_BITS} bits of estimated entropy"
    return None


# Schemes whose counts live in one process: each gunicorn worker would count
# on its own, and a recycled or restarted worker would forget every limit.
PER_PROCESS_LIMIT_STORAGE = ("memory", "async+memory")


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Earlier keys, comma-separated, still accepted after a rotation: for
    # session cookies, and to read authenticator secrets encrypted with them.
    SECRET_KEY_FALLBACKS = [key for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key]
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'support_circle.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token instead

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)

    # Several app servers share sessions and rate limits through Redis when
    # REDIS_URL is set; without it, sessions live in the database and limits in
    # each process's memory (one server). Every key starts with REDIS_KEY_PREFIX,
    # so deployments (and test runs) can share one Redis.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "support-circle:")
    SESSION_STORE = os.environ.get("SESSION_STORE") or ("redis" if REDIS_URL else "database")
    # Ended sessions stay readable this long, so a browser coming back with an
    # old cookie is told why it was signed out.
    SESSION_ENDED_KEPT_HOURS = _int("SESSION_ENDED_KEPT_HOURS", 24)
    # What someone was typing when their form or session expired is kept this
    # long on the server, to be offered back once they sign in again.
    KEPT_DRAFT_HOURS = _int("KEPT_DRAFT_HOURS", 24)
    # How long what outlived its use is kept before the hourly prune deletes it
    # (portal/retention/pruning.py): emails once sent, or still undelivered,
    # with their addresses; reset links, invitations and recovery codes once
    # used, revoked or expired (so an old link still says why it no longer
    # works). Ended sessions go after SESSION_ENDED_KEPT_HOURS, drafts after
    # KEPT_DRAFT_HOURS or once offered back.
    OUTBOX_KEPT_DAYS = _int("OUTBOX_KEPT_DAYS", 30)
    # `flask backup` encrypts with BACKUP_KEY (a Fernet key); BACKUP_KEY_FALLBACKS
    # (comma-separated) still open the files older keys made. Production
    # refuses a backup without a key unless --unencrypted is asked for.
    BACKUP_KEY = os.environ.get("BACKUP_KEY", "")
    BACKUP_KEY_FALLBACKS = [key for key in os.environ.get("BACKUP_KEY_FALLBACKS", "").split(",") if key.strip()]
    BACKUP_KEY_REQUIRED = False
    # Where an encrypted backup's plain copy is made and a restore decrypts to
    # (a private folder, removed after): the machine's temporary folder unless
    # set. Never a folder that is copied off the machine.
    BACKUP_WORK_DIR = os.environ.get("BACKUP_WORK_DIR", "")
    LINKS_KEPT_DAYS = _int("LINKS_KEPT_DAYS", 30)
    # A dependency that does not answer in time is reported down (a calm 503)
    # instead of holding the request; once seen down, the urgent-help page
    # and /healthz stop trying it for DEPENDENCY_RETRY_SECONDS.
    REDIS_SOCKET_TIMEOUT = _int("REDIS_SOCKET_TIMEOUT", 2)
    DATABASE_CONNECT_TIMEOUT = _int("DATABASE_CONNECT_TIMEOUT", 5)
    DEPENDENCY_RETRY_SECONDS = _int("DEPENDENCY_RETRY_SECONDS", 10)
    # Rate limits are shared by every worker and survive restarts: in Redis
    # when there is one, otherwise in the app's own database (database://,
    # portal/ratelimits). Only the test suite counts in memory.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "database://"
    # limits' Redis storage prefixes its keys with this (and resets only these).
    RATELIMIT_STORAGE_OPTIONS = {"key_prefix": REDIS_KEY_PREFIX + "limits"}
    # The database storage implements the fixed window, which every limit here uses.
    RATELIMIT_STRATEGY = "fixed-window"
    RATELIMIT_HEADERS_ENABLED = False
    # Per account the limit is short-lived, so nobody can lock a real person
    # out for long; per address it bounds guessing across accounts.
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    SIGN_IN_LIMIT_PER_IP = os.environ.get("SIGN_IN_LIMIT_PER_IP", "50 per 15 minutes")
    # Wrong second-factor codes, per account and per address; right ones are
    # not counted, so signing in often never meets the limit.
    CODE_LIMIT = os.environ.get("CODE_LIMIT", "5 per 5 minutes")
    CODE_LIMIT_PER_IP = os.environ.get("CODE_LIMIT_PER_IP", "30 per 15 minutes")
    # Requests for a password-reset email, per address typed and per visitor.
    RESET_LIMIT = os.environ.get("RESET_LIMIT", "5 per hour")
    RESET_LIMIT_PER_IP = os.environ.get("RESET_LIMIT_PER_IP", "20 per hour")

    # Two-factor sign-in (TOTP) is required for accounts with one of these
    # roles, as a staff role or in any circle; others may turn it on. The
    # roles are those of portal/access/policy.py; an unknown one stops start-up.
    MFA_REQUIRED_ROLES = _names("MFA_REQUIRED_ROLES", "clinician,primary_care,school_contact")
    # Between a right password and the code, or the first code of a new app.
    MFA_PENDING_MINUTES = _int("MFA_PENDING_MINUTES", 5)
    # How long a password-reset link works.
    RESET_LINK_MINUTES = _int("RESET_LINK_MINUTES", 60)
    # How long the link works that a new account (made by an admin, or
    # imported) gets to choose its own password.
    ACCOUNT_SETUP_DAYS = _int("ACCOUNT_SETUP_DAYS", 7)

    # Urgent help. US defaults; a deployment elsewhere sets its own numbers.
    EMERGENCY_NUMBER = os.environ.get("EMERGENCY_NUMBER", "911")
    CRISIS_LINE_NUMBER = os.environ.get("CRISIS_LINE_NUMBER", "988")
    CRISIS_LINE_NAME = os.environ.get("CRISIS_LINE_NAME", "988 Suicide & Crisis Lifeline (call or text)")
    CRISIS_TEXT_LINE = os.environ.get("CRISIS_TEXT_LINE", "Text HOME to 741741 (Crisis Text Line)")

    # When adults must share without the young person's agreement, in the
    # deployment's words for its jurisdiction: short paragraphs, written to
    # the young person as "you", on the page about their say in sharing
    # (portal/sharing/words.py). From the environment, paragraphs are
    # separated by a blank line. Left empty, the portal's own words are shown,
    # in the page's language (portal/sharing/words.WITHOUT_AGREEMENT). The
    # deployment's words for one language go in SHARING_WITHOUT_AGREEMENT_<CODE>
    # (one per language offered); SHARING_WITHOUT_AGREEMENT is for every
    # language without its own.
    SHARING_WITHOUT_AGREEMENT = _paragraphs("SHARING_WITHOUT_AGREEMENT", ())
    SHARING_WITHOUT_AGREEMENT_EN = _paragraphs("SHARING_WITHOUT_AGREEMENT_EN", ())
    SHARING_WITHOUT_AGREEMENT_ES = _paragraphs("SHARING_WITHOUT_AGREEMENT_ES", ())

    # The languages offered: a code with a catalogue under portal/translations
    # (README: adding a language), and the language's own name for itself.
    LANGUAGES = {"en": "English", "es": "Español"}
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LANGUAGE", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "portal" / "translations")

    # Times are typed and shown in this zone and stored in UTC; an unknown
    # zone stops start-up rather than failing on the first page with a time.
    TIMEZONE = os.environ.get("TIMEZONE", "America/New_York")
    # When people can be reached, in that zone (portal/reach.py): school hours
    # on weekdays, the evening until EVENING_ENDS, the night until school
    # hours again; Saturday and Sunday are the weekend. Unreadable hours stop start-up.
    SCHOOL_HOURS = os.environ.get("SCHOOL_HOURS", "08:00-15:30")
    EVENING_ENDS = os.environ.get("EVENING_ENDS", "22:00")

    # Sessions end after this long without activity, and after this long in all
    # (ASVS 4.0.3 3.3.2); a calm warning comes a few minutes before the first.
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _int("SESSION_MAX_HOURS", 12)
    SESSION_WARN_MINUTES = _int("SESSION_WARN_MINUTES", 5)

    # Behind a reverse proxy, how many proxies to trust for the client address
    # and scheme (X-Forwarded-For/Proto/Host). 0 trusts none.
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)

    # Long texts are welcome; a request larger than this gets a clear 413 page.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    # The largest form field kept in memory; unset, the same as the request limit.
    MAX_FORM_MEMORY_SIZE = _int("MAX_FORM_MEMORY_SIZE", MAX_CONTENT_LENGTH)

    # The address people use. Every absolute URL starts with it (links in
    # emails, the calendar feed, redirects), never with the Host header a
    # request arrived with; requests for any host outside TRUSTED_HOSTS get
    # a 400 page. Production must be told both (see ProductionConfig): there
    # the development server's address is no default.
    BASE_URL = os.environ.get("BASE_URL", DEVELOPMENT_BASE_URL)
    # Unset (None): BASE_URL's host, and outside production these too.
    TRUSTED_HOSTS = _host_names("TRUSTED_HOSTS")
    LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

    # Invitation links work once, for this many days.
    INVITATION_DAYS = _int("INVITATION_DAYS", 7)
    INVITATION_LIMIT = os.environ.get("INVITATION_LIMIT", "30 per 15 minutes")
    # How many invitations one person may send; bounds misuse of the mail server.
    INVITATIONS_SENT_LIMIT = os.environ.get("INVITATIONS_SENT_LIMIT", "30 per hour")

    # How many days ahead the dashboard warns of adjustments ending and reviews due.
    ADJUSTMENT_ENDING_SOON_DAYS = _int("ADJUSTMENT_ENDING_SOON_DAYS", 7)
    REVIEW_DUE_SOON_DAYS = _int("REVIEW_DUE_SOON_DAYS", 7)
    RECENT_EPISODE_DAYS = _int("RECENT_EPISODE_DAYS", 14)
    # After an in-school episode or a setback review, a follow-up appointment
    # is due within this many days; until one is booked, the people
    # responsible see it on their dashboards.
    FOLLOW_UP_DUE_DAYS = _int("FOLLOW_UP_DUE_DAYS", 7)
    # A scheduled follow-up that nobody marks attended this long after its
    # time is marked missed by `flask notify send`.
    FOLLOW_UP_MISSED_AFTER_HOURS = _int("FOLLOW_UP_MISSED_AFTER_HOURS", 24)
    # After an emergency visit or a discharge from hospital, aftercare is due
    # within this many hours (NICE NG225: within 48 hours); until a clinician
    # books it, it heads the dashboards of the people responsible.
    AFTERCARE_HOURS = _int("AFTERCARE_HOURS", 48)

    # Argon2id parameters: argon2-cffi's defaults (RFC 9106 low-memory profile).
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 4)

    # Email. The development default prints messages to the console; they
    # never hold plan content, only that there is something to see.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # console or smtp
    MAIL_FROM = os.environ.get("MAIL_FROM", "Support Circle <no-reply@support-circle.invalid>")
    MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN", "support-circle.invalid")
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = _int("SMTP_TIMEOUT", 10)
    # The daily digest goes after this local hour; `flask notify run` checks every NOTIFY_INTERVAL seconds.
    DIGEST_HOUR = _int("DIGEST_HOUR", 17)
    NOTIFY_INTERVAL = _int("NOTIFY_INTERVAL", 30)
    AGREEMENT_ENDING_NOTICE_DAYS = _int("AGREEMENT_ENDING_NOTICE_DAYS", 3)

    # "json": one JSON object a line (request log and app records, with the
    # request id); "text": the readable development default.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()

    DEMO_ALLOWED = True
    # Only consulted where DEMO_ALLOWED is False (production): set by bench/run.py, never by a deployment.
    BENCH_ACCOUNTS_ALLOWED = _bool("BENCH_ACCOUNTS_ALLOWED", False)
    TESTING = False
    DEBUG = False

    @classmethod
    def trusted_hosts(cls) -> list[str]:
        """What the app puts in Flask's TRUSTED_HOSTS; derived when the class
        is made, so a subclass that changes BASE_URL changes it too."""
        if cls.TRUSTED_HOSTS is not None:
            return list(cls.TRUSTED_HOSTS)
        return sorted({host for host in (urlsplit(cls.BASE_URL).hostname, *cls.LOOPBACK_HOSTS) if host})

    @classmethod
    def validate(cls) -> None:
        """Refuse, in every configuration, settings that would fail later and worse."""
        try:
            ZoneInfo(cls.TIMEZONE)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"TIMEZONE {cls.TIMEZONE!r} is not a time zone this system knows; use a name such as America/New_York."
            ) from None
        base = urlsplit(cls.BASE_URL)
        if base.scheme not in ("http", "https") or not base.hostname:
            raise ConfigError("BASE_URL must be the address people open, such as https://support.example.org.")
        if not cls.trusted_hosts():
            raise ConfigError("TRUSTED_HOSTS is empty, which would trust any Host header; name the hosts this site answers to.")
        if cls.SESSION_STORE not in ("database", "redis"):
            raise ConfigError(f"Unknown SESSION_STORE {cls.SESSION_STORE!r}; use database or redis.")
        if cls.SESSION_STORE == "redis" and not cls.REDIS_URL:
            raise ConfigError("SESSION_STORE is redis but REDIS_URL is not set.")
        if cls.RATELIMIT_STORAGE_URI.startswith("database:") and cls.RATELIMIT_STRATEGY != "fixed-window":
            raise ConfigError("RATELIMIT_STRATEGY must be fixed-window while rate limits are kept in the database.")


class DevelopmentConfig(Config):
    DEBUG = _bool("FLASK_DEBUG", False)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-for-the-suite-only"  # noqa: S105 - the test suite only
    SQLALCHEMY_DATABASE_URI = _test_database_url()
    SQLALCHEMY_ENGINE_OPTIONS = _test_engine_options(SQLALCHEMY_DATABASE_URI)
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = False
    # The suite picks the Redis store per test (tests/sessions/backends.py),
    # whatever REDIS_URL the shell holds.
    SESSION_STORE = "database"
    REDIS_URL = ""
    # A cheap hash profile keeps the suite fast; tests assert the production one.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # No fall-back to the development SQLite file (and the demo in it).
    SQLALCHEMY_DATABASE_URI = _database_url("")
    LOOPBACK_HOSTS = ()
    # __Host-: the browser accepts it only Secure, for Path=/ and without a
    # Domain, so no subdomain or plain-HTTP page can plant or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    BACKUP_KEY_REQUIRED = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    # The console backend prints addresses to standard output, which is the
    # production log: real deployments send through their SMTP relay.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    DEMO_ALLOWED = False
    DEBUG = False

    @classmethod
    def validate(cls) -> None:
        make_one = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        if not cls.SECRET_KEY:
            raise ConfigError(f"ProductionConfig needs SECRET_KEY, a random value of 32 or more characters: {make_one}")
        if weakness := secret_key_weakness(cls.SECRET_KEY):
            raise ConfigError(f"SECRET_KEY {weakness}; use a random value of 32 or more characters: {make_one}")
        for number, key in enumerate(cls.SECRET_KEY_FALLBACKS, 1):
            if weakness := secret_key_weakness(key):
                raise ConfigError(f"SECRET_KEY_FALLBACKS key {number} {weakness}; a fallback still opens sessions: replace it or drop it.")
        if not cls.SQLALCHEMY_DATABASE_URI:
            raise ConfigError("ProductionConfig needs DATABASE_URL, e.g. postgresql://app@db.internal/support_circle.")
        if not cls.BASE_URL or (cls.BASE_URL == DEVELOPMENT_BASE_URL and "BASE_URL" not in os.environ):
            raise ConfigError("ProductionConfig needs BASE_URL, the address people open, e.g. https://support.example.org.")
        super().validate()
        scheme = cls.RATELIMIT_STORAGE_URI.partition("://")[0]
        if not cls.RATELIMIT_STORAGE_URI or scheme in PER_PROCESS_LIMIT_STORAGE:
            raise ConfigError(
                f"RATELIMIT_STORAGE_URI {cls.RATELIMIT_STORAGE_URI!r} counts in each worker's memory and forgets on restart; "
                "unset it to keep limits in the database, or set REDIS_URL."
            )
        if _bool("FLASK_DEBUG", False) or cls.DEBUG:
            raise ConfigError("ProductionConfig refuses to start with debug on (FLASK_DEBUG).")
        if cls.MAIL_BACKEND != "smtp":
            raise ConfigError("ProductionConfig sends email only through SMTP: set MAIL_BACKEND=smtp and SMTP_HOST.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("SUPPORT_CIRCLE_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"Unknown SUPPORT_CIRCLE_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from None
