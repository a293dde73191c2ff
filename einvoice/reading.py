"""Reading an uploaded file safely: size, type, the XML inside a PDF, a parser that trusts nothing.

The XML parser loads no DTD, expands no entity and opens no network connection; a document
with a DOCTYPE is refused outright (no invoice needs one), which disarms external entities
(XXE) and entity expansion bombs ("billion laughs") before anything else reads the text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import PurePath

import facturx
from lxml import etree

from einvoice.errors import (
    FileTooLarge,
    NoInvoiceInPdf,
    UnreadableFile,
    UnsupportedFileType,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

FORMAT_FACTURX = "FACTURX"
FORMAT_CII = "CII"
FORMAT_UBL = "UBL"

SYNTAX_CII = "CII"
SYNTAX_UBL = "UBL"
SYNTAX_ZUGFERD1 = "ZUGFERD1"

CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
UBL_INVOICE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
ZUGFERD1_ROOT = "{urn:ferd:CrossIndustryDocument:invoice:1p0}CrossIndustryDocument"
SYNTAX_BY_ROOT = {
    CII_ROOT: SYNTAX_CII,
    UBL_INVOICE_ROOT: SYNTAX_UBL,
    UBL_CREDIT_NOTE_ROOT: SYNTAX_UBL,
    ZUGFERD1_ROOT: SYNTAX_ZUGFERD1,
}
_LEADING_NOISE = b"\xef\xbb\xbf \t\r\n"
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE_REFUSED = (
    "Le fichier XML contient une déclaration DOCTYPE, refusée pour des raisons de sécurité : "
    "une facture n'en a pas besoin."
)


@dataclass(frozen=True)
class SourceDocument:
    """An invoice XML ready to be judged, and where it came from."""

    format: str  # FACTURX (a PDF), CII or UBL
    syntax: str  # CII, UBL or ZUGFERD1
    root: etree._Element
    xml_text: str  # the parsed document re-serialised, without declaration nor DOCTYPE

    @property
    def is_ubl_credit_note(self) -> bool:
        return bool(self.root.tag == UBL_CREDIT_NOTE_ROOT)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo"


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLarge(f"Le fichier dépasse la taille maximale de {_megabytes(max_bytes)}.")


def sniff(content: bytes, filename: str = "") -> str:
    """``pdf`` or ``xml`` from the content; the file name only words the error."""
    if not content:
        raise UnreadableFile("Le fichier est vide.")
    if b"%PDF-" in content[:1024]:
        return "pdf"
    if content.lstrip(_LEADING_NOISE).startswith(b"<"):
        return "xml"
    extension = PurePath(filename).suffix.lower()
    if extension in (".pdf", ".xml"):
        raise UnreadableFile(
            f"Le fichier porte l'extension {extension} mais son contenu n'est pas lisible."
        )
    raise UnsupportedFileType("Seuls les fichiers PDF (Factur-X) et XML (CII, UBL) sont acceptés.")


def safe_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def _has_doctype(xml: bytes) -> bool:
    """Whether the prolog (what precedes the first element) declares a DOCTYPE."""
    first_element = _FIRST_ELEMENT.search(xml)
    prolog = xml[: first_element.start()] if first_element else xml
    return b"<!DOCTYPE" in prolog


def _without_leading_space(xml: bytes) -> bytes:
    # Blank lines before the XML declaration make the document ill-formed; they are common in
    # files written by hand or by templates, and harmless.
    bom = b"\xef\xbb\xbf" if xml.startswith(b"\xef\xbb\xbf") else b""
    return bom + xml[len(bom) :].lstrip(b" \t\r\n")


def parse_xml(xml: bytes) -> etree._Element:
    """The root of an untrusted XML document; typed error if broken or carrying a DOCTYPE."""
    xml = _without_leading_space(xml)
    # Checked before parsing too, so that an entity bomb gets this clear message.
    if _has_doctype(xml):
        raise UnreadableFile(_DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(xml, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(f"Le fichier XML est mal formé : {exc}") from exc
    if root.getroottree().docinfo.doctype:  # e.g. in a UTF-16 document
        raise UnreadableFile(_DOCTYPE_REFUSED)
    return root


def xml_from_pdf(content: bytes) -> bytes:
    """The Factur-X / ZUGFeRD XML embedded in a PDF."""
    try:
        xml: bytes | None
        _name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
    except Exception as exc:  # pypdf raises many types on a damaged PDF
        logger.info("unreadable PDF: %r", exc)
        raise UnreadableFile("Le PDF est illisible ou endommagé.") from exc
    if not xml:
        raise NoInvoiceInPdf(
            "Ce PDF ne contient pas de facture structurée lisible (fichier factur-x.xml absent "
            "ou illisible) : déposez-le comme facture PDF, ou envoyez un Factur-X."
        )
    return xml


def read_document(
    content: bytes, filename: str = "", *, max_bytes: int = DEFAULT_MAX_BYTES
) -> SourceDocument:
    """Recognise and parse an uploaded invoice file (Factur-X PDF, CII or UBL XML).

    ``max_bytes`` bounds the file and the XML inside a PDF alike; the portal passes its own
    setting (``invoices.services.structured``).
    """
    _check_size(len(content), max_bytes)
    kind = sniff(content, filename)
    xml = xml_from_pdf(content) if kind == "pdf" else content
    _check_size(len(xml), max_bytes)
    root = parse_xml(xml)
    syntax = SYNTAX_BY_ROOT.get(root.tag)
    if syntax is None or (kind == "pdf" and syntax == SYNTAX_UBL):
        raise UnreadableFile(
            "Ce fichier n'est pas une facture Factur-X, CII ou UBL 2.1 (Invoice ou CreditNote)."
        )
    if kind == "pdf":
        file_format = FORMAT_FACTURX
    else:
        file_format = FORMAT_UBL if syntax == SYNTAX_UBL else FORMAT_CII
    return SourceDocument(
        format=file_format,
        syntax=syntax,
        root=root,
        xml_text=etree.tostring(root, encoding="unicode"),
    )
