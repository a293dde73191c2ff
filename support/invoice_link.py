"""The seam between a ticket and the invoice it is about.

Tickets do not import the invoices app: a ticket keeps a snapshot of what the sender saw
(number, status, last reason) and is routed to the invoice's recipient. Anything that looks
like ``InvoiceLike`` (an ``invoices.Invoice``) can be given to
``services.ticket_create(invoice=...)``; ``visible_invoice`` looks up one the user may see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from accounts.models import User
    from structures.models import Service, Structure


class InvoiceLike(Protocol):
    number: str
    status: str
    supplier: Structure  # the sender must be an approved member of it
    recipient: Structure | None
    service: Service | None

    def get_status_display(self) -> str: ...

    @property
    def last_reason(self) -> str:
        """The last reason given on the invoice (code, label and comment), or ""."""
        ...


def visible_invoice(*, user: User, invoice_id: int) -> InvoiceLike | None:
    """The invoice ``user`` may open a ticket about (one their structures sent), or None (the
    page then answers 404)."""
    from invoices.selectors import sent_invoices_for

    return (
        sent_invoices_for(user)
        .select_related("supplier", "recipient", "service")
        .filter(pk=invoice_id)
        .first()
    )
