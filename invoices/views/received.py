"""The agent's side: "Factures reçues" of the services they handle, and the decision on one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoices import selectors, services
from invoices.deadlines import payment_deadline
from invoices.forms import InvoiceFilterForm, ProcessForm, show_errors
from invoices.models import Invoice
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.views.common import CountedPaginator, documents_context, querystring_without
from invoices.workflow import REASON_REQUIRED, Status, agent_targets

PAGE_SIZE = 25
# What an agent finds in the list: the invoices once they reached the recipient.
RECEIVED_STATUSES = [
    Status.MISE_A_DISPOSITION,
    Status.COMPLETEE,
    Status.SUSPENDUE,
    Status.SERVICE_FAIT,
    Status.MANDATEE,
    Status.COMPTABILISEE,
    Status.MISE_EN_PAIEMENT,
    Status.A_RECYCLER,
    Status.REJETEE,
]


@login_required
def received_list(request: HttpRequest) -> HttpResponse:
    scope = selectors.agent_scope(request.user)
    base = selectors.received_invoices_for(request.user, scope)
    form = InvoiceFilterForm(
        request.GET or None,
        statuses=RECEIVED_STATUSES,
        party_label=gettext_lazy("Fournisseur (nom ou SIRET)"),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    invoices = selectors.filter_invoices(base, filters, party="supplier")
    counts = selectors.received_status_counts(scope)
    total = None if selectors.narrows(filters) else sum(counts.values())
    page = CountedPaginator(invoices, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    return render(
        request,
        "invoices/received_list.html",
        {
            "form": form,
            "page": page,
            "counts": [(Status(s), counts[s]) for s in RECEIVED_STATUSES],
            "has_invoices": any(counts.values()),
            "query": querystring_without(request, "page"),
            "is_agent": scope.is_agent,
        },
    )


def _process_form(invoice: Invoice, data: dict | None = None) -> ProcessForm | None:
    targets = agent_targets(invoice)
    if not targets:
        return None
    return ProcessForm(data, targets=targets, initial={"expected_status": invoice.status})


@login_required
def received_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.received_invoice_for(request.user, pk)
    form = _process_form(invoice, request.POST if request.method == "POST" else None)
    problems: list[str] = []
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.invoice_process(
                user=request.user,
                invoice=invoice,
                target=data["target"],
                expected_status=data["expected_status"],
                reason=data["reason"],
                comment=data["comment"],
                mandate_number=data["mandate_number"],
            )
        except InvoiceAccessDenied:
            raise Http404 from None
        except InvoiceStateError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("invoices:received_detail", pk=pk)
        except InvoiceError as error:
            problems = show_errors(error, form)
        else:
            messages.success(
                request,
                _("Décision enregistrée : %(status)s.") % {"status": Status(data["target"]).label},
            )
            return redirect("invoices:received_detail", pk=pk)
    elif request.method == "POST" and form is None:
        messages.error(request, " ".join(InvoiceStateError().messages))
        return redirect("invoices:received_detail", pk=pk)
    reasons = {status: [r.pk for r in selectors.reasons_for(status)] for status in REASON_REQUIRED}
    return render(
        request,
        "invoices/received_detail.html",
        {
            "invoice": invoice,
            "history": selectors.history_of(invoice),
            **documents_context(invoice),
            "lines": invoice.lines.order_by("position"),
            "deadline": payment_deadline(invoice),
            "form": form,
            "problems": problems,
            "reasons_by_status": reasons,
        },
    )
