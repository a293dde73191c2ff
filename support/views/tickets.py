"""A signed-in user's tickets: the list with its tabs, writing one, drafts, one ticket."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from support import catalogue, selectors, services
from support.forms import TicketForm
from support.invoice_link import InvoiceLike, visible_invoice
from support.models import Ticket
from support.services import TicketActionRefused
from support.views.common import act, add_service_errors, detail_context, serve_attachment
from support.workflow import SENDER_TABS, TAB_LABELS, TicketStatus

PAGE_SIZE = 25

# The sub-category a ticket opened from an invoice starts with, by the invoice's status.
_TOPIC_FOR_INVOICE_STATUS = {
    "REJETEE": "REJET",
    "SUSPENDUE": "SUSPENSION",
    "A_RECYCLER": "A_RECYCLER",
    "MISE_EN_PAIEMENT": "PAIEMENT",
}


@login_required
def ticket_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    counts = selectors.sent_tab_counts(request.user)
    tab = request.GET.get("onglet", "")
    if tab not in SENDER_TABS:
        tab = "action" if counts["action"] or not counts["en-cours"] else "en-cours"
    page = Paginator(selectors.sent_tickets_in_tab(request.user, tab), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    tabs = [(key, TAB_LABELS[key], counts[key]) for key in SENDER_TABS]
    return render(
        request,
        "support/ticket_list.html",
        {
            "tabs": tabs,
            "tab": tab,
            "page": page,
            "is_receiver": selectors.is_receiver(request.user),
        },
    )


def _invoice_from_request(request: AuthenticatedHttpRequest) -> InvoiceLike | None:
    raw = request.GET.get("facture", "")
    if not raw:
        return None
    invoice = visible_invoice(user=request.user, invoice_id=int(raw)) if raw.isdigit() else None
    if invoice is None:
        raise Http404  # not an invoice of the user's structures: as if it did not exist
    return invoice


def _form_data(form: TicketForm) -> dict[str, Any]:
    data = form.cleaned_data
    fields = {
        "category": data["category"],
        "subcategory": data["subcategory"],
        "title": data["title"],
        "description": data["description"],
        "attachment": data["attachment"],
    }
    if not form.from_invoice:
        fields.update(
            sender_structure=data["sender_structure"],
            recipient_structure=data["recipient_structure"],
            recipient_service=data["recipient_service"],
            invoice_number=data["invoice_number"],
        )
    return fields


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    invoice = _invoice_from_request(request)
    if request.method == "POST":
        form = TicketForm(
            request.POST, request.FILES, user=request.user, from_invoice=bool(invoice)
        )
        if form.is_valid():
            send = "save_draft" not in request.POST
            try:
                ticket = services.ticket_create(
                    sender=request.user, invoice=invoice, send=send, **_form_data(form)
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as invalid:
                add_service_errors(form, invalid)
            else:
                return _saved(request, ticket, sent=send)
    else:
        form = TicketForm(user=request.user, from_invoice=bool(invoice), initial=_initial(invoice))
    return render(
        request,
        "support/ticket_form.html",
        {"form": form, "invoice": invoice, "ticket": None},
        status=400 if form.errors else 200,
    )


def _initial(invoice: InvoiceLike | None) -> dict[str, str]:
    if invoice is None:
        return {}
    sub = _TOPIC_FOR_INVOICE_STATUS.get(invoice.status, "AUTRE")
    return {
        "topic": catalogue.topic("TRAITEMENT", sub),
        "title": _("Facture %(number)s") % {"number": invoice.number},
    }


def _saved(request: AuthenticatedHttpRequest, ticket: Ticket, *, sent: bool) -> HttpResponse:
    if sent:
        messages.success(request, _("Sollicitation %(n)s envoyée.") % {"n": ticket.number})
        return redirect("support:detail", pk=ticket.pk)
    messages.success(request, _("Brouillon enregistré."))
    return redirect(_drafts_url())


def _drafts_url() -> str:
    return f"{reverse('support:list')}?onglet=brouillons"


def _own_draft(request: AuthenticatedHttpRequest, pk: int) -> Ticket:
    return get_object_or_404(
        selectors.sent_tickets(request.user).select_related(
            "recipient_structure", "recipient_service"
        ),
        pk=pk,
        status=TicketStatus.BROUILLON,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = _own_draft(request, pk)
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            send = "save_draft" not in request.POST
            try:
                services.ticket_draft_update(
                    ticket=ticket, sender=request.user, send=send, **_form_data(form)
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as invalid:
                add_service_errors(form, invalid)
            except TicketActionRefused as refused:
                messages.error(request, str(refused))
                return redirect("support:detail", pk=ticket.pk)
            else:
                return _saved(request, ticket, sent=send)
    else:
        form = TicketForm(user=request.user, initial=TicketForm.initial_for(ticket))
    return render(
        request,
        "support/ticket_form.html",
        {
            "form": form,
            "invoice": None,
            "ticket": ticket,
            "opening_attachments": selectors.ticket_opening_attachments(ticket),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def ticket_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = _own_draft(request, pk)
    services.ticket_draft_delete(ticket=ticket, sender=request.user)
    messages.success(request, _("Brouillon supprimé."))
    return redirect(_drafts_url())


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(selectors.visible_tickets(request.user), pk=pk)
    sides = selectors.ticket_sides(request.user, ticket)
    if request.method == "POST":
        response = act(
            request, ticket, sides=sides, template="support/ticket_detail.html", extra={}
        )
        if response is not None:
            return response
        if not selectors.visible_tickets(request.user).filter(pk=pk).exists():
            return redirect("support:received")  # transferred away from the agent
        return redirect("support:detail", pk=pk)
    return render(request, "support/ticket_detail.html", detail_context(ticket, sides))


@login_required
def attachment_download(request: AuthenticatedHttpRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.visible_attachment(request.user, attachment_id)
    if attachment is None:
        raise Http404
    return serve_attachment(attachment)
