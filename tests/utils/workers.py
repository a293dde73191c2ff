"""Real processes for tests, started by the image's commands (tests/utils/deployment.py): Celery
workers and beat, gunicorn; on the test database and broker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.utils import deployment

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(**extra: str) -> dict[str, str]:
    # Not the test process' own markers: the async switch, and pytest-xdist's worker name (with
    # it, settings_test would give the child a queue of its own: CELERY_QUEUE is exact here).
    hidden = {"DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_XDIST_WORKER"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env.update(
        DJANGO_SETTINGS_MODULE="chorus.settings_test",
        DATABASE_URL=test_database_url(),
        CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def worker_command(*options: str) -> list[str]:
    """The image's worker (docker-compose.yml's ``worker``), with the test's own options."""
    return [*deployment.runnable(deployment.service_command("worker")), *options]


def beat_command(*options: str) -> list[str]:
    """The image's beat (docker-compose.yml's ``beat``), with the test's own options."""
    return [*deployment.runnable(deployment.service_command("beat")), *options]


@contextmanager
def running(command: list[str], env: dict[str, str], log_name: str) -> Iterator[subprocess.Popen]:
    # One log per test process (pytest-xdist's gw0, gw1…): two processes must not share one file.
    log_dir = Path(settings.VAR_DIR) / "test-logs" / os.environ.get("PYTEST_XDIST_WORKER", "main")
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"{log_name}.log", "wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@contextmanager
def celery_worker(concurrency: int = 2, **env: str) -> Iterator[subprocess.Popen]:
    """A worker consuming the test queue; returns once it has run a probe task."""
    hostname = f"test-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    command = worker_command(
        "--concurrency",
        str(concurrency),
        "--queues",
        settings.CELERY_TASK_DEFAULT_QUEUE,
        "--hostname",
        hostname,
        "--without-gossip",
        "--without-mingle",
    )
    with running(command, _env(**env), "celery-worker") as process:
        process.hostname = hostname  # type: ignore[attr-defined]  # for consuming() below
        wait_for_probe(process)
        yield process


def consuming(process: subprocess.Popen, active: bool) -> None:
    """Starts or stops the worker's consuming of the test queue (remote control, answered). A
    session's worker stops between the tests that ask for it: a later test's tasks are not run
    by a worker it did not start (on another media root); its leftovers are dropped."""
    from chorus.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    destination = [process.hostname]  # type: ignore[attr-defined]
    if active:
        app.control.purge()
        app.control.add_consumer(queue, destination=destination, reply=True, timeout=10)
    else:
        app.control.cancel_consumer(queue, destination=destination, reply=True, timeout=10)


@contextmanager
def celery_beat(log_name: str = "celery-beat", **env: str) -> Iterator[subprocess.Popen]:
    """A beat, its schedule (shelve's files) in a folder of its own, removed afterwards, so
    that no run leaves files behind."""
    with tempfile.TemporaryDirectory(prefix="chorus-beat-") as folder:
        command = beat_command("--schedule", str(Path(folder) / "schedule"))
        with running(command, _env(**env), log_name) as process:
            yield process


def wait_for_probe(process: subprocess.Popen, timeout: float = 60) -> None:
    """Send a ping and wait until its row shows up: the worker is consuming."""
    from chorus.models import WorkerProbe
    from chorus.tasks import ping

    token = uuid.uuid4().hex
    ping.delay(token)
    wait_until(
        lambda: WorkerProbe.objects.filter(token=token).exists(),
        timeout=timeout,
        what="the worker to consume a probe task",
        process=process,
    )


def wait_until(predicate, *, timeout: float, what: str, process=None, interval: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"process exited with {process.returncode} while waiting for {what}"
            )
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def web_server(env: dict[str, str], log_name: str, *options: str) -> Iterator[str]:
    """The image's gunicorn on a free port with the test's ``options``: its base URL, once it
    answers."""
    port = free_port()
    command = deployment.web_command("--bind", f"127.0.0.1:{port}", *options)
    base = f"http://127.0.0.1:{port}"
    with running(command, env, log_name) as process:
        wait_until(
            lambda: answers(f"{base}/sante/"),
            timeout=90,
            what=f"{log_name} to answer",
            process=process,
        )
        yield base


def answers(url: str) -> bool:
    """Whether a web server answers ``url`` with a 200 (not yet up: no)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False
