"""Connections under load: 64 API clients deposit while 2 Celery worker processes route, on a
server that lets the portal open at most ``CONNECTION_LIMIT`` connections (issue 20).

The portal's processes log in as a role of their own whose ``CONNECTION LIMIT`` stands for the
server's ``max_connections`` (superusers are exempt from it: the bench itself connects as one,
to set up and to count). gunicorn runs gthread ``WORKERS`` × ``THREADS``: 24 requests at once,
the certificate PDF not rendered in the request (``bench/gunicorn_without_pdf.py``), so that the
case measures connections rather than the PDF renderer on a shared machine.
With psycopg's pool each web process holds at most ``POOL_MAX_SIZE`` connections, so the portal
needs ``WORKERS × POOL_MAX_SIZE + CELERY_CONCURRENCY`` at most, and a request that finds them all
busy waits for one. Baseline: the same run with the pool off (a persistent connection per
thread, up to 24 + 2), which is what ran out in the load test of the issue.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import data
from bench.api import _poster, gunicorn
from bench.common import ROOT, Row, process, psycopg_dsn
from bench.httpload import closed_loop
from bench.routing import WORKER_ENV, _purge, _worker_command

CLIENTS = 64
WORKERS, THREADS = 4, 6
POOL_MAX_SIZE = 3
CELERY_CONCURRENCY = 2
# The celery parent process may open one connection at start-up; the rest is the sizing rule.
BUDGET = WORKERS * POOL_MAX_SIZE + CELERY_CONCURRENCY + 1
CONNECTION_LIMIT = 16
WITHOUT_PDF = str(ROOT / "bench" / "gunicorn_without_pdf.py")
assert BUDGET <= CONNECTION_LIMIT < WORKERS * THREADS  # the premise of the case


@contextmanager
def limited_role(limit: int) -> Iterator[tuple[str, str]]:
    """A login role allowed ``limit`` connections and the bench tables' rows; yields its name
    and a DATABASE_URL for it. Dropped afterwards, whatever happens."""
    from django.db import connection

    role = f"{connection.settings_dict['NAME']}_portal"
    _drop_role(role)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER CONNECTION LIMIT {int(limit)}')
        cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        cursor.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        cursor.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    parts = urlsplit(psycopg_dsn())
    url = urlunsplit(
        parts._replace(scheme="postgres", netloc=f"{role}@{parts.hostname}:{parts.port or 5432}")
    )
    try:
        yield role, url
    finally:
        _drop_role(role)


def _drop_role(role: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role]
            )
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


@contextmanager
def peak_connections(role: str) -> Iterator[list[int]]:
    """Samples the role's connections ten times a second; yields [peak] (updated as it runs)."""
    import psycopg

    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        with psycopg.connect(psycopg_dsn(), autocommit=True) as conn:
            while not stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [role]
                ).fetchone()
                peak[0] = max(peak[0], row[0] if row else 0)
                time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def _counting(make_client: Callable[[int], Any], statuses: Counter[str]) -> Callable[[int], Any]:
    """The clients of ``make_client``, counting their failures by HTTP status (or exception)."""
    lock = threading.Lock()

    def make(c: int) -> Callable[[int], tuple[bool, str]]:
        call = make_client(c)

        def counted(i: int) -> tuple[bool, str]:
            ok, text = call(i)
            if not ok:
                with lock:
                    statuses[text.split(":", 1)[0]] += 1
            return ok, text

        return counted

    return make


def _load(
    *, pooled: bool, role: str, url: str, suppliers: list[data.Supplier], seconds: float
) -> dict[str, Any]:
    env = {
        "DATABASE_URL": url,
        "DATABASE_POOL": "1" if pooled else "0",
        "DATABASE_POOL_MAX_SIZE": str(POOL_MAX_SIZE),
        "DATABASE_POOL_MIN_SIZE": "1",
    }
    statuses: Counter[str] = Counter()
    tag = "P" if pooled else "N"
    worker = process(
        _worker_command(CELERY_CONCURRENCY),
        log_name=f"celery-connections-{tag}",
        env={**WORKER_ENV, **env},
    )
    with (
        peak_connections(role) as peak,
        worker,
        gunicorn("gthread", WORKERS, THREADS, config=WITHOUT_PDF, env=env) as port,
    ):
        got = closed_loop(
            clients=CLIENTS,
            seconds=seconds,
            make_client=_counting(_poster(port, suppliers, f"C{tag}"), statuses),
        )
    _purge()
    return {**got.summary(), "failures": dict(statuses), "peak_connections": peak[0]}


def run(*, quick: bool) -> list[Row]:
    from bench.common import truncate

    seconds = 10.0 if quick else 30.0
    suppliers = data.suppliers(CLIENTS, prefix="conn")
    with limited_role(CONNECTION_LIMIT) as (role, url):
        pooled = _load(pooled=True, role=role, url=url, suppliers=suppliers, seconds=seconds)
        plain = _load(pooled=False, role=role, url=url, suppliers=suppliers, seconds=seconds)
    truncate(
        "invoices_attachment", "invoices_statuschange", "invoices_invoiceline", "invoices_invoice"
    )
    case = (
        f"{CLIENTS} clients + {CELERY_CONCURRENCY} workers, gunicorn gthread ×{WORKERS}×{THREADS}, "
        f"{CONNECTION_LIMIT} connections allowed, pool of {POOL_MAX_SIZE} per process"
    )
    extra = {"pool": pooled, "without_pool": plain, "budget": BUDGET, "limit": CONNECTION_LIMIT}
    return [
        Row(
            bench="connections",
            case=case,
            metric="503 answers",
            value=pooled["failures"].get("503", 0),
            baseline_name="without the pool",
            baseline=plain["failures"].get("503", 0),
            target="0 (and no other failure)",
            met=pooled["errors"] == 0,
            extra=extra,
        ),
        Row(
            bench="connections",
            case=case,
            metric="peak connections",
            value=pooled["peak_connections"],
            baseline_name="without the pool",
            baseline=plain["peak_connections"],
            target=f"≤ {BUDGET} (the sizing rule)",
            met=pooled["peak_connections"] <= BUDGET,
        ),
        Row(
            bench="connections",
            case=case,
            metric="deposits/s (p95 {:.0f} ms)".format(pooled["p95_ms"]),
            value=pooled["rate"],
            baseline_name="without the pool",
            baseline=plain["rate"],
        ),
    ]
