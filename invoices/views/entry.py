"""The supplier types an invoice in the portal ("Saisie"); the deposit of a file is in upload.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from invoices import selectors, services
from invoices.checks import accepted_frames
from invoices.forms import (
    InvoiceEntryForm,
    LineFormSet,
    kept_line_forms,
    show_errors,
)
from invoices.models import BillingFrame, Invoice
from invoices.services import InvoiceAccessDenied, InvoiceError
from invoices.services.preview import NEED_ALL_LINES
from structures.models import Structure


def _no_structure(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "invoices/no_structure.html", status=200)


def _header_initial(invoice: Invoice) -> dict:
    fields = [
        "number", "issue_date", "billing_frame", "invoice_type", "original_invoice_number",
        "recipient_siret", "service_code", "engagement_number", "validator_siret", "market_number",
        "currency",
        "vat_regime", "vat_exemption_reason", "payment_method", "iban", "bic", "prepaid_amount",
        "comment",
    ]  # fmt: skip
    initial = {name: getattr(invoice, name) for name in fields}
    initial["supplier"] = invoice.supplier_id
    initial["original_invoice_number"] = invoice.credited_invoice_id
    return initial


def _line_initial(invoice: Invoice) -> list[dict]:
    return [
        {
            "reference": line.reference,
            "description": line.description,
            "quantity": line.quantity.normalize(),
            "unit": line.unit,
            "unit_price": line.unit_price.normalize(),
            "discount": line.discount,
            "vat_rate": str(line.vat_rate.normalize()),
        }
        for line in invoice.lines.order_by("position")
    ]


def _save(
    request: AuthenticatedHttpRequest,
    form: InvoiceEntryForm,
    line_forms: list,
    invoice: Invoice | None,
) -> Invoice:
    new_files = [
        services.check_upload(f, field="attachments", must_be_pdf=False)
        for f in form.cleaned_data["attachments"]
    ]
    values = {
        "user": request.user,
        "supplier": form.cleaned_data["supplier"],
        "data": form.to_input(),
        "lines": [line.to_input() for line in line_forms],
        "invoice": invoice,
        "new_files": new_files,
    }
    if _saves_a_draft(request):
        return services.invoice_save_draft(**values)
    return services.invoice_submit(**values)


def _saves_a_draft(request: AuthenticatedHttpRequest) -> bool:
    """Only the draft button saves a draft; anything else (Enter in a field) is "Valider et
    envoyer", the page's main action."""
    return request.POST.get("action") == "draft"


def _deposit_errors_too(
    request: AuthenticatedHttpRequest, form: InvoiceEntryForm, formset: forms.BaseFormSet
) -> list[str]:
    """Some fields are badly typed, so nothing is saved; the deposit's checks still run on the
    rest ("Valider et envoyer"), so that every problem is reported in one round."""
    supplier = form.cleaned_data.get("supplier")
    if _saves_a_draft(request) or supplier is None:
        return []
    line_forms = [line for line in kept_line_forms(formset) if not line.errors]
    errors = services.invoice_deposit_errors(
        user=request.user,
        supplier=supplier,
        data=form.well_typed_input(),
        lines=[line.to_input() for line in line_forms],
    )
    if any(line.errors for line in formset.forms):
        errors = {k: v for k, v in errors.items() if k not in NEED_ALL_LINES}
    return show_errors(InvoiceError(errors), form, line_forms)


def _recipient_rules(form: InvoiceEntryForm) -> list[str]:
    """What the recipient typed in the form requires, as the page's script says it; the page
    shows it under the recipient fields before any script runs."""
    siret = str(form["recipient_siret"].value() or "").replace(" ", "")
    recipient = selectors.public_recipient(siret)
    form.star_recipient_rules(recipient)
    if recipient is None:
        return []
    said = _js_messages()
    rules = [f"{recipient.name} —"]
    if not recipient.is_active:
        rules.append(said["inactive"])
    if recipient.service_code_required:
        rules.append(said["service_required"])
    if recipient.engagement_required:
        rules.append(said["engagement_required"])
    if recipient.engagement_or_service_required:
        rules.append(said["either_required"])
    if len(rules) == 1:
        rules.append(said["optional"])
    return rules


def _js_messages() -> dict[str, str]:
    return {
        "unknown": _("Aucune structure publique n'est enregistrée sous ce SIRET."),
        "inactive": _("Ce destinataire n'est plus actif."),
        "service_required": _("Code service obligatoire."),
        "engagement_required": _("Numéro d'engagement obligatoire."),
        "either_required": _("Code service ou numéro d'engagement obligatoire."),
        "service_engagement_required": _("Ce service exige un numéro d'engagement."),
        "optional": _("Code service et numéro d'engagement facultatifs."),
        "no_services": _("Ce destinataire n'a pas de service actif."),
        "rate": _("TVA à"),
    }


def _entry(
    request: AuthenticatedHttpRequest, suppliers: QuerySet[Structure], invoice: Invoice | None
) -> HttpResponse:
    problems: list[str] = []
    if request.method == "POST":
        form = InvoiceEntryForm(request.POST, request.FILES, suppliers=suppliers)
        lines = LineFormSet(request.POST, prefix="lines")
        # Both validated, whatever the first says: every error is reported in one round.
        header_valid, lines_valid = form.is_valid(), lines.is_valid()
        if header_valid and lines_valid:
            line_forms = kept_line_forms(lines)
            try:
                saved = _save(request, form, line_forms, invoice)
            except InvoiceAccessDenied:
                raise Http404 from None
            except InvoiceError as error:
                problems = show_errors(error, form, line_forms)
            else:
                if saved.is_draft:
                    messages.success(request, _("Brouillon enregistré."))
                    return redirect("invoices:edit", pk=saved.pk)
                messages.success(request, _("Facture déposée : elle est en cours d'acheminement."))
                return redirect("invoices:detail", pk=saved.pk)
        else:
            problems = _deposit_errors_too(request, form, lines)
    elif invoice is not None:
        form = InvoiceEntryForm(initial=_header_initial(invoice), suppliers=suppliers)
        lines = LineFormSet(prefix="lines", initial=_line_initial(invoice))
    else:
        form = InvoiceEntryForm(initial={"issue_date": timezone.localdate()}, suppliers=suppliers)
        lines = LineFormSet(prefix="lines")
    return render(
        request,
        "invoices/entry.html",
        {
            "form": form,
            "lines": lines,
            "invoice": invoice,
            "problems": problems,
            "recipient_rules": _recipient_rules(form),
            "all_frames": [{"code": v, "label": str(label)} for v, label in BillingFrame.choices],
            "js_messages": _js_messages(),
        },
    )


@login_required
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    suppliers = selectors.depositing_structures_of(request.user)
    if not suppliers.exists():
        return _no_structure(request)
    return _entry(request, suppliers, None)


@login_required
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.sent_invoice_for(request.user, pk)
    if not invoice.is_draft or not invoice.is_typed:
        return redirect("invoices:detail", pk=invoice.pk)
    suppliers = selectors.depositing_structures_of(request.user)
    if not suppliers.exists():
        return _no_structure(request)
    return _entry(request, suppliers, invoice)


@login_required
@require_GET
def recipient_services(request: AuthenticatedHttpRequest) -> JsonResponse:
    """What the entry page needs to know of a recipient: its active services and its rules."""
    siret = request.GET.get("siret", "").replace(" ", "")
    recipient = selectors.public_recipient(siret)
    if recipient is None:
        return JsonResponse({"found": False})
    return JsonResponse(
        {
            "found": True,
            "name": recipient.name,
            "is_active": recipient.is_active,
            "service_code_required": recipient.service_code_required,
            "engagement_required": recipient.engagement_required,
            "engagement_or_service_required": recipient.engagement_or_service_required,
            "frames": [
                {"code": value, "label": str(label)}
                for value, label in BillingFrame.choices
                if value in accepted_frames(recipient)
            ],
            "services": [
                {"code": s.code, "name": s.name, "engagement_required": s.engagement_required}
                for s in selectors.active_services_of(recipient)
            ],
        }
    )
