"""The services' transitions and the invoice's history: each status change recorded as a row
chained to the previous one (``invoices/integrity.py``), its e-mails queued with it. Private to
the services package."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from invoices import integrity, notifications
from invoices.models import Invoice, RejectionReason, StatusChange
from invoices.services._enqueue import after_commit
from invoices.services.common import InvoiceStateError

if TYPE_CHECKING:
    from accounts.models import User


def fire(transition: Callable[[], None]) -> None:
    """Apply one of the invoice's transitions (``fire(invoice.deposit)``); one that does not
    apply to its status (someone was quicker) is an ``InvoiceStateError``."""
    try:
        transition()
    except TransitionNotAllowed:
        raise InvoiceStateError() from None


def save_transition(invoice: Invoice, *fields: str) -> None:
    invoice.status_changed_at = timezone.now()
    try:
        invoice.save(update_fields=["status", "status_changed_at", "updated_at", *fields])
    except ConcurrentTransition:
        raise InvoiceStateError() from None


def record(
    invoice: Invoice,
    from_status: str,
    *,
    actor: User | None = None,
    system: str = "",
    reason: RejectionReason | None = None,
    comment: str = "",
    mandate_number: str = "",
    emails: list[str] | None = None,
    notify: bool = True,
) -> StatusChange:
    """Record the invoice's status change and queue its e-mails (the outbox). They are sent by
    a task enqueued once committed, if anyone is to receive them; a caller that sends the
    e-mails of several changes at once passes ``emails``, which gathers their keys instead.
    ``notify=False``: no e-mail, the caller tells of the change in a digest of its own."""
    change = history_append(
        invoice,
        from_status=from_status,
        at=invoice.status_changed_at,
        actor=actor,
        actor_system=system,
        reason=reason,
        comment=comment,
        mandate_number=mandate_number,
    )
    # The e-mails are written with the change (the outbox), sent once it is committed.
    if notify and notifications.queue_status_change(change, new=True):
        if emails is None:
            from invoices import tasks  # here: the tasks call the services

            after_commit(tasks.notify_status_change, change.pk)
        else:
            emails.append(notifications.status_key(change.pk))
    return change


def history_append(
    invoice: Invoice, *, from_status: str, first: bool = False, **values: object
) -> StatusChange:
    """Add a row to the invoice's history, chained to the previous one (invoices/integrity.py);
    ``first``: the invoice was created in this transaction and has no history yet.

    Callers hold the invoice's row lock (or created the invoice in this transaction), so the
    previous row cannot change under us; the unique link would refuse a fork anyway.
    """
    previous = (
        None
        if first
        else StatusChange.objects.filter(invoice=invoice)
        .order_by("-id")
        .values_list("row_hash", flat=True)
        .first()
    )
    change = StatusChange(
        invoice=invoice,
        from_status=from_status,
        to_status=invoice.status,
        previous_hash=previous or "",
        **values,
    )
    change.row_hash = integrity.change_digest(change, change.previous_hash)
    change.save(force_insert=True)
    return change
