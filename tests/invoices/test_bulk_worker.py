"""A long bulk decision run by a real Celery worker (on Redis in CI): the request only stores it,
the worker decides on each invoice, and the batch ends done with each invoice's result."""

from __future__ import annotations

import pytest

from chorus.models import OutgoingEmail
from invoices.bulk import services as bulk
from invoices.bulk.models import BulkDecision, BulkDecisionItem
from invoices.models import Invoice, RejectionReason
from invoices.workflow import Status
from tests.invoices.factories import invoice_in
from tests.utils import workers

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_a_worker_runs_a_long_bulk_suspension_to_its_end(celery_worker, personas, settings):
    settings.BULK_DECISION_INLINE_MAX = 2  # the request's side: this batch goes to the worker
    available = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(12)]
    rejected = invoice_in(personas, Status.REJETEE)
    batch = bulk.bulk_decision_submit(
        user=personas.agent,
        invoice_ids=[i.pk for i in [*available, rejected]],
        target=Status.SUSPENDUE,
        reason=RejectionReason.objects.get(code="PIECE_MANQUANTE"),
        comment="Joignez le bon de livraison.",
    )
    assert batch.state == BulkDecision.State.PENDING
    workers.wait_until(
        lambda: BulkDecision.objects.filter(pk=batch.pk, state=BulkDecision.State.DONE).exists(),
        timeout=60,
        what="the worker to finish the bulk decision",
        process=celery_worker,
    )
    results = dict(batch.items.values_list("invoice_id", "result"))
    assert [results[i.pk] for i in available] == [BulkDecisionItem.Result.DONE] * 12
    assert results[rejected.pk] == BulkDecisionItem.Result.REFUSED
    statuses = set(Invoice.objects.filter(pk__in=[i.pk for i in available]).values_list("status"))
    assert statuses == {(Status.SUSPENDUE,)}
    # Acme's two users: one digest each of the 12 suspensions, sent by the worker.
    workers.wait_until(
        lambda: OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count() == 2,
        timeout=30,
        what="the worker to send the bulk decision's digests",
        process=celery_worker,
    )
    assert sorted(OutgoingEmail.objects.values_list("to", "subject")) == [
        ("member@acme.test", "12 factures : Suspendue"),
        ("principal@acme.test", "12 factures : Suspendue"),
    ]
