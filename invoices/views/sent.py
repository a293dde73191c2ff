"""The supplier's side: "Factures émises" (counts, list, export), an invoice's follow-up, and
the answers to the recipient (correct and resend, complete, acknowledge a rejection)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from invoices import selectors, services
from invoices.deadlines import payment_deadline
from invoices.forms import CompleteForm, InvoiceFilterForm, RecycleForm, show_errors
from invoices.models import Invoice
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.views import exports
from invoices.views.common import CountedPaginator, documents_context, querystring_without
from invoices.workflow import Status

PAGE_SIZE = 25


def _filters(request: HttpRequest) -> tuple[InvoiceFilterForm, dict]:
    form = InvoiceFilterForm(
        request.GET or None,
        statuses=Status.values,
        party_label=gettext_lazy("Destinataire (nom ou SIRET)"),
    )
    return form, form.cleaned_data if form.is_valid() else {}


@login_required
def sent_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    base = selectors.sent_invoices_for(request.user)
    invoices = selectors.filter_invoices(base, filters, party="recipient")
    counts = selectors.status_counts(base)
    total = None if selectors.narrows(filters) else sum(counts.values())
    page = CountedPaginator(invoices, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    return render(
        request,
        "invoices/sent_list.html",
        {
            "form": form,
            "page": page,
            "counts": [(Status(code), n) for code, n in counts.items()],
            "has_invoices": any(counts.values()),
            "query": querystring_without(request, "page"),
            "may_create": selectors.depositing_structures_of(request.user).exists(),
        },
    )


@login_required
def sent_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV (see ``exports.invoices_csv``)."""
    _form, filters = _filters(request)
    invoices = selectors.filter_invoices(
        selectors.sent_invoices_for(request.user), filters, party="recipient"
    )
    return exports.invoices_csv(invoices, f"factures-emises-{timezone.localdate():%Y%m%d}.csv")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.sent_invoice_for(request.user, pk)
    return render(request, "invoices/sent_detail.html", _detail_context(request, invoice))


def _detail_context(request: HttpRequest, invoice: Invoice) -> dict:
    return {
        "invoice": invoice,
        "history": selectors.history_of(invoice),
        **documents_context(invoice),
        "certificate": services.invoice_certificate(invoice),
        "lines": invoice.lines.order_by("position"),
        "deadline": payment_deadline(invoice),
        "decision": selectors.last_reasoned_change(invoice)
        if invoice.status in (Status.A_RECYCLER, Status.SUSPENDUE, Status.REJETEE)
        else None,
        "may_act": selectors.may_modify_for(request.user, invoice.supplier),
    }


def _answer_failed(request: HttpRequest, error: InvoiceStateError, pk: int) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect("invoices:detail", pk=pk)


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.sent_invoice_for(request.user, pk)
    try:
        services.invoice_acknowledge_rejection(user=request.user, invoice=invoice)
    except InvoiceAccessDenied:
        raise Http404 from None
    except InvoiceStateError as error:
        return _answer_failed(request, error, pk)
    messages.success(
        request, _("Rejet pris en compte. Une nouvelle facture doit porter un nouveau numéro.")
    )
    return redirect("invoices:detail", pk=pk)


@login_required
def recycle(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the recipient data (only SIRET, service code and EJ) and send again."""
    invoice = selectors.sent_invoice_for(request.user, pk)
    if invoice.status != Status.A_RECYCLER:
        messages.error(request, _("Cette facture n'est pas à recycler."))
        return redirect("invoices:detail", pk=pk)
    problems: list[str] = []
    if request.method == "POST":
        form = RecycleForm(request.POST)
        if form.is_valid():
            try:
                services.invoice_recycle(user=request.user, invoice=invoice, **form.cleaned_data)
            except InvoiceAccessDenied:
                raise Http404 from None
            except InvoiceStateError as error:
                return _answer_failed(request, error, pk)
            except InvoiceError as error:
                problems = show_errors(error, form)
            else:
                messages.success(request, _("Facture corrigée et renvoyée."))
                return redirect("invoices:detail", pk=pk)
    else:
        form = RecycleForm(
            initial={
                "recipient_siret": invoice.recipient_siret,
                "service_code": invoice.service_code,
                "engagement_number": invoice.engagement_number,
            }
        )
    context = {**_detail_context(request, invoice), "form": form, "problems": problems}
    return render(request, "invoices/recycle.html", context)


@login_required
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a suspension: documents and/or a comment."""
    invoice = selectors.sent_invoice_for(request.user, pk)
    if invoice.status != Status.SUSPENDUE:
        messages.error(request, _("Cette facture n'est pas suspendue."))
        return redirect("invoices:detail", pk=pk)
    problems: list[str] = []
    if request.method == "POST":
        form = CompleteForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.invoice_complete(
                    user=request.user,
                    invoice=invoice,
                    comment=form.cleaned_data["comment"],
                    attachments=form.cleaned_data["attachments"],
                )
            except InvoiceAccessDenied:
                raise Http404 from None
            except InvoiceStateError as error:
                return _answer_failed(request, error, pk)
            except InvoiceError as error:
                problems = show_errors(error, form)
            else:
                messages.success(request, _("Facture complétée : le destinataire en est averti."))
                return redirect("invoices:detail", pk=pk)
    else:
        form = CompleteForm()
    context = {**_detail_context(request, invoice), "form": form, "problems": problems}
    return render(request, "invoices/complete.html", context)
