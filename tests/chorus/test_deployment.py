"""The Dockerfile and docker-compose.yml hold together, and the tests run the commands they run.

No Docker engine here: both files are read (tests/utils/deployment.py); the tests that start
processes (tests/browser/test_production.py, tests/faults/, the Celery workers of the suite)
take their commands from them.
"""

from __future__ import annotations

import os
import re
import runpy
from urllib.parse import urlsplit

from django.urls import resolve

from chorus import views
from tests.utils import deployment, workers

SERVICES = deployment.compose()["services"]
APP_SERVICES = ["web", "worker", "beat", "migrate"]
DEPENDENCY_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def test_the_stack_has_every_part_of_a_production_run():
    assert {"postgres", "redis", "web", "worker", "beat", "migrate", "mailpit"} <= set(SERVICES)


def test_every_application_service_runs_the_image_with_the_shared_environment():
    shared = SERVICES["web"]["environment"]
    for name in APP_SERVICES:
        assert SERVICES[name]["build"] == "." and SERVICES[name]["image"] == "chorus:latest"
        assert SERVICES[name]["environment"] == shared, name
    assert shared["DEBUG"] == "0"
    assert (
        shared["DATABASE_URL"].startswith("postgres://")
        and "@postgres:5432/" in (shared["DATABASE_URL"])
    )
    assert shared["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert shared["EMAIL_HOST"] == "mailpit"
    assert "SECRET_KEY" in shared and "ALLOWED_HOSTS" in shared


def test_the_variables_it_sets_are_ones_the_settings_read():
    settings_text = (deployment.ROOT / "chorus" / "settings.py").read_text()
    for variable in SERVICES["web"]["environment"]:
        assert f'"{variable}"' in settings_text, variable


def test_every_dependency_names_a_service_and_a_condition_it_can_meet():
    for name, service in SERVICES.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in SERVICES, f"{name} depends on {target}, which is not a service"
            condition = rule["condition"]
            assert condition in DEPENDENCY_CONDITIONS, f"{name}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[target], f"{target} has no healthcheck"
            if condition == "service_completed_successfully":
                assert SERVICES[target].get("restart") == "no", f"{target} is not a one-off"


def test_the_processes_start_once_the_migrations_ran_on_healthy_services():
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    for backing in ("postgres", "redis"):
        assert SERVICES["migrate"]["depends_on"][backing]["condition"] == "service_healthy"


def test_the_web_healthcheck_asks_an_address_the_portal_routes_on_the_port_it_listens_on():
    code = SERVICES["web"]["healthcheck"]["test"][-1]
    (url,) = re.findall(r"'(http://[^']+)'", code)
    assert resolve(urlsplit(url).path).func is views.health
    port = str(urlsplit(url).port)
    assert runpy.run_path(str(deployment.ROOT / "gunicorn.conf.py"))["bind"].endswith(f":{port}")
    assert f"{port}:{port}" in SERVICES["web"]["ports"]
    assert ("EXPOSE", port) in deployment.dockerfile()


def test_the_web_service_runs_the_image_s_command_gunicorn_with_its_configuration():
    command = deployment.image_command()
    assert SERVICES["web"]["command"] == command
    assert command[:2] == ["gunicorn", "chorus.wsgi"]
    assert command[command.index("--config") + 1] == "gunicorn.conf.py"


def test_gunicorn_runs_one_worker_per_core_unless_web_concurrency_says_otherwise(monkeypatch):
    config = str(deployment.ROOT / "gunicorn.conf.py")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert runpy.run_path(config)["workers"] == len(os.sched_getaffinity(0))
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert runpy.run_path(config)["workers"] == 5


def test_the_image_collects_its_static_files_with_the_production_settings():
    variables, command = deployment.build_step("collectstatic")
    assert command == ["python", "manage.py", "collectstatic", "--no-input"]
    assert variables["DEBUG"] == "0", "without DEBUG=0 no manifest is written: every page fails"
    # Placeholders for that one command: never in the image's environment.
    assert {"SECRET_KEY", "ALLOWED_HOSTS"} <= set(variables)
    assert not {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"} & set(deployment.image_environment())


def test_the_migrations_are_the_migrate_command_run_once():
    assert SERVICES["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]


def test_the_tests_start_the_image_s_processes_adding_only_their_own_options():
    web = deployment.runnable(deployment.image_command())
    worker = deployment.runnable(SERVICES["worker"]["command"])
    beat = deployment.runnable(SERVICES["beat"]["command"])
    assert deployment.web_command("--bind", "127.0.0.1:1")[: len(web)] == web
    assert workers.worker_command("--concurrency", "1")[: len(worker)] == worker
    assert workers.beat_command("--schedule", "beat-schedule")[: len(beat)] == beat
