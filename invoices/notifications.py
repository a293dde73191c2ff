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
WITH_REASON = (Status.REJETEE, Status.SUSPENDUE, Status.A_RECYCLER)


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


def _keys(*key_prefixes: str) -> Q:
    match = Q()
    for prefix in key_prefixes:
        match |= Q(key__startswith=prefix)
    return match


def _deliver(*key_prefixes: str) -> int:
    return outbox.emails_deliver(matching=_keys(*key_prefixes)) if key_prefixes else 0


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
    invoice = change.invoice
    context = {
        "invoice": invoice,
        "change": change,
        "with_reason": change.to_status in WITH_REASON,
        "url": settings.SITE_URL + reverse("invoices:detail", args=[invoice.pk]),
    }
    emails = [
        _email(user, "status_change", context, f"{status_key(change.pk)}{user.pk}")
        for user in selectors.supplier_users_to_notify(invoice)
    ]
    return _queue(emails, new=new)


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
    context = {
        "invoice": invoice,
        "url": settings.SITE_URL + reverse("invoices:received_detail", args=[invoice.pk]),
    }
    key = agents_key(invoice.pk, change.pk if change else None)
    emails = [
        _email(user, "agents_invoice", context, f"{key}{user.pk}")
        for user in selectors.agents_to_notify(invoice)
    ]
    return _queue(emails, new=new and change is not None)


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
