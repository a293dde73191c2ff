"""The supplier's answers to the recipient, in a real browser with the real routing worker: an
invoice sent back (À recycler) corrected and resent, a suspended invoice completed, and a
question asked about a rejected invoice.

The invoices are deposited and decided through the services (the main journey drives those
pages already); the supplier's side is what these tests walk.
"""

from __future__ import annotations

import pytest

from invoices import services
from invoices.models import Invoice, RejectionReason
from invoices.workflow import Status
from support.models import Ticket
from tests.browser.conftest import screenshot
from tests.browser.helpers import alerts_text, log_in, text_of, violations, wait_for_text
from tests.invoices.factories import deposited, pdf_bytes
from tests.utils.workers import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "celery_worker"),
]

STATUS = "h1 .fr-badge"


def available(personas, **overrides) -> Invoice:  # type: ignore[no-untyped-def]
    """An invoice deposited by Acme and made available by the worker."""
    invoice = deposited(personas, **overrides)
    wait_until(
        lambda: Invoice.objects.filter(pk=invoice.pk, status=Status.MISE_A_DISPOSITION).exists(),
        timeout=30,
        what="the worker to make the invoice available",
    )
    invoice.refresh_from_db()
    return invoice


def agent_decides(personas, invoice: Invoice, target: str, reason: str, comment: str) -> None:  # type: ignore[no-untyped-def]
    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=target,
        reason=RejectionReason.objects.get(code=reason),
        comment=comment,
    )


def test_an_invoice_sent_back_is_corrected_and_resent(page, personas):  # type: ignore[no-untyped-def]
    invoice = available(personas)
    agent_decides(
        personas,
        invoice,
        Status.A_RECYCLER,
        "SE_EJ_INCORRECT",
        "Cette prestation relève du ministère de l’Éducation nationale.",
    )
    log_in(page, personas.supplier_principal.email)
    page.goto(f"/factures/{invoice.pk}/")
    # alerts_text: the Factur-X rendering may still be under way, with an alert of its own.
    assert "Cette prestation relève du ministère" in alerts_text(page)
    page.get_by_role("link", name="Corriger et renvoyer").click()
    assert violations(page) == []
    page.fill("#id_service_code", "SFACT_MIN_EDU")
    screenshot(page, "answer-recycle")
    page.get_by_role("button", name="Renvoyer la facture").click()
    assert "Facture corrigée et renvoyée" in alerts_text(page)
    wait_for_text(page, STATUS, "Mise à disposition du destinataire")
    invoice.refresh_from_db()
    assert (invoice.number, invoice.service.code) == (invoice.number, "SFACT_MIN_EDU")
    history = page.locator("#historique + .fr-table").inner_text()
    assert "FACTURES_PUBLIQUES" in history and "SFACT_MIN_EDU" in history


def test_a_suspended_invoice_is_completed_with_a_document(page, personas):  # type: ignore[no-untyped-def]
    invoice = available(personas)
    agent_decides(
        personas,
        invoice,
        Status.SUSPENDUE,
        "PIECE_MANQUANTE",
        "Merci de joindre le bon de livraison signé.",
    )
    log_in(page, personas.supplier_principal.email)
    page.goto(f"/factures/{invoice.pk}/")
    assert "Merci de joindre le bon de livraison signé." in alerts_text(page)
    page.get_by_role("link", name="Compléter la facture").click()
    assert violations(page) == []
    page.set_input_files(
        "#id_attachments",
        {"name": "bon-de-livraison.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
    )
    page.fill("#id_comment", "Le bon de livraison signé est joint.")
    screenshot(page, "answer-complete")
    page.get_by_role("button", name="Envoyer le complément").click()
    page.wait_for_url(f"**/factures/{invoice.pk}/")  # sent with a progress bar, then shown
    assert "Facture complétée" in alerts_text(page)
    assert "Complétée" in text_of(page, STATUS)
    assert "bon-de-livraison.pdf" in page.locator("#historique + .fr-table").inner_text()

    log_in(page, personas.agent.email)
    page.goto(f"/factures/recues/{invoice.pk}/")
    assert "Complétée" in text_of(page, STATUS)
    assert "Le bon de livraison signé est joint." in page.locator("main").inner_text()


def test_a_question_is_asked_about_a_rejected_invoice(page, personas):  # type: ignore[no-untyped-def]
    invoice = available(personas)
    agent_decides(personas, invoice, Status.REJETEE, "DOUBLE_FACTURATION", "Déjà facturé en mars.")
    log_in(page, personas.supplier_principal.email)
    page.goto(f"/factures/{invoice.pk}/")
    page.get_by_role("link", name="Poser une question sur cette facture").click()
    assert violations(page) == []
    callout = page.locator(".fr-callout").inner_text()
    assert invoice.number in callout and "Déjà facturé en mars." in callout
    page.fill("#id_title", "Facture de mars différente")
    page.fill("#id_description", "La facture de mars portait sur une autre commande.")
    screenshot(page, "answer-ticket")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.wait_for_load_state()
    ticket = Ticket.objects.get()
    assert ticket.number in page.locator("main").inner_text()
    assert ticket.recipient_service == personas.service
    assert ticket.invoice_number == invoice.number

    log_in(page, personas.agent.email)
    page.goto("/sollicitations/recues/")
    assert ticket.number in page.locator("main").inner_text()
