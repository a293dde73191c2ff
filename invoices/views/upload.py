"""The deposit of a file ("Dépôt"): a plain PDF with its header typed, or a structured file
(Factur-X, CII, UBL) checked at once and, when it passes, shown for review before the deposit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from einvoice.errors import InvoiceFileError
from invoices import selectors, services
from invoices.forms import UploadForm, show_errors
from invoices.models import DepositMode, Invoice
from invoices.services import (
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceStateError,
    Problem,
    StructuredFilePreview,
    StructuredFileRefused,
)
from invoices.views.common import documents_context
from invoices.views.structured_display import display, values_from_file, values_from_invoice
from structures.selectors import iban_warning

DEPOSITED = gettext_lazy("Facture déposée : elle est en cours d'acheminement.")


def _page(
    request: HttpRequest,
    form: UploadForm,
    *,
    problems: list[str] | None = None,
    refused: StructuredFilePreview | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "problems": problems or [], "refused": None}
    if refused is not None:
        values = (
            values_from_file(refused.invoice_input, refused.data)
            if refused.invoice_input is not None and refused.data is not None
            else {}
        )
        context["refused"] = refused
        context["display"] = display(values, refused.problems)
    return render(request, "invoices/upload.html", context, status=status)


def _structured(request: HttpRequest, form: UploadForm, content: bytes) -> HttpResponse:
    upload = form.cleaned_data["main_file"]
    try:
        invoice = services.invoice_draft_structured_file(
            user=request.user,
            supplier=form.cleaned_data["supplier"],
            content=content,
            filename=upload.name,
            attachments=form.cleaned_data["attachments"],
            deposit_mode=DepositMode.UPLOAD_WEB,
        )
    except InvoiceFileError as error:
        form.add_error("main_file", error.message)
        return _page(request, form, status=error.http_status)
    except StructuredFileRefused as refused:
        return _page(request, form, refused=refused.preview)
    except InvoiceError as error:
        return _page(request, form, problems=show_errors(error, form))
    messages.success(request, _("Fichier vérifié : relisez la facture, puis confirmez le dépôt."))
    return redirect("invoices:upload_review", pk=invoice.pk)


# What only all the amounts together can tell: with one of them missing or badly typed, what
# the checks say of the totals is not the cause.
TOTALS_CHECKED = ("total_excl_tax", "total_vat", "total_incl_tax", "amount_due", "prepaid_amount")


def _deposit_errors_too(request: HttpRequest, form: UploadForm) -> list[str]:
    """Some fields are wrong, so nothing is deposited; the deposit's checks still run on the
    well-typed rest (recipient, service code, engagement, BIC…), so that every problem is
    reported in one round (docs/architecture.md, rule 9). Nothing is written."""
    supplier = form.cleaned_data.get("supplier")
    if supplier is None:
        return []
    errors = services.invoice_deposit_errors(
        user=request.user,
        supplier=supplier,
        data=form.well_typed_input(),
        deposit_mode=DepositMode.DEPOT_PDF_WEB,
    )
    if not form.totals_well_typed():
        errors = {k: v for k, v in errors.items() if k not in TOTALS_CHECKED}
    return show_errors(InvoiceError(errors), form)


def _plain_pdf(request: HttpRequest, form: UploadForm, *, status: int = 200) -> HttpResponse:
    """A plain PDF (or a file not read): the file, the header a PDF needs and the deposit's
    checks, every error at once."""
    main_file = form.cleaned_data.get("main_file")
    if main_file is not None and "main_file" not in form.errors:
        try:
            services.check_upload(main_file, field="main_file", must_be_pdf=True)
        except InvoiceError as error:
            show_errors(error, form)
    if not form.require_pdf_header():
        problems = _deposit_errors_too(request, form)
        return _page(request, form, problems=problems, status=status)
    try:
        invoice = services.invoice_upload_pdf(
            user=request.user,
            supplier=form.cleaned_data["supplier"],
            data=form.to_input(),
            main_file=main_file,
            attachments=form.cleaned_data["attachments"],
        )
    except InvoiceError as error:
        return _page(request, form, problems=show_errors(error, form))
    messages.success(request, DEPOSITED)
    return redirect("invoices:detail", pk=invoice.pk)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    suppliers = selectors.depositing_structures_of(request.user)
    if not suppliers.exists():
        return render(request, "invoices/no_structure.html")
    if request.method != "POST":
        form = UploadForm(initial={"issue_date": timezone.localdate()}, suppliers=suppliers)
        return _page(request, form)
    form = UploadForm(request.POST, request.FILES, suppliers=suppliers)
    valid = form.is_valid()  # whatever it says, the other checks run too (rule 9)
    main_file = form.cleaned_data.get("main_file")
    if main_file is None:
        return _plain_pdf(request, form)
    try:
        content = services.read_invoice_upload(main_file)
        structured = services.is_structured_file(content, main_file.name)
    except InvoiceFileError as error:
        form.add_error("main_file", error.message)
        if not main_file.name.lower().endswith(".pdf"):  # not a plain PDF: no header to check
            return _page(request, form, status=error.http_status)
        return _plain_pdf(request, form, status=error.http_status)
    if not structured:
        return _plain_pdf(request, form)
    if not valid:  # a structured file carries the header: the typed fields are not read
        return _page(request, form)
    return _structured(request, form, content)


def _review_page(request: HttpRequest, invoice: Invoice, problems: list[Problem]) -> HttpResponse:
    context = {
        "invoice": invoice,
        "display": display(values_from_invoice(invoice), problems),
        "refused": bool(problems),
        "lines": invoice.lines.order_by("position"),
        # An IBAN the supplier structure did not register: said, never blocking (issue 17).
        "iban_warning": iban_warning(invoice.supplier, invoice.iban),
        **documents_context(invoice),
    }
    return render(request, "invoices/upload_review.html", context)


@login_required
def upload_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft made of a structured file: read-only, as the file says; confirm to deposit."""
    invoice = selectors.sent_invoice_for(request.user, pk)
    if not (invoice.is_draft and invoice.is_structured):
        return redirect("invoices:detail", pk=invoice.pk)
    if request.method != "POST":
        return _review_page(request, invoice, [])
    try:
        services.invoice_deposit(user=request.user, invoice=invoice)
    except InvoiceAccessDenied:
        raise Http404 from None
    except InvoiceStateError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("invoices:detail", pk=invoice.pk)
    except InvoiceError as error:
        return _review_page(request, invoice, services.problems_from_errors(error.errors))
    messages.success(request, DEPOSITED)
    return redirect("invoices:detail", pk=invoice.pk)
