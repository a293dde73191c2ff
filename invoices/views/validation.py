"""Billing frames A9 / A12, the validator's side: "Factures à valider" (list and detail with the
validate and refuse buttons), for the members of the titular company (mandatary) only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from invoices import selectors, services
from invoices.forms import RefusalForm, show_errors
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.views.common import CountedPaginator, documents_context
from invoices.workflow import Status

PAGE_SIZE = 25


@login_required
def to_validate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    invoices = selectors.to_validate_for(request.user)
    page = CountedPaginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "invoices/to_validate_list.html",
        {"page": page, "waiting": invoices.filter(status=Status.A_VALIDER_1).count()},
    )


@login_required
def to_validate_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.to_validate_one_for(request.user, pk)
    may_decide = invoice.status == Status.A_VALIDER_1 and selectors.is_validator_of(
        request.user, invoice
    )
    form = RefusalForm(initial={"expected_status": invoice.status})
    problems: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        expected = request.POST.get("expected_status") or None
        try:
            if action == "validate":
                services.invoice_validate(
                    user=request.user, invoice=invoice, expected_status=expected
                )
                messages.success(
                    request, _("Facture validée : elle est transmise au destinataire.")
                )
                return redirect("invoices:to_validate_detail", pk=pk)
            if action == "refuse":
                form = RefusalForm(request.POST)
                if form.is_valid():
                    services.invoice_refuse_validation(
                        user=request.user,
                        invoice=invoice,
                        comment=form.cleaned_data["comment"],
                        expected_status=expected,
                    )
                    messages.success(request, _("Facture refusée : le fournisseur est prévenu."))
                    return redirect("invoices:to_validate_detail", pk=pk)
            else:
                raise InvoiceStateError()
        except InvoiceAccessDenied:
            raise Http404 from None
        except InvoiceStateError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("invoices:to_validate_detail", pk=pk)
        except InvoiceError as error:
            problems = show_errors(error, form)
    return render(
        request,
        "invoices/to_validate_detail.html",
        {
            "invoice": invoice,
            "history": selectors.history_of(invoice),
            **documents_context(invoice),
            "lines": invoice.lines.order_by("position"),
            "form": form,
            "may_decide": may_decide,
            "problems": problems,
        },
        status=400 if request.method == "POST" else 200,
    )
