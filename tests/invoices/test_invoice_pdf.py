"""The readable PDF of an invoice (Django templates, WeasyPrint), the Factur-X made on it, and
the rendering helper's one font configuration per thread (bench/pdf.py)."""

from __future__ import annotations

import io
import threading
from dataclasses import replace

import facturx
import pytest
from pypdf import PdfReader

from einvoice.facturx import build_cii
from einvoice.validation import validate_file
from invoices.invoice_pdf import (
    font_configuration,
    html_to_pdf,
    render_facturx_pdf,
    render_invoice_pdf_html,
)
from tests.einvoice.samples import invoice, varied_invoices

VARIED = varied_invoices()


def fonts_and_text(pdf: bytes) -> tuple[set[str], str]:
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    fonts = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    return fonts, page.extract_text()


def test_a_thread_keeps_its_font_configuration_and_another_thread_has_its_own():
    mine = font_configuration()
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(font_configuration()))
    thread.start()
    thread.join()

    assert font_configuration() is mine
    assert theirs and theirs[0] is not mine


def test_each_pdf_made_with_the_kept_fonts_embeds_the_glyphs_of_its_own_text():
    first = html_to_pdf("<p style='font-family: DejaVu Sans'>Facture abc</p>")
    second = html_to_pdf("<p style='font-family: DejaVu Sans'><b>Avoir xyz 12 €</b></p>")

    first_fonts, first_text = fonts_and_text(first)
    second_fonts, second_text = fonts_and_text(second)
    assert "Facture abc" in first_text and "xyz" not in first_text
    assert "Avoir xyz 12 €" in second_text
    assert any("DejaVu" in name for name in first_fonts)
    assert any("Bold" in name for name in second_fonts)
    assert not any("Bold" in name for name in first_fonts)


def test_the_kept_fonts_still_make_pdfa3b():
    reader = PdfReader(io.BytesIO(html_to_pdf("<p>Accusé de dépôt</p>")))

    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp


def test_the_page_footer_prints_the_seller_s_name_as_it_is_written():
    """The footer is CSS generated content: quotes, backslashes and "</style>" in a name are
    escaped for CSS, and print as typed (they printed as "u002D" with JavaScript escapes)."""
    sample = invoice()
    name = 'ACME "Fournitures" </style> \\ SAS'
    pdf = render_facturx_pdf(replace(sample, seller=replace(sample.seller, name=name)))
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert f"Facture {sample.number} — {name}" in text


def test_the_readable_pdf_is_pdfa3b_in_french():
    pdf = render_invoice_pdf_html(invoice())
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert reader.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    text = reader.pages[0].extract_text()
    assert "Facture n° F-2026-0042" in text
    assert "SE-ACHATS" in text and "1300012345" in text
    assert "Net à payer" in text
    assert "FR7630006000011234567890189" in text.replace(" ", "")


def test_a_credit_note_is_titled_avoir_and_names_the_invoice_it_corrects():
    text = (
        PdfReader(io.BytesIO(render_invoice_pdf_html(VARIED["credit_note"])))
        .pages[0]
        .extract_text()
    )
    assert "Avoir n° AV-2026-0003" in text
    assert "F-2026-0042" in text


@pytest.mark.parametrize("name", ["standard", "credit_note"])
def test_the_facturx_pdf_is_the_readable_pdf_carrying_the_cii(name):
    pdf = render_facturx_pdf(VARIED[name])
    report = validate_file(pdf, "facture.pdf")
    assert report.format == "FACTURX"
    assert report.errors == (), [f.to_dict() for f in report.errors]
    assert facturx.get_xml_from_pdf(pdf, check_xsd=False)[1] == build_cii(VARIED[name])
    assert VARIED[name].number in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_given_cii_is_embedded_byte_for_byte():
    certified = build_cii(invoice()).replace(b"?>", b"?>\n<!-- certified -->", 1)
    pdf = render_facturx_pdf(invoice(), cii_xml=certified)
    assert facturx.get_xml_from_pdf(pdf, check_xsd=False)[1] == certified
