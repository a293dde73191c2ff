"""Pages as data grows: the supplier's and the agent's lists and dashboards, and the status counts.

10,000, 100,000 then 1,000,000 invoices (--quick: the first two); one supplier holds one
invoice in ten (100,000 at the largest size), the agent's service one in four. Each page is
requested in-process through Django's test client (server time: no network, no browser) and
its queries counted. The baseline of each figure is the same page at the smallest size: the
target is that it grows by less than 1.5× up to 1,000,000, and stays under 100 ms at p95.
The slowest queries of the largest size are kept with their EXPLAIN ANALYZE in the JSON.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench import data, generate
from bench.common import Row, percentile, truncate

TARGET_P95_MS = 100.0
TARGET_GROWTH = 1.5
SMALL_SUPPLIERS = 200
EXTRA_SERVICES = 3
BIG_EVERY = 10


def _people() -> dict[str, Any]:
    from structures.models import Membership
    from structures.selectors import state_structure
    from tests.factories import MembershipFactory, ServiceFactory, UserFactory

    big = data.suppliers(1, prefix="pages")[0]
    others = data.structures(SMALL_SUPPLIERS, name="Petit fournisseur")
    state = state_structure()
    service = state.services.get(code=data.SERVICE_CODE)
    services = [service] + [
        ServiceFactory(structure=state, code=f"BENCH_{n}", name=f"Service {n}")
        for n in range(EXTRA_SERVICES)
    ]
    agent = UserFactory(email="agent@etat-bench.test")
    MembershipFactory(user=agent, structure=state, role=Membership.Role.MEMBER).services.add(
        service
    )
    return {"supplier": big, "others": others, "state": state, "services": services, "agent": agent}


def _grow(people: dict[str, Any], start: int, stop: int) -> float:
    from dashboards import summaries

    started = time.perf_counter()
    step = 250_000
    for low in range(start, stop, step):
        generate.invoices(
            start=low,
            stop=min(low + step, stop),
            prefix="P",
            big_supplier=people["supplier"].structure.pk,
            big_every=BIG_EVERY,
            suppliers=[s.pk for s in people["others"]],
            recipient=people["state"].pk,
            recipient_siret=people["state"].identifier,
            services=[(s.pk, s.code) for s in people["services"]],
        )
    generate.analyze()
    # What the beat task does every DASHBOARDS_FOLD_INTERVAL seconds (dashboards/summaries.py).
    folded = time.perf_counter()
    summaries.fold()
    people["fold_seconds"] = time.perf_counter() - folded
    return time.perf_counter() - started


def _measures(people: dict[str, Any]) -> dict[str, tuple[Any, Callable[[Any], object]]]:
    from django.test import Client

    from invoices import selectors

    supplier_user = people["supplier"].user
    supplier, agent = Client(), Client()
    supplier.force_login(supplier_user)
    agent.force_login(people["agent"])

    def get(client: Client, path: str) -> Callable[[Any], object]:
        def call(_: Any) -> object:
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response

        return call

    return {
        "supplier's list (Factures émises)": (supplier, get(supplier, "/factures/")),
        "agent's list (Factures reçues)": (agent, get(agent, "/factures/recues/")),
        "supplier's dashboard": (supplier, get(supplier, "/tableau-de-bord/fournisseur/")),
        "agent's dashboard": (agent, get(agent, "/tableau-de-bord/agent/")),
        "supplier's status counts": (
            None,
            lambda _: selectors.status_counts(selectors.sent_invoices_for(supplier_user)),
        ),
    }


def _measure(call: Callable[[Any], object], runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call(None)  # warm: templates, caches
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call(None)
        times.append((time.perf_counter() - started) * 1000)
        # This process's own CPU (Django, templates): what a loaded machine inflates least.
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call(None)
    return {
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p95_ms": percentile(cpu, 95),
        "queries": len(queries),
        "captured": queries.captured_queries,
    }


def _explain_slowest(captured: list[dict[str, str]], limit: int = 3) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE of the slowest queries (the captured SQL has its parameters inlined)."""
    from django.db import connection

    slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:limit]
    plans = []
    with connection.cursor() as cursor:
        for query in slowest:
            # "(SELECT …) UNION ALL (SELECT …)": the agent's status counts.
            if not query["sql"].lstrip(" (").upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plans.append(
                {
                    "ms": float(query["time"]) * 1000,
                    "sql": query["sql"][:600],
                    "plan": [row[0] for row in cursor.fetchall()],
                }
            )
    return plans


# The indexes invoices/migrations/0004_list_indexes.py and 0006_received_count_indexes.py
# added for these pages, and the ones they replaced: dropping them shows the same pages with
# the indexes of before, at the largest size, in this run.
WITHOUT_NEW_INDEXES = [
    "DROP INDEX invoice_supplier_deposited",
    "DROP INDEX invoice_received_deposited",
    "DROP INDEX invoice_supplier_status",
    'CREATE INDEX invoice_supplier_status ON invoices_invoice ("supplier_id", "status")',
    "DROP INDEX invoice_received_service",
    "DROP INDEX invoice_received_no_service",
    'CREATE INDEX invoice_service_status ON invoices_invoice ("service_id", "status")',
    "ANALYZE invoices_invoice",
]


def _without_new_indexes(
    measures: dict[str, Any], results: dict[str, dict[int, dict[str, Any]]], size: int, runs: int
) -> list[Row]:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in WITHOUT_NEW_INDEXES:
            cursor.execute(statement)
    rows = []
    for name, (_client, call) in measures.items():
        before = _measure(call, max(runs // 2, 5))
        now = results[name][size]
        rows.append(
            Row(
                bench="pages",
                case=f"{name}, {size:_} invoices".replace("_", " "),
                # The median: steadier than p95 for a before/after on a shared machine.
                metric=f"ms p50 with the new indexes (p95 {now['p95_ms']:.0f})",
                value=now["p50_ms"],
                baseline_name="p50 without them",
                baseline=before["p50_ms"],
                extra={"without_new_indexes_p95_ms": before["p95_ms"]},
            )
        )
    return rows


DASHBOARDS = ("supplier's dashboard", "agent's dashboard")


def _without_summaries(
    measures: dict[str, Any], results: dict[str, dict[int, dict[str, Any]]], size: int, runs: int
) -> list[Row]:
    """The dashboards counting the invoices themselves (DASHBOARDS_SUMMARIES off), as before
    the summaries, at the largest size, in this run."""
    from django.test import override_settings

    rows = []
    for name in DASHBOARDS:
        with override_settings(DASHBOARDS_SUMMARIES=False):
            before = _measure(measures[name][1], max(runs // 2, 5))
        now = results[name][size]
        rows.append(
            Row(
                bench="pages",
                case=f"{name}, {size:_} invoices".replace("_", " "),
                metric=f"ms p95 from the summaries (p50 {now['p50_ms']:.0f})",
                value=now["p95_ms"],
                baseline_name="p95 counting the invoices",
                baseline=before["p95_ms"],
                extra={"counting_p50_ms": before["p50_ms"], "counting_queries": before["queries"]},
            )
        )
    return rows


def run(*, quick: bool) -> list[Row]:
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    runs = 15 if quick else 30
    truncate("invoices_invoice")
    people = _people()
    measures = _measures(people)
    results: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in measures}
    grown = 0
    load_seconds = {}
    fold_seconds = {}
    for size in sizes:
        load_seconds[size] = _grow(people, grown, size)
        fold_seconds[size] = people["fold_seconds"]
        grown = size
        for name, (_client, call) in measures.items():
            results[name][size] = _measure(call, runs)
    rows = []
    smallest, largest = sizes[0], sizes[-1]
    # The plans are taken now, with the indexes the pages use.
    plans = {
        name: _explain_slowest(by_size[largest]["captured"]) for name, by_size in results.items()
    }
    rows += _without_summaries(measures, results, largest, runs)
    rows += _without_new_indexes(measures, results, largest, runs)
    for name, by_size in results.items():
        base = by_size[smallest]
        for size, got in by_size.items():
            growth = got["p95_ms"] / base["p95_ms"] if base["p95_ms"] else None
            # The targets are at 1,000,000 invoices: a --quick run shows the trend only.
            is_largest = size == largest == 1_000_000
            rows.append(
                Row(
                    bench="pages",
                    case=f"{name}, {size:_} invoices".replace("_", " "),
                    metric=f"ms p95 (p50 {got['p50_ms']:.0f}, {got['queries']} queries)",
                    value=got["p95_ms"],
                    baseline_name=f"at {smallest:,}".replace(",", " "),
                    baseline=base["p95_ms"],
                    target=(
                        f"< {TARGET_P95_MS:.0f} ms, growth < {TARGET_GROWTH}×" if is_largest else ""
                    ),
                    met=(
                        got["p95_ms"] < TARGET_P95_MS
                        and growth is not None
                        and growth < TARGET_GROWTH
                    )
                    if is_largest
                    else None,
                    extra={
                        "p50_ms": got["p50_ms"],
                        "cpu_p50_ms": got["cpu_p50_ms"],
                        "cpu_p95_ms": got["cpu_p95_ms"],
                        "queries": got["queries"],
                        "queries_at_smallest": base["queries"],
                        "load_seconds": load_seconds[size],
                        "fold_seconds": fold_seconds[size],
                        **({"slowest_queries": plans[name]} if is_largest else {}),
                    },
                )
            )
    truncate("invoices_invoice")
    return rows
