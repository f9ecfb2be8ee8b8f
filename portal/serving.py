"""Gunicorn settings for production: `gunicorn -c python:portal.serving`
(what `make serve` runs). Every value comes from the environment; the README
lists them. The app itself reads DATABASE_URL, REDIS_URL, SECRET_KEY and the
rest through config.py.

Gunicorn's own access log is off: the app writes one JSON line per request
(portal/logs.py), with a request id and without query strings. Gunicorn's
error log (start-up, workers) goes through the same JSON formatter.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _default_workers() -> int:
    # Gunicorn's advice, 2 x cores + 1, capped: each worker holds its own pools.
    return min(2 * (os.cpu_count() or 1) + 1, 8)


# Production unless the environment says otherwise.
os.environ.setdefault("SUPPORT_CIRCLE_CONFIG", "production")


def on_starting(server) -> None:
    """Refuse in the master, once and before any worker starts. A refusal
    inside a worker would be logged with its traceback, once per worker."""
    from config import ConfigError, config_from_env, refuse_to_start
    from portal import check_config

    try:
        check_config(config_from_env())
    except ConfigError as refusal:
        refuse_to_start(refusal)


wsgi_app = "portal:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")
workers = _int("WEB_CONCURRENCY", _default_workers())
worker_class = "sync"
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker restarts after this many requests (with jitter), which bounds any slow leak.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Proxies whose X-Forwarded-* gunicorn trusts; the app's PROXY_FIX_HOPS decides what it believes.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Short request lines and headers: nothing legitimate here is long.
limit_request_line = 4094
limit_request_fields = 100

# Gunicorn 25+ opens a control socket at one path per user; two servers on one
# host would fight over it. On only when a path is given.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
capture_output = False

_json = os.environ.get("LOG_FORMAT", "json" if os.environ["SUPPORT_CIRCLE_CONFIG"] == "production" else "text") == "json"
if _json:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "portal.logs.JsonFormatter"}},
        "filters": {"redact": {"()": "portal.logs.RedactSecrets"}},
        "handlers": {
            "stdout": {
                "class": "portal.logs.StdoutHandler",
                "formatter": "json",
                "filters": ["redact"],
            },
        },
        "root": {"level": loglevel.upper(), "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            "alembic": {"level": "WARNING"},
        },
    }
