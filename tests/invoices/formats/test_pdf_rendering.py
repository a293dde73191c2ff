"""The rendering helper keeps one WeasyPrint font configuration per thread (bench/pdf.py)."""

from __future__ import annotations

import io
import threading

from pypdf import PdfReader

from invoices.formats.pdf import font_configuration, html_to_pdf


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
    from dataclasses import replace

    from invoices.formats.facturx import build_facturx_pdf
    from tests.invoices.formats.samples import invoice

    sample = invoice()
    name = 'ACME "Fournitures" </style> \\ SAS'
    pdf = build_facturx_pdf(replace(sample, seller=replace(sample.seller, name=name)))
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert f"Facture {sample.number} — {name}" in text
