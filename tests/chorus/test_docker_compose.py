"""docker-compose.yml cannot be run here (no Docker engine), so it is checked by reading it."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["web", "worker", "beat", "migrate"]


def test_the_stack_has_every_part_of_a_production_run():
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(SERVICES)


def test_the_application_services_share_one_configuration_through_the_same_variables():
    for name in APP_SERVICES:
        env = SERVICES[name]["environment"]
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert env["EMAIL_HOST"] == "mailpit"
        assert env["DEBUG"] == "0"
        assert "SECRET_KEY" in env and "ALLOWED_HOSTS" in env


def test_the_commands_start_gunicorn_a_worker_and_beat():
    assert SERVICES["web"]["command"][0] == "gunicorn"
    assert SERVICES["worker"]["command"][:4] == ["celery", "-A", "chorus", "worker"]
    assert SERVICES["beat"]["command"][:4] == ["celery", "-A", "chorus", "beat"]


def test_the_application_waits_for_healthy_services_and_migrations():
    for name in APP_SERVICES:
        depends = SERVICES[name]["depends_on"]
        if name != "migrate":
            assert depends["migrate"]["condition"] == "service_completed_successfully"
    migrate_depends = SERVICES["migrate"]["depends_on"]
    assert migrate_depends["postgres"]["condition"] == "service_healthy"
    assert migrate_depends["redis"]["condition"] == "service_healthy"


def test_the_variables_it_sets_are_ones_the_settings_read():
    settings_text = (ROOT / "chorus" / "settings.py").read_text()
    for variable in SERVICES["web"]["environment"]:
        assert f'"{variable}"' in settings_text, variable


def test_every_service_that_builds_uses_the_dockerfile_in_the_repository():
    assert (ROOT / "Dockerfile").exists()
    for name in APP_SERVICES:
        assert SERVICES[name]["build"] == "."
