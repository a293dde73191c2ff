"""Writes by the system: the routing worker and the simulated payment system."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class RoutingRun:
    """Several routing steps run by one call: the keys of the e-mails their changes queued,
    sent together once the last step is committed (one task instead of one per change)."""

    emails: list[str] = field(default_factory=list)


def _route_start(invoice: Invoice, run: RoutingRun | None) -> None:
    fire(invoice, "start_routing")
    save_transition(invoice)
    record(
        invoice,
        Status.DEPOSEE,
        system=SYSTEM_ROUTING,
        emails=None if run is None else run.emails,
    )
    if run is None:  # the next step is a message of its own; otherwise the caller goes on
        enqueue_routing(invoice)


def _route_decide(invoice: Invoice, run: RoutingRun | None) -> None:
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
        emails=None if run is None else run.emails,
    )
    if decision.status == Status.MISE_A_DISPOSITION and notifications.queue_for_agents(
        invoice, change, new=True
    ):
        if run is None:
            after_commit("notify_agents", invoice.pk, change.pk)
        else:
            run.emails.append(notifications.agents_key(invoice.pk, change.pk))


@transaction.atomic
def invoice_route(
    *, invoice_id: int, expected_status: str, run: RoutingRun | None = None
) -> str | None:
    """One step of routing, if the invoice is still where the step expects it.

    Returns the new status, or None when there was nothing to do: a message delivered twice,
    or an invoice that has moved on, changes nothing. Without ``run``, the step enqueues what
    follows it (the next step, the e-mails); with it, the caller does (``invoice_route_through``).
    """
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("supplier", "recipient", "service")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None or invoice.status != expected_status:
        return None
    if invoice.status == Status.DEPOSEE:
        _route_start(invoice, run)
    elif invoice.status == Status.EN_COURS_ACHEMINEMENT:
        _route_decide(invoice, run)
    else:
        return None
    return invoice.status


def invoice_route_through(*, invoice_id: int, expected_status: str) -> str | None:
    """Every routing step the invoice can take now, from ``expected_status`` on, in one call.

    Each step is its own transaction with its own history row, as when each is a message: a
    crash after the first commit leaves the invoice in EN_COURS_ACHEMINEMENT, where the same
    message delivered again (late acknowledgement) or the sweep takes it on. For that reason a
    message that expects DEPOSEE also finishes an invoice it finds in EN_COURS_ACHEMINEMENT.
    The e-mails of the steps are sent by one task once the last step is committed. Returns the
    last status reached, or None when there was nothing to do.
    """
    if expected_status not in (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT):
        return None
    run = RoutingRun()
    started = None
    if expected_status == Status.DEPOSEE:
        started = invoice_route(invoice_id=invoice_id, expected_status=Status.DEPOSEE, run=run)
    decided = invoice_route(
        invoice_id=invoice_id, expected_status=Status.EN_COURS_ACHEMINEMENT, run=run
    )
    if run.emails:
        after_commit("notify_queued", run.emails)
    return decided or started


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
