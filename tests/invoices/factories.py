"""Invoices for tests: drafts through the services, or rows put straight in a given status
(for the transition matrix, where walking the whole lifecycle for each case would only be slow).
"""

from __future__ import annotations

import html
import io
import re
from datetime import date
from decimal import Decimal
from itertools import count

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from invoices import services
from invoices.models import Attachment, Invoice
from invoices.services import InvoiceInput, LineInput
from invoices.services._history import history_append
from invoices.workflow import Status

GOOD_IBAN = "FR7630006000011234567890189"
GOOD_BIC = "AGRIFRPP"
STATE_SIRET = "11000201100044"
_numbers = count(1)


def next_number() -> str:
    return f"F-{next(_numbers):05d}"


def header(**overrides: object) -> InvoiceInput:
    values: dict[str, object] = {
        "number": next_number(),
        "issue_date": timezone.localdate(),
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "bic": GOOD_BIC,
    }
    values.update(overrides)
    return InvoiceInput(**values)  # type: ignore[arg-type]


def line(**overrides: object) -> LineInput:
    values: dict[str, object] = {
        "description": "Prestation de conseil",
        "quantity": Decimal("2"),
        "unit_price": Decimal("150.00"),
        "vat_rate": Decimal("20"),
    }
    values.update(overrides)
    return LineInput(**values)  # type: ignore[arg-type]


def draft(personas, *, user=None, supplier=None, lines=None, **overrides) -> Invoice:  # type: ignore[no-untyped-def]
    return services.invoice_save_draft(
        user=user or personas.supplier_principal,
        supplier=supplier or personas.acme,
        data=header(**overrides),
        lines=[line()] if lines is None else lines,
    )


def deposited(personas, **overrides) -> Invoice:  # type: ignore[no-untyped-def]
    invoice = draft(personas, **overrides)
    return services.invoice_deposit(user=personas.supplier_principal, invoice=invoice)


# Statuses in which the recipient has the invoice (it was made available at least once).
RECEIVED = {
    Status.MISE_A_DISPOSITION,
    Status.SUSPENDUE,
    Status.COMPLETEE,
    Status.SERVICE_FAIT,
    Status.MANDATEE,
    Status.COMPTABILISEE,
    Status.MISE_EN_PAIEMENT,
    Status.REJETEE,
    Status.A_RECYCLER,
}


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A complete invoice put directly in ``status`` (no history): for the transition matrix."""

    class Meta:
        model = Invoice

    number = factory.LazyFunction(next_number)
    issue_date = factory.LazyFunction(timezone.localdate)
    issue_year = factory.LazyAttribute(lambda o: o.issue_date.year)
    recipient_siret = STATE_SIRET
    service_code = factory.LazyAttribute(lambda o: o.service.code if o.service else "")
    iban = GOOD_IBAN
    total_excl_tax = Decimal("100.00")
    total_vat = Decimal("20.00")
    total_incl_tax = Decimal("120.00")
    amount_due = Decimal("120.00")
    status = Status.MISE_A_DISPOSITION
    deposited_at = factory.LazyFunction(timezone.now)
    made_available_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status in RECEIVED else None
    )


def invoice_in(personas, status: str, **overrides) -> Invoice:  # type: ignore[no-untyped-def]
    values = {
        "supplier": personas.acme,
        "recipient": personas.state,
        "service": personas.service,
        "status": status,
    }
    values.update(overrides)
    return InvoiceFactory(**values)


def deposited_in_bulk(personas, how_many: int, prefix: str = "K-", **overrides) -> list[Invoice]:  # type: ignore[no-untyped-def]
    """``how_many`` invoices of Acme just deposited (their routing not yet asked for), in bulk."""
    now = timezone.now()
    values = {
        "supplier": personas.acme,
        "recipient": personas.state,
        "service": personas.service,
        "status": Status.DEPOSEE,
        "status_changed_at": now,
        "made_available_at": None,
        **overrides,
    }
    built = [InvoiceFactory.build(number=f"{prefix}{n:05d}", **values) for n in range(how_many)]
    invoices = Invoice.objects.bulk_create(built)
    with transaction.atomic():
        for invoice in invoices:
            history_append(
                invoice, from_status=Status.BROUILLON, at=now, actor=personas.supplier_principal
            )
    return invoices


def entry_form(personas, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What the entry page posts for a one-line invoice from Acme to the State, deposited at
    once (``action=submit``); ``changes`` replace fields."""
    data = {
        "supplier": str(personas.acme.pk),
        "number": "W-1",
        "issue_date": date.today().isoformat(),
        "billing_frame": "A1",
        "invoice_type": "FACTURE",
        "recipient_siret": STATE_SIRET,
        "service_code": "FACTURES_PUBLIQUES",
        "currency": "EUR",
        "vat_regime": "DEBITS",
        "payment_method": "VIREMENT",
        "iban": GOOD_IBAN,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Conseil",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "10",
        "lines-0-vat_rate": "20",
        "lines-0-unit": "C62",
        "action": "submit",
    }
    data.update(changes)
    return data


# --- files -------------------------------------------------------------------------------------
def errors_of(page: str) -> dict[str, str]:
    """Each field's error text on a rendered form page, by the field's id."""
    found = re.findall(r'<p id="id_([\w-]+)-error" class="fr-error-text">([^<]*)</p>', page)
    return {field: html.unescape(text) for field, text in found}


def pdf_bytes(*, pages: int = 1, password: str | None = None, signed: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if signed:
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

        writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/SigFlags"): NumberObject(3), NameObject("/Fields"): ArrayObject()}
        )
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(name: str = "facture.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, pdf_bytes() if content is None else content, content_type="application/pdf"
    )


def today() -> date:
    return timezone.localdate()


# --- generated documents -----------------------------------------------------------------------
def certified_xml(invoice: Invoice) -> Attachment:
    """The CII a typed invoice's last deposit certified."""
    return invoice.attachments.filter(kind=Attachment.Kind.GENERATED_XML).latest(
        "uploaded_at", "id"
    )


def rendered(invoice: Invoice) -> Attachment:
    """Run the Factur-X rendering the deposit enqueued (tests do not commit, so it never ran)."""
    from invoices import tasks

    xml = certified_xml(invoice)
    tasks.render_facturx(xml.pk)
    return invoice.attachments.get(
        kind=Attachment.Kind.GENERATED_PDF, status_change_id=xml.status_change_id
    )


def stored_bytes(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()
