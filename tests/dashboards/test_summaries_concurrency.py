"""The dashboards' summaries under concurrent writers, on PostgreSQL with one connection per
thread: agents deciding, a batch updating amounts and statuses set-wise, a supplier
inserting in bulk, and folds running meanwhile — the summaries end equal to a recount."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import F

from dashboards import summaries
from invoices import services
from invoices.models import Invoice, StatusChange
from invoices.services import InvoiceStateError
from invoices.workflow import Status
from tests.dashboards.factories import days_ago
from tests.invoices.factories import InvoiceFactory, invoice_in
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

ROUNDS = 25


def _together(*workers: Callable[[], None]) -> list[BaseException]:
    """Run the workers in threads started at the same instant; return their errors."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(worker: Callable[[], None]) -> None:
        try:
            barrier.wait()
            worker()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    return errors


def test_concurrent_writers_and_folds_leave_the_summaries_exact(personas):
    require_postgresql()
    to_decide = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(ROUNDS)]
    to_pay = [invoice_in(personas, Status.COMPTABILISEE) for _ in range(ROUNDS)]
    # Paid without their history row yet: an import writes it without locking the invoice.
    to_record = [invoice_in(personas, Status.MISE_EN_PAIEMENT) for _ in range(ROUNDS)]
    retried = []

    def agent_deciding() -> None:
        for accounted, waiting in zip(to_pay, to_decide, strict=True):
            services.invoice_process(
                user=personas.agent, invoice=accounted, target=Status.MISE_EN_PAIEMENT
            )
            with contextlib.suppress(InvoiceStateError):  # the batch moved it first
                services.invoice_process(
                    user=personas.agent, invoice=waiting, target=Status.COMPTABILISEE
                )

    def batch_updating() -> None:
        rng = random.Random(2)
        for _ in range(ROUNDS):
            chosen = rng.sample([i.pk for i in to_decide + to_pay + to_record], 12)
            try:
                with transaction.atomic():
                    mine = Invoice.objects.filter(pk__in=chosen)
                    mine.update(amount_due=F("amount_due") + 1, total_incl_tax=F("amount_due"))
                    mine.filter(status=Status.MISE_A_DISPOSITION).update(status=Status.SERVICE_FAIT)
            except OperationalError:  # a deadlock with an agent: rolled back whole
                retried.append(chosen)

    def supplier_inserting() -> None:
        rng = random.Random(3)
        for _ in range(ROUNDS):
            with transaction.atomic():
                created = Invoice.objects.bulk_create(
                    InvoiceFactory.build(
                        supplier=personas.acme,
                        recipient=personas.state,
                        service=personas.service,
                        status=Status.MISE_EN_PAIEMENT,
                        deposited_at=days_ago(rng.randint(0, 90)),
                        amount_due=Decimal(rng.randint(1, 999)),
                    )
                    for _ in range(3)
                )
                StatusChange.objects.bulk_create(
                    StatusChange(
                        invoice=invoice,
                        from_status=Status.COMPTABILISEE,
                        to_status=Status.MISE_EN_PAIEMENT,
                        at=invoice.deposited_at + timedelta(days=5),
                    )
                    for invoice in created
                )

    def history_recording() -> None:
        for invoice in to_record:
            with transaction.atomic():
                StatusChange.objects.create(
                    invoice=invoice,
                    from_status=Status.COMPTABILISEE,
                    to_status=Status.MISE_EN_PAIEMENT,
                    at=invoice.deposited_at + timedelta(days=3),
                )
                time.sleep(0.01)  # the batch's updates of this invoice fall in between

    def folding() -> None:
        for _ in range(ROUNDS * 2):
            summaries.fold()

    errors = _together(
        agent_deciding, batch_updating, supplier_inserting, history_recording, folding, folding
    )

    assert errors == []
    assert StatusChange.objects.filter(to_status=Status.MISE_EN_PAIEMENT).count() >= ROUNDS
    assert summaries.differences() == []
    summaries.fold()
    assert summaries.differences() == []
