"""Between the portal's invoices and EN 16931 business terms.

``invoice_to_data``: a typed invoice as the ``InvoiceData`` its CII, UBL and Factur-X carry.
``data_to_invoice_input``: an invoice read from a file as the services' inputs (the deposit
form is prefilled with them, and a structured deposit is made of them).
``form_field_for``: the deposit form's field a business term belongs to, so that a finding is
shown next to it.

Texts written here go into the invoice itself: they are French whatever the user's language.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from stdnum.fr import siren as stdnum_siren

from einvoice.data import (
    CREDIT_TRANSFER_CODES,
    FIELD_BY_BUSINESS_TERM,
    PAYMENT_MEANS_BY_CHORUS_MODE,
    SCHEME_SIRET,
    TYPE_CREDIT_NOTE,
    TYPE_INVOICE,
    VAT_EXEMPT,
    VAT_NOT_SUBJECT,
    VAT_STANDARD,
    VAT_ZERO,
    ZERO,
    InvoiceData,
    InvoiceLine,
    Note,
    Party,
    PaymentMeans,
    Totals,
    french_legal_notes,
)
from einvoice.parse import parse_file
from invoices.deadlines import payment_deadline
from invoices.inputs import InvoiceInput, LineInput
from invoices.models import BillingFrame, InvoiceType, PaymentMethod, VatRegime
from structures.models import Structure

if TYPE_CHECKING:
    from invoices.models import Invoice
    from invoices.models import InvoiceLine as InvoiceLineRow

# --- portal → file ---------------------------------------------------------------------------
_REGIME_NOTES = {
    VatRegime.DEBITS: "Option pour le paiement de la taxe d'après les débits.",
    VatRegime.ENCAISSEMENTS: "TVA acquittée sur les encaissements.",
}


def _seller_vat_id(structure: Structure) -> str:
    """The VAT number given, or the French one every SIREN has (FR + key + SIREN)."""
    if structure.vat_number:
        return structure.vat_number.replace(" ", "").upper()
    if structure.siret:
        return "FR" + stdnum_siren.to_tva(structure.siret[:9])
    return ""


def _party(structure: Structure, *, vat_id: str) -> Party:
    siret = structure.siret or ""
    lines = [line.strip() for line in structure.address.splitlines() if line.strip()]
    return Party(
        name=structure.name,
        siret=siret,
        vat_id=vat_id,
        address_lines=tuple(lines[:3]),
        postal_code=structure.postal_code,
        city=structure.city,
        country_code=structure.country or "FR",
        electronic_address=siret,
        electronic_address_scheme=SCHEME_SIRET if siret else "",
    )


def _vat_category(invoice: Invoice, rate: Decimal) -> tuple[str, Decimal | None, str]:
    """Category, rate and exemption reason of a line under the invoice's VAT regime."""
    if invoice.vat_regime == VatRegime.EXONERE:
        return VAT_EXEMPT, ZERO, invoice.vat_exemption_reason.strip()
    if invoice.vat_regime == VatRegime.SANS_TVA:
        return VAT_NOT_SUBJECT, None, ""
    return (VAT_STANDARD, rate, "") if rate > 0 else (VAT_ZERO, ZERO, "")


def _line(invoice: Invoice, row: InvoiceLineRow) -> InvoiceLine:
    category, rate, reason = _vat_category(invoice, row.vat_rate)
    return InvoiceLine(
        id=str(row.position),
        name=row.description,
        quantity=row.quantity,
        net_unit_price=row.unit_price,
        vat_category=category,
        vat_rate=rate,
        unit_code=row.unit,
        allowance_amount=row.discount,
        allowance_reason="Remise" if row.discount else "",
        exemption_reason=reason,
        seller_item_id=row.reference,
    )


def _payment_means(invoice: Invoice) -> PaymentMeans:
    code = PAYMENT_MEANS_BY_CHORUS_MODE[invoice.payment_method]
    if code not in CREDIT_TRANSFER_CODES:
        return PaymentMeans(code=code)
    return PaymentMeans(code=code, iban=invoice.iban, bic=invoice.bic)


def _notes(invoice: Invoice) -> tuple[Note, ...]:
    notes = list(french_legal_notes())
    if invoice.vat_regime in _REGIME_NOTES:
        notes.append(Note(_REGIME_NOTES[invoice.vat_regime]))
    if invoice.comment.strip():
        notes.append(Note(invoice.comment.strip()))
    return tuple(notes)


def invoice_to_data(invoice: Invoice) -> InvoiceData:
    """A typed invoice (header, lines, supplier and recipient structures) in business terms.

    The VAT regime decides the categories: S or Z by rate, E with the exemption reason, O
    ("not subject") without any VAT number (BR-O-02). The due date (BT-9, required by BR-CO-25
    with an amount to pay) is the legal payment deadline counted from the deposit.
    """
    if invoice.recipient is None or invoice.issue_date is None:
        raise ValueError("Only a complete invoice can be written as a structured file.")
    with_vat = invoice.vat_regime != VatRegime.SANS_TVA
    seller_vat_id = _seller_vat_id(invoice.supplier) if with_vat else ""
    buyer_vat_id = invoice.recipient.vat_number.replace(" ", "") if with_vat else ""
    deadline = payment_deadline(invoice)
    credit_note = invoice.invoice_type == InvoiceType.AVOIR
    return InvoiceData(
        number=invoice.number,
        issue_date=invoice.issue_date,
        seller=_party(invoice.supplier, vat_id=seller_vat_id),
        buyer=_party(invoice.recipient, vat_id=buyer_vat_id),
        type_code=TYPE_CREDIT_NOTE if credit_note else TYPE_INVOICE,
        currency=invoice.currency,
        buyer_reference=invoice.service_code,
        contract_reference=invoice.market_number,
        purchase_order_reference=invoice.engagement_number,
        business_process=invoice.billing_frame,
        preceding_invoice=invoice.original_invoice_number if credit_note else "",
        preceding_invoice_date=_credited_date(invoice) if credit_note else None,
        payment_means=_payment_means(invoice),
        due_date=deadline.due_on if deadline else None,
        lines=tuple(_line(invoice, row) for row in invoice.lines.order_by("position")),
        totals=Totals(ZERO, ZERO, ZERO, ZERO, ZERO, prepaid_amount=invoice.prepaid_amount),
        notes=_notes(invoice),
    )


def _credited_date(invoice: Invoice) -> date | None:
    """BT-26, the date of the invoice a credit note credits, when the portal knows it."""
    credited = invoice.credited_invoice if invoice.credited_invoice_id else None
    return credited.issue_date if credited is not None else None


def data_from_certified_cii(xml: bytes) -> InvoiceData:
    """The invoice a CII made by the portal carries, ready to be written again (PDF, UBL).

    The certified CII is the invoice as deposited: later renderings start from it rather than
    from the models, whose structures may have changed since. A CII states the exemption
    reason once per VAT category; each line gets it back, as ``computed()`` expects.
    """
    data = parse_file(xml, "facture.xml", max_bytes=settings.INVOICE_FILE_MAX_BYTES)
    reasons = {entry.category: entry.exemption_reason for entry in data.vat_breakdown}
    lines = tuple(
        dataclasses.replace(line, exemption_reason=reasons.get(line.vat_category, ""))
        for line in data.lines
    )
    return dataclasses.replace(data, lines=lines)


# --- file → portal ---------------------------------------------------------------------------
_PAYMENT_METHOD_BY_CODE = {
    "30": PaymentMethod.VIREMENT,
    "31": PaymentMethod.VIREMENT,
    "42": PaymentMethod.VIREMENT,
    "58": PaymentMethod.VIREMENT,
    "49": PaymentMethod.PRELEVEMENT,
    "59": PaymentMethod.PRELEVEMENT,
    "20": PaymentMethod.CHEQUE,
    "10": PaymentMethod.ESPECE,
    "97": PaymentMethod.REPORT,
}


def _vat_regime(data: InvoiceData) -> tuple[str, str]:
    """The portal's VAT regime and exemption reason from the file's categories.

    A file does not say whether VAT is due on debits or on receipts: debits, the default.
    """
    categories = {entry.category for entry in data.vat_breakdown}
    categories |= {line.vat_category for line in data.lines}
    if not categories or categories & {VAT_STANDARD, VAT_ZERO}:
        return VatRegime.DEBITS, ""
    if categories == {VAT_NOT_SUBJECT}:
        return VatRegime.SANS_TVA, ""
    reasons = [e.exemption_reason or e.exemption_reason_code for e in data.vat_breakdown]
    return VatRegime.EXONERE, next((reason for reason in reasons if reason), "")


def _payment(data: InvoiceData) -> dict[str, str]:
    means = data.payment_means
    if means is None:
        return {"payment_method": PaymentMethod.AUTRE, "iban": "", "bic": ""}
    method = _PAYMENT_METHOD_BY_CODE.get(means.code, PaymentMethod.AUTRE)
    return {"payment_method": method, "iban": means.iban, "bic": means.bic}


# Unit codes files use for "one" or "a piece" that UN/ECE recommendation 20 names otherwise.
_UNIT_SYNONYMS = {"EA": "C62", "XPP": "H87", "PCE": "H87"}


def line_inputs(data: InvoiceData) -> list[LineInput]:
    return [
        LineInput(
            description=line.name,
            quantity=line.quantity,
            unit_price=line.net_unit_price,
            vat_rate=line.vat_rate if line.vat_rate is not None else ZERO,
            discount=line.allowance_amount,
            reference=line.seller_item_id,
            unit=_UNIT_SYNONYMS.get(line.unit_code, line.unit_code),
        )
        for line in data.lines
    ]


def data_to_invoice_input(data: InvoiceData) -> tuple[InvoiceInput, list[LineInput]]:
    """The header and lines of an invoice read from a file, as the services take them.

    Totals are the file's header totals (BT-109, BT-110, BT-112, BT-113): the file is the
    invoice, and profiles without lines (MINIMUM, BASIC WL) have nothing else.
    """
    regime, reason = _vat_regime(data)
    totals = data.totals or Totals(ZERO, ZERO, ZERO, ZERO, ZERO)
    frame = data.business_process if data.business_process in BillingFrame.values else "A1"
    credit_note = data.type_code == TYPE_CREDIT_NOTE
    header = InvoiceInput(
        number=data.number,
        issue_date=data.issue_date,
        billing_frame=frame,
        invoice_type=InvoiceType.AVOIR if credit_note else InvoiceType.FACTURE,
        original_invoice_number=data.preceding_invoice,
        recipient_siret=data.buyer.siret,
        service_code=data.buyer_reference,
        engagement_number=data.purchase_order_reference,
        market_number=data.contract_reference,
        currency=data.currency,
        vat_regime=regime,
        vat_exemption_reason=reason,
        prepaid_amount=totals.prepaid_amount,
        total_excl_tax=totals.tax_basis_total,
        total_vat=totals.tax_total,
        total_incl_tax=totals.grand_total,
        **_payment(data),
    )
    return header, line_inputs(data)


# --- where a finding goes on the page ----------------------------------------------------------
# The deposit form's field for each place of an InvoiceData (data.FIELD_BY_BUSINESS_TERM).
FORM_FIELD_BY_DATA_FIELD = {
    "number": "number",
    "issue_date": "issue_date",
    "type_code": "invoice_type",
    "currency": "currency",
    "due_date": "payment_method",
    "payment_terms": "payment_method",
    "buyer_reference": "service_code",
    "contract_reference": "market_number",
    "purchase_order_reference": "engagement_number",
    "business_process": "billing_frame",
    "preceding_invoice": "original_invoice_number",
    "preceding_invoice_date": "original_invoice_number",
    "notes": "comment",
    "seller": "supplier",
    "buyer": "recipient_siret",
    "payment_means.code": "payment_method",
    "payment_means.iban": "iban",
    "payment_means.bic": "bic",
    "totals.line_total": "total_excl_tax",
    "totals.tax_basis_total": "total_excl_tax",
    "totals.tax_total": "total_vat",
    "totals.grand_total": "total_incl_tax",
    "totals.prepaid_amount": "prepaid_amount",
    "totals.amount_due": "amount_due",
    "vat_breakdown.exemption_reason": "vat_exemption_reason",
    "vat_breakdown": "vat_regime",
    "lines": "lines",
}
# Terms not in FIELD_BY_BUSINESS_TERM, by their number in EN 16931's order: the seller's
# group (BT-27 to BT-43), the buyer's (BT-44 to BT-58), payee and tax representative, ...
_FIELD_BY_TERM_RANGE = (
    (1, 26, None),
    (27, 43, "supplier"),
    (44, 58, "recipient_siret"),
    (59, 69, "supplier"),
    (70, 80, None),
    (81, 91, "payment_method"),
    (92, 105, "total_excl_tax"),
    (106, 115, "total_incl_tax"),
    (116, 121, "vat_regime"),
    (122, 125, None),
    (126, 999, "lines"),
)
_FIELD_BY_GROUP_RANGE = (
    (1, 1, "comment"),
    (3, 3, "original_invoice_number"),
    (4, 6, "supplier"),
    (7, 9, "recipient_siret"),
    (10, 11, "supplier"),
    (16, 19, "payment_method"),
    (20, 21, "total_excl_tax"),
    (22, 22, "total_incl_tax"),
    (23, 23, "vat_regime"),
    (25, 99, "lines"),
)
_TERM = re.compile(r"^(BT|BG)-(\d+)")


def _by_data_field(path: str) -> str | None:
    while path:
        if path in FORM_FIELD_BY_DATA_FIELD:
            return FORM_FIELD_BY_DATA_FIELD[path]
        path = path.rpartition(".")[0]
    return None


def form_field_for(business_term: str | None) -> str | None:
    """The deposit form's field a business term (``BT-10``, ``BG-25``…) belongs to, or None."""
    if not business_term:
        return None
    path = FIELD_BY_BUSINESS_TERM.get(business_term)
    field = _by_data_field(path) if path else None
    if field:
        return field
    match = _TERM.match(business_term)
    if match is None:
        return None
    ranges = _FIELD_BY_TERM_RANGE if match.group(1) == "BT" else _FIELD_BY_GROUP_RANGE
    number = int(match.group(2))
    return next((field for low, high, field in ranges if low <= number <= high), None)
