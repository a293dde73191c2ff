"""Reference invoice files (tests/data/standards) turned into invoices to the State from a
supplier of the tests, and broken on purpose."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from tests.einvoice.samples import CII_NS, STANDARDS_DIR, UBL_NS

STATE_SIRET = "11000201100044"
_AGREEMENT = "//ram:ApplicableHeaderTradeAgreement"


def _ram(name: str) -> str:
    return f"{{{CII_NS['ram']}}}{name}"


def _cbc(name: str) -> str:
    return f"{{{UBL_NS['cbc']}}}{name}"


def _cac(name: str) -> str:
    return f"{{{UBL_NS['cac']}}}{name}"


def _legal_id(party: etree._Element, siret: str) -> None:
    """The party's SpecifiedLegalOrganization/ID: the SIRET, scheme 0009 (placed by the XSD)."""
    organization = party.find(_ram("SpecifiedLegalOrganization"))
    if organization is None:
        organization = etree.Element(_ram("SpecifiedLegalOrganization"))
        party.find(_ram("Name")).addnext(organization)
    for child in list(organization):
        organization.remove(child)
    etree.SubElement(organization, _ram("ID"), schemeID="0009").text = siret


def cii_to_the_state(
    name: str = "CII_example1.xml",
    *,
    seller_siret: str,
    service_code: str = "FACTURES_PUBLIQUES",
    change: Callable[[etree._Element], None] | None = None,
) -> bytes:
    """A CEN CII example addressed to the State (its SIRET, a service code in BT-10) and sold
    by ``seller_siret``."""
    root = etree.parse(str(STANDARDS_DIR / "cen-cii" / name)).getroot()
    agreement = root.xpath(_AGREEMENT, namespaces=CII_NS)[0]
    for old in agreement.findall(_ram("BuyerReference")):
        agreement.remove(old)
    reference = etree.Element(_ram("BuyerReference"))
    reference.text = service_code
    agreement.insert(0, reference)
    _legal_id(agreement.find(_ram("SellerTradeParty")), seller_siret)
    buyer = agreement.find(_ram("BuyerTradeParty"))
    for old in buyer.findall(_ram("ID")):
        buyer.remove(old)
    buyer.find(_ram("Name")).text = "État"
    _legal_id(buyer, STATE_SIRET)
    if change:
        change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _ubl_party_legal_id(party: etree._Element, siret: str) -> None:
    entity = party.find(_cac("PartyLegalEntity"))
    company = entity.find(_cbc("CompanyID"))
    if company is None:
        company = etree.Element(_cbc("CompanyID"))
        entity.find(_cbc("RegistrationName")).addnext(company)
    company.text = siret
    company.set("schemeID", "0009")


_UBL_BEFORE_BUYER_REFERENCE = (
    "DocumentCurrencyCode",
    "TaxCurrencyCode",
    "PricingCurrencyCode",
    "PaymentCurrencyCode",
    "PaymentAlternativeCurrencyCode",
    "AccountingCostCode",
    "AccountingCost",
    "LineCountNumeric",
)


def ubl_to_the_state(
    name: str = "ubl-tc434-example1.xml",
    *,
    seller_siret: str,
    service_code: str = "FACTURES_PUBLIQUES",
) -> bytes:
    """A CEN UBL example addressed to the State, sold by ``seller_siret``."""
    root = etree.parse(str(STANDARDS_DIR / "cen-ubl" / name)).getroot()
    reference = root.find(_cbc("BuyerReference"))
    if reference is None:
        reference = etree.Element(_cbc("BuyerReference"))
        # UBL's order: BuyerReference comes after the currency codes and accounting cost.
        before = [root.find(_cbc(name)) for name in _UBL_BEFORE_BUYER_REFERENCE]
        [element for element in before if element is not None][-1].addnext(reference)
    reference.text = service_code
    seller = root.find(f"{_cac('AccountingSupplierParty')}/{_cac('Party')}")
    _ubl_party_legal_id(seller, seller_siret)
    buyer = root.find(f"{_cac('AccountingCustomerParty')}/{_cac('Party')}")
    buyer.find(f"{_cac('PartyLegalEntity')}/{_cbc('RegistrationName')}").text = "État"
    _ubl_party_legal_id(buyer, STATE_SIRET)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def set_cii(xpath: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        root.xpath(xpath, namespaces=CII_NS)[0].text = text

    return change


def facturx_to_the_state(*, seller_siret: str, **changes: object) -> bytes:
    """A Factur-X PDF (EN 16931) of the format tests' sample invoice, dated today, sold by
    ``seller_siret`` to the State's FACTURES_PUBLIQUES service."""
    import dataclasses

    from django.utils import timezone

    from invoices.invoice_pdf import render_facturx_pdf
    from tests.einvoice.samples import SELLER, invoice

    values: dict[str, object] = {
        "issue_date": timezone.localdate(),
        "due_date": None,
        "delivery_date": None,
        "seller": dataclasses.replace(SELLER, siret=seller_siret),
        "buyer_reference": "FACTURES_PUBLIQUES",
        "purchase_order_reference": "",
    }
    values.update(changes)
    return render_facturx_pdf(invoice(**values))


def minimum_facturx(*, seller_siret: str) -> bytes:
    """A Factur-X MINIMUM PDF: header totals only, no lines (the PDF is the invoice)."""
    import facturx

    from tests.einvoice.samples import MINIMUM_CII
    from tests.invoices.factories import pdf_bytes

    xml = MINIMUM_CII.replace(b"73282932000074", seller_siret.encode()).replace(
        b"SE-ACHATS", b"FACTURES_PUBLIQUES"
    )
    return facturx.generate_from_binary(pdf_bytes(), xml, check_xsd=False)


def minimum_cii(*, seller_siret: str) -> bytes:
    from tests.einvoice.samples import MINIMUM_CII

    return MINIMUM_CII.replace(b"73282932000074", seller_siret.encode()).replace(
        b"SE-ACHATS", b"FACTURES_PUBLIQUES"
    )
