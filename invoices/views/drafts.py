"""The supplier's drafts: delete one (after a confirmation page), copy any invoice into a new
draft (its number asked first)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from invoices import selectors, services
from invoices.forms import DuplicateForm, show_errors
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.views.sent import DRAFTS_TAB


@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what will go, and a button; POST: the draft goes (never a deposited invoice)."""
    invoice = selectors.sent_invoice_for(request.user, pk)
    if not selectors.may_modify_for(request.user, invoice.supplier):
        raise Http404
    if not invoice.is_draft:
        messages.error(request, _("Une facture déposée ne peut pas être supprimée."))
        return redirect("invoices:detail", pk=pk)
    if request.method == "POST":
        try:
            services.invoice_delete_draft(user=request.user, invoice=invoice)
        except InvoiceAccessDenied:
            raise Http404 from None
        except InvoiceStateError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("invoices:detail", pk=pk)
        messages.success(request, _("Brouillon supprimé."))
        return redirect(f"{reverse('invoices:sent')}?vue={DRAFTS_TAB}")
    return render(
        request,
        "invoices/delete_draft.html",
        {"invoice": invoice, "files": selectors.attachments_of(invoice)},
    )


@login_required
def duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy an invoice (any status) into a new typed draft, under the number asked here."""
    invoice = selectors.sent_invoice_for(request.user, pk)
    if not selectors.may_modify_for(request.user, invoice.supplier):
        raise Http404
    problems: list[str] = []
    form = DuplicateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.invoice_duplicate(
                user=request.user, invoice=invoice, number=form.cleaned_data["number"]
            )
        except InvoiceAccessDenied:
            raise Http404 from None
        except InvoiceError as error:
            problems = show_errors(error, form)
        else:
            messages.success(
                request,
                _("Copie enregistrée en brouillon : vérifiez-la, puis validez et envoyez-la."),
            )
            return redirect("invoices:edit", pk=copy.pk)
    return render(
        request,
        "invoices/duplicate.html",
        {"invoice": invoice, "form": form, "problems": problems},
    )
