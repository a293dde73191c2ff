"""Writes by the system: the routing worker and the simulated payment system."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from invoices import notifications, routing, selectors
from invoices.models import (
    EngagementRecord,
    Invoice,
    RejectionReason,
)
from invoices.services.common import (
    after_commit,
    enqueue_routing,
    fire,
    record,
    save_transition,
)
from invoices.workflow import (
    ROUTING_TRANSITIONS,
    Status,
)

SYSTEM_ROUTING = "routage"
SYSTEM_PAYMENT = "paiement"


# --- routing -----------------------------------------------------------------------------------
def _routing_facts(invoice: Invoice) -> routing.RoutingFacts:
    recipient = invoice.recipient
    assert recipient is not None  # a deposited invoice always has one (database constraint)
    service = invoice.service
    engagement = None
    if recipient.keeps_engagement_register and invoice.engagement_number:
        record = EngagementRecord.objects.filter(
            recipient=recipient, number=invoice.engagement_number
        ).first()
        if record is not None:
            engagement = routing.EngagementFacts(
                is_open=record.state == EngagementRecord.State.OPEN,
                supplier_siret=record.supplier_siret,
            )
    return routing.RoutingFacts(
        today=timezone.localdate(),
        recipient_is_public=recipient.is_public,
        recipient_is_active=recipient.is_active,
        service_code_required=recipient.service_code_required,
        engagement_required=recipient.engagement_required,
        engagement_or_service_required=recipient.engagement_or_service_required,
        keeps_engagement_register=recipient.keeps_engagement_register,
        service_code=invoice.service_code,
        service=None
        if service is None
        else routing.ServiceFacts(
            belongs_to_recipient=service.structure_id == recipient.pk,
            is_active=service.is_active,
            valid_from=service.valid_from,
            valid_until=service.valid_until,
            engagement_required=service.engagement_required,
        ),
        engagement_number=invoice.engagement_number,
        engagement=engagement,
        supplier_siret=invoice.supplier.siret,
    )


def _route_start(invoice: Invoice) -> None:
    fire(invoice, "start_routing")
    save_transition(invoice)
    record(invoice, Status.DEPOSEE, system=SYSTEM_ROUTING)
    enqueue_routing(invoice)


def _route_decide(invoice: Invoice) -> None:
    decision = routing.decide(_routing_facts(invoice))
    fire(invoice, ROUTING_TRANSITIONS[decision.status])
    if decision.status == Status.MISE_A_DISPOSITION:
        invoice.made_available_at = timezone.now()
    save_transition(invoice, "made_available_at")
    reason = (
        RejectionReason.objects.filter(code=decision.reason_code).first()
        if decision.reason_code
        else None
    )
    change = record(
        invoice,
        Status.EN_COURS_ACHEMINEMENT,
        system=SYSTEM_ROUTING,
        reason=reason,
        comment=decision.comment,
    )
    if decision.status == Status.MISE_A_DISPOSITION:
        notifications.queue_for_agents(invoice, change)
        after_commit("notify_agents", invoice.pk, change.pk)


@transaction.atomic
def invoice_route(*, invoice_id: int, expected_status: str) -> str | None:
    """One step of routing, if the invoice is still where the step expects it.

    Returns the new status, or None when there was nothing to do: a message delivered twice,
    or an invoice that has moved on, changes nothing.
    """
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or invoice.status != expected_status:
        return None
    if invoice.status == Status.DEPOSEE:
        _route_start(invoice)
    elif invoice.status == Status.EN_COURS_ACHEMINEMENT:
        _route_decide(invoice)
    else:
        return None
    return invoice.status


@transaction.atomic
def invoices_sweep_routing(*, stuck_after: timedelta) -> list[tuple[int, str]]:
    """The invoices whose routing message seems lost, marked as swept now; the caller enqueues
    their routing again. Rows another sweep is marking are skipped, not waited for."""
    stuck = (
        selectors.stuck_in_routing(older_than=stuck_after)
        .select_for_update(skip_locked=True)
        .order_by("status_changed_at", "id")
    )
    found = list(stuck.values_list("id", "status"))
    Invoice.objects.filter(pk__in=[pk for pk, _status in found]).update(
        routing_swept_at=timezone.now()
    )
    return found


@transaction.atomic
def invoice_pay_due(*, invoice_id: int) -> bool:
    """The simulated payment system pays an accounted invoice; False if it has moved on."""
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or invoice.status != Status.COMPTABILISEE:
        return False
    fire(invoice, "put_in_payment")
    save_transition(invoice)
    record(invoice, Status.COMPTABILISEE, system=SYSTEM_PAYMENT)
    return True
