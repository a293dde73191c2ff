"""Celery tasks of invoices: thin (load by id, call a service), idempotent, acknowledged late.

The database is the source of truth: a lost message is recovered by ``sweep_routing``, and a
message delivered twice finds the invoice already moved on and does nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from invoices import notifications, selectors, services
from invoices.services.seals import seal_create
from invoices.workflow import Status

logger = logging.getLogger(__name__)


@shared_task(name="invoices.route_invoice", acks_late=True)
def route_invoice(invoice_id: int, expected_status: str = Status.DEPOSEE) -> str | None:
    """Route an invoice that is still in ``expected_status``: every step at once, or one step
    per message when INVOICE_ROUTING_DELAY spaces them (so that a developer sees them)."""
    if settings.INVOICE_ROUTING_DELAY:
        return services.invoice_route(invoice_id=invoice_id, expected_status=expected_status)
    return services.invoice_route_through(invoice_id=invoice_id, expected_status=expected_status)


@shared_task(name="invoices.sweep_routing", acks_late=True)
def sweep_routing(stuck_after: float | None = None) -> int:
    """Enqueue again the invoices that sit in a routing status for too long."""
    seconds = settings.INVOICE_ROUTING_STUCK_AFTER if stuck_after is None else stuck_after
    stuck = services.invoices_sweep_routing(stuck_after=timedelta(seconds=seconds))
    for invoice_id, status in stuck:
        route_invoice.delay(invoice_id, status)
    if stuck:
        logger.warning("re-enqueued %d invoice(s) stuck in routing", len(stuck))
    return len(stuck)


@shared_task(name="invoices.render_facturx", acks_late=True)
def render_facturx(certified_xml_id: int) -> int | None:
    """The Factur-X PDF of a deposited typed invoice (see ``services.documents``)."""
    rendering = services.invoice_render_facturx(certified_xml_id=certified_xml_id)
    return rendering.pk if rendering else None


@shared_task(name="invoices.sweep_renderings", acks_late=True)
def sweep_renderings(missing_after: float | None = None) -> int:
    """Enqueue again the renderings that should exist by now: their message was lost."""
    seconds = settings.INVOICE_ROUTING_STUCK_AFTER if missing_after is None else missing_after
    count = 0
    for xml_id in selectors.renderings_missing(older_than=timedelta(seconds=seconds)).iterator():
        render_facturx.delay(xml_id)
        count += 1
    if count:
        logger.warning("re-enqueued %d Factur-X rendering(s)", count)
    return count


@shared_task(name="invoices.simulate_payments", acks_late=True)
def simulate_payments(delay: float | None = None) -> int:
    """The simulated payment system: puts accounted invoices in payment after a delay."""
    if not settings.INVOICE_PAYMENT_SIMULATION:
        return 0
    seconds = settings.INVOICE_PAYMENT_SIMULATION_DELAY if delay is None else delay
    due = selectors.due_for_payment(older_than=timedelta(seconds=seconds))
    paid = 0
    for invoice_id in due.values_list("id", flat=True).iterator():
        paid += services.invoice_pay_due(invoice_id=invoice_id)
    return paid


@shared_task(name="invoices.notify_status_change", acks_late=True)
def notify_status_change(status_change_id: int) -> int:
    return notifications.send_status_change(status_change_id)


@shared_task(name="invoices.notify_agents", acks_late=True)
def notify_agents(invoice_id: int, status_change_id: int | None = None) -> int:
    return notifications.send_to_agents(invoice_id, status_change_id)


@shared_task(name="invoices.notify_queued", acks_late=True)
def notify_queued(key_prefixes: list[str]) -> int:
    """The e-mails queued by several changes at once (a routing run)."""
    return notifications.send_queued(key_prefixes)


@shared_task(name="invoices.seal_audit_trail", acks_late=True)
def seal_audit_trail() -> int | None:
    """Seal what the audit trail recorded since the last seal (see ``invoices/seals.py``)."""
    try:
        seal = seal_create()
    except OperationalError:  # a long transaction held the tables: the next tick seals it all
        logger.warning("audit trail not sealed this time: its tables stayed locked", exc_info=True)
        return None
    return seal.sequence if seal else None
