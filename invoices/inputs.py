"""What a supplier gives for an invoice, as the services take it: plain dataclasses.

Kept apart from the services so that the format mapping (``invoices.einvoice_mapping``) can
build them without importing the services, which import the mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoices.totals import ZERO


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    discount: Decimal = ZERO
    reference: str = ""
    unit: str = "C62"


@dataclass(frozen=True)
class InvoiceInput:
    """The header of an invoice as the supplier gives it. Totals are only read for a deposited
    document (a PDF), whose lines the portal does not know; typed invoices compute them."""

    number: str = ""
    issue_date: date | None = None
    billing_frame: str = "A1"
    invoice_type: str = "FACTURE"
    original_invoice_number: str = ""
    # A credit note's invoice as chosen in a list (its id); else found by the number above.
    credited_invoice_id: int | None = None
    recipient_siret: str = ""
    service_code: str = ""
    engagement_number: str = ""
    validator_siret: str = ""
    market_number: str = ""
    currency: str = "EUR"
    vat_regime: str = "DEBITS"
    vat_exemption_reason: str = ""
    payment_method: str = "VIREMENT"
    iban: str = ""
    bic: str = ""
    comment: str = ""
    prepaid_amount: Decimal = ZERO
    total_excl_tax: Decimal = ZERO
    total_vat: Decimal = ZERO
    total_incl_tax: Decimal = ZERO
