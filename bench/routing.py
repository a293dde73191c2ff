"""Routing: deposited invoices carried to MISE_A_DISPOSITION by 1 and 2 worker processes.

The invoices are written straight in DEPOSEE (bench.generate); once the worker consumes, one
"work available" message is published, as a deposit sends it, and the rate is measured from
that message to the last invoice seen in MISE_A_DISPOSITION (polled every 20 ms). Batches
(``tasks.route_batch``) take both steps of each invoice (DEPOSEE → EN_COURS_ACHEMINEMENT →
MISE_A_DISPOSITION); a full batch asks for the next, which the second process takes. The
e-mails (digests per supplier and event) are sent by one task per batch on the same workers;
``rate_with_emails`` runs to the last one sent. The renderings that task enqueues for the
deposits wait on RENDERING_QUEUE, which these workers do not take (production gives it workers
of its own; the pdf bench measures the renderer). Baseline: a no-op task through the same broker
and workers.
"""

from __future__ import annotations

import sys
import time
import uuid

from bench import data, generate
from bench.common import Row, process, purge_queues, truncate, wait_until

TARGET_RATE = 500.0
# The workers run as in production, DEBUG off (with it on, Django re-reads and re-compiles
# every e-mail template at each rendering, and logs every query).
WORKER_ENV = {"DEBUG": "0", "SECRET_KEY": "bench-only-secret-key-" + "w" * 40}


def _worker_command(concurrency: int) -> list[str]:
    from django.conf import settings

    return [
        sys.executable, "-m", "celery", "-A", "bench.worker", "worker",
        "--pool", "prefork", "--concurrency", str(concurrency),
        "--queues", settings.CELERY_TASK_DEFAULT_QUEUE,
        "--hostname", f"bench-{uuid.uuid4().hex[:6]}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "WARNING",
    ]  # fmt: skip


def _purge() -> None:
    from django.conf import settings

    from bench.worker import COUNTER, FIRST, LAST, _redis

    # The routing's queue, and the renderings its batches enqueued (the deposits' PDFs).
    purge_queues(settings.CELERY_TASK_DEFAULT_QUEUE, settings.RENDERING_QUEUE)
    _redis().delete(COUNTER, FIRST, LAST)


def _publish(task: object, args_list: list[tuple]) -> float:
    """Publish every message on one producer; returns messages per second."""
    from chorus.celery import app

    started = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for args in args_list:
            task.apply_async(args, producer=producer)  # type: ignore[attr-defined]
    return len(args_list) / (time.perf_counter() - started)


def _noop_rate(concurrency: int, count: int) -> dict[str, float]:
    from bench.worker import COUNTER, FIRST, LAST, _redis, noop

    _purge()
    publish_rate = _publish(noop, [(n,) for n in range(count)])
    client = _redis()
    with process(
        _worker_command(concurrency), log_name=f"celery-noop-{concurrency}", env=WORKER_ENV
    ):
        wait_until(
            lambda: int(client.get(COUNTER) or 0) >= count,
            timeout=600,
            what=f"{count} no-op tasks",
        )
    seconds = float(client.get(LAST)) - float(client.get(FIRST))
    return {"rate": (count - 1) / seconds, "publish_rate": publish_rate, "seconds": seconds}


def _routing_rate(
    concurrency: int, count: int, suppliers: list[int], start: int
) -> dict[str, float]:
    from bench.worker import COUNTER, _redis, noop
    from chorus.models import OutgoingEmail
    from invoices.models import Invoice
    from invoices.tasks import route_batch
    from invoices.workflow import Status
    from structures.selectors import state_structure

    state = state_structure()
    service = state.services.get(code=data.SERVICE_CODE)
    prefix = f"R{concurrency}-"
    generate.invoices(
        start=start,
        stop=start + count,
        prefix=prefix,
        big_supplier=None,
        big_every=1,
        suppliers=suppliers,
        recipient=state.pk,
        recipient_siret=state.identifier,
        services=[(service.pk, service.code)],
        status=Status.DEPOSEE,
    )
    batch = Invoice.objects.filter(number__startswith=prefix)
    _purge()
    OutgoingEmail.objects.all().delete()
    with process(
        _worker_command(concurrency), log_name=f"celery-routing-{concurrency}", env=WORKER_ENV
    ):
        # The worker is consuming (its start is not counted); then one "work available" message,
        # as a deposit sends: the batches spread over the worker processes on their own.
        _publish(noop, [(0,)])
        wait_until(lambda: int(_redis().get(COUNTER) or 0) >= 1, timeout=120, what="the worker")
        started = time.perf_counter()
        _publish(route_batch, [()])
        wait_until(
            lambda: batch.filter(status=Status.MISE_A_DISPOSITION).count() >= count,
            timeout=900,
            what=f"{count} invoices made available",
            interval=0.02,
        )
        seconds = time.perf_counter() - started
        wait_until(
            lambda: not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists(),
            timeout=900,
            what="every e-mail of the routing sent",
            interval=0.02,
        )
        with_emails = time.perf_counter() - started
    return {
        "rate": count / seconds,
        "seconds": seconds,
        "rate_with_emails": count / with_emails,
        "emails": OutgoingEmail.objects.count(),
    }


def run(*, quick: bool) -> list[Row]:
    count = 300 if quick else 1500
    noops = 1500 if quick else 6000
    # Only this bench's invoices wait for routing (an earlier bench's would be routed first).
    truncate("invoices_invoice")
    suppliers = [s.structure.pk for s in data.suppliers(8, prefix="routing")]
    rows = []
    for n, concurrency in enumerate((1, 2)):
        base = _noop_rate(concurrency, noops)
        got = _routing_rate(concurrency, count, suppliers, start=n * count)
        rows.append(
            Row(
                bench="routing",
                case=f"{concurrency} worker process{'es' if concurrency > 1 else ''}",
                metric="invoices/s",
                value=got["rate"],
                baseline_name="no-op tasks/s",
                baseline=base["rate"],
                target=f"≥ {TARGET_RATE:.0f}/s and ≥ 0.5× no-op",
                met=got["rate"] >= TARGET_RATE and got["rate"] >= 0.5 * base["rate"],
                extra={"routing": {**got, "invoices": count}, "noop": {**base, "tasks": noops}},
            )
        )
    _purge()
    truncate("invoices_invoice")
    return rows
