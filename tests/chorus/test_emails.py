"""Every kind of e-mail the portal sends has a plain-text part and speaks its reader's language
(the language the reader chose, not the one of whoever caused the e-mail)."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts import emails as account_emails
from invoices import notifications as invoice_notifications
from invoices.models import StatusChange
from invoices.workflow import Status
from structures import notifications as structure_notifications
from structures.models import Membership
from support import notifications as support_notifications
from tests.factories import MembershipFactory
from tests.invoices.factories import invoice_in
from tests.support.factories import ticket_to_service

pytestmark = pytest.mark.django_db

# Words that give French away in a sentence of English.
FRENCH = (" le ", " la ", " les ", " votre ", " vous ", " est ", "Bonjour")


def speaks(message, language: str) -> None:  # type: ignore[no-untyped-def]
    assert message.body.strip(), "no plain-text part"
    french = [word for word in FRENCH if word in f" {message.subject} {message.body} "]
    if language == "en":
        assert not french, f"French in an English e-mail: {french}\n{message.body}"
    else:
        assert french, f"no French in a French e-mail:\n{message.body}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_activation_e_mail(language):
    from tests.accounts.factories import PendingUserFactory

    user = PendingUserFactory(preferred_language=language)
    account_emails.activation_send(user_id=user.pk)
    (message,) = mail.outbox
    speaks(message, language)
    assert message.alternatives and message.alternatives[0][1] == "text/html"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_attachment_decision_e_mail(personas, language):
    personas.pending_requester.preferred_language = language
    personas.pending_requester.save(update_fields=["preferred_language"])
    membership = Membership.objects.get(user=personas.pending_requester)
    structure_notifications.request_decided(membership.pk)
    (message,) = mail.outbox
    speaks(message, language)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_invoice_status_e_mail(personas, language):
    for member in Membership.objects.filter(structure=personas.acme):
        member.user.preferred_language = language
        member.user.save(update_fields=["preferred_language"])
    invoice = invoice_in(personas, Status.REJETEE)
    change = StatusChange.objects.create(
        invoice=invoice,
        from_status=Status.MISE_A_DISPOSITION,
        to_status=Status.REJETEE,
        actor=personas.agent,
        comment="…",
    )
    assert invoice_notifications.send_status_change(change.pk) >= 1
    for message in mail.outbox:
        speaks(message, language)
        assert message.alternatives[0][1] == "text/html"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_support_e_mail_to_the_receiving_service(personas, language):
    personas.agent.preferred_language = language
    personas.agent.save(update_fields=["preferred_language"])
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    mail.outbox.clear()
    support_notifications.message_notify(message_id=ticket.messages.order_by("pk").first().pk)
    to_agent = [m for m in mail.outbox if personas.agent.contact_email in m.to]
    assert to_agent
    speaks(to_agent[0], language)


def test_agents_hear_of_a_new_invoice_in_their_language(personas):
    other = MembershipFactory(structure=personas.state).user
    other.preferred_language = "en"
    other.save(update_fields=["preferred_language"])
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION, service=None)
    invoice_notifications.send_to_agents(invoice.pk)
    by_address = {m.to[0]: m for m in mail.outbox}
    speaks(by_address[other.contact_email], "en")
