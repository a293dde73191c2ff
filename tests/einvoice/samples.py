"""Invoices in business terms for the standards tests, and helpers to break their XML."""

from __future__ import annotations

import dataclasses
import datetime
import html
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from lxml import etree

from einvoice.data import (
    TYPE_CREDIT_NOTE,
    InvoiceData,
    InvoiceLine,
    Party,
    PaymentMeans,
    french_legal_notes,
)

D = Decimal

# The public reference e-invoices, kept in the repository with their licences (see its README).
STANDARDS_DIR = Path(__file__).resolve().parents[1] / "data" / "standards"

CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UBL_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
SUMMATION = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"
HEADER_TAX = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"

SELLER = Party(
    name="ACME Fournitures SAS",
    siret="73282932000074",
    vat_id="FR44732829320",
    address_lines=("12 rue des Lilas", "Bâtiment B"),
    postal_code="75011",
    city="Paris",
)
BUYER = Party(
    name="Ministère de l'Exemple",
    siret="11000201100044",
    address_lines=("1 place de la République",),
    postal_code="75001",
    city="Paris",
)


def line(line_id: str, quantity: str, price: str, **extra: object) -> InvoiceLine:
    return InvoiceLine(
        id=line_id,
        name=str(extra.pop("name", f"Article {line_id}")),
        quantity=D(quantity),
        net_unit_price=D(price),
        **extra,  # type: ignore[arg-type]
    )


def invoice(**changes: object) -> InvoiceData:
    """A plain invoice to the State: SE, EJ, market number, billing frame A1, two 20 % lines."""
    base = InvoiceData(
        number="F-2026-0042",
        issue_date=datetime.date(2026, 3, 2),
        seller=SELLER,
        buyer=BUYER,
        buyer_reference="SE-ACHATS",
        purchase_order_reference="1300012345",
        contract_reference="M-2026-017",
        business_process="A1",
        payment_means=PaymentMeans(code="30", iban="FR7630006000011234567890189", bic="AGRIFRPP"),
        payment_terms="Paiement à 30 jours.",
        due_date=datetime.date(2026, 4, 1),
        delivery_date=datetime.date(2026, 2, 27),
        lines=(line("1", "10", "4.35"), line("2", "2", "125")),
        notes=french_legal_notes(),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def varied_invoices() -> dict[str, InvoiceData]:
    """The set every generated format must pass: rates, discounts, exemptions, a credit note."""
    return {
        "standard": invoice(),
        "credit_note": invoice(
            number="AV-2026-0003",
            type_code=TYPE_CREDIT_NOTE,
            preceding_invoice="F-2026-0042",
            preceding_invoice_date=datetime.date(2026, 3, 2),
            lines=(line("1", "1", "43.50", name="Avoir sur ramettes"),),
        ),
        "several_rates": invoice(
            lines=(
                line("1", "3", "19.99"),
                line("2", "7", "12.333", vat_rate=D("5.5")),
                line("3", "1", "80", vat_rate=D("10")),
                line("4", "4", "2.15", vat_rate=D("2.1")),
            )
        ),
        "discounts": invoice(
            lines=(
                line("1", "12", "8.3333", allowance_amount=D("5.00"), allowance_reason="Remise"),
                line("2", "1", "1500", allowance_amount=D("150.00")),
                line("3", "0.5", "99.99"),
            )
        ),
        "exempt": invoice(
            lines=(
                line(
                    "1",
                    "2",
                    "650",
                    name="Formation professionnelle",
                    vat_category="E",
                    vat_rate=None,
                    exemption_reason="Exonération de TVA, article 261-4-4° a du CGI",
                ),
                line("2", "1", "40"),
            )
        ),
        "zero_rated": invoice(
            lines=(line("1", "5", "30", vat_category="Z", vat_rate=None), line("2", "1", "10")),
        ),
        "without_delivery_date_nor_notes": invoice(delivery_date=None, notes=()),
    }


def mutate_xml(xml: bytes, namespaces: dict[str, str], change: Callable[..., None]) -> bytes:
    """The XML after ``change(root, find)``, where ``find(xpath)`` returns the first match."""
    root = etree.fromstring(xml)

    def find(xpath: str) -> etree._Element:
        return root.xpath(xpath, namespaces=namespaces)[0]

    change(root, find)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def set_text(xpath: str, new: Callable[[str], str]) -> Callable[..., None]:
    def change(root: etree._Element, find: Callable[[str], etree._Element]) -> None:
        element = find(xpath)
        element.text = new(element.text or "")

    return change


def remove(xpath: str) -> Callable[..., None]:
    def change(root: etree._Element, find: Callable[[str], etree._Element]) -> None:
        element = find(xpath)
        element.getparent().remove(element)

    return change


def set_attribute(xpath: str, name: str, value: str) -> Callable[..., None]:
    def change(root: etree._Element, find: Callable[[str], etree._Element]) -> None:
        find(xpath).set(name, value)

    return change


def plus(amount: str) -> Callable[[str], str]:
    return lambda text: str(D(text) + D(amount))


# A hand-written Factur-X MINIMUM invoice: header totals only, no lines.
MINIMUM_CII = (Path(__file__).parent / "files" / "factur-x-minimum.xml").read_bytes()


def readable_pdf(data: InvoiceData) -> bytes:
    """A PDF/A-3b naming the invoice, to carry its CII in a Factur-X.

    The portal renders the readable invoice with its own templates (``invoices.invoice_pdf``);
    the standards library only embeds the XML in a PDF it is given, so its tests make one with
    WeasyPrint directly, without Django.
    """
    from weasyprint import HTML  # late import: loading Pango is slow

    title = html.escape(f"Facture {data.number} — {data.seller.name}")
    return HTML(string=f"<p>{title}</p>").write_pdf(pdf_variant="pdf/a-3b")


def facturx_pdf(data: InvoiceData) -> bytes:
    """The Factur-X PDF of ``data`` on a plain readable PDF (see ``readable_pdf``)."""
    from einvoice.facturx import build_facturx_pdf

    return build_facturx_pdf(data, readable_pdf(data))
