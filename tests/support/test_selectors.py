from __future__ import annotations

import pytest

from support import selectors, services
from support.workflow import Action
from tests.factories import MembershipFactory, PublicStructureFactory, UserFactory
from tests.support.factories import ticket_to_service, ticket_to_support, visitor_ticket

pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:  # type: ignore[no-untyped-def]
    return set(selectors.visible_tickets(user).values_list("pk", flat=True))


def test_each_persona_sees_its_own_tickets_and_those_addressed_to_it(personas):
    p = personas
    to_support = ticket_to_support(p.supplier_principal)
    to_service = ticket_to_service(p.supplier_principal, p.service)
    to_other_service = ticket_to_service(p.outsider, p.other_service)
    from_visitor = visitor_ticket()
    draft = ticket_to_support(p.supplier_member, send=False)

    assert visible(p.supplier_principal) == {to_support.pk, to_service.pk}
    assert visible(p.supplier_member) == {draft.pk}  # a colleague's tickets stay theirs
    assert visible(p.outsider) == {to_other_service.pk}
    assert visible(p.agent) == {to_service.pk}
    assert visible(p.other_agent) == {to_other_service.pk}
    assert visible(p.admin) == {to_support.pk, from_visitor.pk}  # the support queue, no draft
    assert visible(p.pending_requester) == set()


def test_a_ticket_transferred_to_support_leaves_the_agents_queue(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    services.ticket_act(ticket=ticket, action=Action.TRANSFER, user=personas.agent)
    assert ticket.pk not in visible(personas.agent)
    assert ticket.pk in visible(personas.admin)
    assert ticket.pk in visible(personas.supplier_principal)


def test_a_ticket_to_a_structure_without_services_reaches_its_members(personas):
    town = PublicStructureFactory()
    clerk = UserFactory()
    MembershipFactory(user=clerk, structure=town)
    ticket = services.ticket_create(
        sender=personas.supplier_principal,
        category="TRAITEMENT",
        subcategory="PAIEMENT",
        title="t",
        description="d",
        recipient_structure=town,
    )
    assert visible(clerk) == {ticket.pk}
    assert visible(personas.agent) == set()


def test_a_detached_agent_no_longer_receives(personas):
    ticket = ticket_to_service(personas.supplier_principal, personas.service)
    personas.agent.memberships.update(status="DETACHED")
    assert ticket.pk not in visible(personas.agent)
    assert not selectors.is_receiver(personas.agent)


def test_the_senders_tabs_count_each_state(personas):
    sender = personas.supplier_principal
    answered = ticket_to_support(sender, title="a")
    services.ticket_act(ticket=answered, action=Action.ANSWER, user=personas.admin, body="b")
    ticket_to_support(sender, title="en cours")
    closed = ticket_to_support(sender, title="c")
    services.ticket_act(ticket=closed, action=Action.CLOSE, user=sender)
    ticket_to_support(sender, title="brouillon", send=False)
    assert selectors.sent_tab_counts(sender) == {
        "action": 1,
        "en-cours": 1,
        "cloturees": 1,
        "brouillons": 1,
    }


def test_only_staff_and_public_agents_are_receivers(personas):
    assert selectors.is_receiver(personas.admin)
    assert selectors.is_receiver(personas.agent)
    assert not selectors.is_receiver(personas.supplier_principal)
