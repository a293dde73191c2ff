"""CPU time of a JSON flux's integration in the process that integrates it, part by part.

    .venv/bin/python -m bench.flux_cpu [--invoices 500] [--rounds 3] [--profile PATH]

The bench's flux rate (``bench/flux.py``) follows the machine's load; the CPU an invoice costs
the worker much less (issue 15, the JSON flux). The same typed invoices as the bench (three
lines each) are received as one JSON flux (``flux_receive``) and integrated here, in-process
(``flux_integrate``, what the worker's task calls), after a warm-up flux, with the server's
settings (DEBUG off), in a ``chorus_bench*`` database made and dropped here. Prints the CPU
milliseconds per invoice of each round, the statements of one flux, and the CPU of its main
parts (each part timed where it is called, ``time.process_time``; the parts overlap: a part
within a part is indented). ``--profile``: a cProfile of the last round, written to PATH.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
import uuid

from bench.api import SERVER_ENV
from bench.common import time_parts

QUEUE = "chorus_bench_flux_cpu"
# (module, attribute, label): timed where the callers look them up.
PARTS = [
    ("flux.judging", "judge_json", "the API schema (judge_json)"),
    ("flux.judging.services", "deposit_batch", "the batch (deposit_batch)"),
    ("invoices.services.batch", "_read_facts", "  facts"),
    ("invoices.services.batch", "build_draft", "  the draft (build_draft)"),
    ("invoices.checks", "deposit_errors", "  the checks"),
    ("invoices.services.batch", "certified_cii", "  the CII (certified_cii)"),
    ("invoices.services.documents", "invoice_to_data", "    the business terms"),
    ("einvoice.facturx", "computed", "    the totals computed"),
    ("einvoice.facturx", "_cii", "    the XML written"),
    ("invoices.services.batch", "_write", "  rows and files (_write)"),
    ("invoices.files", "store", "    files stored"),
    ("invoices.services.batch", "_history", "    history rows"),
    ("flux.services", "_save_items", "the flux's items"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flux_cpu", description=__doc__)
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parts", action="store_true", help="time the parts (adds overhead)")
    parser.add_argument("--profile", default="", help="write a cProfile of the last round here")
    args = parser.parse_args(argv)
    os.environ.update(SERVER_ENV)
    os.environ["FLUX_QUEUE"] = QUEUE
    from bench.common import create_database, drop_run, setup_django

    setup_django()
    create_database()
    try:
        return _measure(args.invoices, args.rounds, parts=args.parts, profile=args.profile)
    finally:
        _purge()
        drop_run()


def _purge() -> None:
    from django.conf import settings

    from bench.common import purge_queues

    purge_queues(QUEUE, settings.CELERY_TASK_DEFAULT_QUEUE)


def _measure(count: int, rounds: int, *, parts: bool, profile: str) -> int:
    import json

    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import data
    from flux.models import Flux
    from flux.services import flux_integrate, flux_receive

    suppliers = data.suppliers(rounds + 1, prefix=f"fcpu{uuid.uuid4().hex[:4]}")

    wall: list[float] = []
    system: list[float] = []  # the kernel's share of the CPU (the files written, the sockets)

    def integrate(n: int, *, queries: bool = False) -> tuple[float, int]:
        supplier = suppliers[n]
        siret = supplier.structure.identifier
        body = json.dumps([data.invoice_body(siret, f"FC{n}-{i:04d}") for i in range(count)])
        received = flux_receive(user=supplier.user, supplier=supplier.structure,
                                content=ContentFile(body.encode(), name="flux.json"),
                                name="flux.json")  # fmt: skip
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started, wall_started, times = time.process_time(), time.perf_counter(), os.times()
            flux_integrate(flux_id=received.flux.pk)
            cpu = time.process_time() - started
            wall.append(time.perf_counter() - wall_started)
            system.append(os.times().system - times.system)
        flux = Flux.objects.get(pk=received.flux.pk)
        assert flux.integrated_count == count, (flux.status, flux.rejected_count, flux.refusal)
        return cpu, len(captured.captured_queries) if queries else 0

    _cpu, statements = integrate(0, queries=True)  # warm-up (and the statements of one flux)
    spent: collections.Counter[str] = collections.Counter()
    if parts:
        time_parts(PARTS, spent)
    cpu = []
    for n in range(1, rounds + 1):
        if profile and n == rounds:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
            cpu.append(integrate(n)[0])
            profiler.disable()
            profiler.dump_stats(profile)
        else:
            cpu.append(integrate(n)[0])
    load = open("/proc/loadavg").read().split()[:3]  # noqa: SIM115 (one read)
    per = [c / count * 1000 for c in cpu]
    print(
        f"JSON flux of {count} invoices, {rounds} rounds: CPU per invoice "
        f"{', '.join(f'{p:.2f}' for p in per)} ms (median {statistics.median(per):.2f}), "
        f"of which system {statistics.median(system[1:]) / count * 1000:.2f}, "
        f"wall {statistics.median(wall[1:]) / count * 1000:.2f} ms; "
        f"{statements} statements per flux (warm-up, CaptureQueriesContext); "
        f"load {' '.join(load)}"
    )
    if parts:
        for _path, _name, label in PARTS:
            print(f"  {spent[label] / (count * rounds) * 1000:6.3f} ms  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
