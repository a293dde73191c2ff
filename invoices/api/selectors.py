"""Reads of the invoices API, built on the invoices selectors' scopes (what a user may see)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from chorus.prepared import PreparedQuery, prefetched, read_together
from invoices import selectors
from invoices.models import Attachment, EngagementRecord, Invoice, InvoiceLine, RejectionReason
from invoices.workflow import Status
from structures.models import BankAccount, Structure
from structures.selectors import supplier_structures_of

SENT = "sent"
RECEIVED = "received"
TO_VALIDATE = "to_validate"

# ``ordering`` values the list accepts; the id breaks ties so that pages never overlap.
ORDERINGS = (
    "created_at",
    "issue_date",
    "deposited_at",
    "status_changed_at",
    "total_incl_tax",
    "number",
)


def invoices_visible_to(user: User, direction: str | None = None) -> QuerySet[Invoice]:
    """Invoices the user sent (their supplier structures), received (as an agent), or is to
    validate (a member of the titular company, the mandatary, of an A9 / A12)."""
    if direction == SENT:
        return selectors.sent_invoices_for(user)
    if direction == RECEIVED:
        return selectors.received_invoices_for(user)
    to_validate = selectors.to_validate_for(user).order_by()
    if direction == TO_VALIDATE:
        return to_validate
    sent = selectors.sent_invoices_for(user).values("pk")
    received = selectors.received_invoices_for(user).values("pk")
    return Invoice.objects.filter(
        Q(pk__in=sent) | Q(pk__in=received) | Q(pk__in=to_validate.values("pk"))
    )


def _filter_dates(invoices: QuerySet[Invoice], filters: Mapping[str, Any]) -> QuerySet[Invoice]:
    bounds: dict[str, date | Decimal | None] = {
        "issue_date__gte": filters.get("issued_from"),
        "issue_date__lte": filters.get("issued_to"),
        "deposited_at__date__gte": filters.get("deposited_from"),
        "deposited_at__date__lte": filters.get("deposited_to"),
        "total_incl_tax__gte": filters.get("amount_min"),
        "total_incl_tax__lte": filters.get("amount_max"),
    }
    return invoices.filter(**{name: value for name, value in bounds.items() if value is not None})


def invoice_list(user: User, filters: Mapping[str, Any]) -> QuerySet[Invoice]:
    """The invoices of the list endpoint: scoped, filtered, ordered, with their parties."""
    invoices = invoices_visible_to(user, filters.get("direction"))
    exact = {
        "status__in": filters.get("status"),
        "supplier__identifier": filters.get("supplier_siret"),
        "recipient_siret": filters.get("recipient_siret"),
        "service_code": filters.get("service_code"),
        "engagement_number": filters.get("engagement_number"),
        "number": filters.get("number"),
        "deposit_mode": filters.get("deposit_mode"),
    }
    invoices = invoices.filter(**{name: value for name, value in exact.items() if value})
    invoices = _filter_dates(invoices, filters)
    ordering = filters.get("ordering") or "-created_at"
    tie = "-id" if ordering.startswith("-") else "id"
    return invoices.select_related("supplier", "recipient", "validator").order_by(ordering, tie)


def _detail_prefetches() -> list[Prefetch[Any]]:
    return [
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id")),
    ]


def _credit_notes_prefetch() -> Prefetch[Any]:
    """The deposited credit notes that refer to the invoice (their ids only)."""
    deposited = Invoice.objects.exclude(status=Status.BROUILLON)
    deposited = deposited.only("id", "status", "credited_invoice_id")
    return Prefetch("credit_notes", queryset=deposited.order_by("id"))


def invoice_detail(user: User, pk: int) -> Invoice:
    """One invoice the user may see, with everything its detail shows (four queries)."""
    invoice = (
        invoices_visible_to(user)
        .select_related("supplier", "recipient", "validator")
        .prefetch_related(*_detail_prefetches(), _credit_notes_prefetch())
        .filter(pk=pk)
        .first()
    )
    if invoice is None:
        raise Http404
    return invoice


# The lines and files of one invoice, in the detail's orders (``_detail_prefetches``), their SQL
# compiled once: an API deposit reads them back for its answer.
_LINES_OF = PreparedQuery(
    lambda pk: InvoiceLine.objects.filter(invoice_id=pk).order_by("position"), -1
)
_ATTACHMENTS_OF = PreparedQuery(
    lambda pk: Attachment.objects.filter(invoice_id=pk).order_by("uploaded_at", "id"), -1
)


def invoice_created_detail(invoice: Invoice) -> Invoice:
    """What the detail shows of an invoice the user has just created (the service checked that
    they may invoice for its supplier, so it is theirs to see): its lines and files, in one
    round trip, instead of reading it again through the visibility scope. A service that leaves
    the rows it wrote in the invoice's prefetch cache (``lines`` by position, ``attachments`` in
    the order added) spares them."""
    cache = invoice.__dict__.setdefault("_prefetched_objects_cache", {})
    missing = [
        (name, query)
        for name, query in (("lines", _LINES_OF), ("attachments", _ATTACHMENTS_OF))
        if name not in cache
    ]
    if missing:
        # Both in one round trip (chorus/prepared.py, read_together).
        found = read_together(*[(query, (invoice.pk,)) for _name, query in missing])
        for (name, _query), objects in zip(missing, found, strict=True):
            prefetched(invoice, name, objects)
    # Just created: no credit note can refer to it yet (a prefetch would cost a query to find
    # nothing, and even ``none()`` compiles one when iterated).
    prefetched(invoice, "credit_notes", [])
    return invoice


def invoice_attachment(invoice: Invoice, n: int) -> Attachment:
    """The invoice's n-th file (1 for the first), in the order they were added."""
    if n < 1:
        raise Http404
    attachment = selectors.attachments_of(invoice)[n - 1 : n].first()
    if attachment is None:
        raise Http404
    return attachment


def open_engagements(
    *, recipient: Structure, user: User, supplier_siret: str | None
) -> QuerySet[EngagementRecord]:
    """Open EJ numbers the recipient holds for the user's own supplier structures."""
    own = supplier_structures_of(user).filter(identifier_type=Structure.IdentifierType.SIRET)
    sirets = own.values("identifier")
    records = EngagementRecord.objects.filter(
        recipient=recipient, state=EngagementRecord.State.OPEN, supplier_siret__in=sirets
    )
    if supplier_siret:
        records = records.filter(supplier_siret=supplier_siret)
    return records.order_by("number", "pk")


# The supplier structure a write names, among the caller's (one query, its SQL compiled once).
_SUPPLIER_OF = PreparedQuery(
    lambda user_id, siret: supplier_structures_of(User(pk=user_id)).filter(identifier=siret)[:1],
    -1,
    "\x00siret",
)


def supplier_of(user: User, siret: str) -> Structure | None:
    """The caller's supplier structure with this identifier (``supplier_structures_of``)."""
    return _SUPPLIER_OF.first(user.pk, siret)


# The active bank accounts of that same structure: what a deposit chooses its account among, or
# checks a typed IBAN against (``invoice_input_with_account``).
_ACTIVE_ACCOUNTS_OF_SUPPLIER = PreparedQuery(
    lambda user_id, siret: BankAccount.objects.filter(
        structure__in=_SUPPLIER_OF.build(user_id, siret).values("pk"), is_active=True
    ).only("pk", "structure_id", "iban", "bic"),
    -1,
    "\x00siret",
)


def supplier_with_accounts(user: User, siret: str) -> tuple[Structure | None, list[BankAccount]]:
    """``supplier_of`` and the structure's active bank accounts, in one round trip (a deposit
    needs both: issue 15, the single API deposit)."""
    found, accounts = read_together(
        (_SUPPLIER_OF, (user.pk, siret)), (_ACTIVE_ACCOUNTS_OF_SUPPLIER, (user.pk, siret))
    )
    return (found[0] if found else None), accounts


def may_see_supplier(user: User, siret: str) -> bool:
    return supplier_structures_of(user).filter(identifier=siret).exists()


def reason_by_code(code: str) -> RejectionReason | None:
    return RejectionReason.objects.filter(code=code).first()


def reason_catalogue() -> QuerySet[RejectionReason]:
    return RejectionReason.objects.filter(is_active=True).order_by("position", "code", "pk")
