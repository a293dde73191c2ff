"""Flux integration: invoices/s from upload to DEPOSEE, 2 worker processes on the flux queue.

- JSON: 10 flux of typed invoices (3 lines each), one per supplier, received through the
  service the API calls, then integrated by a worker of 2 processes consuming FLUX_QUEUE only
  (routing and renderings, which the deposits enqueue, wait on the normal queue). The rate runs
  from the first flux received to the last one integrated. Baseline: the same rows (invoice,
  lines, history, files' rows) written by plain psycopg from 2 connections.
- CII: the same with ZIPs of CII files (EN 16931, seller the depositing supplier). Baseline:
  the validator alone (XSD + schematron, ``validate_file``) on the same files, 2 processes.
"""

from __future__ import annotations

import io
import sys
import threading
import time
import uuid
import zipfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from bench import data
from bench.common import Row, process, purge_queues, truncate, wait_until

JSON_TARGET = 1000.0
FLUX_QUEUE = "chorus_bench_flux"
WORKER_ENV = {"DEBUG": "0", "SECRET_KEY": "bench-only-secret-key-" + "w" * 40,
              "FLUX_QUEUE": FLUX_QUEUE}  # fmt: skip


def _worker_command(concurrency: int, name: str) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "bench.worker", "worker",
        "--pool", "prefork", "--concurrency", str(concurrency), "--queues", FLUX_QUEUE,
        "--hostname", f"{name}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
    ]  # fmt: skip


def _json_flux(siret: str, tag: str, count: int) -> bytes:
    import json

    return json.dumps([data.invoice_body(siret, f"{tag}-{i:04d}") for i in range(count)]).encode()


def _cii_files(siret: str, tag: str, count: int) -> list[bytes]:
    import dataclasses

    from django.utils import timezone

    from einvoice.facturx import build_cii
    from tests.einvoice.samples import SELLER, invoice

    seller = dataclasses.replace(SELLER, siret=siret)
    return [
        build_cii(invoice(number=f"{tag}-{i:04d}", issue_date=timezone.localdate(),
                          due_date=None, delivery_date=None, seller=seller,
                          buyer_reference=data.SERVICE_CODE, purchase_order_reference=""))
        for i in range(count)
    ]  # fmt: skip


def _zip(files: list[bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, content in enumerate(files):
            archive.writestr(f"facture-{n:04d}.xml", content)
    return buffer.getvalue()


def _integrate(suppliers: list[data.Supplier], contents: list[bytes], name: str) -> dict:
    """Receive every flux, then let a worker of 2 processes integrate them; the rate."""
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.db.models import Max, Min, Sum

    from flux.models import Flux
    from flux.services import flux_receive

    settings.FLUX_QUEUE = FLUX_QUEUE  # where this process enqueues the integrations
    _purge()
    worker = f"bench-flux-{uuid.uuid4().hex[:6]}"
    # The worker is up and waiting before the first flux arrives, as in production: its boot
    # (seconds) is no part of an integration, and would dominate the quick size's span.
    with process(_worker_command(2, worker), log_name="celery-flux", env=WORKER_ENV):
        wait_until(lambda: _answers(worker), timeout=120, what="the flux worker to start",
                   interval=0.5)  # fmt: skip
        _warm_up()
        started = time.perf_counter()
        ids = []
        for supplier, content in zip(suppliers, contents, strict=True):
            received = flux_receive(user=supplier.user, supplier=supplier.structure,
                                    content=ContentFile(content, name=name), name=name)  # fmt: skip
            ids.append(received.flux.pk)
        receive_seconds = time.perf_counter() - started
        batch = Flux.objects.filter(pk__in=ids)
        wait_until(lambda: not batch.filter(status__in=Flux.TRANSIENT).exists(),
                   timeout=7200, what="every flux to be integrated")  # fmt: skip
    span = batch.aggregate(first=Min("received_at"), last=Max("finished_at"),
                           ok=Sum("integrated_count"), ko=Sum("rejected_count"))  # fmt: skip
    seconds = (span["last"] - span["first"]).total_seconds()
    return {"rate": span["ok"] / seconds, "seconds": seconds, "integrated": span["ok"],
            "rejected": span["ko"], "receive_seconds": receive_seconds}  # fmt: skip


def _answers(worker: str) -> bool:
    """Whether the worker named ``worker`` answers a ping (it consumes its queue by then)."""
    from chorus.celery import app

    replies = app.control.ping(timeout=0.5) or []
    return any(name.startswith(f"{worker}@") for reply in replies for name in reply)


def _warm_up() -> None:
    """No-op tasks through the flux queue until they ran: the worker's processes have done
    their start (the schematron stylesheets compiled, ``chorus.celery``) before the clock starts,
    as the validator's baseline is measured warm."""
    import redis
    from django.conf import settings

    from bench.worker import COUNTER, noop

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(COUNTER)
    for n in range(4):
        noop.apply_async((n,), queue=FLUX_QUEUE)
    wait_until(lambda: int(client.get(COUNTER) or 0) >= 4, timeout=120,
               what="the flux worker's processes to start", interval=0.2)  # fmt: skip


def _purge() -> None:
    purge_queues(FLUX_QUEUE)


# --- baselines ---------------------------------------------------------------------------------
def _psycopg_rate(template_invoice_id: int, count: int) -> dict[str, float]:
    from bench.api import _psycopg_writer, _template_rows

    template = _template_rows(template_invoice_id)
    make = _psycopg_writer(template, f"PSY{uuid.uuid4().hex[:4]}-")
    calls = [make(c) for c in range(2)]

    def run(call: Any) -> None:
        for i in range(count // 2):
            call(i)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {"rate": (count // 2) * 2 / seconds, "seconds": seconds}


def _validate_many(files: list[bytes]) -> int:
    from bench.common import setup_django

    setup_django()
    from einvoice.validation import validate_file

    for content in files:
        assert validate_file(content, "facture.xml").valid
    return len(files)


def _validator_rate(files: list[bytes]) -> dict[str, float]:
    """The validator alone on the same files, in 2 fresh processes (Saxon wants no fork)."""
    halves = [files[0::2], files[1::2]]
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_validate_many, [halves[0][:2], halves[1][:2]]))  # warm-up
        started = time.perf_counter()
        done = sum(pool.map(_validate_many, halves))
    seconds = time.perf_counter() - started
    return {"rate": done / seconds, "seconds": seconds}


def run(*, quick: bool) -> list[Row]:
    from invoices.models import Invoice

    per_flux = 20 if quick else 500
    suppliers = data.suppliers(10, prefix=f"flux{uuid.uuid4().hex[:4]}")
    contents = [_json_flux(s.structure.identifier, "JS", per_flux) for s in suppliers]
    got = _integrate(suppliers, contents, "flux.json")
    sample = Invoice.objects.filter(number="JS-0000").values_list("pk", flat=True).first()
    base = _psycopg_rate(sample, got["integrated"])
    rows = [
        Row(
            bench="flux", case=f"JSON, 10 flux × {per_flux} invoices of 3 lines",
            metric="invoices/s", value=got["rate"], baseline_name="psycopg inserts",
            baseline=base["rate"], target=f"≥ {JSON_TARGET:.0f}/s and ≥ 1× psycopg",
            met=got["rate"] >= JSON_TARGET and got["rate"] >= base["rate"],
            extra={"flux": got, "psycopg": base},
        )
    ]  # fmt: skip
    suppliers = data.suppliers(10, prefix=f"fluxcii{uuid.uuid4().hex[:4]}")
    files = [_cii_files(s.structure.siret, "CII", per_flux) for s in suppliers]
    got = _integrate(suppliers, [_zip(f) for f in files], "flux.zip")
    base = _validator_rate([f for group in files for f in group])
    rows.append(
        Row(
            bench="flux", case=f"CII ZIP, 10 flux × {per_flux} invoices",
            metric="invoices/s", value=got["rate"], baseline_name="validator alone/s",
            baseline=base["rate"], target="≥ 0.8× the validator",
            met=got["rate"] >= 0.8 * base["rate"], extra={"flux": got, "validator": base},
        )
    )  # fmt: skip
    # The invoices the flux deposited wait in DEPOSEE: gone, or the next bench's routing
    # workers would route them before its own.
    truncate(
        "flux_fluxitem", "flux_flux", "invoices_attachment", "invoices_statuschange",
        "invoices_invoiceline", "invoices_invoice",
    )  # fmt: skip
    return rows
