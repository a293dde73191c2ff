"""From a CII, UBL or Factur-X file to an ``InvoiceData`` (and a lenient header for reports).

``read_header`` never fails: it reads the few values a validation report shows, leaving None
what a broken file lacks. ``parse_invoice`` maps the whole invoice through factur-x's
``parse_ubl_cii_xml`` and raises ``UnreadableFile`` when a mandatory term is unusable.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import facturx
from lxml import etree

from einvoice.data import (
    PROFILES_WITHOUT_LINES,
    SCHEME_SIREN,
    SCHEME_SIRET,
    ZERO,
    InvoiceData,
    InvoiceLine,
    Note,
    Party,
    PaymentMeans,
    Totals,
    VatBreakdown,
)
from einvoice.errors import UnreadableFile
from einvoice.profiles import NAMESPACES, detect_profile
from einvoice.reading import (
    DEFAULT_MAX_BYTES,
    SYNTAX_CII,
    SYNTAX_UBL,
    SourceDocument,
    read_document,
)

_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_SUMMATION = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_CII = {
    "number": "rsm:ExchangedDocument/ram:ID",
    "type_code": "rsm:ExchangedDocument/ram:TypeCode",
    "issue_date": "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
    "currency": f"{_SETTLEMENT}/ram:InvoiceCurrencyCode",
    "total_excl_tax": f"{_SUMMATION}/ram:TaxBasisTotalAmount",
    "total_vat": f"{_SUMMATION}/ram:TaxTotalAmount",
    "total_incl_tax": f"{_SUMMATION}/ram:GrandTotalAmount",
    "service_code": f"{_AGREEMENT}/ram:BuyerReference",
    "engagement_number": f"{_AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
    "seller": f"{_AGREEMENT}/ram:SellerTradeParty",
    "buyer": f"{_AGREEMENT}/ram:BuyerTradeParty",
}
_UBL = {
    "number": "cbc:ID",
    "type_code": "cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode",
    "issue_date": "cbc:IssueDate",
    "currency": "cbc:DocumentCurrencyCode",
    "total_excl_tax": "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
    "total_vat": "cac:TaxTotal/cbc:TaxAmount",
    "total_incl_tax": "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
    "service_code": "cbc:BuyerReference",
    "engagement_number": "cac:OrderReference/cbc:ID",
    "seller": "cac:AccountingSupplierParty/cac:Party",
    "buyer": "cac:AccountingCustomerParty/cac:Party",
}
_PARTY = {
    SYNTAX_CII: {
        "name": "ram:Name",
        "legal_id": "ram:SpecifiedLegalOrganization/ram:ID",
        "identifier": "ram:GlobalID|ram:ID",
        "vat_id": "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
    },
    SYNTAX_UBL: {
        "name": "cac:PartyLegalEntity/cbc:RegistrationName|cac:PartyName/cbc:Name",
        "legal_id": "cac:PartyLegalEntity/cbc:CompanyID",
        "identifier": "cac:PartyIdentification/cbc:ID",
        "vat_id": "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID",
    },
}


@dataclass(frozen=True)
class PartySummary:
    name: str | None
    siret: str | None
    vat_id: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "siret": self.siret, "vat_id": self.vat_id}


@dataclass(frozen=True)
class Header:
    """The values a validation report shows, each None when the file does not give it."""

    number: str | None = None
    type_code: str | None = None
    issue_date: datetime.date | None = None
    currency: str | None = None
    total_excl_tax: Decimal | None = None
    total_vat: Decimal | None = None
    total_incl_tax: Decimal | None = None
    seller: PartySummary | None = None
    buyer: PartySummary | None = None
    service_code: str | None = None
    engagement_number: str | None = None


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a file's text, or None."""
    if value is None or isinstance(value, (list, dict)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_date(text: str | None) -> datetime.date | None:
    for pattern in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime((text or "").strip(), pattern).date()
        except ValueError:
            continue
    return None


def _first(node: etree._Element, xpath: str) -> etree._Element | None:
    found = node.xpath(xpath, namespaces=NAMESPACES)
    return found[0] if found else None


def _text(node: etree._Element | None, xpath: str) -> str | None:
    element = _first(node, xpath) if node is not None else None
    text = (element.text or "").strip() if element is not None else ""
    return text or None


def _siret_of(party: etree._Element, paths: dict[str, str]) -> str | None:
    """The party's SIRET: its legal id or another identifier with scheme 0009 (or 14 digits)."""
    for xpath in (paths["legal_id"], paths["identifier"]):
        for element in party.xpath(xpath, namespaces=NAMESPACES):
            value = (element.text or "").strip()
            scheme = element.get("schemeID")
            if scheme == SCHEME_SIRET or (not scheme and value.isdigit() and len(value) == 14):
                return value
    return None


def _party_summary(root: etree._Element, xpath: str, syntax: str) -> PartySummary | None:
    party = _first(root, xpath)
    if party is None:
        return None
    paths = _PARTY[syntax]
    return PartySummary(
        name=_text(party, paths["name"]),
        siret=_siret_of(party, paths),
        vat_id=_text(party, paths["vat_id"]),
    )


def _total_vat(root: etree._Element, xpath: str, currency: str | None) -> Decimal | None:
    # BT-110 is the tax total in the invoice currency; BT-111 (another currency) may sit beside.
    elements = root.xpath(xpath, namespaces=NAMESPACES)
    chosen = [e for e in elements if e.get("currencyID") in (None, currency)] or elements
    return to_decimal(chosen[0].text) if chosen else None


def read_header(document: SourceDocument) -> Header:
    if document.syntax not in (SYNTAX_CII, SYNTAX_UBL):
        return Header()
    paths = _CII if document.syntax == SYNTAX_CII else _UBL
    root = document.root
    currency = _text(root, paths["currency"])
    return Header(
        number=_text(root, paths["number"]),
        type_code=_text(root, paths["type_code"]),
        issue_date=to_date(_text(root, paths["issue_date"])),
        currency=currency,
        total_excl_tax=to_decimal(_text(root, paths["total_excl_tax"])),
        total_vat=_total_vat(root, paths["total_vat"], currency),
        total_incl_tax=to_decimal(_text(root, paths["total_incl_tax"])),
        seller=_party_summary(root, paths["seller"], document.syntax),
        buyer=_party_summary(root, paths["buyer"], document.syntax),
        service_code=_text(root, paths["service_code"]),
        engagement_number=_text(root, paths["engagement_number"]),
    )


# --- The whole invoice ----------------------------------------------------------------------


def _one(value: Any) -> Any:
    """factur-x gives a list when a term repeats; the invoice keeps the first one."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _str(value: Any) -> str:
    value = _one(value)
    return str(value).strip() if value is not None else ""


def _amount(value: Any) -> Decimal:
    return to_decimal(_one(value)) or ZERO


def _party(terms: dict[str, Any] | None) -> Party:
    terms = terms or {}
    legal_id, scheme = (
        _str(terms.get("legal_identifier")),
        _str(terms.get("legal_identifier_schemeid")),
    )
    identifiers = terms.get("identifiers") or {}
    siret = legal_id if scheme == SCHEME_SIRET else _str(identifiers.get(SCHEME_SIRET))
    if not siret and not scheme and legal_id.isdigit() and len(legal_id) == 14:
        siret = legal_id
    siren = legal_id if scheme == SCHEME_SIREN else _str(identifiers.get(SCHEME_SIREN))
    lines = tuple(_str(terms.get(key)) for key in ("addr_l1", "addr_l2", "addr_l3"))
    return Party(
        name=_str(terms.get("name")),
        siret=siret,
        siren=siren,
        vat_id=_str(terms.get("vat_identifier")),
        address_lines=tuple(line for line in lines if line),
        postal_code=_str(terms.get("postcode")),
        city=_str(terms.get("city")),
        country_code=_str(terms.get("country_code")),
        electronic_address=_str(terms.get("einvoicing_addr")),
        electronic_address_scheme=_str(terms.get("einvoicing_addr_schemeid")),
    )


def _line(terms: dict[str, Any]) -> InvoiceLine:
    allowances = terms.get("BG-27") or []
    rate = to_decimal(_one(terms.get("BT-152")))
    return InvoiceLine(
        id=_str(terms.get("BT-126")),
        name=_str(terms.get("BT-153")),
        quantity=_amount(terms.get("BT-129")),
        net_unit_price=_amount(terms.get("BT-146")),
        vat_category=_str(terms.get("BT-151")),
        vat_rate=rate,
        unit_code=_str(terms.get("BT-130")) or "C62",
        allowance_amount=sum((_amount(a.get("amount")) for a in allowances), ZERO),
        allowance_reason=_str(allowances[0].get("reason")) if allowances else "",
        description=_str(terms.get("BT-154")),
        seller_item_id=_str(terms.get("BT-155")),
        net_amount=to_decimal(_one(terms.get("BT-131"))),
    )


def _vat(terms: dict[str, Any]) -> VatBreakdown:
    return VatBreakdown(
        category=_str(terms.get("BT-118")),
        rate=to_decimal(_one(terms.get("BT-119"))),
        taxable_amount=_amount(terms.get("BT-116")),
        tax_amount=_amount(terms.get("BT-117")),
        exemption_reason=_str(terms.get("BT-120")),
        exemption_reason_code=_str(terms.get("BT-121")),
    )


def _totals(terms: dict[str, Any]) -> Totals:
    return Totals(
        line_total=_amount(terms.get("BT-106")),
        tax_basis_total=_amount(terms.get("BT-109")),
        tax_total=_amount(terms.get("BT-110")),
        grand_total=_amount(terms.get("BT-112")),
        amount_due=_amount(terms.get("BT-115")),
        allowance_total=_amount(terms.get("BT-107")),
        charge_total=_amount(terms.get("BT-108")),
        prepaid_amount=_amount(terms.get("BT-113")),
        rounding_amount=_amount(terms.get("BT-114")),
    )


def _payment_means(terms: dict[str, Any]) -> PaymentMeans | None:
    code = _str(terms.get("BT-81"))
    if not code:
        return None
    return PaymentMeans(
        code=code,
        iban=_str(terms.get("BT-84")),
        bic=_str(terms.get("BT-86")),
        account_name=_str(terms.get("BT-85")),
    )


def _date(value: Any) -> datetime.date | None:
    value = _one(value)
    return value if isinstance(value, datetime.date) else None


def _business_terms(document: SourceDocument) -> dict[str, Any]:
    if document.syntax not in (SYNTAX_CII, SYNTAX_UBL):
        raise UnreadableFile("Les factures ZUGFeRD 1 ne sont pas prises en charge.")
    # level "extended" reads every term and spares factur-x's guess of the level, which
    # fails on guideline ids it does not know.
    try:
        terms: dict[str, Any] = facturx.parse_ubl_cii_xml(
            document.root, level="extended", check_xsd=False, float_as="string"
        )
    except Exception as exc:  # factur-x raises plain exceptions on unexpected content
        raise UnreadableFile(f"La facture n'a pas pu être lue : {exc}") from exc
    return terms


def parse_invoice(document: SourceDocument) -> InvoiceData:
    """The invoice of a read document; lines are left empty for MINIMUM and BASIC WL."""
    terms = _business_terms(document)
    number, issue_date = _str(terms.get("BT-1")), _date(terms.get("BT-2"))
    if not number or issue_date is None:
        raise UnreadableFile("La facture n'a pas de numéro (BT-1) ou de date (BT-2) lisible.")
    profile = detect_profile(document).name or ""
    preceding = (terms.get("BG-3") or [{}])[0]
    lines = () if profile in PROFILES_WITHOUT_LINES else terms.get("BG-25") or []
    return InvoiceData(
        number=number,
        issue_date=issue_date,
        seller=_party(terms.get("BG-4")),
        buyer=_party(terms.get("BG-7")),
        type_code=_str(terms.get("BT-3")),
        currency=_str(terms.get("BT-5")),
        buyer_reference=_str(terms.get("BT-10")),
        contract_reference=_str(terms.get("BT-12")),
        purchase_order_reference=_str(terms.get("BT-13")),
        business_process=_str(terms.get("BT-23")),
        preceding_invoice=_str(preceding.get("BT-25")),
        preceding_invoice_date=_date(preceding.get("BT-26")),
        payment_means=_payment_means(terms),
        payment_terms=_str(terms.get("BT-20")),
        due_date=_date(terms.get("BT-9")),
        delivery_date=_date(terms.get("BT-72")),
        lines=tuple(_line(line) for line in lines),
        vat_breakdown=tuple(_vat(entry) for entry in terms.get("BG-23") or []),
        totals=_totals(terms),
        notes=tuple(
            Note(_str(note.get("BT-22")), _str(note.get("BT-21")))
            for note in terms.get("BG-1") or []
            if note.get("BT-22")
        ),
        profile=profile,
    )


def parse_file(
    content: bytes, filename: str = "", *, max_bytes: int = DEFAULT_MAX_BYTES
) -> InvoiceData:
    """Read an uploaded Factur-X PDF, CII or UBL file into an ``InvoiceData`` (no validation)."""
    return parse_invoice(read_document(content, filename, max_bytes=max_bytes))
