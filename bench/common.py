"""What every benchmark shares: the environment, the throw-away database, timing, results.

Every figure is measured beside a baseline taken in the same run on the same machine, so that
the ratio means something on a machine that other processes share (the absolute numbers move
with the load; the ratio much less).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import resource
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/chorus_bench"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/11"
# The shared cache, as production has one (CACHE_URL=redis://redis:6379/1): the API's throttling
# counters and the routing's coalesced wake (invoices/services/_enqueue.py) live there. Without
# it (locmem, one cache per process) every deposit would send its own wake. A Redis database of
# the bench's own, as for the broker: BENCH_CACHE_URL to choose another.
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/12"
VAR = ROOT / "var" / "bench"


def media_root() -> Path:
    """Where the runs' deposited files go, a folder of the bench's own (removed at the end of a
    run): in BENCH_MEDIA_ROOT, else in the host's memory file system (/dev/shm) where it has
    one, else in ``var/bench/run``.

    Not the disk by default: on ext4, the thousands of files a run removes at its end make the
    files created in their block group for the next minutes scan past their inodes (ext4's
    ``recently_deleted``), and a file then costs its process 0.4-1 ms of CPU instead of
    30-100 µs: a run measured the previous run's cleanup more than the portal (BENCHMARKS.md,
    sixth session). A file costs ~16 µs on tmpfs, 30-100 µs on a settled disk: under 1 % of a
    deposit. BENCH_MEDIA_ROOT measures a disk, or a mounted volume."""
    fallback = VAR / "run" / "media"
    chosen = os.environ.get("BENCH_MEDIA_ROOT")
    base = Path(chosen) if chosen else Path("/dev/shm")  # noqa: S108 (checked below)
    folder = base / f"chorus-bench-media-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, parents=bool(chosen), exist_ok=True)
        found = folder.lstat()  # never another user's folder, nor a link to one
    except OSError:
        if chosen:
            raise
        return fallback
    if stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid():
        return folder
    if chosen:
        raise SystemExit(f"{folder} is not a folder of this user's")
    return fallback


# Settings of every process the bench starts (itself, gunicorn, celery workers): production-like
# where it matters (no routing delay, no mail sent, throttling out of the way: the bench is one
# client making thousands of calls).
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "chorus.settings",
    "INVOICE_ROUTING_DELAY": "0",
    "INVOICE_PAYMENT_SIMULATION": "0",
    "API_THROTTLE_RATE": "100000000/second",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "CELERY_QUEUE": "chorus_bench",
    # The PDFs rendered after deposits wait on a queue of their own that no bench worker takes
    # (the pdf bench measures the renderer): the routing's workers measure the routing.
    "RENDERING_QUEUE": "chorus_bench_renderings",
    "LOG_LEVEL": "WARNING",
    "CHORUS_VAR_DIR": str(VAR / "run"),
    # The in-process measures use Django's test client, whose host is "testserver".
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
}


@dataclass
class Row:
    """One figure beside its baseline; ``ratio`` is figure / baseline."""

    bench: str
    case: str
    metric: str
    value: float
    baseline_name: str = ""
    baseline: float | None = None
    target: str = ""
    met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def database_url() -> str:
    """The bench's database: DATABASE_URL's server, always a database named ``chorus_bench*``
    (created and dropped by the bench, so it never touches anything else)."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"The bench runs on PostgreSQL; DATABASE_URL={url!r} is not one.")
    name = parts.path.lstrip("/") or "chorus_bench"
    if not name.startswith("chorus_bench"):
        name = f"chorus_bench_{name}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def cache_url() -> str:
    """The cache of every process the bench starts: BENCH_CACHE_URL, else Redis db 12 (never
    the CACHE_URL of the shell, which may be a deployment's)."""
    return os.environ.get("BENCH_CACHE_URL") or DEFAULT_CACHE_URL


def configure_environment() -> None:
    os.environ.update(BENCH_ENV)
    os.environ["MEDIA_ROOT"] = str(media_root())
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    os.environ["CACHE_URL"] = cache_url()
    (VAR / "run").mkdir(parents=True, exist_ok=True)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    configure_environment()
    import django

    django.setup()


def _admin_dsn() -> tuple[str, str]:
    """A DSN on the ``postgres`` maintenance database, and the bench database's name."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def create_database() -> None:
    """A fresh, migrated bench database (dropped first if a killed run left it behind)."""
    import psycopg

    dsn, name = _admin_dsn()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    forget_routing_wake()


def purge_queues(*queues: str) -> None:
    """Drop the messages waiting in these queues of the broker: what a run enqueued and no
    worker ran, which the next run's workers would otherwise find."""
    from chorus.celery import app

    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)


def forget_routing_wake() -> None:
    """Clear the coalesced routing wake in the bench's cache: a key left by a killed run, or
    standing for a message the bench purged, would make the next deposits send none."""
    from django.core.cache import cache

    from invoices.services import ROUTING_WAKE_KEY

    cache.delete(ROUTING_WAKE_KEY)


def drop_run() -> None:
    """The end of a run (``create_database`` its start): the bench database dropped, the files
    its deposits wrote (``media_root``) removed."""
    import psycopg
    from django.db import connections

    connections.close_all()
    dsn, name = _admin_dsn()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(media_root(), ignore_errors=True)


def psycopg_dsn() -> str:
    """The bench database for plain psycopg connections (baselines)."""
    return os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)


def truncate(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


# --- measuring ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[min(max(round(q) - 1, 0), 98)]


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call (CPU time shows the cost on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def host_speed(folder: Path, *, files: int = 200, rounds: int = 5) -> dict[str, float]:
    """How fast this host runs right now, beside every run's figures: the median CPU
    milliseconds of a fixed piece of Python (``python_ms``), and the median CPU microseconds to
    create, write 5 KB to and close one file in ``folder`` (``file_create_us``; the files are
    removed). On a shared virtual machine the first moves by tens of percent from one hour to
    the next, and on ext4 the second by ten times or more for minutes after thousands of files
    nearby were removed (``media_root``): a run's absolute figures say little without them."""
    content = b"x" * 5000
    python, create = [], []
    probe = folder / f"host-probe-{os.getpid()}"
    probe.mkdir(parents=True, exist_ok=True)
    try:
        for round_ in range(rounds):
            started = time.process_time()
            sum(i * i for i in range(200_000))
            python.append((time.process_time() - started) * 1000)
            started = time.process_time()
            for n in range(files):
                descriptor = os.open(probe / f"{round_}-{n}", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                os.write(descriptor, content)
                os.close(descriptor)
            create.append((time.process_time() - started) / files * 1e6)
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    return {"python_ms": statistics.median(python), "file_create_us": statistics.median(create)}


def host_speed_text(speed: dict[str, float] | None) -> str:
    if not speed:  # a run from before the probe
        return "host speed not measured"
    return (
        f"host: Python probe {speed['python_ms']:.1f} ms, "
        f"a file created in {speed['file_create_us']:.0f} µs"
    )


def peak_rss_mib() -> float:
    """This process's peak resident memory, in MiB.

    VmHWM, the high-water mark of this process image, where Linux has it: ``ru_maxrss``
    survives ``exec`` (it is the signal struct's), so a child started by a large parent would
    report the parent's size instead of its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start counting this process's peak memory afresh (Linux: ``clear_refs`` 5), so that the
    peak of one step is not hidden by an earlier one; False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def current_peak_rss_mib() -> float:
    """The peak resident memory since the last ``reset_peak_rss`` (VmHWM)."""
    return peak_rss_mib()


def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mib()


def cpu_seconds(pids: Sequence[int]) -> float:
    """The CPU time (user and system) these processes have used so far, from /proc; a process
    gone meanwhile counts for nothing."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / tick


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a gunicorn master's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def run_child(module: str, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Run ``python -m module args`` (a benchmark that needs its own process, for its memory);
    it prints one JSON object as its last line of output."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextmanager
def process(
    command: list[str], *, log_name: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """A server process of the bench's own (gunicorn, a celery worker), in its own process group,
    stopped with it, whatever happens; its output goes to var/bench/<log_name>.log."""
    VAR.mkdir(parents=True, exist_ok=True)
    with open(VAR / f"{log_name}.log", "wb") as log:
        child = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield child
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- CPU by part, in-process (bench.api_cpu, bench.flux_cpu) -----------------------------------
def _owner(path: str) -> Any:
    """The module, or the class within a module, that ``path`` names."""
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError:
        module, _, name = path.rpartition(".")
        return getattr(_owner(module), name)


def time_parts(parts: Sequence[tuple[str, str, str]], spent: Counter[str]) -> None:
    """Wrap each ``(owner's path, function's name, label)`` of ``parts`` so that the CPU time of
    its calls (``time.process_time``) adds up in ``spent[label]`` (a ``Counter``)."""
    for path, name, label in parts:
        owner = _owner(path)
        function = getattr(owner, name)

        def timed(*args: Any, _f: Callable[..., Any] = function, _l: str = label, **kw: Any) -> Any:
            started = time.process_time()
            try:
                return _f(*args, **kw)
            finally:
                spent[_l] += time.process_time() - started

        setattr(owner, name, functools.wraps(function)(timed))
