from __future__ import annotations

import pytest
from django.urls import reverse

from support import services
from support.workflow import Action
from tests.support.factories import ticket_to_service, ticket_to_support, visitor_ticket
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db


def test_the_admin_lists_searches_and_filters_tickets(client, personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service, title="Rejet FAC-9")
    ticket_to_support(personas.supplier_member, title="Mot de passe")
    visitor_ticket()
    verified_login(client, personas.admin)
    url = reverse("admin:support_ticket_changelist")
    page = client.get(url).content.decode()
    assert ticket.number in page and "visiteur@example.test" in page
    page = client.get(url, {"q": "FAC-9"}).content.decode()
    assert "Rejet FAC-9" in page and "Mot de passe" not in page
    page = client.get(url, {"queue__exact": "SUPPORT"}).content.decode()
    assert "Mot de passe" in page and "Rejet FAC-9" not in page
    page = client.get(url, {"status__exact": "ENVOYEE", "category__exact": "TRAITEMENT"})
    assert "Rejet FAC-9" in page.content.decode()


def test_the_admin_shows_the_conversation_read_only(client, personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    services.ticket_act(ticket=ticket, action=Action.ANSWER, user=personas.agent, body="Réponse X")
    verified_login(client, personas.admin)
    url = reverse("admin:support_ticket_change", args=[ticket.pk])
    page = client.get(url).content.decode()
    assert "Réponse X" in page
    assert 'name="status"' not in page and 'name="messages-0-body"' not in page
    assert client.get(reverse("admin:support_ticket_add")).status_code == 403
    assert client.get(reverse("admin:support_ticket_delete", args=[ticket.pk])).status_code == 403
