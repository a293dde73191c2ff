"""A ticket opened from an invoice: pre-filled, linked, routed to the invoice's service."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from invoices import services as invoice_services
from invoices.models import RejectionReason
from support.models import Ticket
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected(personas):  # type: ignore[no-untyped-def]
    invoice = invoice_in(personas, "MISE_A_DISPOSITION")
    return invoice_services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target="REJETEE",
        reason=next(r for r in RejectionReason.objects.all() if "REJETEE" in r.allowed_statuses),
        comment="Le bon de commande ne correspond pas.",
    )


def create_url(invoice) -> str:  # type: ignore[no-untyped-def]
    return f"{reverse('support:create')}?facture={invoice.pk}"


def test_the_invoice_page_offers_to_ask_a_question_about_it(client, personas, rejected):
    client.force_login(personas.supplier_member)
    page = client.get(reverse("invoices:detail", args=[rejected.pk])).content.decode()
    assert create_url(rejected).replace("&", "&amp;") in page or create_url(rejected) in page


def test_the_form_opened_from_an_invoice_is_prefilled_with_its_number(client, personas, rejected):
    client.force_login(personas.supplier_member)
    response = client.get(create_url(rejected))
    assert response.status_code == 200
    assert rejected.number in response.content.decode()


def test_an_outsider_cannot_open_a_ticket_about_another_structures_invoice(
    client, personas, rejected
):
    client.force_login(personas.outsider)
    assert client.get(create_url(rejected)).status_code == 404
    client.force_login(personas.agent)
    assert client.get(create_url(rejected)).status_code == 404


def test_the_ticket_is_linked_to_the_invoice_and_goes_to_its_service(
    client, personas, rejected, django_capture_on_commit_callbacks
):
    client.force_login(personas.supplier_member)
    form = client.get(create_url(rejected)).context["form"]
    data = {name: value for name, value in form.initial.items() if isinstance(value, str)}
    data.update(description="Pourquoi ce rejet ? Le bon de commande est joint.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(create_url(rejected), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.invoice == rejected
    assert ticket.invoice_number == rejected.number
    assert "Le bon de commande ne correspond pas." in ticket.invoice_reason
    assert ticket.recipient_service == personas.service
    assert any(personas.agent.contact_email in message.to for message in mail.outbox)


def test_the_last_reason_of_an_invoice_reads_code_label_and_comment(rejected):
    change = rejected.history.exclude(reason=None).get()
    assert rejected.last_reason == (
        f"{change.reason.code} — {change.reason.label} : Le bon de commande ne correspond pas."
    )
