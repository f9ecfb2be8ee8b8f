"""A configuration that must not serve is refused at start-up with one clear
line on standard error and a non-zero exit, never a traceback: from the
flask command (FLASK_APP=portal:create_app, as `make migrate` and the README
run it) and from gunicorn (`make serve`, portal/serving.py), where the master
refuses before any worker starts."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest

from tests.serving.servers import BIN, ROOT, free_port

GOOD = {
    "SUPPORT_CIRCLE_CONFIG": "production",
    "SECRET_KEY": secrets.token_urlsafe(32),
    "DATABASE_URL": "sqlite:///unused-by-these-tests.sqlite",
    "BASE_URL": "https://support.example.org",
}

REFUSALS = {
    "no-secret": ({"SECRET_KEY": None}, "SECRET_KEY"),
    "weak-secret": ({"SECRET_KEY": "x" * 32}, "SECRET_KEY"),
    "weak-fallback": ({"SECRET_KEY_FALLBACKS": "dev-only-not-secret"}, "SECRET_KEY_FALLBACKS"),
    "no-database": ({"DATABASE_URL": None}, "DATABASE_URL"),
    "no-base-url": ({"BASE_URL": None}, "BASE_URL"),
    "memory-limits": ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
    "unknown-zone": ({"TIMEZONE": "Nowhere/Else"}, "TIMEZONE"),
    "unknown-zone-in-development": ({"SUPPORT_CIRCLE_CONFIG": "development", "TIMEZONE": "Nowhere/Else"}, "TIMEZONE"),
    "unknown-role": ({"MFA_REQUIRED_ROLES": "clincian"}, "MFA_REQUIRED_ROLES"),
    "unknown-configuration": ({"SUPPORT_CIRCLE_CONFIG": "prod"}, "SUPPORT_CIRCLE_CONFIG"),
    "debug": ({"FLASK_DEBUG": "1"}, "debug"),
}


def _env(changes: dict) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "DATABASE_URL", "BASE_URL", "TRUSTED_HOSTS", "TIMEZONE",
                          "RATELIMIT_STORAGE_URI", "REDIS_URL", "MFA_REQUIRED_ROLES", "FLASK_DEBUG", "FLASK_APP"}}
    env.update(GOOD, PYTHONPATH=str(ROOT))
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _one_line(result, setting: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]
    return lines[0]


@pytest.mark.parametrize("changes, setting", REFUSALS.values(), ids=REFUSALS.keys())
def test_the_flask_command_refuses_in_one_line(changes, setting):
    result = subprocess.run(  # noqa: S603 - our own flask command
        [str(BIN / "flask"), "--app", "portal:create_app", "routes"],
        env=_env(changes), cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    line = _one_line(result, setting)
    assert line.startswith("Support Circle will not start:")


@pytest.mark.parametrize(
    "refusal", ["no-secret", "weak-secret", "no-database", "memory-limits", "unknown-zone", "unknown-role"]
)
def test_gunicorn_refuses_in_one_line_before_any_worker_starts(refusal, tmp_path):
    changes, setting = REFUSALS[refusal]
    result = subprocess.run(  # noqa: S603 - our own gunicorn and config
        [str(BIN / "gunicorn"), "-c", "python:portal.serving"],
        env={**_env(changes), "BIND": f"127.0.0.1:{free_port()}", "WEB_CONCURRENCY": "2"},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    _one_line(result, setting)
    assert "Booting worker" not in result.stdout + result.stderr


def test_a_good_configuration_starts(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own flask command
        [str(BIN / "flask"), "--app", "portal:create_app", "routes"],
        env={**_env({}), "DATABASE_URL": f"sqlite:///{tmp_path / 'good.sqlite'}"},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "auth.login" in result.stdout
