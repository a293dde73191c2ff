"""E-mails about tickets: plain text and HTML, one per person, in the person's language.

Called once the transaction commits. A mail server that fails is logged, never turned into an
error page: the message is kept on the ticket, which both sides can read on the portal.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from chorus.emails import render_email
from support import selectors
from support.models import Ticket, TicketMessage
from support.selectors import Contact
from support.workflow import RULES, Action, Side

logger = logging.getLogger(__name__)

HEADLINES = {
    Side.SENDER: {
        Action.TAKE: _("Votre sollicitation est prise en charge"),
        Action.ANSWER: _("Vous avez reçu une réponse à votre sollicitation"),
        Action.ASK_INFO: _("Un complément vous est demandé"),
        Action.TRANSFER: _("Votre sollicitation a été transférée au support du portail"),
    },
    Side.RECEIVER: {
        Action.SEND: _("Nouvelle sollicitation"),
        Action.TRANSFER: _("Sollicitation transférée au support"),
        Action.ADD_INFO: _("Le demandeur a ajouté un complément"),
        Action.REOPEN: _("Le demandeur n’est pas satisfait de la réponse"),
        Action.CLOSE: _("Le demandeur a clôturé la sollicitation"),
    },
}


def absolute_url(path: str) -> str:
    # From the configured site address, never from the request's Host header.
    return f"{settings.SITE_URL}{path}"


def ticket_link(ticket: Ticket, side: Side) -> str:
    """Where a person of that side reads the ticket: the private link for a visitor."""
    if side == Side.SENDER and ticket.sender_id is None:
        return absolute_url(reverse("support:follow", args=[ticket.follow_token]))
    return absolute_url(reverse("support:detail", args=[ticket.pk]))


def message_notify(*, message_id: int) -> None:
    message = (
        TicketMessage.objects.select_related("ticket", "ticket__sender", "author")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return
    ticket = message.ticket
    author_address = message.author.contact_email if message.author else None
    for side in RULES[Action(message.action)].notifies:
        contacts = (
            selectors.sender_contacts(ticket)
            if side == Side.SENDER
            else selectors.receiver_contacts(ticket)
        )
        _send_all(
            [c for c in contacts if c.address and c.address != author_address],
            template="message",
            context={
                "ticket": ticket,
                "message": message,
                # A new ticket's message is its description.
                "text": message.body
                or (ticket.description if message.action == Action.SEND else ""),
                "headline": HEADLINES[side].get(Action(message.action), _("Sollicitation")),
                "link": ticket_link(ticket, side),
                "to_sender": side == Side.SENDER,
            },
        )


def contact_acknowledge(*, ticket_id: int) -> None:
    """Gives a visitor the ticket's number and private follow-up link."""
    ticket = Ticket.objects.filter(pk=ticket_id, sender__isnull=True).first()
    if ticket is None:
        return
    _send_all(
        selectors.sender_contacts(ticket),
        template="contact_ack",
        context={"ticket": ticket, "link": ticket_link(ticket, Side.SENDER)},
    )


def _send_all(contacts: list[Contact], *, template: str, context: dict[str, Any]) -> None:
    context = {
        "site_title": settings.CHORUS["SITE_TITLE"],
        "site_url": settings.SITE_URL,
        **context,
    }
    messages = [_render(contact, template, context) for contact in contacts]
    if not messages:
        return
    try:
        get_connection().send_messages(messages)
    except Exception:  # any transport error: the ticket keeps the message, the portal shows it
        logger.exception("Support e-mail %s could not be sent", template)


def _render(contact: Contact, template: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    with translation.override(contact.language):
        subject, text, html = render_email(
            subject=f"support/email/{template}_subject.txt",
            text=f"support/email/{template}.txt",
            html=f"support/email/{template}.html",
            context=context,
        )
    email = EmailMultiAlternatives(subject, text, to=[contact.address])
    email.attach_alternative(html, "text/html")
    return email
