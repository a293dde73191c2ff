"""What the invoice pages share."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from invoices import selectors
from invoices.models import Invoice
from invoices.workflow import Status


class CountedPaginator(Paginator):
    """A paginator told its total when the page already knows it (an unfiltered list: the sum
    of its status counts), which saves a second count of the same invoices."""

    def __init__(self, object_list, per_page: int, *, count: int | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(object_list, per_page)
        if count is not None:
            self.count = count  # instead of Paginator.count's query (a cached_property)


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


def credit_context(invoice: Invoice, visible: QuerySet[Invoice], detail_url: str) -> dict:
    """A credit note's invoice and an invoice's credit notes, each linked to its own page
    (``detail_url``, the side's detail view), among those the user may see (``visible``: a
    recipient's service may not have received them all)."""
    credited = None
    if invoice.credited_invoice_id is not None:
        credited = visible.filter(pk=invoice.credited_invoice_id).first()
    notes = visible.filter(credited_invoice=invoice).exclude(status=Status.BROUILLON)
    return {
        "credited_invoice": credited,
        "credit_notes": list(notes.order_by("deposited_at", "id")),
        "detail_url": detail_url,
    }
