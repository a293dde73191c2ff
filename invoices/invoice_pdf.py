"""The readable PDF of an invoice: an HTML template rendered as PDF/A-3b by WeasyPrint.

The portal's side of ``einvoice.facturx.build_facturx_pdf``: the standards library embeds the
CII in a PDF it is given; this module renders that PDF with the portal's templates.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateformat import format as format_date
from django.utils.formats import number_format

from einvoice.data import InvoiceData, computed
from einvoice.facturx import build_facturx_pdf

PDF_TEMPLATE = "invoices/formats/invoice_pdf.html"

# UN/ECE recommendation 20 codes the portal offers, as a French reader knows them.
UNIT_LABELS = {
    "C62": "unité",
    "H87": "pièce",
    "HUR": "heure",
    "DAY": "jour",
    "WEE": "semaine",
    "MON": "mois",
    "ANN": "an",
    "KGM": "kg",
    "TNE": "t",
    "MTR": "m",
    "MTK": "m²",
    "MTQ": "m³",
    "LTR": "l",
    "KWH": "kWh",
    "LS": "forfait",
}
PAYMENT_MEANS_LABELS = {
    "1": "Autre",
    "10": "Espèces",
    "20": "Chèque",
    "30": "Virement",
    "42": "Virement",
    "49": "Prélèvement",
    "57": "Virement",
    "58": "Virement SEPA",
    "59": "Prélèvement SEPA",
    "97": "Report",
}
VAT_CATEGORY_LABELS = {
    "S": "Taux normal",
    "Z": "Taux zéro",
    "E": "Exonéré",
    "AE": "Autoliquidation",
    "K": "Intracommunautaire",
    "G": "Export",
    "O": "Hors champ",
}


def french_number(value: Decimal, *, min_decimals: int = 0) -> str:
    """1 500 ; 0,5 ; 8,3333 ; 12,50 with ``min_decimals=2`` (French grouping and comma)."""
    exact = Decimal(format(value.normalize(), "f"))
    # A finite Decimal's exponent is an int (a letter only for NaN and infinities).
    if -exact.as_tuple().exponent < min_decimals:  # type: ignore[operator]
        exact = exact.quantize(Decimal(1).scaleb(-min_decimals))
    return number_format(exact, force_grouping=True)


def french_date(value: datetime.date | None) -> str:
    """« 1er avril 2026 », « 2 mars 2026 »."""
    if value is None:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {format_date(value, 'F Y')}"


def pdf_context(data: InvoiceData) -> dict[str, Any]:
    invoice = computed(data)
    means = invoice.payment_means
    return {
        "invoice": invoice,
        "title": "Avoir" if invoice.is_credit_note else "Facture",
        "issue_date": french_date(invoice.issue_date),
        "due_date": french_date(invoice.due_date),
        "delivery_date": french_date(invoice.delivery_date),
        "preceding_invoice_date": french_date(invoice.preceding_invoice_date),
        "lines": [
            {
                "line": line,
                "unit": UNIT_LABELS.get(line.unit_code, line.unit_code),
                "quantity": french_number(line.quantity),
                "price": french_number(line.net_unit_price, min_decimals=2),
            }
            for line in invoice.lines
        ],
        "vat_rows": [
            {"entry": entry, "label": VAT_CATEGORY_LABELS.get(entry.category, entry.category)}
            for entry in invoice.vat_breakdown
        ],
        "payment_label": PAYMENT_MEANS_LABELS.get(means.code, means.code) if means else "",
    }


# One WeasyPrint font configuration per thread, kept for the life of the process: building one
# (a Pango font map, fontconfig's lookups, the fonts' metrics) is a fixed cost of every render
# that does not depend on the document (bench/pdf.py measures it). Per thread, because a Pango
# font map is not to be shared between threads (gunicorn's gthread workers). The templates
# declare no @font-face, so nothing a document loads stays behind in the configuration.
_FONTS = threading.local()


def font_configuration() -> Any:
    """This thread's WeasyPrint ``FontConfiguration``, made on first use."""
    config = getattr(_FONTS, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _FONTS.config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """The portal's HTML → PDF: always PDF/A-3b (a Factur-X builds on it, and only this mode
    embeds the output colour profile that PDF/A requires), with this thread's fonts."""
    from weasyprint import HTML  # late import: loading Pango is slow and only PDFs need it

    return HTML(string=html).write_pdf(pdf_variant="pdf/a-3b", font_config=font_configuration())


def render_invoice_pdf_html(data: InvoiceData) -> bytes:
    """A readable PDF/A-3b of the invoice, rendered by WeasyPrint from an HTML template.

    Always PDF/A-3b: a Factur-X made from a plain PDF claims PDF/A-3B in its metadata but lacks
    the output colour profile. Always French: the invoice is a French legal document, whatever
    the language of the user who asks for it.
    """
    with translation.override("fr"):
        html = render_to_string(PDF_TEMPLATE, pdf_context(data))
    return html_to_pdf(html)


def render_facturx_pdf(data: InvoiceData, *, cii_xml: bytes | None = None) -> bytes:
    """The Factur-X PDF of an invoice: its readable PDF with the CII embedded (``cii_xml``
    byte for byte when given, see ``build_facturx_pdf``)."""
    return build_facturx_pdf(data, render_invoice_pdf_html(data), cii_xml=cii_xml)
