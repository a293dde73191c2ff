"""A Celery worker killed (SIGKILL) while it integrates a flux of 100 invoices, and a new one
started: the flux resumes where its last chunk committed and ends INTEGRE, each invoice deposited
exactly once (one item per invoice, one invoice per item, no number twice).

Settings of this test (environment of its processes): CELERY_VISIBILITY_TIMEOUT=10 (the dead
worker's message comes back), FLUX_STUCK_AFTER=10 and INVOICE_SWEEP_INTERVAL=2 (the sweep
enqueues the flux again), FLUX_CHUNK_SIZE=10.
"""

from __future__ import annotations

import time

import pytest
from django.core.files.base import ContentFile
from django.db.models import Count

from flux import services, tasks
from flux.models import Flux, FluxItem
from invoices.models import Invoice
from tests.flux.files import json_flux
from tests.utils.services import require_postgresql, require_redis

pytestmark = [
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.timeout(900),
]

# Each deposit still renders its certificate PDF inside its transaction (invoices/services/
# deposit.py): about a second per invoice on a loaded 2-core machine, hence a flux of 100 here.
COUNT = 100
ENV = {
    "CELERY_VISIBILITY_TIMEOUT": "10",
    "FLUX_STUCK_AFTER": "10",
    "INVOICE_SWEEP_INTERVAL": "2",
    "INVOICE_ROUTING_STUCK_AFTER": "3600",
    "FLUX_CHUNK_SIZE": "10",
    "INVOICE_PAYMENT_SIMULATION": "0",
    "EMAIL_OUTBOX_INTERVAL": "3600",
}


def done(flux_id: int) -> int:
    return FluxItem.objects.filter(flux_id=flux_id).exclude(result=FluxItem.Result.PENDING).count()


def test_a_worker_killed_mid_flux_resumes_and_integrates_each_invoice_once(
    stack, personas, settings
):
    require_postgresql()
    require_redis()
    settings.FLUX_QUEUE = stack.queue
    content = json_flux(personas.acme.identifier, COUNT, prefix="K")
    flux = services.flux_receive(
        user=personas.supplier_principal, supplier=personas.acme,
        content=ContentFile(content, name="lot.json"), name="lot.json",
    ).flux  # fmt: skip
    started = time.monotonic()
    killed = stack.kill_mid_task(
        tasks.integrate_flux,
        [(flux.pk,)],
        progress=lambda: done(flux.pk),
        finished=lambda: Flux.objects.get(pk=flux.pk).is_done,
        total=COUNT,
        what="the flux",
        **ENV,
    )
    flux.refresh_from_db()
    assert (flux.status, flux.item_count, flux.integrated_count) == (
        Flux.Status.INTEGRE, COUNT, COUNT,
    )  # fmt: skip
    invoices = Invoice.objects.filter(supplier=personas.acme)
    assert invoices.count() == COUNT
    assert not invoices.values("number").annotate(n=Count("pk")).filter(n__gt=1).exists()
    linked = FluxItem.objects.filter(flux=flux, invoice__isnull=False)
    assert set(linked.values_list("invoice_id", flat=True)) == set(
        invoices.values_list("pk", flat=True)
    )
    print(  # the report reads it: pytest -s
        f"\nflux of {COUNT}: killed at {killed.at} done, "
        f"whole test {time.monotonic() - started:.1f}s"
    )
