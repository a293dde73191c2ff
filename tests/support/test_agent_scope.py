"""Support requests addressed to a public structure follow the invoices' rule (``agent_scope``):
an agent named on services receives the requests sent to these services only; an agent scoped
to no service receives all of the structure's, addressed to a service or not. Nobody ever
receives another structure's, in any page, count or e-mail."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from invoices import selectors as invoice_selectors
from support import selectors, services
from support.models import Ticket
from support.workflow import Action, TicketStatus
from tests.factories import MembershipFactory, PublicStructureFactory, ServiceFactory, UserFactory
from tests.support.factories import ticket_to_service, upload

pytestmark = pytest.mark.django_db

RECEIVED = reverse("support:received")


def to_structure(sender, structure, *, title: str) -> Ticket:  # type: ignore[no-untyped-def]
    """A processing question to a public structure, naming no service."""
    return services.ticket_create(
        sender=sender,
        category="TRAITEMENT",
        subcategory="PAIEMENT",
        title=title,
        description="Quand serai-je payé ?",
        recipient_structure=structure,
        attachment=upload("piece.pdf", b"%PDF-1.4"),
    )


@dataclass
class World:
    whole: object  # the State's agent scoped to no service
    town_agent: object  # an agent of another public structure, scoped to no service
    tickets: dict[str, Ticket]


@pytest.fixture
def world(personas) -> World:  # type: ignore[no-untyped-def]
    whole = UserFactory(email="toute-la-structure@etat.test")
    MembershipFactory(user=whole, structure=personas.state)
    town = PublicStructureFactory(name="Commune de Trifouilly")
    town_service = ServiceFactory(structure=town, code="MAIRIE")
    town_agent = UserFactory(email="agent@trifouilly.test")
    MembershipFactory(user=town_agent, structure=town)
    sender = personas.supplier_principal

    def to_service(service, title: str) -> Ticket:  # type: ignore[no-untyped-def]
        return ticket_to_service(sender, service, title=title, attachment=upload("bl.pdf"))

    tickets = {
        "mine": to_service(personas.service, "T-MINE"),
        "other": to_service(personas.other_service, "T-OTHER"),
        "none": to_structure(sender, personas.state, title="T-NONE"),
        "town": to_service(town_service, "T-TOWN"),
        "town-none": to_structure(sender, town, title="T-TOWN-NONE"),
    }
    for ticket in tickets.values():
        assert ticket.queue == Ticket.Queue.RECIPIENT
    return World(whole=whole, town_agent=town_agent, tickets=tickets)


def received(user) -> set[str]:  # type: ignore[no-untyped-def]
    return {ticket.title for ticket in selectors.received_tickets(user)}


def test_a_scoped_agent_receives_their_services_requests_only(personas, world):
    assert received(personas.agent) == {"T-MINE"}  # not T-NONE, addressed to no service
    assert received(personas.other_agent) == {"T-OTHER"}


def test_an_agent_scoped_to_no_service_receives_the_whole_structure(personas, world):
    assert received(world.whole) == {"T-MINE", "T-OTHER", "T-NONE"}
    assert received(world.town_agent) == {"T-TOWN", "T-TOWN-NONE"}


def test_requests_follow_the_same_scope_as_invoices(personas, world):
    """One rule: the scope's condition on the invoices' keys is the one on the requests'."""
    for user in (personas.agent, personas.other_agent, world.whole, world.town_agent):
        scope = invoice_selectors.agent_scope(user)
        expected = Ticket.objects.filter(
            scope.condition(service="recipient_service", structure="recipient_structure")
        )
        assert set(selectors.received_tickets(user)) == set(expected)


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("agent", {"T-MINE"}),
        ("other_agent", {"T-OTHER"}),
        ("whole", {"T-MINE", "T-OTHER", "T-NONE"}),
        ("town_agent", {"T-TOWN", "T-TOWN-NONE"}),
    ],
)
def test_the_pages_show_what_the_agent_receives_and_nothing_else(
    client, personas, world, persona, visible
):
    user = getattr(world, persona, None) or getattr(personas, persona)
    client.force_login(user)
    page = client.get(RECEIVED).content.decode()
    assert f"Sollicitations trouvées : {len(visible)}" in page
    for name, ticket in world.tickets.items():
        shown = ticket.title in visible
        assert (f">{ticket.title}<" in page) == shown, name
        detail = reverse("support:detail", args=[ticket.pk])
        assert client.get(detail).status_code == (200 if shown else 404), name
        attachment = reverse("support:attachment", args=[ticket.attachments.get().pk])
        assert client.get(attachment).status_code == (200 if shown else 404), name
        # Acting: an answer by someone who does not receive it is refused, nothing stored.
        response = client.post(detail, {"action": Action.TAKE.value})
        ticket.refresh_from_db()
        if shown:
            assert ticket.status == TicketStatus.EN_COURS, name
            ticket.status = TicketStatus.ENVOYEE
            ticket.save(update_fields=["status"])
        else:
            assert response.status_code == 404, name
            assert ticket.status == TicketStatus.ENVOYEE, name


def test_those_told_of_a_request_are_those_who_receive_it(personas, world):
    def told(ticket: Ticket) -> set[str]:
        return {contact.address for contact in selectors.receiver_contacts(ticket)}

    agent, other, whole = (
        personas.agent.contact_email,
        personas.other_agent.contact_email,
        world.whole.contact_email,
    )
    assert told(world.tickets["mine"]) == {agent, whole}
    assert told(world.tickets["other"]) == {other, whole}
    assert told(world.tickets["none"]) == {whole}
    assert (
        told(world.tickets["town"])
        == told(world.tickets["town-none"])
        == {world.town_agent.contact_email}
    )


def test_a_request_nobody_would_receive_goes_to_support_with_its_recipient(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    """No agent named on the service and none scoped to the whole structure: support answers,
    rather than an agent who may not open it (or nobody) hearing of it."""
    lonely = personas.state.services.get(code="SFACT_MIN_ECO")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_to_service(personas.supplier_principal, lonely)
        to_state = to_structure(personas.supplier_principal, personas.state, title="T")
    for sent in (ticket, to_state):
        assert sent.queue == Ticket.Queue.SUPPORT and sent.recipient_structure == personas.state
        assert sent.pk in {t.pk for t in selectors.received_tickets(personas.admin)}
        assert not selectors.received_tickets(personas.agent).filter(pk=sent.pk).exists()
    assert ticket.recipient_service == lonely
    told = {address for mail in mailoutbox for address in mail.to}
    assert told == {personas.admin.contact_email}
