"""Every read of tickets that a user sees, scoped to what the user sent or receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.personal_data import when
from chorus.env import support_settings
from invoices.selectors import agent_scope, receiving_memberships
from structures.models import Service, Structure
from structures.selectors import structures_of
from support.models import Ticket, TicketAttachment, TicketMessage
from support.workflow import SENDER_TABS, Side, TicketStatus

_LIST_RELATED = ("sender", "sender_structure", "recipient_structure", "recipient_service")

if TYPE_CHECKING:
    from accounts.models import User


# --- What the sender sees -------------------------------------------------------------------
def sent_tickets(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(sender=user)


def sent_tab_counts(user: User) -> dict[str, int]:
    """The number of tickets in each of the sender's tabs, in one query."""
    counts = sent_tickets(user).aggregate(
        **{
            tab.replace("-", "_"): Count("id", filter=Q(status__in=statuses))
            for tab, statuses in SENDER_TABS.items()
        }
    )
    return {tab: counts[tab.replace("-", "_")] for tab in SENDER_TABS}


def sent_tickets_in_tab(user: User, tab: str) -> QuerySet[Ticket]:
    return sent_tickets(user).filter(status__in=SENDER_TABS[tab]).select_related(*_LIST_RELATED)


# --- What a receiver (support staff, agent of a public structure) sees ----------------------
def received_tickets(user: User) -> QuerySet[Ticket]:
    """Tickets addressed to the user: the support queue for staff, and for agents those of a
    public structure they receive by the invoices' rule (``agent_scope``): an agent named on
    services, those sent to these services; an agent scoped to no service, all of the
    structure's, addressed to a service or not."""
    scope = agent_scope(user)
    addressed = Q(queue=Ticket.Queue.RECIPIENT) & scope.condition(
        service="recipient_service", structure="recipient_structure"
    )
    if user.is_staff:
        addressed |= Q(queue=Ticket.Queue.SUPPORT)
    return Ticket.objects.filter(addressed).exclude(status=TicketStatus.BROUILLON)


def has_receivers(structure_id: int, service_id: int | None) -> bool:
    """Whether an active agent receives what is sent to this public structure and service."""
    receivers = receiving_memberships(structure_id, service_id)
    return receivers.filter(user__is_active=True).exists()


def is_receiver(user: User) -> bool:
    """Whether the user may have tickets to handle ("Sollicitations reçues")."""
    if user.is_staff:
        return True
    return structures_of(user).filter(is_public=True).exists()


@dataclass(frozen=True)
class ReceivedFilters:
    status: str = ""
    category: str = ""
    sent_from: date | None = None
    sent_until: date | None = None


def received_tickets_filtered(user: User, filters: ReceivedFilters) -> QuerySet[Ticket]:
    tickets = received_tickets(user).select_related(*_LIST_RELATED)
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.category:
        tickets = tickets.filter(category=filters.category)
    if filters.sent_from:
        tickets = tickets.filter(sent_at__date__gte=filters.sent_from)
    if filters.sent_until:
        tickets = tickets.filter(sent_at__date__lte=filters.sent_until)
    return tickets


# --- One ticket -----------------------------------------------------------------------------
def visible_tickets(user: User) -> QuerySet[Ticket]:
    """Every ticket the user may open: sent by them or addressed to them. Others are 404."""
    received = received_tickets(user).values("pk")
    return Ticket.objects.filter(Q(sender=user) | Q(pk__in=received)).select_related(*_LIST_RELATED)


def ticket_sides(user: User, ticket: Ticket) -> set[Side]:
    """On which side(s) of the ticket the user stands: asking, answering, or both."""
    sides = set()
    if user.is_authenticated and ticket.sender_id == user.pk:
        sides.add(Side.SENDER)
    if user.is_authenticated and received_tickets(user).filter(pk=ticket.pk).exists():
        sides.add(Side.RECEIVER)
    return sides


def ticket_by_follow_token(token: str) -> Ticket | None:
    """The visitor's ticket behind a private follow-up link."""
    if not token:
        return None
    return Ticket.objects.filter(follow_token=token, sender__isnull=True).first()


def visitor_ticket(ticket_id: int) -> Ticket | None:
    """A visitor's ticket by id, for the page shown right after its creation only."""
    return Ticket.objects.filter(pk=ticket_id, sender__isnull=True).first()


def ticket_thread(ticket: Ticket) -> QuerySet[TicketMessage]:
    return ticket.messages.select_related("author").prefetch_related("attachments")


def ticket_opening_attachments(ticket: Ticket) -> QuerySet[TicketAttachment]:
    return ticket.attachments.filter(message__isnull=True)


def ticket_attachment(ticket: Ticket, attachment_id: int) -> TicketAttachment | None:
    return ticket.attachments.filter(pk=attachment_id).first()


def visible_attachment(user: User, attachment_id: int) -> TicketAttachment | None:
    return (
        TicketAttachment.objects.filter(pk=attachment_id, ticket__in=visible_tickets(user))
        .select_related("ticket")
        .first()
    )


# --- Choosing a receiver --------------------------------------------------------------------
def public_recipient(siret: str) -> Structure | None:
    return Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET,
        identifier=siret,
        is_public=True,
        is_active=True,
    ).first()


def open_services(structure: Structure) -> QuerySet[Service]:
    """The services of a public structure that can receive something today."""
    today = timezone.localdate()
    return structure.services.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        is_active=True,
    )


# --- Who hears of what ----------------------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    address: str
    language: str


def sender_contacts(ticket: Ticket) -> list[Contact]:
    if ticket.sender is not None:
        return [Contact(ticket.sender.contact_email, ticket.sender.preferred_language)]
    return [Contact(ticket.email, ticket.language)]


def receiver_contacts(ticket: Ticket) -> list[Contact]:
    """The support team, or the agents who receive the ticket (``received_tickets``)."""
    users = get_user_model().objects.filter(is_active=True)
    if ticket.to_support:
        team = support_settings()["TEAM_EMAILS"]
        if team:
            return [Contact(address, settings.LANGUAGE_CODE) for address in team]
        users = users.filter(is_staff=True)
    elif ticket.recipient_structure_id is None:
        return []
    else:
        # Those who see it (``received_tickets``), no one else: the e-mail carries the request.
        receivers = receiving_memberships(
            ticket.recipient_structure_id, ticket.recipient_service_id
        )
        users = users.filter(memberships__in=receivers)
    rows = users.distinct().values_list("contact_email", "preferred_language")
    return [Contact(address, language) for address, language in rows]


# --- The personal data export (``accounts.personal_data.personal_data_requested``) ---------
def personal_data(sender: object, user: User, data: dict[str, Any], **kwargs: object) -> None:
    """The support requests the user sent, in their personal data export."""
    tickets = (
        Ticket.objects.filter(sender=user)
        .order_by("created_at")
        .values_list("number", "title", "created_at")
    )
    data["support_requests"] = [
        {"number": number, "title": title, "created_at": when(created)}
        for number, title, created in tickets
    ]
