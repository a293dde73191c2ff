"""The supplier's side: "Factures émises" (counts, list, export), an invoice's follow-up, and
the answers to the recipient (correct and resend, complete, acknowledge a rejection)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from invoices import selectors, services
from invoices.deadlines import payment_deadline
from invoices.forms import CompleteForm, InvoiceFilterForm, RecycleForm, ValidatorForm, show_errors
from invoices.models import Invoice
from invoices.services import InvoiceAccessDenied, InvoiceError, InvoiceStateError
from invoices.views import exports
from invoices.views.common import (
    CountedPaginator,
    credit_context,
    documents_context,
    querystring_without,
    refused,
)
from invoices.workflow import Status

PAGE_SIZE = 25


# The list's two tabs: the drafts, still to send ("À envoyer"), and the invoices deposited.
DRAFTS_TAB = "brouillons"
DEPOSITED_TAB = "deposees"
TAB_PARAMETER = "vue"


def _tab(request: HttpRequest, counts: dict[str, int] | None = None) -> str:
    """The tab asked for; else the drafts when a draft status is asked for, or when there is
    nothing deposited yet but drafts; else the deposited invoices."""
    asked = request.GET.get(TAB_PARAMETER)
    if asked in (DRAFTS_TAB, DEPOSITED_TAB):
        return asked
    if request.GET.get("status") == Status.BROUILLON:
        return DRAFTS_TAB
    if counts is not None and counts[Status.BROUILLON] and not _deposited_count(counts):
        return DRAFTS_TAB
    return DEPOSITED_TAB


def _deposited_count(counts: dict[str, int]) -> int:
    return sum(n for status, n in counts.items() if status != Status.BROUILLON)


def _filters(
    request: AuthenticatedHttpRequest, tab: str = DEPOSITED_TAB
) -> tuple[InvoiceFilterForm, dict]:
    # (The drafts' tab takes ``status=BROUILLON`` too: the dashboard's links name the status.)
    drafts = tab == DRAFTS_TAB
    statuses = [s for s in Status.values if (s == Status.BROUILLON) == drafts]
    form = InvoiceFilterForm(
        request.GET or None,
        statuses=statuses,
        party_label=gettext_lazy("Destinataire (nom ou SIRET)"),
    )
    return form, form.cleaned_data if form.is_valid() else {}


def _with_tab(query: str, tab: str) -> str:
    """The filters with the tab, so that the next page and the export stay in the tab."""
    return f"{query}&{TAB_PARAMETER}={tab}" if query else f"{TAB_PARAMETER}={tab}"


def _in_tab(invoices: QuerySet[Invoice], tab: str) -> QuerySet[Invoice]:
    if tab == DRAFTS_TAB:
        return invoices.filter(status=Status.BROUILLON)
    return invoices.exclude(status=Status.BROUILLON)


@login_required
def sent_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    base = selectors.sent_invoices_for(request.user)
    counts = selectors.status_counts(base)
    tab = _tab(request, counts)
    form, filters = _filters(request, tab)
    invoices = selectors.filter_invoices(_in_tab(base, tab), filters, party="recipient")
    drafts, deposited = counts[Status.BROUILLON], _deposited_count(counts)
    total = None if selectors.narrows(filters) else (drafts if tab == DRAFTS_TAB else deposited)
    page = CountedPaginator(invoices, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    return render(
        request,
        "invoices/sent_list.html",
        {
            "form": form,
            "page": page,
            "counts": [(Status(code), n) for code, n in counts.items() if code != Status.BROUILLON],
            "tab": tab,
            "drafts_tab": DRAFTS_TAB,
            "deposited_tab": DEPOSITED_TAB,
            "drafts_count": drafts,
            "deposited_count": deposited,
            "old_drafts": selectors.old_drafts(base).count() if tab == DRAFTS_TAB else 0,
            "has_invoices": any(counts.values()),
            "query": _with_tab(querystring_without(request, "page", TAB_PARAMETER), tab),
            "may_create": selectors.depositing_structures_of(request.user).exists(),
        },
    )


@login_required
def sent_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV (see ``exports.invoices_csv``)."""
    tab = _tab(request)
    _form, filters = _filters(request, tab)
    invoices = selectors.filter_invoices(
        _in_tab(selectors.sent_invoices_for(request.user), tab), filters, party="recipient"
    )
    return exports.invoices_csv(invoices, f"factures-emises-{timezone.localdate():%Y%m%d}.csv")


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.sent_invoice_for(request.user, pk)
    return render(request, "invoices/sent_detail.html", _detail_context(request, invoice))


def _detail_context(request: AuthenticatedHttpRequest, invoice: Invoice) -> dict:
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
        **credit_context(invoice, selectors.sent_invoices_for(request.user), "invoices:detail"),
    }


@login_required
@require_POST
def acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.sent_invoice_for(request.user, pk)
    try:
        services.invoice_acknowledge_rejection(user=request.user, invoice=invoice)
    except (InvoiceAccessDenied, InvoiceStateError) as error:
        return refused(request, error, "invoices:detail", pk)
    messages.success(
        request, _("Rejet pris en compte. Une nouvelle facture doit porter un nouveau numéro.")
    )
    return redirect("invoices:detail", pk=pk)


@login_required
def recycle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
            except (InvoiceAccessDenied, InvoiceStateError) as error:
                return refused(request, error, "invoices:detail", pk)
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
def complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
            except (InvoiceAccessDenied, InvoiceStateError) as error:
                return refused(request, error, "invoices:detail", pk)
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
def change_validator(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
        except (InvoiceAccessDenied, InvoiceStateError) as error:
            return refused(request, error, "invoices:detail", pk)
        except InvoiceError as error:
            problems = show_errors(error, form)
        else:
            messages.success(
                request, _("Valideur changé : ses membres sont prévenus par courriel.")
            )
            return redirect("invoices:detail", pk=pk)
    context = {**_detail_context(request, invoice), "validator_form": form, "problems": problems}
    return render(request, "invoices/sent_detail.html", context, status=400)
