"""Writes by the system: the routing worker and the simulated payment system."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from invoices import integrity, notifications, routing, selectors
from invoices.models import (
    EngagementRecord,
    Invoice,
    RejectionReason,
    StatusChange,
)
from invoices.services._enqueue import after_commit
from invoices.services._history import (
    fire,
    record,
    save_transition,
)
from invoices.services.common import claim_skip_locked
from invoices.services.validation import route_to_validation, validations_started
from invoices.workflow import (
    ROUTING_TRANSITIONS,
    Status,
)

SYSTEM_ROUTING = "routage"
SYSTEM_PAYMENT = "paiement"


# --- routing, in batches -------------------------------------------------------------------------
# A worker claims up to INVOICE_ROUTING_BATCH_SIZE invoices waiting in a routing status, moves
# each one as far as it can go, and commits once: set-based status updates, the history rows in
# one INSERT per step (their hash chains computed here), the e-mails in one INSERT and sent by
# one task after the commit, which also enqueues the renderings of the deposits claimed. Two
# workers never claim the same invoice (SKIP LOCKED; SQLite serialises writers). A worker
# killed in the middle leaves nothing: the batch rolls back, and the next wake or the sweep
# claims the same invoices again.
ROUTING_STATUSES = (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT)


@dataclass
class RoutedBatch:
    """What one batch did: the invoices it moved (id → status reached), whether it was full (more
    may be waiting), and whether some invoices only took their first step (``through=False``)."""

    reached: dict[int, str] = field(default_factory=dict)
    full: bool = False
    started_only: bool = False


@dataclass
class _Step:
    invoice: Invoice
    from_status: str
    to_status: str
    reason_code: str = ""
    comment: str = ""


def _engagements(invoices: list[Invoice]) -> dict[tuple[int, str], EngagementRecord]:
    """The register entries the batch's invoices cite, in one query."""
    wanted = [
        (inv.recipient_id, inv.engagement_number)
        for inv in invoices
        if inv.recipient is not None
        and inv.recipient.keeps_engagement_register
        and inv.engagement_number
    ]
    if not wanted:
        return {}
    match = Q()
    for recipient_id, number in set(wanted):
        match |= Q(recipient_id=recipient_id, number=number)
    return {(r.recipient_id, r.number): r for r in EngagementRecord.objects.filter(match)}


def _routing_facts(
    invoice: Invoice, engagements: dict[tuple[int, str], EngagementRecord]
) -> routing.RoutingFacts:
    recipient = invoice.recipient
    assert recipient is not None  # a deposited invoice always has one (database constraint)
    service = invoice.service
    engagement = None
    record = engagements.get((recipient.pk, invoice.engagement_number))
    if recipient.keeps_engagement_register and invoice.engagement_number and record is not None:
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


def _claim(
    *, limit: int, statuses: Sequence[str], invoice_ids: Sequence[int] | None
) -> list[Invoice]:
    """Up to ``limit`` invoices in ``statuses``, locked for this transaction (oldest first),
    each with the hash of its last history row (``last_hash``)."""
    last_hash = (
        StatusChange.objects.filter(invoice=OuterRef("pk")).order_by("-id").values("row_hash")[:1]
    )
    waiting = Invoice.objects.filter(status__in=statuses)
    if invoice_ids is not None:
        waiting = waiting.filter(pk__in=invoice_ids)
    return list(
        claim_skip_locked(waiting)
        .select_related("supplier", "recipient", "service")
        .annotate(last_hash=Subquery(last_hash))
        .order_by("status_changed_at", "id")[:limit]
    )


def _plan(invoices: list[Invoice], *, through: bool) -> tuple[list[_Step], list[_Step]]:
    """The steps each invoice takes now, fired on the instances (the workflow checks each one):
    the first steps (DEPOSEE → EN_COURS_ACHEMINEMENT), then the decisions."""
    engagements = _engagements(invoices)
    starts, decisions = [], []
    for invoice in invoices:
        if invoice.status == Status.DEPOSEE:
            fire(invoice.start_routing)
            starts.append(_Step(invoice, Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT))
            if not through:
                continue
        if route_to_validation(invoice):  # A9 / A12: validated first (services/validation.py)
            decisions.append(_Step(invoice, Status.EN_COURS_ACHEMINEMENT, Status.A_VALIDER_1))
            continue
        decision = routing.decide(_routing_facts(invoice, engagements))
        fire(partial(ROUTING_TRANSITIONS[decision.status], invoice))
        decisions.append(
            _Step(
                invoice,
                Status.EN_COURS_ACHEMINEMENT,
                decision.status,
                reason_code=decision.reason_code,
                comment=decision.comment,
            )
        )
    return starts, decisions


def _deposits_told(invoices: list[Invoice]) -> list[StatusChange]:
    """The deposit rows (DEPOSEE) of the invoices whose supplier's users are still to hear of
    their deposit (``deposit_untold``: deposited one by one or by the API, not by a flux), in one
    query: the batch tells of them with its own changes, in one digest per supplier when it
    claims several. Each invoice's latest deposit (a re-deposit has several)."""
    untold = {invoice.pk: invoice for invoice in invoices if invoice.deposit_untold}
    if not untold:
        return []
    latest: dict[int, StatusChange] = {}
    deposits = StatusChange.objects.filter(invoice_id__in=untold, to_status=Status.DEPOSEE)
    for change in deposits.order_by("id"):
        change.invoice = untold[change.invoice_id]  # claimed with its supplier: not read again
        latest[change.invoice_id] = change
    return sorted(latest.values(), key=lambda change: change.pk)


def _update_statuses(invoices: list[Invoice], now: datetime) -> None:
    """One UPDATE per status reached (at most four), the rows being locked by this transaction."""
    by_status: dict[str, list[int]] = defaultdict(list)
    for invoice in invoices:
        by_status[invoice.status].append(invoice.pk)
        invoice.status_changed_at = now
        if invoice.status == Status.MISE_A_DISPOSITION:
            invoice.made_available_at = now
    for status, ids in by_status.items():
        values: dict[str, object] = {
            "status": status, "status_changed_at": now, "updated_at": now,
            "deposit_untold": False,  # told now, if it was to be (_deposits_told)
        }  # fmt: skip
        if status == Status.MISE_A_DISPOSITION:
            values["made_available_at"] = now
        Invoice.objects.filter(pk__in=ids).update(**values)


def _history_rows(steps: list[_Step], now: datetime) -> list[StatusChange]:
    """The steps' history rows, each chained to its invoice's previous row (invoices/integrity.py).
    ``last_hash`` moves along as rows are made, so an invoice's second step follows its first."""
    reason_codes = {step.reason_code for step in steps if step.reason_code}
    reasons = {r.code: r for r in RejectionReason.objects.filter(code__in=reason_codes)}
    rows = []
    for step in steps:
        invoice = step.invoice
        row = StatusChange(
            invoice=invoice,
            from_status=step.from_status,
            to_status=step.to_status,
            at=now,
            actor_system=SYSTEM_ROUTING,
            reason=reasons.get(step.reason_code),
            comment=step.comment,
            # last_hash is annotated on the claimed rows (_claim's Subquery), not a column.
            previous_hash=invoice.last_hash or "",  # type: ignore[attr-defined]
        )
        row.row_hash = integrity.change_digest(row, row.previous_hash)
        # The next step of the same invoice chains to this row.
        invoice.last_hash = row.row_hash  # type: ignore[attr-defined]
        rows.append(row)
    # Ids follow insertion: every first step is inserted before any decision.
    return StatusChange.objects.bulk_create(rows)


@transaction.atomic
def invoices_route_batch(
    *,
    limit: int | None = None,
    through: bool = True,
    statuses: Sequence[str] = ROUTING_STATUSES,
    invoice_ids: Sequence[int] | None = None,
) -> RoutedBatch:
    """Route a batch of waiting invoices in one transaction; see the section's note.

    ``through``: each invoice goes as far as it can (both steps); otherwise one step each (with
    INVOICE_ROUTING_DELAY, so that a developer sees them). ``statuses`` and ``invoice_ids``
    narrow the claim (the per-invoice messages of before). Importable by any worker that has
    invoices to route (the flux integration, for one): it enqueues the batch's e-mails on commit.
    """
    limit = limit or settings.INVOICE_ROUTING_BATCH_SIZE
    statuses = [status for status in statuses if status in ROUTING_STATUSES]
    invoices = _claim(limit=limit, statuses=statuses, invoice_ids=invoice_ids)
    batch = RoutedBatch(full=len(invoices) >= limit)
    if not invoices:
        return batch
    now = timezone.now()
    starts, decisions = _plan(invoices, through=through)
    told = _deposits_told(invoices)  # read before the UPDATEs clear ``deposit_untold``
    _update_statuses(invoices, now)
    changes = _history_rows(starts, now) + _history_rows(decisions, now)
    batch.reached = {invoice.pk: invoice.status for invoice in invoices}
    batch.started_only = not through and bool(starts)
    emails = notifications.queue_routed(told + changes)
    emails += validations_started(changes, now)  # A9 / A12: due dates, validators' e-mails
    # The invoices claimed in DEPOSEE: their deposits' follow-ups (e-mails, renderings) are this
    # batch's to ask for, a deposit sending no message of its own (``tasks.after_routing``).
    deposited = [step.invoice.pk for step in starts]
    if emails or deposited:
        from invoices import tasks  # here: the tasks call the services

        after_commit(tasks.after_routing, emails, deposited)
    return batch


def invoice_route(*, invoice_id: int, expected_status: str) -> str | None:
    """One routing step of one invoice, if it is still where the step expects it; returns the
    new status, or None when there was nothing to do (a message delivered twice, an invoice
    that has moved on). The demo and the tests take invoices step by step with it."""
    batch = invoices_route_batch(
        limit=1, through=False, statuses=[expected_status], invoice_ids=[invoice_id]
    )
    return batch.reached.get(invoice_id)


def invoice_route_through(*, invoice_id: int, expected_status: str) -> str | None:
    """Every routing step the invoice can take now, from ``expected_status`` on (a message that
    expects DEPOSEE also finishes an invoice it finds in EN_COURS_ACHEMINEMENT: the first step
    was done by a worker that died before acknowledging). The last status reached, or None."""
    if expected_status not in ROUTING_STATUSES:
        return None
    statuses = ROUTING_STATUSES if expected_status == Status.DEPOSEE else [expected_status]
    batch = invoices_route_batch(limit=1, statuses=statuses, invoice_ids=[invoice_id])
    return batch.reached.get(invoice_id)


def invoices_left_waiting() -> bool:
    """Whether invoices still wait in a routing status once a batch has committed: ones it
    skipped because another transaction held their row when it claimed (``SKIP LOCKED``: the
    invoice's page rendering its certificate under the invoice's lock, another batch), or
    deposited since."""
    return Invoice.objects.filter(status__in=ROUTING_STATUSES).exists()


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
    if invoice is None or invoice.status != Status.COMPTABILISEE or invoice.is_paid_already:
        return False
    fire(invoice.put_in_payment)
    save_transition(invoice)
    record(invoice, Status.COMPTABILISEE, system=SYSTEM_PAYMENT)
    return True
