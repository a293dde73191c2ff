"""A structured invoice shown as the deposit form would show it, read-only, each field with the
problems that concern it (the portal's rules first), for the upload page and the review."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from einvoice.data import InvoiceData
from invoices.models import BillingFrame, Invoice, InvoiceType, PaymentMethod, VatRegime
from invoices.services import InvoiceInput, Problem
from invoices.templatetags.invoice_tags import money

GROUPS: list[tuple[Any, list[tuple[str, Any]]]] = [
    (
        _("Parties"),
        [("supplier", _("Fournisseur")), ("recipient_siret", _("Destinataire"))],
    ),
    (
        _("Facture"),
        [
            ("number", _("Numéro de facture")),
            ("issue_date", _("Date de facture")),
            ("invoice_type", _("Type")),
            ("billing_frame", _("Cadre de facturation")),
            ("original_invoice_number", _("Numéro de la facture d'origine (avoir)")),
        ],
    ),
    (
        _("Références du destinataire"),
        [
            ("service_code", _("Code service")),
            ("engagement_number", _("Numéro d'engagement (bon de commande)")),
            ("market_number", _("Numéro de marché")),
        ],
    ),
    (
        _("Montants et paiement"),
        [
            ("total_excl_tax", _("Total HT")),
            ("total_vat", _("Total TVA")),
            ("total_incl_tax", _("Total TTC")),
            ("prepaid_amount", _("Montant déjà payé")),
            ("amount_due", _("Net à payer")),
            ("currency", _("Devise")),
            ("vat_regime", _("Régime de TVA")),
            ("vat_exemption_reason", _("Motif d'exonération")),
            ("payment_method", _("Mode de paiement")),
            ("iban", _("IBAN")),
            ("bic", _("BIC")),
        ],
    ),
]
FIELDS = {name for _legend, rows in GROUPS for name, _label in rows}


@dataclass
class Row:
    name: str
    label: Any
    value: str
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Group:
    legend: Any
    rows: list[Row]


@dataclass
class Display:
    """What the page shows: the fields by group, then what belongs to no field."""

    groups: list[Group]
    lines_problems: list[Problem]
    other_problems: list[Problem]


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _party(name: str, siret: str) -> str:
    return f"{name or '—'} — SIRET {siret or '—'}"


def _common(values: dict[str, Any], currency: str) -> dict[str, str]:
    shown = {name: str(value or "") for name, value in values.items()}
    for name in ("total_excl_tax", "total_vat", "total_incl_tax", "prepaid_amount", "amount_due"):
        amount = values.get(name)
        shown[name] = money(amount, currency) if isinstance(amount, Decimal) else ""
    issue_date = values.get("issue_date")
    shown["issue_date"] = issue_date.strftime("%d/%m/%Y") if isinstance(issue_date, date) else ""
    shown["invoice_type"] = _label(InvoiceType, values["invoice_type"])
    shown["billing_frame"] = _label(BillingFrame, values["billing_frame"])
    shown["vat_regime"] = _label(VatRegime, values["vat_regime"])
    shown["payment_method"] = _label(PaymentMethod, values["payment_method"])
    return shown


def values_from_file(header: InvoiceInput, data: InvoiceData) -> dict[str, str]:
    values: dict[str, Any] = dict(header.__dict__)
    values["amount_due"] = header.total_incl_tax - header.prepaid_amount
    shown = _common(values, header.currency)
    shown["supplier"] = _party(data.seller.name, data.seller.siret or data.seller.siren)
    shown["recipient_siret"] = _party(data.buyer.name, data.buyer.siret)
    return shown


def values_from_invoice(invoice: Invoice) -> dict[str, str]:
    values = {name: getattr(invoice, name) for name in FIELDS if hasattr(invoice, name)}
    shown = _common(values, invoice.currency)
    shown["supplier"] = _party(invoice.supplier.name, invoice.supplier.identifier)
    recipient = invoice.recipient
    shown["recipient_siret"] = _party(recipient.name if recipient else "", invoice.recipient_siret)
    return shown


def display(values: dict[str, str], problems: list[Problem]) -> Display:
    by_field: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_field[problem.field].append(problem)
    groups = [
        Group(
            legend, [Row(name, label, values.get(name, ""), by_field[name]) for name, label in rows]
        )
        for legend, rows in GROUPS
    ]
    others = [
        p for name, found in by_field.items() if name not in FIELDS | {"lines"} for p in found
    ]
    return Display(groups=groups, lines_problems=by_field["lines"], other_problems=others)
