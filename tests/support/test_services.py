from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from invoices import services as invoice_services
from invoices.models import Invoice, RejectionReason
from support import services
from support.models import Ticket, TicketAttachment, TicketMessage
from support.services import TicketActionRefused
from support.workflow import Action, TicketStatus
from tests.factories import ServiceFactory, UserFactory
from tests.invoices.factories import invoice_in
from tests.support.factories import (
    ticket_to_service,
    ticket_to_support,
    upload,
    visitor_ticket,
)

pytestmark = pytest.mark.django_db


def addresses(mailoutbox) -> set[str]:  # type: ignore[no-untyped-def]
    return {address for mail in mailoutbox for address in mail.to}


# --- Routing --------------------------------------------------------------------------------
def test_a_question_about_the_portal_goes_to_support(personas):
    ticket = ticket_to_support(personas.supplier_principal)
    assert ticket.queue == Ticket.Queue.SUPPORT
    assert ticket.recipient_structure is None
    assert ticket.status == TicketStatus.ENVOYEE
    assert ticket.number == f"SOL-{ticket.created_at.year}-{ticket.pk:06d}"


def test_an_invoice_processing_question_goes_to_the_recipient_service(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    assert ticket.queue == Ticket.Queue.RECIPIENT
    assert ticket.recipient_structure == personas.state
    assert ticket.recipient_service == personas.service


def test_a_portal_question_ignores_a_recipient_given_by_mistake(personas):
    ticket = ticket_to_support(
        personas.supplier_principal,
        recipient_structure=personas.state,
        recipient_service=personas.service,
    )
    assert ticket.queue == Ticket.Queue.SUPPORT and ticket.recipient_service is None


def test_a_recipient_must_be_a_public_structure(personas):
    with pytest.raises(ValidationError):
        services.ticket_create(
            sender=personas.supplier_principal,
            category="TRAITEMENT",
            subcategory="REJET",
            title="t",
            description="d",
            recipient_structure=personas.globex,
        )


def test_a_service_must_belong_to_the_recipient_structure(personas):
    foreign_service = ServiceFactory()
    with pytest.raises(ValidationError):
        ticket_to_service(
            personas.supplier_principal, foreign_service, recipient_structure=personas.state
        )


def test_an_unknown_category_is_refused(personas):
    with pytest.raises(ValidationError):
        services.ticket_create(
            sender=personas.supplier_principal,
            category="COMPTE",
            subcategory="NOPE",
            title="t",
            description="d",
        )


def test_a_sender_cannot_speak_for_a_structure_they_do_not_belong_to(personas):
    with pytest.raises(PermissionDenied):
        ticket_to_support(personas.supplier_principal, sender_structure=personas.globex)


# --- The invoice seam -----------------------------------------------------------------------
def rejected_invoice(personas, **kw) -> Invoice:  # type: ignore[no-untyped-def]
    """A real invoice of Acme, rejected by the State's agent for a wrong amount."""
    invoice = invoice_in(personas, "MISE_A_DISPOSITION", number="FAC-2026-0042", **kw)
    return invoice_services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target="REJETEE",
        reason=RejectionReason.objects.get(code="MONTANT_ERRONE"),
        comment="frais de port",
    )


def test_a_ticket_from_an_invoice_copies_it_and_goes_to_its_service(personas):
    ticket = services.ticket_create(
        sender=personas.supplier_member,
        category="TRAITEMENT",
        subcategory="REJET",
        title="Facture FAC-2026-0042",
        description="Le montant est celui de la commande.",
        invoice=rejected_invoice(personas),
    )
    assert (ticket.invoice_number, ticket.invoice_status) == ("FAC-2026-0042", "Rejetée")
    assert ticket.invoice_reason == "MONTANT_ERRONE — Montant erroné : frais de port"
    assert ticket.invoice == Invoice.objects.get(number="FAC-2026-0042")
    assert ticket.sender_structure == personas.acme
    assert (ticket.queue, ticket.recipient_service) == (Ticket.Queue.RECIPIENT, personas.service)


def test_a_ticket_about_another_structures_invoice_is_refused(personas):
    with pytest.raises(PermissionDenied):
        services.ticket_create(
            sender=personas.outsider,
            category="TRAITEMENT",
            subcategory="REJET",
            title="t",
            description="d",
            invoice=rejected_invoice(personas),
        )
    assert not Ticket.objects.exists()


def test_a_pending_requester_cannot_open_a_ticket_about_the_structures_invoice(personas):
    with pytest.raises(PermissionDenied):
        services.ticket_create(
            sender=personas.pending_requester,
            category="TRAITEMENT",
            subcategory="REJET",
            title="t",
            description="d",
            invoice=rejected_invoice(personas),
        )


def test_a_question_on_an_invoice_that_reached_no_recipient_goes_to_support(personas):
    invoice = invoice_in(personas, "BROUILLON", recipient=None, service=None)
    ticket = services.ticket_create(
        sender=personas.supplier_principal,
        category="TRAITEMENT",
        subcategory="REJET",
        title="t",
        description="d",
        invoice=invoice,
    )
    assert ticket.queue == Ticket.Queue.SUPPORT


# --- Sending and notifying ------------------------------------------------------------------
def test_sending_to_a_service_emails_its_agents_only(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_to_service(personas.supplier_principal, personas.service)
    assert addresses(mailoutbox) == {personas.agent.contact_email}
    mail = mailoutbox[0]
    assert ticket.number in mail.subject and "Nouvelle sollicitation" in mail.subject
    assert f"/sollicitations/{ticket.pk}/" in mail.body
    assert mail.alternatives and mail.alternatives[0][1] == "text/html"


def test_sending_to_support_emails_every_active_staff_user(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="retired@chorus.test", is_staff=True, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_to_support(personas.supplier_principal)
    assert addresses(mailoutbox) == {personas.admin.contact_email}


def test_the_support_team_address_replaces_the_staff_list_when_set(
    personas, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SUPPORT = {**settings.SUPPORT, "TEAM_EMAILS": ["support@chorus.test"]}
    with django_capture_on_commit_callbacks(execute=True):
        ticket_to_support(personas.supplier_principal)
    assert addresses(mailoutbox) == {"support@chorus.test"}


def test_a_draft_is_neither_numbered_as_sent_nor_announced(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_to_support(personas.supplier_principal, send=False)
    assert ticket.status == TicketStatus.BROUILLON and ticket.sent_at is None
    assert not ticket.messages.exists() and mailoutbox == []


def test_an_email_speaks_the_language_of_its_reader(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    personas.agent.preferred_language = "en"
    personas.agent.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket_to_service(personas.supplier_principal, personas.service)
    assert "New support request" in mailoutbox[0].subject


# --- The conversation -----------------------------------------------------------------------
def act(ticket, action, user, body="", **kw):  # type: ignore[no-untyped-def]
    return services.ticket_act(ticket=ticket, action=action, user=user, body=body, **kw)


def test_a_full_conversation_moves_the_ticket_and_emails_the_other_side_each_time(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    sender, agent = personas.supplier_principal, personas.agent
    ticket = ticket_to_service(sender, personas.service)
    steps = [
        (Action.TAKE, agent, "", TicketStatus.EN_COURS, sender),
        (Action.ASK_INFO, agent, "Le bon de livraison ?", TicketStatus.ATTENTE_INFO, sender),
        (Action.ADD_INFO, sender, "Le voici.", TicketStatus.EN_COURS, agent),
        (Action.ANSWER, agent, "Facture à refaire.", TicketStatus.REPONDUE, sender),
        (Action.REOPEN, sender, "Pourquoi ?", TicketStatus.EN_COURS, agent),
        (Action.ANSWER, agent, "Frais de port.", TicketStatus.REPONDUE, sender),
        (Action.CLOSE, sender, "", TicketStatus.CLOTUREE, agent),
    ]
    for action, actor, body, status, told in steps:
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            act(ticket, action, actor, body)
        ticket.refresh_from_db()
        assert ticket.status == status, action
        assert addresses(mailoutbox) == {told.contact_email}, action
        if body:
            assert body in mailoutbox[0].body
    history = list(ticket.messages.values_list("action", "status_after", "author"))
    assert history[0] == (Action.SEND, TicketStatus.ENVOYEE, sender.pk)
    assert len(history) == len(steps) + 1
    assert ticket.closed_at is not None


def test_a_transfer_hands_the_ticket_to_support_and_tells_both(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    with django_capture_on_commit_callbacks(execute=True):
        act(ticket, Action.TRANSFER, personas.agent, "Question sur le portail.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.queue) == (TicketStatus.TRANSFEREE, Ticket.Queue.SUPPORT)
    assert addresses(mailoutbox) == {
        personas.supplier_principal.contact_email,
        personas.admin.contact_email,
    }
    act(ticket, Action.ANSWER, personas.admin, "Voici la réponse du support.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REPONDUE


def test_support_cannot_transfer_to_itself(personas):
    ticket = ticket_to_support(personas.supplier_principal)
    with pytest.raises(TicketActionRefused):
        act(ticket, Action.TRANSFER, personas.admin)


def test_the_sender_cannot_answer_their_own_ticket(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    with pytest.raises(TicketActionRefused):
        act(ticket, Action.ANSWER, personas.supplier_principal, "Je me réponds.")


def test_an_agent_of_another_service_cannot_act(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    with pytest.raises(TicketActionRefused):
        act(ticket, Action.TAKE, personas.other_agent)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ENVOYEE


def test_an_action_that_does_not_apply_is_refused_and_changes_nothing(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    with pytest.raises(TicketActionRefused):
        act(ticket, Action.REOPEN, personas.supplier_principal, "Pas satisfait")
    assert ticket.messages.count() == 1


def test_an_answer_needs_a_text(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    with pytest.raises(ValidationError):
        act(ticket, Action.ANSWER, personas.agent, "   ")


def test_a_closed_ticket_takes_no_more_messages(personas):
    ticket = ticket_to_support(personas.supplier_principal)
    act(ticket, Action.CLOSE, personas.supplier_principal)
    attempts = [(Action.ADD_INFO, personas.supplier_principal), (Action.ANSWER, personas.admin)]
    for action, user in attempts:
        with pytest.raises(TicketActionRefused):
            act(ticket, action, user, "encore")


def test_an_action_acts_on_the_stored_status_not_on_a_stale_copy(personas):
    ticket = ticket_to_support(personas.supplier_principal)
    stale = Ticket.objects.get(pk=ticket.pk)
    act(ticket, Action.CLOSE, personas.supplier_principal)
    with pytest.raises(TicketActionRefused):
        act(stale, Action.ANSWER, personas.admin, "Trop tard")


# --- Visitors -------------------------------------------------------------------------------
def test_a_visitor_ticket_goes_to_support_with_a_long_random_token_and_an_acknowledgement(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = visitor_ticket("visiteur@example.test")
    assert ticket.queue == Ticket.Queue.SUPPORT and ticket.sender is None
    assert len(ticket.follow_token) >= 40
    assert addresses(mailoutbox) == {"visiteur@example.test", personas.admin.contact_email}
    ack = next(m for m in mailoutbox if m.to == ["visiteur@example.test"])
    assert ticket.number in ack.subject
    assert f"/sollicitations/suivi/{ticket.follow_token}/" in ack.body
    staff_mail = next(m for m in mailoutbox if m.to != ["visiteur@example.test"])
    assert ticket.follow_token not in staff_mail.body


def test_a_visitor_acts_with_the_token_and_not_without(personas):
    ticket = visitor_ticket()
    act(ticket, Action.ASK_INFO, personas.admin, "Quel navigateur ?")
    with pytest.raises(TicketActionRefused):
        services.ticket_act(ticket=ticket, action=Action.ADD_INFO, follow_token="x" * 43, body="a")
    services.ticket_act(
        ticket=ticket, action=Action.ADD_INFO, follow_token=ticket.follow_token, body="Firefox."
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.EN_COURS
    assert ticket.messages.last().author is None


def test_answers_to_a_visitor_carry_the_private_link(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = visitor_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        act(ticket, Action.ANSWER, personas.admin, "Le lien a expiré : redemandez-le.")
    assert mailoutbox[0].to == [ticket.email]
    assert ticket.follow_token in mailoutbox[0].body


# --- Attachments and drafts -----------------------------------------------------------------
def test_an_attachment_is_stored_outside_any_public_folder(personas, settings):
    ticket = ticket_to_support(personas.supplier_principal, attachment=upload("capture.png"))
    attachment = ticket.attachments.get()
    assert attachment.name == "capture.png" and attachment.size == len(b"\x89PNG fake image")
    assert default_storage.exists(attachment.file.name)
    assert attachment.file.name.startswith(f"support/{ticket.pk}/")
    assert str(settings.STATIC_ROOT) not in default_storage.path(attachment.file.name)


@pytest.mark.parametrize(
    "name, content",
    [
        ("script.exe", b"MZ"),
        ("sans-extension", b"data"),
        ("vide.pdf", b""),
        (("n" * 51) + ".pdf", b"data"),
    ],
)
def test_a_bad_attachment_is_refused(personas, name, content):
    with pytest.raises(ValidationError):
        ticket_to_support(personas.supplier_principal, attachment=upload(name, content))
    assert not Ticket.objects.exists()


def test_an_attachment_over_ten_megabytes_is_refused(personas):
    big = upload("gros.pdf", b"0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError):
        ticket_to_support(personas.supplier_principal, attachment=big)


def test_a_message_attachment_belongs_to_its_message(personas):
    ticket = ticket_to_support(personas.supplier_principal)
    sender = personas.supplier_principal
    message = act(ticket, Action.ADD_INFO, sender, "Capture", attachment=upload())
    assert TicketAttachment.objects.get().message == message


def test_editing_a_draft_replaces_its_attachment_and_sending_it_announces_it(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    sender = personas.supplier_principal
    draft = ticket_to_support(sender, send=False, attachment=upload("ancienne.png"))
    old_file = draft.attachments.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_draft_update(
            ticket=draft,
            sender=sender,
            category="TRAITEMENT",
            subcategory="PAIEMENT",
            title="Retard de paiement",
            description="Facture comptabilisée il y a 40 jours.",
            recipient_structure=personas.state,
            recipient_service=personas.service,
            attachment=upload("nouvelle.png"),
            send=True,
        )
    draft.refresh_from_db()
    assert draft.status == TicketStatus.ENVOYEE and draft.recipient_service == personas.service
    assert list(draft.attachments.values_list("name", flat=True)) == ["nouvelle.png"]
    assert not default_storage.exists(old_file)
    assert addresses(mailoutbox) == {personas.agent.contact_email}


def test_only_its_author_changes_or_deletes_a_draft(personas):
    draft = ticket_to_support(personas.supplier_principal, send=False)
    with pytest.raises(PermissionDenied):
        services.ticket_draft_delete(ticket=draft, sender=personas.supplier_member)
    assert Ticket.objects.filter(pk=draft.pk).exists()


def test_deleting_a_draft_removes_its_files(personas, django_capture_on_commit_callbacks):
    draft = ticket_to_support(personas.supplier_principal, send=False, attachment=upload())
    name = draft.attachments.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_draft_delete(ticket=draft, sender=personas.supplier_principal)
    assert not Ticket.objects.exists() and not default_storage.exists(name)


def test_a_sent_ticket_is_no_draft_any_more(personas):
    ticket = ticket_to_support(personas.supplier_principal)
    with pytest.raises(TicketActionRefused):
        services.ticket_draft_delete(ticket=ticket, sender=personas.supplier_principal)
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1


def test_a_new_tickets_email_carries_its_description(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_to_service(personas.supplier_principal, personas.service)
    assert "Pourquoi ce rejet ?" in mailoutbox[0].body


def test_notify_false_records_everything_and_emails_nobody(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_to_support(personas.supplier_principal, notify=False)
        services.ticket_act(
            ticket=ticket, action=Action.ANSWER, user=personas.admin, body="ok", notify=False
        )
        visitor_ticket(notify=False)
    assert ticket.messages.count() == 2 and mailoutbox == []
