"""API deposits: typed invoices (3 lines) POSTed to /api/v1/invoices/ by concurrent clients.

The portal runs under gunicorn started by the bench (DEBUG off, persistent database
connections, throttling out of the way); each client thread has its own supplier, token and
keep-alive connection. Baseline: the same rows (the invoice, its lines, its two history rows and
its two files' rows) written by plain psycopg inserts, one connection and one transaction per
invoice per client. Where the server's time goes is shown by profiling deposits in-process.
"""

from __future__ import annotations

import cProfile
import functools
import json
import os
import pstats
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench import data
from bench.common import ROOT, Row, children_of, cpu_seconds, process, psycopg_dsn, wait_until
from bench.httpload import LoadResult, closed_loop, http_getter, http_poster

TARGET_RATE = 150.0  # issue 15's table (≥ 150/s, p95 < 100 ms at 16 clients)
TARGET_P95_MS = 100.0
# (worker class, workers, threads): measured beside each other in a full run (CONFIGS), the
# first, production's (gunicorn.conf.py: one sync worker per core), is the one kept for the
# other figures (see BENCHMARKS.md). BENCH_API_SERVER ("gthread:2:4") measures another one
# alone in a quick run.
CORES = len(os.sched_getaffinity(0))
CONFIGS = [("sync", CORES, 1), ("sync", CORES + 1, 1), ("gthread", 2, 4)]
if os.environ.get("BENCH_API_SERVER"):
    _kind, _workers, _threads = os.environ["BENCH_API_SERVER"].split(":")
    CONFIGS.insert(0, (_kind, int(_workers), int(_threads)))
CHOSEN = CONFIGS[0]

SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-" + "b" * 40,
    "SECURE_SSL_REDIRECT": "0",
    "BEHIND_TLS_PROXY": "0",
}


# The gunicorn master of each port the bench serves on (to read its workers' CPU time).
MASTERS: dict[int, int] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    worker_class: str,
    workers: int,
    threads: int,
    *,
    config: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[int]:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "chorus.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", worker_class,
        "--threads", str(threads),
        "--backlog", "2048",
        "--timeout", "120",
        "--keep-alive", "30",
        "--chdir", str(ROOT),
        *(["--config", config] if config else []),
    ]  # fmt: skip
    with process(command, log_name=f"gunicorn-{port}", env={**SERVER_ENV, **(env or {})}) as server:
        probe = http_getter(port, "/sante/")

        def up() -> bool:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}")
            return probe(0)[0]

        wait_until(up, timeout=60, what="gunicorn to answer")
        MASTERS[port] = server.pid
        try:
            yield port
        finally:
            MASTERS.pop(port, None)


def _poster(port: int, suppliers: list[data.Supplier], tag: str) -> Callable[[int], Any]:
    def make(c: int) -> Callable[[int], tuple[bool, str]]:
        supplier = suppliers[c % len(suppliers)]
        headers = {"Authorization": f"Token {supplier.token}", "Content-Type": "application/json"}
        siret = supplier.structure.identifier

        def body(i: int) -> bytes:
            return json.dumps(data.invoice_body(siret, f"{tag}{c:02d}-{i:06d}")).encode()

        return http_poster(port, "/api/v1/invoices/", headers, body, expect=201)

    return make


# --- baseline: the same rows through plain psycopg ----------------------------------------------
TABLES = (
    "invoices_invoice",
    "invoices_invoiceline",
    "invoices_statuschange",
    "invoices_attachment",
)


def _template_rows(invoice_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows one API deposit wrote, to be written again by the baseline."""
    import psycopg
    from psycopg.rows import dict_row

    rows: dict[str, list[dict[str, Any]]] = {}
    with psycopg.connect(psycopg_dsn(), row_factory=dict_row) as conn:
        rows["invoices_invoice"] = conn.execute(
            "SELECT * FROM invoices_invoice WHERE id = %s", [invoice_id]
        ).fetchall()
        for table in TABLES[1:]:
            rows[table] = conn.execute(
                f"SELECT * FROM {table} WHERE invoice_id = %s ORDER BY id",
                [invoice_id],
            ).fetchall()
    return rows


def _insert(conn: Any, table: str, row: dict[str, Any]) -> int:
    from psycopg.types.json import Jsonb

    columns = [c for c in row if c != "id"]
    values = [Jsonb(row[c]) if isinstance(row[c], dict | list) else row[c] for c in columns]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING id"
    )
    return conn.execute(sql, values).fetchone()[0]


def _psycopg_writer(template: dict[str, list[dict[str, Any]]], tag: str) -> Callable[[int], Any]:
    import psycopg

    def make(c: int) -> Callable[[int], tuple[bool, str]]:
        conn = psycopg.connect(psycopg_dsn())

        def call(i: int) -> tuple[bool, str]:
            with conn.transaction():
                invoice = dict(template["invoices_invoice"][0], number=f"{tag}{c:02d}-{i:06d}")
                invoice_id = _insert(conn, "invoices_invoice", invoice)
                for line in template["invoices_invoiceline"]:
                    _insert(conn, "invoices_invoiceline", dict(line, invoice_id=invoice_id))
                changes = {}
                for change in template["invoices_statuschange"]:
                    changes[change["id"]] = _insert(
                        conn, "invoices_statuschange", dict(change, invoice_id=invoice_id)
                    )
                for attachment in template["invoices_attachment"]:
                    _insert(
                        conn,
                        "invoices_attachment",
                        dict(
                            attachment,
                            invoice_id=invoice_id,
                            status_change_id=changes.get(attachment["status_change_id"]),
                        ),
                    )
            return True, ""

        return call

    return make


# --- where the time goes -----------------------------------------------------------------------
def _profile_deposits(supplier: data.Supplier, count: int) -> dict[str, float]:
    """Deposits made in-process under cProfile: the share of PDF rendering in a deposit."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {supplier.token}")
    siret = supplier.structure.identifier
    client.post("/api/v1/invoices/", data.invoice_body(siret, "PROF-0"), format="json")
    profile = cProfile.Profile()
    cpu = time.process_time()
    profile.enable()
    for i in range(1, count + 1):
        response = client.post(
            "/api/v1/invoices/", data.invoice_body(siret, f"PROF-{i}"), format="json"
        )
        assert response.status_code == 201, response.content[:300]
    profile.disable()
    cpu = time.process_time() - cpu
    stats = pstats.Stats(profile)
    wanted = {"html_to_pdf": 0.0, "write_pdf": 0.0}
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name == "post" and filename.endswith("invoices/api/views.py"):
            total = max(total, cumulative)
        if name == "html_to_pdf" and filename.endswith("pdf.py"):
            wanted["html_to_pdf"] = max(wanted["html_to_pdf"], cumulative)
    return {
        "deposits": count,
        "cpu_ms_per_deposit_profiled": cpu / count * 1000,
        "pdf_share": wanted["html_to_pdf"] / total if total else 0.0,
    }


def _row(case: str, got: LoadResult, base: LoadResult, **extra: Any) -> list[Row]:
    g, b = got.summary(), base.summary()
    at_16 = got.clients == 16
    cpu = extra.get("server_cpu_ms_per_deposit")
    return [
        Row(
            bench="api",
            case=case,
            metric=(
                "deposits/s (CPU each: gunicorn {gunicorn_workers:.1f} ms, PostgreSQL "
                "{postgresql:.1f} ms)".format(**cpu)
                if cpu
                else "deposits/s"
            ),
            value=g["rate"],
            baseline_name="psycopg inserts",
            baseline=b["rate"],
            target=f"≥ {TARGET_RATE:.0f}/s",
            met=g["rate"] >= TARGET_RATE,
            extra={"server": g, "baseline": b, **extra},
        ),
        Row(
            bench="api",
            case=case,
            metric="ms p95 (p50 {:.0f}, p99 {:.0f})".format(g["p50_ms"], g["p99_ms"]),
            value=g["p95_ms"],
            baseline_name="psycopg p95",
            baseline=b["p95_ms"],
            target=f"< {TARGET_P95_MS:.0f} ms" if at_16 else "",
            met=(g["requests"] > 0 and g["p95_ms"] < TARGET_P95_MS) if at_16 else None,
        ),
    ]


def _database_backends() -> list[int]:
    """The PostgreSQL server processes of the bench database's other connections (gunicorn's
    persistent ones)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _server_cpu(port: int, run: Callable[[], LoadResult]) -> tuple[LoadResult, dict[str, float]]:
    """``run()``, and the CPU milliseconds per request it cost the gunicorn workers and their
    PostgreSQL server processes (read from /proc, on this machine): unlike the rate and the
    latencies, these follow the code more than the load of a shared machine."""
    workers = children_of(MASTERS[port])
    backends = _database_backends()  # gunicorn's connections: opened by the warm-up calls
    before = cpu_seconds(workers), cpu_seconds(backends)
    got = run()
    after = cpu_seconds(workers), cpu_seconds(backends)
    done = max(got.done, 1)
    return got, {
        "gunicorn_workers": (after[0] - before[0]) / done * 1000,
        "postgresql": (after[1] - before[1]) / done * 1000,
    }


def _server_rows(
    config: tuple[str, int, int],
    levels: list[int],
    seconds: float,
    suppliers: list[data.Supplier],
    template: dict[str, list[dict[str, Any]]],
    profile: dict[str, float],
) -> list[Row]:
    kind, workers, threads = config
    rows = []
    with gunicorn(kind, workers, threads) as port:
        health = closed_loop(
            clients=16, seconds=min(seconds, 10), make_client=lambda c: http_getter(port, "/sante/")
        )
        for clients in levels:
            tag = f"{kind[0]}{workers}{threads}{clients}"
            # A first run opens every connection (gunicorn's persistent ones to the database),
            # so that the measured one finds them all.
            closed_loop(clients=clients, seconds=1, make_client=_poster(port, suppliers, f"W{tag}"))
            got, cpu = _server_cpu(
                port,
                functools.partial(
                    closed_loop,
                    clients=clients,
                    seconds=seconds,
                    make_client=_poster(port, suppliers, f"A{tag}"),
                ),
            )
            base = closed_loop(
                clients=clients,
                seconds=min(seconds, 10),
                make_client=_psycopg_writer(template, f"B{tag}"),
            )
            label = f"{clients} clients, gunicorn {kind} ×{workers}" + (
                f"×{threads} threads" if threads > 1 else ""
            )
            rows += _row(
                label, got, base, health=health.summary(), profile=profile, cpus=os.cpu_count(),
                server_cpu_ms_per_deposit=cpu,
            )  # fmt: skip
    return rows


def run(*, quick: bool) -> list[Row]:
    from bench.common import truncate
    from invoices.models import Invoice

    levels = [16] if quick else [16, 64]
    seconds = 8.0 if quick else 30.0
    suppliers = data.suppliers(max(levels), prefix="api")
    rows: list[Row] = []
    profile = _profile_deposits(suppliers[0], 5 if quick else 20)
    template = _template_rows(Invoice.objects.order_by("-id").values_list("id", flat=True)[0])
    for config in [CHOSEN] if quick else CONFIGS:
        rows += _server_rows(
            config, levels if config == CHOSEN else [16], seconds, suppliers, template, profile
        )
    _purge_queue()
    truncate(
        "invoices_attachment", "invoices_statuschange", "invoices_invoiceline", "invoices_invoice"
    )
    return rows


def _purge_queue() -> None:
    """The deposits enqueued routing wakes that no worker ran: drop them, and the coalesced
    wake that stood for them (and any rendering a routing batch enqueued)."""
    from django.conf import settings

    from bench.common import forget_routing_wake, purge_queues

    purge_queues(settings.CELERY_TASK_DEFAULT_QUEUE, settings.RENDERING_QUEUE)
    forget_routing_wake()
