"""Billing frames A9 / A12 with a real Celery worker: the routing worker puts the invoice to
validation, and once validated (or tacitly, by the beat task's sweep) routes it to the recipient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from invoices import services, tasks
from invoices.models import Invoice
from invoices.workflow import Status
from tests.invoices.factories import deposited
from tests.utils import workers

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _wait_for(invoice: Invoice, status: str, timeout: float = 60) -> Invoice:
    workers.wait_until(
        lambda: Invoice.objects.filter(pk=invoice.pk, status=status).exists(),
        timeout=timeout,
        what=f"invoice {invoice.number} to reach {status}",
    )
    invoice.refresh_from_db()
    return invoice


def test_the_worker_waits_for_the_titular_then_routes_the_validated_invoice(
    celery_worker, personas
):
    invoice = deposited(personas, billing_frame="A9", validator_siret=personas.globex.identifier)
    invoice = _wait_for(invoice, Status.A_VALIDER_1)
    assert invoice.validation_due_at is not None and invoice.made_available_at is None
    services.invoice_validate(
        user=personas.outsider, invoice=invoice, expected_status=Status.A_VALIDER_1
    )
    invoice = _wait_for(invoice, Status.MISE_A_DISPOSITION)
    assert [c.to_status for c in invoice.history.order_by("id")][2:] == [
        Status.EN_COURS_ACHEMINEMENT,
        Status.A_VALIDER_1,
        Status.VALIDEE_1,
        Status.EN_COURS_ACHEMINEMENT,
        Status.MISE_A_DISPOSITION,
    ]


def test_the_beat_task_validates_tacitly_past_the_delay_and_the_worker_routes_on(
    celery_worker, personas
):
    invoice = deposited(personas, billing_frame="A12", validator_siret=personas.globex.identifier)
    invoice = _wait_for(invoice, Status.A_VALIDER_1)
    Invoice.objects.filter(pk=invoice.pk).update(
        validation_due_at=timezone.now() - timedelta(seconds=1)
    )
    tasks.sweep_validations.delay()
    invoice = _wait_for(invoice, Status.MISE_A_DISPOSITION)
    assert invoice.history.filter(to_status=Status.ABSENCE_VALIDATION_1_HORS_DELAI).exists()
