"""E-mails about invoices: to the supplier's users on every status change, to the recipient's
agents when an invoice reaches them. Each one in its reader's language, plain text and HTML.

They go through the outbox (chorus/outbox.py): ``queue_*`` are called by the services inside the
transaction that records the status change, so that an e-mail exists exactly when its event
does, once per event and reader; ``send_*`` (the tasks enqueued after the commit) deliver them.
A mail server that refuses, or a broker that lost the task, delays an e-mail, never loses it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from chorus import outbox
from chorus.emails import render_email
from chorus.models import OutgoingEmail
from invoices import selectors
from invoices.models import Invoice, StatusChange
from invoices.workflow import Status

# Statuses whose e-mail carries the reason and the comment of the decision.
WITH_REASON = (Status.REJETEE, Status.SUSPENDUE, Status.A_RECYCLER, Status.REFUSEE_1)


def _email(user: Any, template: str, context: dict[str, Any], key: str) -> outbox.Email:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {**context, "user": user, "site_url": settings.SITE_URL}
        subject, text, html = render_email(
            subject=f"invoices/emails/{template}_subject.txt",
            text=f"invoices/emails/{template}.txt",
            html=f"invoices/emails/{template}.html",
            context=context,
        )
    return outbox.Email(
        key=key,
        to=user.contact_email or user.email,
        subject=subject,
        body=text,
        html=html,
    )


def _queue(emails: list[outbox.Email], *, new: bool) -> int:
    """Queue the e-mails of an event: in one write for an event recorded just now (``new``:
    nothing can be queued under its keys yet), else each unless it is already queued."""
    if new:
        return outbox.emails_queue_new(emails)
    for email in emails:
        outbox.email_queue(
            key=email.key, to=email.to, subject=email.subject, body=email.body, html=email.html
        )
    return len(emails)


def _queued(key_prefix: str) -> bool:
    return OutgoingEmail.objects.filter(key__startswith=key_prefix).exists()


def _deliver(*key_prefixes: str) -> int:
    return (
        outbox.emails_deliver(matching=outbox.keys_starting_with(*key_prefixes))
        if key_prefixes
        else 0
    )


def send_queued(key_prefixes: list[str]) -> int:
    """Send the e-mails already queued under these keys (events recorded with their e-mails,
    such as the steps of one routing run); returns those sent."""
    return _deliver(*key_prefixes)


# --- the supplier's users ----------------------------------------------------------------------
def status_key(change_id: int) -> str:
    return f"invoice-status:{change_id}:"


def queue_status_change(change: StatusChange, *, new: bool = False) -> int:
    """Queue the e-mails telling the supplier's users where their invoice stands now; returns
    how many (none: nobody to tell, and no task to enqueue). ``new``: the change was recorded in
    the current transaction (see ``_queue``)."""
    if not change.from_status:
        return 0  # a draft being created is nobody's news
    context = _status_context(change)
    emails = [
        _email(user, "status_change", context, f"{status_key(change.pk)}{user.pk}")
        for user in selectors.supplier_users_to_notify(change.invoice)
    ]
    return _queue(emails, new=new)


def _status_context(change: StatusChange) -> dict[str, Any]:
    return {
        "invoice": change.invoice,
        "change": change,
        "with_reason": change.to_status in WITH_REASON,
        "url": settings.SITE_URL + reverse("invoices:detail", args=[change.invoice_id]),
    }


def send_status_change(status_change_id: int) -> int:
    """Queue (if it was not yet) and send the e-mails of a status change; returns those sent."""
    sent = _deliver(status_key(status_change_id))
    if sent or _queued(status_key(status_change_id)):  # queued with the change, as usual
        return sent
    change = (
        StatusChange.objects.select_related("invoice__supplier", "invoice__recipient", "reason")
        .filter(pk=status_change_id)
        .first()
    )
    if change is None:
        return 0
    queue_status_change(change)  # a change that predates the outbox
    return _deliver(status_key(change.pk))


# --- the recipient's agents --------------------------------------------------------------------
def agents_key(invoice_id: int, change_id: int | None) -> str:
    return f"invoice-agents:{invoice_id}:{change_id or 0}:"


def queue_for_agents(invoice: Invoice, change: StatusChange | None, *, new: bool = False) -> int:
    """Queue the e-mails telling the recipient's agents that an invoice awaits them; returns
    how many. ``new``: ``change`` was recorded in the current transaction (see ``_queue``)."""
    if invoice.recipient_id is None:
        return 0
    context = _agents_context(invoice)
    key = agents_key(invoice.pk, change.pk if change else None)
    emails = [
        _email(user, "agents_invoice", context, f"{key}{user.pk}")
        for user in selectors.agents_to_notify(invoice)
    ]
    return _queue(emails, new=new and change is not None)


def _agents_context(invoice: Invoice) -> dict[str, Any]:
    url = reverse("invoices:received_detail", args=[invoice.pk])
    return {"invoice": invoice, "url": settings.SITE_URL + url}


def send_to_agents(invoice_id: int, change_id: int | None = None) -> int:
    """Queue (if it was not yet) and send the agents' e-mails of the invoice's arrival (new, or
    completed) — the one of status change ``change_id``, or of its latest."""
    invoice = (
        Invoice.objects.select_related("supplier", "recipient", "service")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        return 0
    history = invoice.history.order_by("-id")
    change = history.filter(pk=change_id).first() if change_id else history.first()
    key = agents_key(invoice.pk, change.pk if change else None)
    if not _queued(key):
        queue_for_agents(invoice, change)
    return _deliver(key)


# --- the validator (billing frames A9 / A12) --------------------------------------------------
def validators_key(invoice_id: int, change_id: int) -> str:
    return f"invoice-validators:{invoice_id}:{change_id}:"


def queue_for_validators(changes: list[StatusChange]) -> list[str]:
    """Queue, for each change that puts an invoice in A_VALIDER_1 (the routing, or the supplier
    naming another validator), the e-mails asking the validator's members to validate it;
    returns their keys (for ``send_emails`` once committed). Recorded in this transaction."""
    waiting = [change for change in changes if change.to_status == Status.A_VALIDER_1]
    if not waiting:
        return []
    members = selectors.validators_by_structure(
        {change.invoice.validator_id for change in waiting if change.invoice.validator_id}
    )
    emails = []
    for change in waiting:
        invoice = change.invoice
        url = settings.SITE_URL + reverse("invoices:to_validate_detail", args=[invoice.pk])
        context = {"invoice": invoice, "url": url}
        key = validators_key(invoice.pk, change.pk)
        emails += [
            _email(user, "validation_request", context, f"{key}{user.pk}")
            for user in members.get(invoice.validator_id or 0, [])
        ]
    _queue(emails, new=True)
    return [email.key for email in emails]


# --- a routing batch ----------------------------------------------------------------------------
def _digest_or_notices(
    group: list[StatusChange], users: list[Any], *, digest_key: str, digest: str, **extra: Any
) -> list[outbox.Email]:
    """One e-mail per reader: the usual notice of the invoice (under its usual key) when the
    group has one, else a digest listing them all."""
    if len(group) > 1:
        context = {"changes": group, "count": len(group), **extra}
        return [_email(user, digest, context, f"{digest_key}{user.pk}") for user in users]
    change = group[0]
    if digest == "agents_digest":
        key, template = agents_key(change.invoice_id, change.pk), "agents_invoice"
        context = _agents_context(change.invoice)
    else:
        key, template = status_key(change.pk), "status_change"
        context = _status_context(change)
    return [_email(user, template, context, f"{key}{user.pk}") for user in users]


def _suppliers_told(
    by_supplier: dict[tuple[int, str], list[StatusChange]],
    *,
    key: str,
    notified: dict[int, list[Any]] | None = None,
) -> list[outbox.Email]:
    """Per supplier and new status, its users' notice of the invoice when it is alone, else
    one digest of them all (keyed ``{key}:{supplier}:{status}:``). ``notified``: the users
    who hear of it at once, already read (``members_by_structure``'s) for these suppliers."""
    ids = {supplier for supplier, _s in by_supplier}
    suppliers = (
        notified if notified is not None and ids <= notified.keys()
        else selectors.members_by_structure(ids)
    )  # fmt: skip
    emails: list[outbox.Email] = []
    for (supplier_id, status), group in by_supplier.items():
        emails += _digest_or_notices(
            group,
            suppliers.get(supplier_id, []),
            digest_key=f"{key}:{supplier_id}:{status}:",
            digest="status_digest",
            status=status,
            with_reason=status in WITH_REASON,
            supplier=group[0].invoice.supplier,
            url=settings.SITE_URL + reverse("invoices:sent"),
        )
    return emails


def queue_routed(
    changes: list[StatusChange], *, notified: dict[int, list[Any]] | None = None
) -> list[str]:
    """Queue the e-mails of a routing batch's changes (recorded in the current transaction) in
    one INSERT (``routed_emails``); returns their keys, for ``send_emails`` once committed."""
    emails = routed_emails(changes, notified=notified)
    _queue(emails, new=True)
    return [email.key for email in emails]


def routed_emails(
    changes: list[StatusChange], *, notified: dict[int, list[Any]] | None = None
) -> list[outbox.Email]:
    """The e-mails of a routing batch's changes (or of a batch of deposits), to queue as new
    (``outbox.emails_queue_new``, ``outbox.rows_of``). ``notified``: the suppliers' users to
    tell at once, when already read (``selectors.members_by_structure``).

    Per supplier and new status, its users get the notice of the invoice when it is alone, else
    one digest for them all; per service (or recipient without service), the agents likewise for
    the invoices made available. A supplier whose 500 invoices are routed in one batch gets one
    e-mail per event, not 1,000."""
    batch = f"routing-digest:{min(change.pk for change in changes)}:"
    by_supplier: dict[tuple[int, str], list[StatusChange]] = {}
    by_destination: dict[tuple[str, int], list[StatusChange]] = {}
    for change in changes:
        invoice = change.invoice
        by_supplier.setdefault((invoice.supplier_id, change.to_status), []).append(change)
        if change.to_status == Status.MISE_A_DISPOSITION:
            if invoice.service_id is not None:
                by_destination.setdefault(("service", invoice.service_id), []).append(change)
            elif invoice.recipient_id is not None:
                by_destination.setdefault(("structure", invoice.recipient_id), []).append(change)
    services = selectors.agents_by_service({pk for kind, pk in by_destination if kind == "service"})
    recipients = selectors.agents_by_structure(
        {pk for kind, pk in by_destination if kind == "structure"}
    )
    emails = _suppliers_told(by_supplier, key=f"{batch}status", notified=notified)
    for (kind, pk), group in by_destination.items():
        emails += _digest_or_notices(
            group,
            (services if kind == "service" else recipients).get(pk, []),
            digest_key=f"{batch}agents:{kind}:{pk}:",
            digest="agents_digest",
            url=settings.SITE_URL + reverse("invoices:received"),
        )
    return emails


# --- a bulk decision ---------------------------------------------------------------------------
def queue_bulk_decided(bulk_id: int, changes: list[StatusChange]) -> list[str]:
    """Queue the e-mails of a bulk decision's changes once the batch is over (in the
    transaction that marks it so); returns their keys, for ``send_emails`` once committed.

    Per supplier, each of its users who hears of each event at once gets the usual notice of
    the invoice when it is alone, else one digest listing them all with their new status and
    reason: an agent rejecting 500 invoices of one supplier sends its users one e-mail each.
    The others read the changes in their daily or weekly digest."""
    if not changes:
        return []
    by_supplier: dict[tuple[int, str], list[StatusChange]] = {}
    for change in changes:
        by_supplier.setdefault((change.invoice.supplier_id, change.to_status), []).append(change)
    emails = _suppliers_told(by_supplier, key=f"bulk-decision:{bulk_id}:status")
    _queue(emails, new=True)
    return [email.key for email in emails]


def send_emails(keys: list[str]) -> int:
    """Send the queued e-mails of these keys (a routing batch's, a bulk decision's); returns
    those sent."""
    return outbox.emails_deliver(matching=Q(key__in=keys)) if keys else 0
