from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from support import services
from support.forms import TicketForm
from support.models import Ticket
from support.views.common import add_service_errors
from support.workflow import Action, TicketStatus
from tests.support.factories import ticket_to_service, ticket_to_support, upload
from tests.utils.two_factor import log_in_as, verified_login

pytestmark = pytest.mark.django_db

LIST = reverse("support:list")
CREATE = reverse("support:create")
RECEIVED = reverse("support:received")


def detail(ticket: Ticket) -> str:
    return reverse("support:detail", args=[ticket.pk])


# --- Who sees what --------------------------------------------------------------------------
def test_the_ticket_pages_need_a_login(client):
    for url in (LIST, CREATE, RECEIVED, reverse("support:detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion/" in response.url


@pytest.mark.parametrize(
    "persona, status",
    [
        ("supplier_principal", 200),
        ("agent", 200),
        ("supplier_member", 404),
        ("outsider", 404),
        ("other_agent", 404),
        ("admin", 404),
        ("pending_requester", 404),
    ],
)
def test_a_ticket_to_a_service_opens_for_its_sender_and_its_agents_only(
    client, personas, persona, status
):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    log_in_as(client, getattr(personas, persona))
    assert client.get(detail(ticket)).status_code == status


@pytest.mark.parametrize("persona, status", [("admin", 200), ("agent", 404), ("outsider", 404)])
def test_a_ticket_to_support_opens_for_staff(client, personas, persona, status):
    ticket = ticket_to_support(personas.supplier_principal)
    log_in_as(client, getattr(personas, persona))
    assert client.get(detail(ticket)).status_code == status


def test_an_outsider_cannot_act_on_a_ticket_either(client, personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    client.force_login(personas.outsider)
    response = client.post(detail(ticket), {"action": "CLOSE"})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ENVOYEE


def test_attachments_download_for_those_who_see_the_ticket_only(client, personas):
    ticket = ticket_to_service(
        personas.supplier_principal, personas.service, attachment=upload("bl.pdf", b"%PDF-1.4")
    )
    url = reverse("support:attachment", args=[ticket.attachments.get().pk])
    client.force_login(personas.agent)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(personas.other_agent)
    assert client.get(url).status_code == 404


def test_the_received_list_is_for_receivers_only(client, personas):
    client.force_login(personas.supplier_principal)
    assert client.get(RECEIVED).status_code == 404


# --- The sender's list ----------------------------------------------------------------------
def test_the_list_shows_the_tabs_with_their_counts(client, personas):
    sender = personas.supplier_principal
    answered = ticket_to_support(sender, title="Question répondue")
    services.ticket_act(ticket=answered, action=Action.ANSWER, user=personas.admin, body="Oui.")
    ticket_to_support(sender, title="Question en cours")
    ticket_to_support(personas.outsider, title="Question d’un autre")
    client.force_login(sender)
    page = client.get(LIST).content.decode()
    assert "Action requise (1)" in page and "En cours (1)" in page and "Brouillons (0)" in page
    assert "Question répondue" in page and "Question en cours" not in page
    page = client.get(LIST, {"onglet": "en-cours"}).content.decode()
    assert "Question en cours" in page and "Question d’un autre" not in page


def test_the_sender_list_costs_the_same_queries_with_more_tickets(client, personas):
    sender = personas.supplier_principal
    ticket_to_service(sender, personas.service)
    client.force_login(sender)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST, {"onglet": "en-cours"}).status_code == 200
    for n in range(8):
        ticket_to_service(sender, personas.service, title=f"t{n}")
        ticket_to_support(sender, title=f"s{n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST, {"onglet": "en-cours"}).content.decode()
    assert "s7" in page
    assert len(many) == len(few)


def test_the_received_list_costs_the_same_queries_with_more_tickets(client, personas):
    ticket_to_service(personas.supplier_principal, personas.service)
    client.force_login(personas.agent)
    with CaptureQueriesContext(connection) as few:
        assert client.get(RECEIVED).status_code == 200
    for n in range(8):
        ticket_to_service(personas.supplier_principal, personas.service, title=f"t{n}")
        ticket_to_service(personas.outsider, personas.service, title=f"o{n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(RECEIVED).content.decode()
    assert "o7" in page
    assert len(many) == len(few)


def test_received_tickets_filter_by_status_category_and_dates(client, personas):
    answered = ticket_to_service(personas.supplier_principal, personas.service, title="Objet-AAA")
    services.ticket_act(ticket=answered, action=Action.ANSWER, user=personas.agent, body="Voilà")
    ticket_to_service(personas.supplier_principal, personas.service, title="Objet-BBB")
    client.force_login(personas.agent)
    page = client.get(RECEIVED, {"status": "REPONDUE"}).content.decode()
    assert "Objet-AAA" in page and "Objet-BBB" not in page
    page = client.get(RECEIVED, {"category": "COMPTE"}).content.decode()
    assert "Objet-AAA" not in page and "Objet-BBB" not in page
    today = timezone.localdate(answered.sent_at).isoformat()  # Paris' day, as the filter reads it
    page = client.get(RECEIVED, {"sent_from": today, "sent_until": today}).content.decode()
    assert "Objet-AAA" in page and "Objet-BBB" in page
    page = client.get(RECEIVED, {"sent_from": "2099-01-01"}).content.decode()
    assert "Objet-BBB" not in page


def test_staff_receive_the_support_queue(client, personas):
    ticket_to_support(personas.supplier_principal, title="Pour le support")
    ticket_to_service(personas.supplier_principal, personas.service, title="Pour le service")
    verified_login(client, personas.admin)
    page = client.get(RECEIVED).content.decode()
    assert "Pour le support" in page and "Pour le service" not in page


# --- Writing a ticket -----------------------------------------------------------------------
def test_a_supplier_sends_a_processing_question_to_the_state_service(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(personas.supplier_principal)
    assert client.get(CREATE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CREATE,
            {
                "topic": "TRAITEMENT/SUSPENSION",
                "sender_structure": personas.acme.pk,
                "recipient_siret": "110 002 011 000 44",
                "recipient_service_code": "FACTURES_PUBLIQUES",
                "invoice_number": "FAC-7",
                "title": "Facture suspendue",
                "description": "Quel justificatif manque-t-il ?",
                "attachment": upload("commande.pdf", b"%PDF"),
                "send": "",
            },
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == detail(ticket)
    assert (ticket.recipient_service, ticket.status) == (personas.service, TicketStatus.ENVOYEE)
    assert ticket.invoice_number == "FAC-7" and ticket.attachments.count() == 1
    assert [m.to for m in mailoutbox] == [[personas.agent.contact_email]]


def test_a_processing_question_needs_a_known_public_recipient_and_service(client, personas):
    client.force_login(personas.supplier_principal)
    base = {"topic": "TRAITEMENT/REJET", "title": "t", "description": "d", "send": ""}
    page = client.post(CREATE, base)
    assert page.status_code == 400
    assert "indiquez son SIRET" in page.content.decode()
    page = client.post(CREATE, {**base, "recipient_siret": personas.globex.identifier})
    assert "Aucune entité publique active" in page.content.decode()
    page = client.post(CREATE, {**base, "recipient_siret": "11000201100044"})
    assert "demande un code service" in page.content.decode()
    page = client.post(
        CREATE, {**base, "recipient_siret": "11000201100044", "recipient_service_code": "NOPE"}
    )
    html = page.content.decode()
    assert "n’existe pas chez ce destinataire" in html
    described = "id_recipient_service_code-hint id_recipient_service_code-error"
    assert f'aria-describedby="{described}"' in html
    assert not Ticket.objects.exists()


def test_a_portal_question_needs_no_recipient(client, personas):
    client.force_login(personas.supplier_member)
    response = client.post(
        CREATE,
        {"topic": "STRUCTURE/MANDAT", "title": "Mandat", "description": "Qui signe ?", "send": ""},
    )
    assert response.status_code == 302
    assert Ticket.objects.get().queue == Ticket.Queue.SUPPORT


def test_a_user_cannot_pick_a_structure_they_do_not_belong_to(client, personas):
    client.force_login(personas.supplier_principal)
    response = client.post(
        CREATE,
        {
            "topic": "AUTRE/QUESTION",
            "sender_structure": personas.globex.pk,
            "title": "t",
            "description": "d",
            "send": "",
        },
    )
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_an_invoice_the_user_cannot_see_is_a_404(client, personas):
    client.force_login(personas.supplier_principal)
    assert client.get(CREATE, {"facture": "12345"}).status_code == 404
    assert client.get(CREATE, {"facture": "abc"}).status_code == 404


def test_a_draft_is_saved_edited_sent_or_deleted(client, personas):
    client.force_login(personas.supplier_principal)
    fields = {"topic": "API/ACCES", "title": "Jeton", "description": "Comment l’obtenir ?"}
    response = client.post(CREATE, {**fields, "save_draft": ""})
    draft = Ticket.objects.get()
    assert draft.status == TicketStatus.BROUILLON
    assert response.url == f"{LIST}?onglet=brouillons"
    edit = reverse("support:edit", args=[draft.pk])
    assert "Jeton" in client.get(edit).content.decode()
    client.post(edit, {**fields, "title": "Jeton d’API", "save_draft": ""})
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Jeton d’API", TicketStatus.BROUILLON)
    response = client.post(edit, {**fields, "send": ""})
    draft.refresh_from_db()
    assert draft.status == TicketStatus.ENVOYEE and response.url == detail(draft)
    assert client.get(edit).status_code == 404  # no longer a draft

    other = ticket_to_support(personas.supplier_principal, send=False)
    client.post(reverse("support:delete", args=[other.pk]))
    assert not Ticket.objects.filter(pk=other.pk).exists()


def test_nobody_else_edits_or_deletes_a_draft(client, personas):
    draft = ticket_to_support(personas.supplier_principal, send=False)
    client.force_login(personas.supplier_member)
    assert client.get(reverse("support:edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("support:delete", args=[draft.pk])).status_code == 404
    assert Ticket.objects.filter(pk=draft.pk).exists()


# --- Acting from the page -------------------------------------------------------------------
def test_the_agent_answers_and_the_supplier_closes_from_the_page(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    client.force_login(personas.agent)
    page = client.get(detail(ticket)).content.decode()
    assert 'value="ANSWER"' in page and 'value="TRANSFER"' in page and 'value="CLOSE"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail(ticket), {"action": "ANSWER", "body": "Montant erroné."})
    assert response.status_code == 302
    assert mailoutbox[0].to == [personas.supplier_principal.contact_email]

    client.force_login(personas.supplier_principal)
    page = client.get(detail(ticket)).content.decode()
    assert "Montant erroné." in page
    assert 'value="REOPEN"' in page and 'value="CLOSE"' in page and 'value="ANSWER"' not in page
    client.post(detail(ticket), {"action": "CLOSE"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOTUREE


def test_an_answer_without_text_shows_the_error_next_to_the_field(client, personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    client.force_login(personas.agent)
    response = client.post(detail(ticket), {"action": "ANSWER", "body": ""})
    assert response.status_code == 400
    assert 'id="id_body-error"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ENVOYEE


def test_an_action_that_no_longer_applies_is_a_message_not_an_error(client, personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    services.ticket_act(ticket=ticket, action=Action.CLOSE, user=personas.supplier_principal)
    client.force_login(personas.agent)
    response = client.post(detail(ticket), {"action": "ANSWER", "body": "Trop tard"}, follow=True)
    assert response.status_code == 200
    assert "Action impossible" in response.content.decode()


def test_after_a_transfer_the_agent_goes_back_to_the_received_list(client, personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    client.force_login(personas.agent)
    response = client.post(detail(ticket), {"action": "TRANSFER", "body": ""})
    assert response.url == RECEIVED
    assert client.get(detail(ticket)).status_code == 404


def test_a_service_refusal_is_shown_on_the_form_not_as_an_error(personas):
    form = TicketForm(data={}, user=personas.supplier_principal)
    form.is_valid()
    add_service_errors(form, ValidationError({"recipient_service": "non", "topic": "mauvais"}))
    assert form.non_field_errors() == ["non"] and "mauvais" in form.errors["topic"]
