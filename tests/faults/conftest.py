"""What the fault tests start, own and break: worker, beat and web processes on a queue of their
own, a Redis server of their own, an SMTP server of their own.

Shared services are never touched: the Redis a test stops is one it started (on a free port, in
a temporary folder), the processes it kills are its own, and its messages travel on a queue no
other worker reads.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

from chorus.models import WorkerProbe
from chorus.tasks import ping
from tests.invoices.factories import deposited_in_bulk
from tests.utils import workers
from tests.utils.services import unavailable
from tests.utils.workers import free_port

REDIS_SERVER = "/usr/bin/redis-server"


@dataclass(frozen=True)
class Killed:
    """A worker killed mid-task: how far it had gone, how long the next one took to finish."""

    at: int
    recovery: float


@dataclass
class Stack:
    """Where the processes of one fault test meet: a queue, a broker."""

    queue: str
    broker_url: str

    def env(self, **extra: str) -> dict[str, str]:
        return {"CELERY_QUEUE": self.queue, "CELERY_BROKER_URL": self.broker_url, **extra}

    def send(self, task, *args: object) -> None:  # type: ignore[no-untyped-def]
        self.send_many(task, [args])

    def send_many(self, task, calls: list[tuple[object, ...]]) -> None:  # type: ignore[no-untyped-def]
        with Connection(self.broker_url) as connection:
            for args in calls:
                task.apply_async(args, queue=self.queue, connection=connection)

    @contextmanager
    def worker(
        self, concurrency: int = 2, *, probe: bool = True, **env: str
    ) -> Iterator[subprocess.Popen]:
        """A worker on the stack's queue. ``probe``: return once it consumed a probe (only
        when the queue is short: the probe waits its turn behind the other messages)."""
        command = workers.worker_command(
            "--concurrency", str(concurrency), "--queues", self.queue,
            "--hostname", f"fault-{uuid.uuid4().hex[:6]}@%h", "--without-gossip",
            "--without-mingle", "--without-heartbeat",
        )  # fmt: skip
        log = f"fault-worker-{uuid.uuid4().hex[:4]}"
        with workers.running(command, workers._env(**self.env(**env)), log) as process:
            if probe:
                self.wait_for_probe(process)
            yield process

    @contextmanager
    def beat(self, **env: str) -> Iterator[subprocess.Popen]:
        with workers.celery_beat("fault-beat", **self.env(**env)) as process:
            yield process

    def wait_for_probe(self, process: subprocess.Popen, timeout: float = 60) -> None:
        token = uuid.uuid4().hex
        self.send(ping, token)
        workers.wait_until(
            lambda: WorkerProbe.objects.filter(token=token).exists(),
            timeout=timeout,
            what="the fault test's worker to consume a probe",
            process=process,
        )

    def kill_worker_when(  # type: ignore[no-untyped-def]
        self,
        task,
        calls: Sequence[tuple[object, ...]],
        *,
        when: Callable[[], bool],
        what: str,
        timeout: float = 300,
        interval: float = 0.2,
        probe: bool = True,
        **env: str,
    ) -> None:
        """Start a worker, send it ``task`` once per tuple of arguments in ``calls`` and SIGKILL
        it (no goodbye) once ``when()`` holds; return when it is gone."""
        with self.worker(probe=probe, **env) as doomed:
            self.send_many(task, list(calls))
            workers.wait_until(when, timeout=timeout, what=what, process=doomed, interval=interval)
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=10)

    def kill_mid_task(  # type: ignore[no-untyped-def]
        self,
        task,
        calls: Sequence[tuple[object, ...]],
        *,
        progress: Callable[[], int],
        finished: Callable[[], bool],
        total: int,
        what: str,
        kill_at: int = 20,
        within: float = 600,
        then: tuple[Callable[[], bool], str] | None = None,
        after_kill: Callable[[], None] | None = None,
        **env: str,
    ) -> Killed:
        """Send ``task`` its ``calls`` to a worker, SIGKILL it once ``progress()`` reached
        ``kill_at``, start another and wait until ``finished()`` (``within`` seconds of the
        restart), then, if given, until ``then``'s predicate holds (what follows the end, such as
        e-mails sent behind the worker's renderings; within the same bound again), beat running
        throughout (its sweep recovers what the kill lost). ``after_kill`` runs between the kill
        and the restart (to let go of what held the doomed worker). Returns the progress at the
        kill, proven short of ``total``, and the time from the restart to the end."""
        with self.beat(**env):
            self.kill_worker_when(
                task,
                calls,
                when=lambda: progress() >= kill_at,
                what=f"a few parts of {what} done",
                **env,
            )
            at_kill = progress()
            assert at_kill < total, "the worker finished before it could be killed"
            if after_kill is not None:
                after_kill()
            restarted = time.monotonic()
            with self.worker(probe=False, **env) as survivor:
                workers.wait_until(
                    finished,
                    timeout=within,
                    what=f"{what} to end after the restart",
                    process=survivor,
                    interval=0.5,
                )
                recovery = time.monotonic() - restarted
                if then is not None:
                    settled, settled_what = then
                    workers.wait_until(
                        settled, timeout=within, what=settled_what, process=survivor, interval=0.5
                    )
        return Killed(at=at_kill, recovery=recovery)

    @contextmanager
    def web(self, **env: str) -> Iterator[str]:
        """The portal served by the image's gunicorn command: its base URL."""
        options = ("--workers", "1", "--threads", "4", "--timeout", "60")
        with workers.web_server(workers._env(**self.env(**env)), "fault-web", *options) as base:
            yield base


@pytest.fixture
def stack() -> Stack:
    return Stack(queue=f"faults-{uuid.uuid4().hex[:10]}", broker_url=settings.CELERY_BROKER_URL)


class OwnRedis:
    """A redis-server this test starts, stops and starts again, on a port of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.folder)]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the test's own redis-server did not start")

    def stop(self) -> None:
        """Kill it: no shutdown, no saving — like a crashed or unplugged server."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if not os.path.exists(REDIS_SERVER) and not shutil.which("redis-server"):
        unavailable("this test needs redis-server (apt-get install redis-server)")
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def deposited_invoices(personas, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """``count`` invoices just deposited (their routing not yet asked for), built in bulk."""
    return [invoice.pk for invoice in deposited_in_bulk(personas, count)]
