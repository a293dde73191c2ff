"""A Celery worker killed (SIGKILL) in the middle of a bulk decision on 200 invoices, and a new
one started: the batch resumes from its pending items and ends done, each invoice decided exactly
once (its decision and its item's result commit together).

Settings of this test (environment of its processes): CELERY_VISIBILITY_TIMEOUT=10 (the dead
worker's message comes back), BULK_DECISION_STUCK_AFTER=10 and INVOICE_SWEEP_INTERVAL=2 (the
sweep enqueues the batch again).
"""

from __future__ import annotations

import time

import pytest

from chorus.models import OutgoingEmail
from invoices import tasks
from invoices.bulk import services as bulk
from invoices.bulk.models import BulkDecision, BulkDecisionItem
from invoices.models import StatusChange
from invoices.workflow import Status
from tests.invoices.factories import invoice_in
from tests.utils.services import require_postgresql, require_redis

pytestmark = [
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.timeout(900),
]

COUNT = 200
ENV = {
    "CELERY_VISIBILITY_TIMEOUT": "10",
    "BULK_DECISION_STUCK_AFTER": "10",
    "INVOICE_SWEEP_INTERVAL": "2",
    "INVOICE_ROUTING_STUCK_AFTER": "3600",
    "INVOICE_PAYMENT_SIMULATION": "0",
    "EMAIL_OUTBOX_INTERVAL": "3600",
}


def handled(bulk_id: int) -> int:
    items = BulkDecisionItem.objects.filter(bulk_id=bulk_id)
    return items.exclude(result=BulkDecisionItem.Result.PENDING).count()


def test_a_worker_killed_mid_batch_resumes_and_decides_each_invoice_once(stack, personas, settings):
    require_postgresql()
    require_redis()
    settings.BULK_DECISION_INLINE_MAX = COUNT  # stored only: the test sends the task itself
    invoices = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(COUNT)]
    batch = bulk.bulk_decision_create(
        user=personas.agent, invoice_ids=[i.pk for i in invoices], target=Status.COMPTABILISEE
    )
    started = time.monotonic()
    killed = stack.kill_mid_task(
        tasks.run_bulk_decision,
        [(batch.pk,)],
        progress=lambda: handled(batch.pk),
        finished=lambda: BulkDecision.objects.get(pk=batch.pk).is_done,
        total=COUNT,
        what="the batch",
        **ENV,
    )
    results = set(batch.items.values_list("result", flat=True))
    assert results == {BulkDecisionItem.Result.DONE}
    changes = StatusChange.objects.filter(to_status=Status.COMPTABILISEE)
    assert changes.count() == COUNT
    assert changes.values("invoice").distinct().count() == COUNT
    # Acme's two users: one digest each of the 200 decisions, queued once despite the kill.
    assert sorted(OutgoingEmail.objects.values_list("to", "subject")) == [
        ("member@acme.test", f"{COUNT} factures : Comptabilisée"),
        ("principal@acme.test", f"{COUNT} factures : Comptabilisée"),
    ]
    print(  # the report reads it: pytest -s
        f"\nbulk of {COUNT}: killed at {killed.at} done, "
        f"whole test {time.monotonic() - started:.1f}s"
    )
