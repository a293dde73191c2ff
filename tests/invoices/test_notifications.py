"""E-mails: the supplier's users on every status change (with the reason when there is one and
a link to the invoice), the recipient's agents when an invoice reaches them."""

from __future__ import annotations

import pytest
from django.core import mail

from invoices import notifications, services
from invoices.models import RejectionReason
from invoices.workflow import Status
from tests.invoices.factories import deposited, draft, invoice_in

pytestmark = pytest.mark.django_db


def test_every_supplier_user_is_told_of_a_status_change_with_a_link(personas, settings):
    settings.SITE_URL = "https://chorus.example"
    invoice = deposited(personas)
    change = invoice.history.get(to_status=Status.DEPOSEE)
    assert notifications.send_status_change(change.pk) == 2  # principal and member
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["member@acme.test", "principal@acme.test"]
    message = mail.outbox[0]
    assert invoice.number in message.subject and "Déposée" in message.subject
    assert f"https://chorus.example/factures/{invoice.pk}/" in message.body
    html = message.alternatives[0][0]
    assert f'href="https://chorus.example/factures/{invoice.pk}/"' in html


def test_a_rejection_e_mail_carries_the_reason_and_the_comment(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.REJETEE,
        reason=RejectionReason.objects.get(code="TAUX_TVA_ERRONE"),
        comment="La prestation relève du taux normal.",
    )
    notifications.send_status_change(invoice.history.get().pk)
    body = mail.outbox[0].body
    assert "Taux de TVA erroné" in body and "relève du taux normal" in body


def test_the_e_mail_goes_to_the_contact_address_in_the_user_s_language(personas):
    personas.supplier_member.contact_email = "compta@acme.test"
    personas.supplier_member.preferred_language = "en"
    personas.supplier_member.save()
    invoice = deposited(personas)
    notifications.send_status_change(invoice.history.get(to_status=Status.DEPOSEE).pk)
    message = next(m for m in mail.outbox if m.to == ["compta@acme.test"])
    assert "Invoice" in message.subject


def test_creating_a_draft_sends_nothing(personas):
    invoice = draft(personas)
    assert notifications.send_status_change(invoice.history.get().pk) == 0
    assert mail.outbox == []


def test_the_agents_of_the_service_are_told_when_an_invoice_reaches_them(personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    assert notifications.send_to_agents(invoice.pk) == 1
    assert mail.outbox[0].to == ["agent@etat.test"]
    assert f"/factures/recues/{invoice.pk}/" in mail.outbox[0].body


def test_status_changes_enqueue_their_e_mails_once_committed(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        deposited(personas)
    # The routing's wake and the e-mail of the deposit wait for the commit (a rollback sends
    # nothing); the renderings are the routing batch's to ask for.
    assert len(callbacks) == 2
