"""Configuration, read from the environment.

Every setting a deployment may change is an environment variable; the README
lists them. Production refuses to start without a real secret (see
ProductionConfig.validate).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # psycopg 3 is the driver; accept the common postgres:// spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _test_database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL_ACTIVE", "sqlite://")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _test_engine_options(url: str) -> dict:
    if url == "sqlite://":
        from sqlalchemy.pool import StaticPool

        # One in-memory database shared by every connection of a test.
        return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    return {"pool_pre_ping": True}


DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused by ProductionConfig


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'support_circle.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token instead

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Per account the limit is short-lived, so nobody can lock a real person
    # out for long; per address it bounds guessing across accounts.
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    SIGN_IN_LIMIT_PER_IP = os.environ.get("SIGN_IN_LIMIT_PER_IP", "50 per 15 minutes")

    # Urgent help. US defaults; a deployment elsewhere sets its own numbers.
    EMERGENCY_NUMBER = os.environ.get("EMERGENCY_NUMBER", "911")
    CRISIS_LINE_NUMBER = os.environ.get("CRISIS_LINE_NUMBER", "988")
    CRISIS_LINE_NAME = os.environ.get("CRISIS_LINE_NAME", "988 Suicide & Crisis Lifeline (call or text)")
    CRISIS_TEXT_LINE = os.environ.get("CRISIS_TEXT_LINE", "Text HOME to 741741 (Crisis Text Line)")

    # Times are typed and shown in this zone and stored in UTC.
    TIMEZONE = os.environ.get("TIMEZONE", "America/New_York")

    # Long texts are welcome; a request larger than this gets a clear 413 page.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)

    # How many days ahead the dashboard warns of adjustments ending and reviews due.
    ADJUSTMENT_ENDING_SOON_DAYS = _int("ADJUSTMENT_ENDING_SOON_DAYS", 7)
    REVIEW_DUE_SOON_DAYS = _int("REVIEW_DUE_SOON_DAYS", 7)
    RECENT_EPISODE_DAYS = _int("RECENT_EPISODE_DAYS", 14)

    # Argon2id parameters: argon2-cffi's defaults (RFC 9106 low-memory profile).
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 4)

    DEMO_ALLOWED = True
    TESTING = False
    DEBUG = False

    @classmethod
    def validate(cls) -> None:
        """Refuse configurations that must never serve real people."""


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
    # A cheap hash profile keeps the suite fast; tests assert the production one.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    DEMO_ALLOWED = False
    DEBUG = False

    @classmethod
    def validate(cls) -> None:
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError("ProductionConfig needs SECRET_KEY set to a random value of 32 or more characters.")
        if _bool("FLASK_DEBUG", False) or cls.DEBUG:
            raise RuntimeError("ProductionConfig refuses to start with debug on.")


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
        raise RuntimeError(f"Unknown SUPPORT_CIRCLE_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from None
