"""What the ticket pages share: the detail page (for users and for visitors) and its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.http import logged_in_user
from support import selectors, services
from support.forms import MessageForm
from support.models import Ticket, TicketAttachment
from support.services import TicketActionRefused
from support.workflow import RULES, Action, Side, available_actions

DONE = {
    Action.TAKE: _("Vous avez pris en charge la sollicitation."),
    Action.ANSWER: _("Votre réponse est envoyée."),
    Action.ASK_INFO: _("Votre demande de complément est envoyée."),
    Action.TRANSFER: _("La sollicitation est transférée au support du portail."),
    Action.ADD_INFO: _("Votre complément est envoyé."),
    Action.REOPEN: _("La sollicitation est renvoyée au destinataire."),
    Action.CLOSE: _("La sollicitation est clôturée."),
}


def detail_context(
    ticket: Ticket, sides: set[Side], form: MessageForm | None = None
) -> dict[str, Any]:
    actions = available_actions(ticket.status, sides, to_support=ticket.to_support)
    return {
        "ticket": ticket,
        "thread": selectors.ticket_thread(ticket),
        "opening_attachments": selectors.ticket_opening_attachments(ticket),
        "is_sender": Side.SENDER in sides,
        "is_receiver": Side.RECEIVER in sides,
        "actions": [(a.value, RULES[a].button) for a in actions],
        "needs_text": [a.value for a in actions if RULES[a].needs_text],
        "form": form or MessageForm(),
    }


def act(
    request: HttpRequest,
    ticket: Ticket,
    *,
    sides: set[Side],
    follow_token: str = "",
    template: str,
    extra: dict[str, Any],
) -> HttpResponse | None:
    """Runs the action posted on a ticket page; None means done (the caller redirects)."""
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        action = Action(form.cleaned_data["action"])
        try:
            services.ticket_act(
                ticket=ticket,
                action=action,
                user=None if follow_token else logged_in_user(request),
                follow_token=follow_token,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
            )
        except TicketActionRefused as refused:
            messages.error(request, str(refused))
            return None
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, DONE[action])
            return None
    context = {**detail_context(ticket, sides, form), **extra}
    return render(request, template, context, status=400)


def add_service_errors(form: Form, invalid: ValidationError) -> None:
    """Shows a service's refusal next to the field it names, or above the form."""
    errors = invalid.message_dict if hasattr(invalid, "error_dict") else {None: invalid.messages}
    for field, messages_ in errors.items():
        form.add_error(field if field in form.fields else None, messages_)


def serve_attachment(attachment: TicketAttachment) -> FileResponse:
    # Always a download, never rendered by the browser: an uploaded HTML or SVG cannot run here.
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
