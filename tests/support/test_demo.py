from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts import demo as accounts_demo
from support import demo, selectors
from support.models import Ticket
from support.workflow import TicketStatus

pytestmark = pytest.mark.django_db


def test_the_demo_tickets_are_idempotent_and_in_several_states():
    accounts_demo.seed(password="demo-password-123")
    lines = demo.seed(password="demo-password-123")
    count = Ticket.objects.count()
    demo.seed(password="demo-password-123")
    assert Ticket.objects.count() == count == len(demo.TICKETS) + 1
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {
        TicketStatus.BROUILLON,
        TicketStatus.ENVOYEE,
        TicketStatus.EN_COURS,
        TicketStatus.ATTENTE_INFO,
        TicketStatus.TRANSFEREE,
        TicketStatus.REPONDUE,
        TicketStatus.CLOTUREE,
    } == statuses
    assert "/sollicitations/suivi/" in lines[0]


def test_the_demo_agent_and_administrator_receive_their_tickets():
    call_command("seed_demo", "--password", "demo-password-123")
    agent = accounts_demo.demo_user(demo.AGENT)
    admin = accounts_demo.demo_user(demo.ADMIN)
    agent_titles = set(selectors.received_tickets(agent).values_list("title", flat=True))
    assert "Rejet de la facture FAC-2026-0042" in agent_titles
    admin_titles = set(selectors.received_tickets(admin).values_list("title", flat=True))
    assert "Taille maximale des pièces jointes" in admin_titles  # transferred by the agent
    assert "Je n’ai pas reçu le courriel d’activation" in admin_titles
