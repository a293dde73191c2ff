"""Generation: every invoice the portal makes passes XSD and schematron, in CII, UBL and PDF."""

from __future__ import annotations

import io
import logging
import re

import facturx
import pytest
from pypdf import PdfReader

from einvoice.data import InvoiceDataError, PaymentMeans, computed
from einvoice.facturx import build_cii, build_ubl, business_terms
from einvoice.parse import parse_file
from einvoice.validation import validate_file

from .samples import facturx_pdf, invoice, varied_invoices

VARIED = varied_invoices()


@pytest.fixture(scope="module")
def facturx_pdfs() -> dict[str, bytes]:
    # Rendering a PDF takes a while: once per invoice for the whole module.
    return {name: facturx_pdf(data) for name, data in VARIED.items()}


@pytest.mark.parametrize("name", VARIED)
def test_generated_cii_passes_xsd_and_the_en16931_schematron(name):
    report = validate_file(build_cii(VARIED[name]), "facture.xml")
    assert report.format == "CII"
    assert report.profile == "EN16931"
    assert report.errors == (), [f.to_dict() for f in report.errors]


@pytest.mark.parametrize("name", VARIED)
def test_generated_ubl_passes_xsd_and_the_cen_schematron(name):
    report = validate_file(build_ubl(VARIED[name]), "facture.xml")
    assert report.format == "UBL"
    assert report.errors == (), [f.to_dict() for f in report.errors]


@pytest.mark.parametrize("name", VARIED)
def test_generated_facturx_pdf_carries_a_valid_invoice(name, facturx_pdfs):
    report = validate_file(facturx_pdfs[name], "facture.pdf")
    assert report.format == "FACTURX"
    assert report.errors == (), [f.to_dict() for f in report.errors]
    assert report.number == VARIED[name].number


def test_the_facturx_pdf_is_pdfa3b_with_the_factur_x_metadata(facturx_pdfs):
    pdf = facturx_pdfs["standard"]
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert [a.name for a in reader.attachment_list] == ["factur-x.xml"]
    assert catalog["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"  # the sRGB profile is there
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert (name, xml) == ("factur-x.xml", build_cii(VARIED["standard"]))


def test_a_credit_note_is_a_ubl_credit_note_with_its_preceding_invoice():
    xml = build_ubl(VARIED["credit_note"])
    assert b"<CreditNote" in xml and b"<cbc:CreditNoteTypeCode>381<" in xml
    assert b"<cbc:ID>F-2026-0042</cbc:ID>" in xml


def test_chorus_references_land_in_their_business_terms():
    terms = business_terms(computed(invoice()))
    assert terms["BT-10"] == "SE-ACHATS"  # code service
    assert terms["BT-13"] == "1300012345"  # engagement number (EJ)
    assert terms["BT-12"] == "M-2026-017"  # market number
    assert terms["BT-23"] == "A1"  # billing frame
    assert terms["BG-4"]["legal_identifier"] == "73282932000074"
    assert terms["BG-4"]["legal_identifier_schemeid"] == "0009"
    assert terms["BT-84"] == "FR7630006000011234567890189"


def test_generated_files_read_back_to_the_same_invoice():
    original = computed(VARIED["discounts"])
    for build in (build_cii, build_ubl):
        parsed = parse_file(build(original), "facture.xml")
        assert parsed.number == original.number
        assert parsed.issue_date == original.issue_date
        assert parsed.totals == original.totals
        assert parsed.vat_breakdown == original.vat_breakdown
        assert [line.net_amount for line in parsed.lines] == [
            line.net_amount for line in original.lines
        ]
        assert parsed.lines[0].allowance_amount == original.lines[0].allowance_amount
        assert (parsed.buyer_reference, parsed.purchase_order_reference) == (
            "SE-ACHATS",
            "1300012345",
        )
        assert parsed.seller.siret == original.seller.siret
        assert parsed.buyer.siret == original.buyer.siret
        assert parsed.payment_means == original.payment_means
        assert parsed.notes == original.notes


@pytest.mark.parametrize("build", [build_cii, build_ubl], ids=["cii", "ubl"])
def test_a_credit_note_reads_back_with_its_type_and_preceding_invoice(build):
    parsed = parse_file(build(VARIED["credit_note"]), "avoir.xml")
    assert (parsed.type_code, parsed.number) == ("381", "AV-2026-0003")
    assert (parsed.preceding_invoice, parsed.preceding_invoice_date) == (
        "F-2026-0042",
        VARIED["credit_note"].preceding_invoice_date,
    )
    assert parsed.totals == computed(VARIED["credit_note"]).totals


def test_data_that_cannot_be_written_is_an_invoice_data_error():
    with pytest.raises(InvoiceDataError):
        build_cii(invoice(currency="ZZZ"))
    with pytest.raises(InvoiceDataError):
        build_ubl(invoice(number="F-\x01"))


def test_a_credit_transfer_without_iban_cannot_be_generated():
    with pytest.raises(InvoiceDataError, match="IBAN"):
        build_cii(invoice(payment_means=PaymentMeans(code="30")))


def test_generation_never_asks_a_saxon_server(caplog):
    # factur-x's own schematron check posts to localhost:5000 and calls the file valid when
    # nothing answers; it must never run.
    caplog.set_level(logging.DEBUG, logger="factur-x")
    build_cii(invoice())
    build_ubl(invoice())
    assert "schematron" not in caplog.text.lower()
