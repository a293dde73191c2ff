"""The supplier's side: "Factures émises" (counts, list, export), an invoice's follow-up, and
the answers to the recipient (correct and resend, complete, acknowledge a rejection)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

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
from invoices.forms import CompleteForm, InvoiceFilterForm, RecycleForm, ValidatorForm, show_errors
from invoices.models import Invoice
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
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


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = [
    (gettext_lazy("Numéro"), lambda i: i.number),
    (gettext_lazy("Type"), lambda i: i.invoice_type),
    (gettext_lazy("Date de facture"), lambda i: i.issue_date.isoformat() if i.issue_date else ""),
    (gettext_lazy("Fournisseur"), lambda i: i.supplier.name),
    (gettext_lazy("SIRET fournisseur"), lambda i: i.supplier.identifier),
    (gettext_lazy("Destinataire"), lambda i: i.recipient.name if i.recipient else ""),
    (gettext_lazy("SIRET destinataire"), lambda i: i.recipient_siret),
    (gettext_lazy("Code service"), lambda i: i.service_code),
    (gettext_lazy("Numéro d'engagement"), lambda i: i.engagement_number),
    (gettext_lazy("Total HT"), lambda i: str(i.total_excl_tax)),
    (gettext_lazy("Total TVA"), lambda i: str(i.total_vat)),
    (gettext_lazy("Total TTC"), lambda i: str(i.total_incl_tax)),
    (gettext_lazy("Net à payer"), lambda i: str(i.amount_due)),
    (gettext_lazy("Devise"), lambda i: i.currency),
    (gettext_lazy("Statut"), lambda i: i.status),
    (gettext_lazy("Code réforme"), lambda i: str(i.reform_code or "")),
    (gettext_lazy("Mode de dépôt"), lambda i: i.deposit_mode),
    (
        gettext_lazy("Déposée le"),
        lambda i: timezone.localtime(i.deposited_at).isoformat() if i.deposited_at else "",
    ),
]


def _cell(value: str) -> str:
    # A cell starting like a formula would be run by a spreadsheet (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_rows(invoices) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    yield [str(title) for title, _value in CSV_COLUMNS]
    for invoice in invoices.iterator(chunk_size=500):
        yield [_cell(value(invoice)) for _title, value in CSV_COLUMNS]


@login_required
def sent_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV (``;``, UTF-8 with a BOM so that spreadsheets read accents);
    status codes stay the stable Chorus Pro codes."""
    _form, filters = _filters(request)
    invoices = selectors.filter_invoices(
        selectors.sent_invoices_for(request.user), filters, party="recipient"
    )
    writer = csv.writer(_Echo(), delimiter=";")
    lines = (writer.writerow(row) for row in _csv_rows(invoices))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    name = f"factures-emises-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from lines


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
        if invoice.status in (Status.A_RECYCLER, Status.SUSPENDUE, Status.REJETEE, Status.REFUSEE_1)
        else None,
        "may_act": selectors.may_modify_for(request.user, invoice.supplier),
        "validator_form": ValidatorForm() if invoice.status == Status.A_VALIDER_1 else None,
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


@login_required
@require_POST
def change_validator(request: HttpRequest, pk: int) -> HttpResponse:
    """Billing frames A9 / A12: the supplier names another validator while the invoice waits."""
    invoice = selectors.sent_invoice_for(request.user, pk)
    form = ValidatorForm(request.POST)
    problems: list[str] = []
    if form.is_valid():
        try:
            services.invoice_change_validator(
                user=request.user,
                invoice=invoice,
                validator_siret=form.cleaned_data["validator_siret"],
            )
        except InvoiceAccessDenied:
            raise Http404 from None
        except InvoiceStateError as error:
            return _answer_failed(request, error, pk)
        except InvoiceError as error:
            problems = show_errors(error, form)
        else:
            messages.success(
                request, _("Valideur changé : ses membres sont prévenus par courriel.")
            )
            return redirect("invoices:detail", pk=pk)
    context = {**_detail_context(request, invoice), "validator_form": form, "problems": problems}
    return render(request, "invoices/sent_detail.html", context, status=400)
