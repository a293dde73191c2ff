"""E-mail subjects are plain text: a name or a status holding ``'``, ``&`` or ``<`` reads as typed,
never as an HTML entity ("En cours d&#x27;acheminement"). Every subject the portal sends is
rendered here through its real sender, and a subject template no test sends is a failure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import emails as account_emails
from digests import services as digests
from flux import notifications as flux_notifications
from flux.models import Flux
from invoices import notifications as invoice_notifications
from invoices.models import StatusChange
from invoices.workflow import Status
from structures import notifications as structure_notifications
from structures import services as structure_services
from structures.models import Frequency, Membership, NoticePreference
from support import notifications as support_notifications
from tests.accounts.factories import PendingUserFactory
from tests.invoices.factories import invoice_in
from tests.support.factories import ticket_to_service, visitor_ticket

pytestmark = pytest.mark.django_db

HOSTILE = "L'Atelier & <Fils>"
PORTAL = "Chorus d'essai & <co>"
ENTITIES = ("&#", "&amp;", "&lt;", "&gt;", "&quot;")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hostile_portal():
    with override_settings(CHORUS={**settings.CHORUS, "SITE_TITLE": PORTAL}):
        yield


def subjects() -> list[str]:
    found = [message.subject for message in mail.outbox]
    from chorus.models import OutgoingEmail

    return found + list(OutgoingEmail.objects.values_list("subject", flat=True))


def assert_plain(subject: str, *expected: str) -> None:
    assert not any(entity in subject for entity in ENTITIES), subject
    for text in expected:
        assert text in subject, subject


def test_every_subject_template_is_sent_by_a_test_below():
    templates = {
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/templates/**/*_subject.txt")
        if ".venv" not in path.parts
    }
    assert templates == set(SENT), templates ^ set(SENT)


def _accounts(personas):
    user = PendingUserFactory(first_name=HOSTILE)
    account_emails.activation_send(user_id=user.pk)
    account_emails.already_registered_send(user_id=user.pk)
    account_emails.contact_email_changed_send(user_id=user.pk, old_address="old@example.test")
    return [PORTAL] * 3


def _password_reset(personas, client):
    client.post(reverse("accounts:password_reset"), {"email": personas.supplier_member.email})
    return [PORTAL]


def _invoice_status(personas):
    personas.acme.name = HOSTILE
    personas.acme.save(update_fields=["name"])
    invoice = invoice_in(personas, Status.EN_COURS_ACHEMINEMENT)
    change = StatusChange.objects.create(
        invoice=invoice, from_status=Status.DEPOSEE, to_status=Status.EN_COURS_ACHEMINEMENT
    )
    invoice_notifications.send_status_change(change.pk)
    return ["En cours d'acheminement"]


def _invoice_agents(personas):
    personas.acme.name = HOSTILE
    personas.acme.save(update_fields=["name"])
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    invoice_notifications.send_to_agents(invoice.pk)
    return [HOSTILE]


def _routing_digests(personas):
    personas.acme.name = HOSTILE
    personas.acme.save(update_fields=["name"])
    changes = [
        StatusChange.objects.create(
            invoice=invoice_in(personas, status), from_status=previous, to_status=status
        )
        for previous, status in [
            (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT),
            (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT),
            (Status.EN_COURS_ACHEMINEMENT, Status.MISE_A_DISPOSITION),
            (Status.EN_COURS_ACHEMINEMENT, Status.MISE_A_DISPOSITION),
        ]
    ]
    invoice_notifications.queue_routed(changes)
    return ["2 factures : En cours d'acheminement", "2 factures à traiter"]


def _validation_request(personas):
    """Billing frame A9: the titular company's members are asked to validate."""
    personas.acme.name = HOSTILE
    personas.acme.save(update_fields=["name"])
    invoice = invoice_in(
        personas,
        Status.A_VALIDER_1,
        billing_frame="A9",
        validator=personas.globex,
        validator_siret=personas.globex.identifier,
        validation_due_at=timezone.now() + timedelta(days=15),
        made_available_at=None,
    )
    change = StatusChange.objects.create(
        invoice=invoice, from_status=Status.EN_COURS_ACHEMINEMENT, to_status=Status.A_VALIDER_1
    )
    invoice_notifications.queue_for_validators([change])
    return [f"de {HOSTILE} à valider"]


def _flux_done(personas):
    flux = Flux.objects.create(
        supplier=personas.acme,
        depositor=personas.supplier_principal,
        kind=Flux.Kind.JSON,
        file="flux/hostile.json",
        original_name=f"{HOSTILE}.json",
        size=2,
        sha256="0" * 64,
        status=Flux.Status.PARTIEL,
    )
    flux_notifications.queue_flux_done(flux)
    return [f"{HOSTILE}.json"]


def _mandate_revoked(personas):
    personas.acme.name = HOSTILE
    personas.acme.save(update_fields=["name"])
    structure_services.mandate_revoke(
        structure=personas.acme, user=personas.supplier_principal, ip_address=None
    )
    return [HOSTILE]


def _structures(personas):
    personas.acme.name = HOSTILE
    personas.acme.save(update_fields=["name"])
    pending = Membership.objects.get(user=personas.pending_requester)
    structure_notifications.request_received(pending.pk)
    pending.status = Membership.Status.APPROVED
    pending.save(update_fields=["status"])
    structure_notifications.request_decided(pending.pk)
    structure_notifications.principal_received(pending.pk)
    pending.decided_by = personas.supplier_principal
    pending.save(update_fields=["decided_by"])
    structure_notifications.member_detached(pending.pk)
    return [HOSTILE] * 4


def _managers(personas):
    from structures.models import BankAccount

    personas.acme.name = HOSTILE
    personas.acme.save(update_fields=["name"])
    principal = Membership.objects.get(user=personas.supplier_principal)
    member = Membership.objects.get(user=personas.supplier_member)
    member.role = Membership.Role.SECONDARY
    member.save(update_fields=["role"])
    structure_notifications.secondary_changed(member.pk)
    structure_notifications.principal_handed_over(principal.pk, member.pk)
    structure_notifications.principal_appointed(member.pk)
    structure_notifications.principal_replaced(principal.pk, member.pk)
    account = BankAccount.objects.create(
        structure=personas.acme,
        label=HOSTILE,
        iban="FR7630006000011234567890189",
        created_by=personas.supplier_principal,
    )
    structure_notifications.bank_account_changed(account.pk, principal.user_id, "added")
    return [HOSTILE] * 5


def _digest(personas):
    membership = Membership.objects.get(user=personas.supplier_member)
    NoticePreference.objects.create(membership=membership, invoices=Frequency.DAILY)
    day = digests.period_ending_before(Frequency.DAILY, timezone.now())
    NoticePreference.objects.update(updated_at=day.start)
    invoice = invoice_in(personas, Status.EN_COURS_ACHEMINEMENT, number=HOSTILE)
    StatusChange.objects.create(
        invoice=invoice,
        from_status=Status.DEPOSEE,
        to_status=Status.EN_COURS_ACHEMINEMENT,
        at=day.start + timedelta(hours=9),
    )
    digests.digests_send(Frequency.DAILY)
    return ["résumé de la journée : 1 événement"]


def _support(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service, title=HOSTILE)
    mail.outbox.clear()
    support_notifications.message_notify(message_id=ticket.messages.order_by("pk").first().pk)
    support_notifications.contact_acknowledge(ticket_id=visitor_ticket().pk)
    return [PORTAL, PORTAL]


SENT = {
    "accounts/templates/accounts/email/activation_subject.txt": _accounts,
    "accounts/templates/accounts/email/already_registered_subject.txt": _accounts,
    "accounts/templates/accounts/email/contact_email_changed_subject.txt": _accounts,
    "accounts/templates/accounts/email/password_reset_subject.txt": _password_reset,
    "invoices/templates/invoices/emails/status_change_subject.txt": _invoice_status,
    "invoices/templates/invoices/emails/agents_invoice_subject.txt": _invoice_agents,
    "invoices/templates/invoices/emails/status_digest_subject.txt": _routing_digests,
    "invoices/templates/invoices/emails/agents_digest_subject.txt": _routing_digests,
    "invoices/templates/invoices/emails/validation_request_subject.txt": _validation_request,
    "flux/templates/flux/emails/done_subject.txt": _flux_done,
    "structures/templates/structures/email/mandate_revoked_subject.txt": _mandate_revoked,
    "structures/templates/structures/email/request_received_subject.txt": _structures,
    "structures/templates/structures/email/request_decided_subject.txt": _structures,
    "structures/templates/structures/email/principal_received_subject.txt": _structures,
    "structures/templates/structures/email/member_detached_subject.txt": _structures,
    "structures/templates/structures/email/secondary_changed_subject.txt": _managers,
    "structures/templates/structures/email/principal_handed_over_subject.txt": _managers,
    "structures/templates/structures/email/principal_appointed_subject.txt": _managers,
    "structures/templates/structures/email/principal_replaced_subject.txt": _managers,
    "structures/templates/structures/email/bank_account_changed_subject.txt": _managers,
    "digests/templates/digests/email/digest_subject.txt": _digest,
    "support/templates/support/email/contact_ack_subject.txt": _support,
    "support/templates/support/email/message_subject.txt": _support,
}


@pytest.mark.parametrize(
    "sender",
    [
        _accounts,
        _invoice_status,
        _invoice_agents,
        _routing_digests,
        _validation_request,
        _flux_done,
        _mandate_revoked,
        _structures,
        _managers,
        _digest,
        _support,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_subjects_are_plain_text(personas, hostile_portal, sender):
    expected = sender(personas)
    sent = subjects()
    assert len(sent) >= len(expected), sent
    for subject in sent:
        assert_plain(subject)
    for text in expected:
        assert any(text in subject for subject in sent), (text, sent)


def test_the_password_reset_subject_is_plain_text(personas, hostile_portal, client):
    _password_reset(personas, client)
    (message,) = mail.outbox
    assert_plain(message.subject, PORTAL)
    assert "&#" not in message.body and "&amp;" not in message.body
