"""An administrator names a structure's new principal manager from a member's support request
(issue 17): through the admin action on the ticket and the service, with an audit row, e-mails
and the ticket answered — never by editing a membership."""

from __future__ import annotations

import pytest
from django.urls import reverse

from structures import services as structure_services
from structures.errors import StructureError
from structures.models import Membership, StructureEvent
from support import services
from support.models import Ticket
from support.services import TicketActionRefused
from support.workflow import Action
from tests.support.factories import ticket_to_support
from tests.utils.two_factor import log_in_as, verified_login

pytestmark = pytest.mark.django_db


def membership(user) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(user=user)


@pytest.fixture
def request_ticket(personas) -> Ticket:  # type: ignore[no-untyped-def]
    personas.supplier_principal.is_active = False
    personas.supplier_principal.save(update_fields=["is_active"])
    return services.principal_replacement_request(
        sender=personas.supplier_member,
        structure=personas.acme,
        description="Notre gérant a quitté l’entreprise.",
    )


def test_the_admin_action_leads_to_the_appointment_page(client, personas, request_ticket):
    verified_login(client, personas.admin)
    response = client.post(
        reverse("admin:support_ticket_changelist"),
        {"action": "appoint_principal", "_selected_action": [request_ticket.pk]},
    )
    url = reverse("admin:support_ticket_appoint", args=[request_ticket.pk])
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Le compte du gestionnaire principal" in page
    assert personas.supplier_member.email in page and personas.pending_requester.email in page
    assert personas.outsider.email not in page  # another structure's member is never offered


def test_an_administrator_names_a_member_and_everyone_is_told(
    client, personas, request_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    verified_login(client, personas.admin)
    url = reverse("admin:support_ticket_appoint", args=[request_ticket.pk])
    member = membership(personas.supplier_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"membership": member.pk})
    assert response.status_code == 302
    assert membership(personas.supplier_member).is_principal
    assert membership(personas.supplier_principal).role == "MEMBER"
    event = StructureEvent.objects.get()
    assert (event.action, event.user, event.member, event.detail) == (
        "PRINCIPAL_APPOINTED",
        personas.admin,
        personas.supplier_member,
        request_ticket.number,
    )
    request_ticket.refresh_from_db()
    assert request_ticket.status == "REPONDUE"
    answer = request_ticket.messages.get(action=Action.ANSWER)
    assert answer.author == personas.admin and "gestionnaire principal" in answer.body
    # The new principal is told (named, and the ticket's answer); the former one's account is
    # closed: no e-mail to a closed account.
    assert {m.to[0] for m in mailoutbox} == {personas.supplier_member.contact_email}
    assert any("Le support vous a nommé" in m.subject for m in mailoutbox)


def test_a_requester_left_waiting_may_be_named_and_is_approved(
    personas, request_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    personas.supplier_principal.is_active = True
    personas.supplier_principal.save(update_fields=["is_active"])
    pending = membership(personas.pending_requester)
    with django_capture_on_commit_callbacks(execute=True):
        services.principal_appoint_from_ticket(
            ticket=request_ticket, by=personas.admin, membership_id=pending.pk
        )
    named = membership(personas.pending_requester)
    assert named.is_principal and named.decided_by == personas.admin
    # The former principal's account is open again: they are told they were replaced.
    assert personas.supplier_principal.contact_email in {m.to[0] for m in mailoutbox}


def test_only_staff_name_a_principal(personas, request_ticket):
    with pytest.raises(StructureError, match="administrateur"):
        structure_services.principal_appoint(
            structure=personas.acme,
            by=personas.supplier_member,
            membership_id=membership(personas.supplier_member).pk,
            ticket_number=request_ticket.number,
        )
    assert not StructureEvent.objects.exists()


def test_another_structure_s_member_is_never_named(personas, request_ticket):
    with pytest.raises(StructureError, match="ni membre ni demandeur"):
        services.principal_appoint_from_ticket(
            ticket=request_ticket, by=personas.admin, membership_id=membership(personas.outsider).pk
        )
    assert membership(personas.outsider).structure == personas.globex
    assert not StructureEvent.objects.exists()


def test_another_kind_of_ticket_or_a_closed_one_names_nobody(client, personas, request_ticket):
    other = ticket_to_support(personas.supplier_member, title="Mot de passe")
    with pytest.raises(TicketActionRefused):
        services.principal_appoint_from_ticket(
            ticket=other, by=personas.admin, membership_id=membership(personas.supplier_member).pk
        )
    verified_login(client, personas.admin)
    response = client.get(reverse("admin:support_ticket_appoint", args=[other.pk]))
    assert response["Location"] == reverse("admin:support_ticket_change", args=[other.pk])
    services.ticket_act(ticket=request_ticket, action=Action.CLOSE, user=personas.supplier_member)
    with pytest.raises(TicketActionRefused):
        services.principal_appoint_from_ticket(
            ticket=request_ticket,
            by=personas.admin,
            membership_id=membership(personas.supplier_member).pk,
        )
    assert membership(personas.supplier_principal).is_principal
    assert not StructureEvent.objects.exists()


def test_a_non_staff_user_never_reaches_the_appointment_page(client, personas, request_ticket):
    log_in_as(client, personas.supplier_member)
    response = client.post(
        reverse("admin:support_ticket_appoint", args=[request_ticket.pk]),
        {"membership": membership(personas.supplier_member).pk},
    )
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert not membership(personas.supplier_member).is_principal
