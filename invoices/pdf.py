"""The deposit certificate, rendered by WeasyPrint as PDF/A-3b.

The invoice itself has one rendering only: the Factur-X PDF of ``einvoice.facturx``
(see ``invoices.services.documents``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import translation

from invoices import seals
from invoices.invoice_pdf import html_to_pdf
from invoices.models import Invoice

__all__ = ["CertifiedFile", "html_to_pdf", "render_certificate_pdf"]


@dataclass(frozen=True)
class CertifiedFile:
    name: str
    kind: str
    size: int
    sha256: str


def render_certificate_pdf(
    invoice: Invoice, *, deposited_at: datetime, digest: str, files: list[CertifiedFile]
) -> bytes:
    """The deposit certificate: when, what (each file and its SHA-256), the whole's hash, and
    the audit trail's latest seal when it is rendered (the deposit itself is in the next one)."""
    context = {
        "invoice": invoice,
        "deposited_at": deposited_at,
        "digest": digest,
        "files": files,
        "seal": seals.latest_seal(),
    }
    with translation.override("fr"):
        html = render_to_string("invoices/pdf/certificate.html", context)
    return html_to_pdf(html)
