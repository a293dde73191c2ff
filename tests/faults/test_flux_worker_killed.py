"""A Celery worker killed (SIGKILL) while it integrates a flux of 100 invoices, and a new one
started: the flux resumes where its last chunk committed and ends INTEGRE, each invoice deposited
exactly once (one item per invoice, one invoice per item, no number twice).

Where the worker dies does not depend on its speed: before the flux is sent, another transaction
inserts an invoice numbered like the flux's 51st and stays open, so the worker's sixth chunk waits
on the unique index of numbers after five chunks committed. It is killed there, in the middle of
an open transaction; the other transaction then rolls back and the number is free again.

Settings of this test (environment of its processes): CELERY_VISIBILITY_TIMEOUT=10 (the dead
worker's message comes back), FLUX_STUCK_AFTER=10 and INVOICE_SWEEP_INTERVAL=2 (the sweep
enqueues the flux again), FLUX_CHUNK_SIZE=10.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core.files.base import ContentFile
from django.db.models import Count

from flux import services, tasks
from flux.models import Flux, FluxItem
from invoices.models import Invoice
from invoices.workflow import Status
from tests.flux.files import json_flux
from tests.invoices.factories import invoice_in
from tests.utils.services import require_postgresql, require_redis
from tests.utils.transactions import held_open

pytestmark = [
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.timeout(900),
]

COUNT = 100
CHUNK = 10
HELD = 50  # the first position of the chunk that waits: five chunks committed before it
ENV = {
    "CELERY_VISIBILITY_TIMEOUT": "10",
    "FLUX_STUCK_AFTER": "10",
    "INVOICE_SWEEP_INTERVAL": "2",
    "INVOICE_ROUTING_STUCK_AFTER": "3600",
    "FLUX_CHUNK_SIZE": str(CHUNK),
    "INVOICE_PAYMENT_SIMULATION": "0",
    "EMAIL_OUTBOX_INTERVAL": "3600",
}


def done(flux_id: int) -> int:
    return FluxItem.objects.filter(flux_id=flux_id).exclude(result=FluxItem.Result.PENDING).count()


def number_held(personas, number: str) -> AbstractContextManager[Callable[[], None]]:  # type: ignore[no-untyped-def]
    """An invoice of Acme numbered ``number``, inserted in a transaction left open in a thread
    (its own connection): a deposit of that number waits until the transaction ends. Calling the
    function it yields rolls it back."""
    return held_open(
        lambda: invoice_in(personas, Status.DEPOSEE, number=number),
        then="rollback",
        timeout=900,
    )


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
    with number_held(personas, f"K-{HELD:04d}") as release:
        killed = stack.kill_mid_task(
            tasks.integrate_flux,
            [(flux.pk,)],
            progress=lambda: done(flux.pk),
            finished=lambda: Flux.objects.get(pk=flux.pk).is_done,
            total=COUNT,
            what="the flux",
            kill_at=HELD,
            after_kill=release,
            **ENV,
        )
    assert killed.at == HELD  # killed while its sixth chunk waited, never later
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
