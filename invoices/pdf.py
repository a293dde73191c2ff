"""PDF documents the portal produces: a typed invoice, and the deposit certificate.

Rendered by WeasyPrint, always as PDF/A-3b: that is the variant a Factur-X file builds on, and
a PDF that claims it must carry the colour profile that only this mode embeds (DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import translation

from invoices.formats.pdf import html_to_pdf
from invoices.models import Invoice
from invoices.totals import LineAmounts, vat_breakdown

__all__ = ["CertifiedFile", "html_to_pdf", "render_certificate_pdf", "render_invoice_pdf"]


@dataclass(frozen=True)
class CertifiedFile:
    name: str
    kind: str
    size: int
    sha256: str


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The typed invoice as a document (always in French: the legal language of the invoice)."""
    lines = list(invoice.lines.order_by("position"))
    breakdown = vat_breakdown(
        LineAmounts(line.quantity, line.unit_price, line.discount, line.vat_rate) for line in lines
    )
    with translation.override("fr"):
        html = render_to_string(
            "invoices/pdf/invoice.html",
            {"invoice": invoice, "lines": lines, "breakdown": breakdown},
        )
    return html_to_pdf(html)


def render_certificate_pdf(
    invoice: Invoice, *, deposited_at: datetime, digest: str, files: list[CertifiedFile]
) -> bytes:
    """The deposit certificate: when, what (each file and its SHA-256), and the whole's hash."""
    with translation.override("fr"):
        html = render_to_string(
            "invoices/pdf/certificate.html",
            {"invoice": invoice, "deposited_at": deposited_at, "digest": digest, "files": files},
        )
    return html_to_pdf(html)
