"""Two people acting on one ticket at the same moment: the row lock orders them."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from support import services
from support.services import TicketActionRefused
from support.workflow import Action, TicketStatus
from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory
from tests.support.factories import ticket_to_service
from tests.utils.services import require_postgresql
from tests.utils.transactions import held_open

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_second_action_waits_for_the_first_and_then_sees_its_result():
    require_postgresql()
    service = ServiceFactory()
    agent = UserFactory()
    MembershipFactory(user=agent, structure=service.structure).services.add(service)
    sender = UserFactory()
    MembershipFactory(user=sender, structure=StructureFactory())
    ticket = ticket_to_service(sender, service)

    outcome: dict[str, object] = {}

    def agent_answers() -> None:
        try:
            services.ticket_act(ticket=ticket, action=Action.ANSWER, user=agent, body="Voilà")
            outcome["agent"] = "answered"
        except TicketActionRefused:
            outcome["agent"] = "refused"
        finally:
            connection.close()

    # The sender's closure keeps its transaction, and its lock, open meanwhile.
    with held_open(lambda: services.ticket_act(ticket=ticket, action=Action.CLOSE, user=sender)):
        answerer = threading.Thread(target=agent_answers)
        answerer.start()
        answerer.join(0.5)
        assert answerer.is_alive(), "the answer should wait for the closure's lock"
    answerer.join(10)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOTUREE
    assert outcome["agent"] == "refused"
    assert list(ticket.messages.values_list("action", flat=True)) == [Action.SEND, Action.CLOSE]
