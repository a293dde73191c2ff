"""What the dashboards' summary triggers cost the writes (dashboards/summaries.py).

On a table of 100,000 invoices (--quick: 20,000), the same writes with the triggers and with
them disabled (``ALTER TABLE … DISABLE TRIGGER USER``, the baseline) in the same run: a batch's
set-based status change of 500 invoices, the insert of 500 invoices in one statement, and
single-invoice status changes each in its own transaction (a service's write). Then the fold
of what these writes left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench import data, generate
from bench.common import Row, truncate

BATCH = 500
TABLES = ("invoices_invoice", "invoices_statuschange")


def _people() -> dict[str, Any]:
    from structures.selectors import state_structure

    state = state_structure()
    return {
        "suppliers": [s.pk for s in data.structures(20, name="Fournisseur résumés")],
        "state": state,
        "services": [(s.pk, s.code) for s in state.services.all()[:3]],
    }


def _insert(people: dict[str, Any], start: int, stop: int, prefix: str = "S") -> None:
    generate.invoices(
        start=start,
        stop=stop,
        prefix=prefix,
        big_supplier=None,
        big_every=10,
        suppliers=people["suppliers"],
        recipient=people["state"].pk,
        recipient_siret=people["state"].identifier,
        services=people["services"],
    )


def _triggers(enabled: bool) -> None:
    from django.db import connection

    action = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")


def _execute(sql: str, params: list[Any] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _cases(people: dict[str, Any], size: int) -> dict[str, tuple[Callable[[int], None], int]]:
    """name → (one write, given a round number; how many rounds)."""

    def batch_status(n: int) -> None:
        # 500 invoices made available to SERVICE_FAIT and back, one statement each way.
        low = (n * BATCH) % (size - BATCH)
        for old, new in (
            ("MISE_A_DISPOSITION", "SERVICE_FAIT"),
            ("SERVICE_FAIT", "MISE_A_DISPOSITION"),
        ):
            _execute(
                "UPDATE invoices_invoice SET status = %s WHERE id IN "
                "(SELECT id FROM invoices_invoice WHERE status = %s ORDER BY id "
                "OFFSET %s LIMIT %s)",
                [new, old, low // 20, BATCH],
            )

    def batch_insert(n: int) -> None:
        _insert(people, size + n * BATCH, size + (n + 1) * BATCH, prefix="X")

    def single_status(n: int) -> None:
        for offset in range(20):
            _execute(
                "UPDATE invoices_invoice SET status = CASE status WHEN 'MISE_A_DISPOSITION' "
                "THEN 'SERVICE_FAIT' ELSE 'MISE_A_DISPOSITION' END WHERE id = %s",
                [1 + (n * 20 + offset) * 37 % size],
            )

    return {
        f"set-based status change of {BATCH} invoices (2 statements)": (batch_status, 10),
        f"insert of {BATCH} invoices in one statement": (batch_insert, 10),
        "20 single-invoice status changes, a transaction each": (single_status, 10),
    }


def _time(write: Callable[[int], None], rounds: int, first: int) -> float:
    """Milliseconds per round (autocommit: each statement commits)."""
    started = time.perf_counter()
    for n in range(first, first + rounds):
        write(n)
    return (time.perf_counter() - started) * 1000 / rounds


def run(*, quick: bool) -> list[Row]:
    from dashboards import summaries

    size = 20_000 if quick else 100_000
    truncate(*TABLES)
    people = _people()
    _insert(people, 0, size)
    generate.analyze()
    summaries.fold()
    rows = []
    first = 0
    for name, (write, rounds) in _cases(people, size).items():
        # Alternated, twice each: the machine's load drifts less between the two figures.
        timings: dict[bool, list[float]] = {True: [], False: []}
        for enabled in (False, True, False, True):
            _triggers(enabled)
            timings[enabled].append(_time(write, rounds, first))
            first += rounds
        _triggers(True)
        with_triggers, without = min(timings[True]), min(timings[False])
        rows.append(
            Row(
                bench="summaries",
                case=f"{name}, {size:_} invoices".replace("_", " "),
                metric="ms with the summary triggers",
                value=with_triggers,
                baseline_name="without them",
                baseline=without,
                extra={"timings_ms": {str(k): v for k, v in timings.items()}},
            )
        )
    folded = time.perf_counter()
    deltas = summaries.fold()
    rows.append(
        Row(
            bench="summaries",
            case=f"fold of the deltas these writes left ({deltas} rows)",
            metric="ms",
            value=(time.perf_counter() - folded) * 1000,
            extra={"deltas": deltas},
        )
    )
    # Disabled triggers missed some writes: start the next run from an exact count.
    summaries.rebuild()
    truncate(*TABLES)
    return rows
