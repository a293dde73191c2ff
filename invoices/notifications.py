"""E-mails about invoices: to the supplier's users on every status change, to the recipient's
agents when an invoice reaches them. Each one in its reader's language, plain text and HTML."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from invoices import selectors
from invoices.models import Invoice, StatusChange
from invoices.workflow import Status

# Statuses whose e-mail carries the reason and the comment of the decision.
WITH_REASON = (Status.REJETEE, Status.SUSPENDUE, Status.A_RECYCLER)


def _send(user, template: str, context: dict) -> None:  # type: ignore[no-untyped-def]
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {**context, "user": user, "site_url": settings.SITE_URL}
        subject = render_to_string(f"invoices/emails/{template}_subject.txt", context)
        text = render_to_string(f"invoices/emails/{template}.txt", context)
        html = render_to_string(f"invoices/emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[user.contact_email or user.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_status_change(status_change_id: int) -> int:
    """Tell the supplier's users where their invoice stands now; returns the e-mails sent."""
    change = (
        StatusChange.objects.select_related("invoice__supplier", "invoice__recipient", "reason")
        .filter(pk=status_change_id)
        .first()
    )
    if change is None or not change.from_status:
        return 0  # a draft being created is nobody's news
    invoice = change.invoice
    context = {
        "invoice": invoice,
        "change": change,
        "with_reason": change.to_status in WITH_REASON,
        "url": settings.SITE_URL + reverse("invoices:detail", args=[invoice.pk]),
    }
    users = list(selectors.supplier_users_to_notify(invoice))
    for user in users:
        _send(user, "status_change", context)
    return len(users)


def send_to_agents(invoice_id: int) -> int:
    """Tell the recipient's agents that an invoice awaits them (new, or completed)."""
    invoice = (
        Invoice.objects.select_related("supplier", "recipient", "service")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None or invoice.recipient_id is None:
        return 0
    context = {
        "invoice": invoice,
        "url": settings.SITE_URL + reverse("invoices:received_detail", args=[invoice.pk]),
    }
    users = list(selectors.agents_to_notify(invoice))
    for user in users:
        _send(user, "agents_invoice", context)
    return len(users)
