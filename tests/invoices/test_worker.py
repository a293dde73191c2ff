"""The whole path with a real Celery worker (on Redis in CI): deposit, routing by the worker,
the agent's decision, the simulated payment, and the sweep that recovers a lost message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import chorus.settings as base_settings
from einvoice.validation import validate_file
from invoices import services, tasks
from invoices.models import Attachment, Invoice, RejectionReason
from invoices.workflow import Status
from tests.invoices.factories import deposited, invoice_in, stored_bytes
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


def test_a_deposited_invoice_reaches_its_recipient_and_is_rejected_with_a_reason(
    celery_worker, personas
):
    invoice = _wait_for(deposited(personas), Status.MISE_A_DISPOSITION)
    reason = RejectionReason.objects.get(code="NON_CONFORME_COMMANDE")
    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.REJETEE,
        expected_status=Status.MISE_A_DISPOSITION,
        reason=reason,
        comment="La commande portait sur 3 unités.",
    )
    history = list(invoice.history.order_by("at", "id"))
    assert [(c.from_status, c.to_status) for c in history] == [
        ("", "BROUILLON"),
        ("BROUILLON", "DEPOSEE"),
        ("DEPOSEE", "EN_COURS_ACHEMINEMENT"),
        ("EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION"),
        ("MISE_A_DISPOSITION", "REJETEE"),
    ]
    assert [c.actor_system for c in history[2:4]] == ["routage", "routage"]
    assert (history[-1].reason, history[-1].actor) == (reason, personas.agent)
    assert history[-1].comment == "La commande portait sur 3 unités."


def test_an_accounted_invoice_is_put_in_payment_by_the_simulated_payment_system(
    celery_worker, personas
):
    invoice = _wait_for(deposited(personas), Status.MISE_A_DISPOSITION)
    for target in (Status.SERVICE_FAIT, Status.COMPTABILISEE):
        services.invoice_process(user=personas.agent, invoice=invoice, target=target)
    tasks.simulate_payments.delay(0)
    invoice = _wait_for(invoice, Status.MISE_EN_PAIEMENT)
    assert invoice.history.order_by("-at", "-id").first().actor_system == "paiement"


def test_the_sweep_recovers_an_invoice_whose_message_was_lost(celery_worker, personas):
    # Put straight in DEPOSEE, as if its routing message had been lost: nothing is enqueued.
    stuck = invoice_in(
        personas,
        Status.DEPOSEE,
        made_available_at=None,
        status_changed_at=timezone.now() - timedelta(hours=1),
    )
    assert tasks.sweep_routing(stuck_after=60) == 1
    _wait_for(stuck, Status.MISE_A_DISPOSITION)
    assert stuck.history.filter(to_status=Status.EN_COURS_ACHEMINEMENT).count() == 1


def test_the_worker_renders_the_factur_x_pdf_once_the_deposit_is_committed(
    celery_worker, personas, settings
):
    # The worker stores files where its own settings say; this test reads them there.
    settings.MEDIA_ROOT = base_settings.MEDIA_ROOT
    invoice = deposited(personas)
    try:
        workers.wait_until(
            lambda: invoice.attachments.filter(kind=Attachment.Kind.GENERATED_PDF).exists(),
            timeout=60,
            what="the Factur-X PDF",
        )
        pdf = invoice.attachments.get(kind=Attachment.Kind.GENERATED_PDF)
        assert validate_file(stored_bytes(pdf), pdf.original_name).valid
    finally:
        for attachment in Attachment.objects.filter(invoice=invoice):
            attachment.file.delete(save=False)
