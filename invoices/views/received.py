"""The agent's side: "Factures reçues" of the services they handle, and the decision on one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from invoices import selectors, services
from invoices.bulk import services as bulk_services
from invoices.deadlines import payment_deadline
from invoices.forms import (
    BulkDecisionForm,
    InvoiceFilterForm,
    InvoiceSelectionForm,
    ProcessForm,
    show_errors,
)
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


def _filters(request: AuthenticatedHttpRequest) -> tuple[InvoiceFilterForm, dict]:
    form = InvoiceFilterForm(
        request.GET or None,
        statuses=RECEIVED_STATUSES,
        party_label=gettext_lazy("Fournisseur (nom ou SIRET)"),
    )
    return form, form.cleaned_data if form.is_valid() else {}


@login_required
def received_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The received invoices, filtered; a POST applies one decision to several of them."""
    bulk_form = BulkDecisionForm(request.POST if request.method == "POST" else None)
    problems: list[str] = []
    if request.method == "POST":
        submitted = _submit_bulk(request, bulk_form)
        if isinstance(submitted, HttpResponse):
            return submitted
        problems = submitted
    scope = selectors.agent_scope(request.user)
    base = selectors.received_invoices_for(request.user, scope)
    form, filters = _filters(request)
    invoices = selectors.filter_invoices(base, filters, party="supplier")
    counts = selectors.received_status_counts(scope)
    total = None if selectors.narrows(filters) else sum(counts.values())
    page = CountedPaginator(invoices, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    checked = set(bulk_form.cleaned_data.get("invoices", [])) if bulk_form.is_bound else set()
    reasons = {
        status: [r.pk for r in selectors.reasons_for(status, bulk=True)]
        for status in REASON_REQUIRED
    }
    return render(
        request,
        "invoices/received_list.html",
        {
            "form": form,
            "page": page,
            "counts": [(Status(s), counts[s]) for s in RECEIVED_STATUSES],
            "has_invoices": any(counts.values()),
            "query": querystring_without(request, "page"),
            "full_query": querystring_without(request),
            "is_agent": scope.is_agent,
            "bulk_form": bulk_form,
            "problems": problems,
            "checked": checked,
            "reasons_by_status": reasons,
            "bulk_max": settings.BULK_DECISION_MAX_INVOICES,
        },
        status=400 if bulk_form.errors or problems else 200,
    )


def _matching(request: AuthenticatedHttpRequest) -> QuerySet[Invoice]:
    """The received invoices that match the filters of the page's address."""
    _form, filters = _filters(request)
    return selectors.filter_invoices(
        selectors.received_invoices_for(request.user), filters, party="supplier"
    )


def _selected_ids(
    request: AuthenticatedHttpRequest, form: InvoiceSelectionForm, limit: int
) -> list[int]:
    """The ticked invoices, or (``selection`` = all) every received invoice that matches the
    filters, one more than ``limit`` at most (enough to say that it is too many)."""
    if form.cleaned_data["selection"] != InvoiceSelectionForm.ALL:
        return list(dict.fromkeys(form.cleaned_data["invoices"]))
    return list(_matching(request).values_list("pk", flat=True)[: limit + 1])


def _submit_bulk(
    request: AuthenticatedHttpRequest, form: BulkDecisionForm
) -> HttpResponse | list[str]:
    """Submit the bulk decision: its page, or the problems to show beside the list."""
    if not form.is_valid():
        return []
    data = form.cleaned_data
    ids = _selected_ids(request, form, settings.BULK_DECISION_MAX_INVOICES)
    if len(ids) > settings.BULK_DECISION_MAX_INVOICES:
        form.add_error("invoices", bulk_services.too_many_message(_matching(request).count()))
        return []
    try:
        bulk = bulk_services.bulk_decision_submit(
            user=request.user,
            invoice_ids=ids,
            target=data["target"],
            reason=data["reason"],
            comment=data["comment"],
        )
    except InvoiceError as error:
        return show_errors(error, form)
    return redirect("invoices:bulk_decision", pk=bulk.pk)


@login_required
def received_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The filtered list of received invoices as CSV, in the supplier's columns."""
    _form, filters = _filters(request)
    invoices = selectors.filter_invoices(
        selectors.received_invoices_for(request.user), filters, party="supplier"
    )
    return exports.invoices_csv(invoices, f"factures-recues-{timezone.localdate():%Y%m%d}.csv")


@login_required
@require_POST
def received_zip(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The files of the selected invoices as one ZIP, streamed; bounded in number of invoices
    and in bytes (``BULK_ZIP_MAX_*``), with a message beyond."""
    form = InvoiceSelectionForm(request.POST)
    limit = settings.BULK_ZIP_MAX_INVOICES
    ids = _selected_ids(request, form, limit) if form.is_valid() else []
    refusal = _zip_refusal(request, form, ids, limit)
    attachments = [] if refusal else list(selectors.received_attachments_of(request.user, ids))
    size = sum(a.size for a in attachments)
    if not refusal and not attachments:
        refusal = _("Ces factures n'ont aucune pièce à télécharger.")
    elif size > settings.BULK_ZIP_MAX_BYTES:
        refusal = _(
            "Les pièces de ces factures pèsent %(size)s Mo : une archive en contient "
            "%(limit)s Mo au plus. Cochez moins de factures."
        ) % {"size": _megabytes(size), "limit": _megabytes(settings.BULK_ZIP_MAX_BYTES)}
    if refusal:
        messages.error(request, refusal)
        query = querystring_without(request)
        return redirect(reverse("invoices:received") + (f"?{query}" if query else ""))
    return exports.invoices_zip(attachments, f"factures-recues-{timezone.localdate():%Y%m%d}.zip")


def _zip_refusal(
    request: AuthenticatedHttpRequest, form: InvoiceSelectionForm, ids: list[int], limit: int
) -> str:
    if not ids:
        return _("Cochez au moins une facture.")
    if len(ids) > limit:
        all_matching = form.cleaned_data.get("selection") == InvoiceSelectionForm.ALL
        count = _matching(request).count() if all_matching else len(ids)
        return _(
            "%(count)s factures sélectionnées : une archive en contient %(limit)s au plus. "
            "Cochez moins de factures ou affinez les filtres."
        ) % {"count": count, "limit": limit}
    found = selectors.received_invoices_for(request.user).filter(pk__in=ids).count()
    if found != len(set(ids)):
        return _("Certaines de ces factures sont introuvables parmi celles que vous recevez.")
    return ""


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".replace(".", ",").removesuffix(",0")


def _process_form(invoice: Invoice, data: dict | None = None) -> ProcessForm | None:
    targets = agent_targets(invoice)
    if not targets:
        return None
    return ProcessForm(data, targets=targets, initial={"expected_status": invoice.status})


@login_required
def received_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
        except (InvoiceAccessDenied, InvoiceStateError) as error:
            return refused(request, error, "invoices:received_detail", pk)
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
            **credit_context(
                invoice, selectors.received_invoices_for(request.user), "invoices:received_detail"
            ),
            "history": selectors.history_of(invoice),
            **documents_context(invoice),
            "lines": invoice.lines.order_by("position"),
            "deadline": payment_deadline(invoice),
            "form": form,
            "problems": problems,
            "reasons_by_status": reasons,
        },
    )
