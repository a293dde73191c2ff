"""CPU time of one API deposit in the process that serves it, part by part.

    .venv/bin/python -m bench.api_cpu [--deposits 300]

On a machine that other processes share, a load test's rate and latencies follow the load; the
CPU time a deposit costs its process much less (issue 15, the single API deposit). The same
typed invoice as ``bench/api.py`` (three lines) is POSTed through Django's test client — the
whole middleware stack, DRF, the service, the answer — with the server's settings (DEBUG off),
in a ``chorus_bench*`` database made and dropped here. Prints the mean and median CPU
milliseconds per deposit, the queries of one deposit, and the CPU of its main parts (each part
timed where it is called, ``time.process_time``; the parts overlap: a part within a part is
indented).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time

from bench.api import SERVER_ENV
from bench.common import time_parts

# (module, attribute, label): timed where the callers look them up.
PARTS = [
    ("invoices.api.views.services", "invoice_submit", "the service (invoice_submit)"),
    ("invoices.services.batch", "_read_facts", "  facts"),
    ("invoices.services.batch", "_judge_all", "  judging (the draft, the checks, the CII)"),
    ("invoices.services.batch", "_write", "  rows and files"),
    (
        "django.db.backends.base.base.BaseDatabaseWrapper",
        "run_and_clear_commit_hooks",
        "  after the commit (Celery messages)",
    ),
    ("invoices.api.views", "invoice_response", "the answer"),
    ("accounts.authentication.ApiTokenAuthentication", "authenticate", "the token"),
    ("invoices.api.views", "supplier_with_accounts_for", "the supplier structure and its accounts"),
    ("invoices.api.views", "validated", "the input's validation"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_cpu", description=__doc__)
    parser.add_argument("--deposits", type=int, default=300)
    args = parser.parse_args(argv)
    os.environ.update(SERVER_ENV)
    from bench.common import create_database, drop_run, setup_django

    setup_django()
    create_database()
    try:
        return _measure(args.deposits)
    finally:
        drop_run()


def _measure(count: int) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import data

    supplier = data.suppliers(1, prefix="cpu")[0]
    client = Client()
    token = {"HTTP_AUTHORIZATION": f"Token {supplier.token}"}

    def deposit(number: str) -> None:
        body = json.dumps(data.invoice_body(supplier.structure.identifier, number))
        response = client.post("/api/v1/invoices/", body, content_type="application/json", **token)
        assert response.status_code == 201, response.content[:300]

    for i in range(20):  # warm: imports, URL patterns, the prepared queries, the token's touch
        deposit(f"WARM-{i}")
    connection.queries_log.clear()  # a full log (9,000 entries: the migrations) counts nothing
    with CaptureQueriesContext(connection) as queries:
        deposit("QUERIES")
    query_count = len(queries.captured_queries)  # read now: the next request clears the log
    spent: collections.Counter[str] = collections.Counter()
    time_parts(PARTS, spent)
    cpu = []
    for i in range(count):
        started = time.process_time()
        deposit(f"CPU-{i}")
        cpu.append(time.process_time() - started)
    total = sum(cpu)
    load = open("/proc/loadavg").read().split()[:3]  # noqa: SIM115 (one read)
    print(
        f"{count} API deposits: CPU per deposit mean {total / count * 1000:.2f} ms, median "
        f"{statistics.median(cpu) * 1000:.2f} ms; {query_count} queries; "
        f"load {' '.join(load)}"
    )
    for _path, _name, label in PARTS:
        print(f"  {spent[label] / count * 1000:6.2f} ms  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
