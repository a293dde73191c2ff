"""Settings come from the environment and fail loudly on a bad value."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_django(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    # Nothing of the test process's own environment leaks into the "production" run: the
    # test conftest sets DJANGO_ALLOW_ASYNC_UNSAFE, which `check --deploy` refuses.
    leaking = {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in leaking}
    full_env.update(DJANGO_SETTINGS_MODULE="chorus.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "not-a-url", "DATABASE_URL"),
        ("DATABASE_URL", "postgres://user@host:notaport/db", "DATABASE_URL"),
        ("DATABASE_URL", "mysql://user@host/db", "only PostgreSQL and SQLite"),
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT='twenty-five' is not an integer"),
        ("STORAGE_OPTIONS", "{oops", "STORAGE_OPTIONS is not valid JSON"),
        ("LATE_PAYMENT_ECB_RATE", "deux", "LATE_PAYMENT_ECB_RATE='deux' is not a decimal number"),
    ],
)
def test_a_malformed_value_stops_start_up_with_a_message_naming_it(variable, value, expected):
    result = run_django(["check"], **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert expected in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = run_django(["check"], DEBUG="0", ALLOWED_HOSTS="chorus.example.fr")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = run_django(["check"], DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_secrets_can_be_read_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(secrets.token_urlsafe(50))
    result = run_django(
        ["check"], DEBUG="0", SECRET_KEY_FILE=str(secret_file), ALLOWED_HOSTS="chorus.example.fr"
    )
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checklist_without_a_warning():
    result = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="chorus.example.fr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
