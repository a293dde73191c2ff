"""What the invoice pages share."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest

from invoices import selectors
from invoices.models import Invoice


def querystring_without(request: HttpRequest, *names: str) -> str:
    """The current filters, to carry over in pagination and export links."""
    params = [(k, v) for k, values in request.GET.lists() for v in values if k not in names]
    return urlencode(params)


def documents_context(invoice: Invoice) -> dict:
    """The files of an invoice page: every attachment, the document that is the invoice, and
    for a typed invoice its certified CII (the UBL is made from it) and whether its Factur-X
    PDF is still being made."""
    certified_xml = selectors.certified_xml_of(invoice)
    return {
        "attachments": selectors.attachments_of(invoice),
        "main_document": selectors.main_document_of(invoice),
        "certified_xml": certified_xml,
        "rendering_pending": selectors.rendering_pending(invoice, certified_xml),
    }
