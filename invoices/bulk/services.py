"""Every write on bulk decisions: submitting one, running it invoice by invoice, resuming one.

- ``bulk_decision_submit`` (the request): checks what applies to the whole batch (the decision,
  its reason and comment, the selection: the agent's own received invoices, 500 at most), stores
  the batch with one pending item per invoice, then runs it at once when short, or enqueues it.
- ``bulk_decision_run`` (the request or a worker): decides on each pending item in its own
  transaction, through the single decision's service with the status the agent saw: the decision
  and the item's result commit together, so an invoice is decided once, and a worker killed
  mid-batch leaves the rest pending for the next run (the message redelivered, or the sweep).
  Items are claimed with SKIP LOCKED: two runs of one batch share its invoices, never repeat one.
- ``bulk_decisions_sweep``: the batches whose worker went silent, to enqueue again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoices import notifications, selectors
from invoices.bulk.models import BulkDecision, BulkDecisionItem
from invoices.models import Invoice, RejectionReason, StatusChange
from invoices.services._enqueue import after_commit
from invoices.services.common import (
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceStateError,
)
from invoices.services.processing import decision_errors, invoice_process
from invoices.workflow import AGENT_MOVES, BULK_TARGETS, REASON_REQUIRED, Status, agent_targets

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)
Result = BulkDecisionItem.Result


def _unique(ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def too_many_message(count: int) -> str:
    return _(
        "%(count)s factures sélectionnées : une décision groupée en traite %(limit)s au plus. "
        "Affinez les filtres."
    ) % {"count": count, "limit": settings.BULK_DECISION_MAX_INVOICES}


def _selection_errors(user: User, ids: list[int]) -> tuple[dict[str, list[str]], dict[int, str]]:
    """The selection's problems, and the status of each selected invoice the agent receives."""
    if not ids:
        return {"invoices": [_("Cochez au moins une facture.")]}, {}
    if len(ids) > settings.BULK_DECISION_MAX_INVOICES:
        return {"invoices": [too_many_message(len(ids))]}, {}
    found = dict(
        selectors.received_invoices_for(user).filter(pk__in=ids).values_list("pk", "status")
    )
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        message = _("Factures introuvables parmi celles que vous recevez : %(ids)s.") % {
            "ids": ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else "")
        }
        return {"invoices": [message]}, found
    return {}, found


@transaction.atomic
def bulk_decision_create(
    *,
    user: User,
    invoice_ids: Sequence[int],
    target: str,
    reason: RejectionReason | None = None,
    comment: str = "",
) -> BulkDecision:
    """Store a bulk decision and its pending items; nothing when anything is wrong with the
    batch as a whole (``InvoiceError``, by field: ``invoices``, ``target``, ``reason``…)."""
    ids = _unique(invoice_ids)
    errors: dict[str, list[str]] = {}
    if target not in BULK_TARGETS:
        errors["target"] = [_("Cette décision ne se prend pas pour plusieurs factures à la fois.")]
    else:
        errors.update(decision_errors(target, reason, comment, bulk=True))
    selection_errors, seen = _selection_errors(user, ids)
    errors.update(selection_errors)
    if errors:
        raise InvoiceError(errors)
    bulk = BulkDecision.objects.create(
        agent=user,
        target=target,
        reason=reason if target in REASON_REQUIRED else None,
        comment=comment.strip(),
        item_count=len(ids),
    )
    BulkDecisionItem.objects.bulk_create(
        BulkDecisionItem(bulk=bulk, position=n, invoice_id=pk, seen_status=seen[pk])
        for n, pk in enumerate(ids, start=1)
    )
    if len(ids) > settings.BULK_DECISION_INLINE_MAX:
        from invoices import tasks  # the tasks call the services: imported where it enqueues

        after_commit(tasks.run_bulk_decision, bulk.pk)
    return bulk


def bulk_decision_submit(
    *,
    user: User,
    invoice_ids: Sequence[int],
    target: str,
    reason: RejectionReason | None = None,
    comment: str = "",
) -> BulkDecision:
    """Create the batch; a short one (``BULK_DECISION_INLINE_MAX``) is run at once, a longer
    one by a worker (enqueued once committed)."""
    bulk = bulk_decision_create(
        user=user, invoice_ids=invoice_ids, target=target, reason=reason, comment=comment
    )
    if bulk.item_count <= settings.BULK_DECISION_INLINE_MAX:
        return bulk_decision_run(bulk_id=bulk.pk) or bulk
    return bulk


# --- running -----------------------------------------------------------------------------------
def _refusal(item: BulkDecisionItem, target: str, error: InvoiceError) -> str:
    """Why this invoice was not decided on, in the agent's words."""
    if not isinstance(error, InvoiceStateError):
        return " ".join(error.messages)
    invoice = Invoice.objects.filter(pk=item.invoice_id).only("status", "billing_frame").first()
    status = Status(invoice.status if invoice else item.seen_status)
    if status != item.seen_status:
        return _("Son statut a changé entre-temps (%(status)s) : elle n'a pas été traitée.") % {
            "status": status.label
        }
    # The status allows it, the frame does not: an A2 invoice is paid already.
    allowed_by_status = target in AGENT_MOVES.get(status, ())
    if invoice is not None and allowed_by_status and target not in agent_targets(invoice):
        return _(
            "Facture du cadre %(frame)s, déjà payée : elle n'a pas d'étape « %(target)s »."
        ) % {"frame": invoice.billing_frame, "target": Status(target).label}
    return _("La décision « %(target)s » ne s'applique pas à une facture %(status)s.") % {
        "target": Status(target).label,
        "status": status.label.lower(),
    }


def _decide(bulk: BulkDecision, item: BulkDecisionItem) -> tuple[str, str]:
    """One invoice's result: its decision taken (in a savepoint of the item's transaction), or
    refused with the reason. A bug met on one invoice refuses that one (logged) instead of
    failing the batch at every retry; the database failing is no result: the item is retried.
    A decided item keeps the status change it recorded (``item.change``): the suppliers hear
    of it in the batch's digest, not one by one."""
    try:
        invoice_process(
            user=bulk.agent,
            invoice=item.invoice,
            target=bulk.target,
            expected_status=item.seen_status,
            reason=bulk.reason,
            comment=bulk.comment,
            bulk=True,
        )
    except InvoiceAccessDenied:
        return Result.REFUSED, _("Vous ne traitez plus les factures de ce service.")
    except InvoiceError as error:
        return Result.REFUSED, _refusal(item, bulk.target, error)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("bulk decision %s: invoice %s could not be decided", bulk.pk, item.pk)
        return Result.REFUSED, _("Erreur interne : cette facture n'a pas été traitée.")
    # The invoice's row is locked: its latest change is the one just recorded.
    item.change = StatusChange.objects.filter(invoice_id=item.invoice_id).latest("id")
    return Result.DONE, ""


def _decide_next(bulk: BulkDecision) -> bool:
    """Decide on the next pending item no other run holds; False once there is none."""
    with transaction.atomic():
        item = (
            BulkDecisionItem.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(bulk=bulk, result=Result.PENDING)
            .select_related("invoice")
            .order_by("position")
            .first()
        )
        if item is None:
            return False
        item.result, item.message = _decide(bulk, item)
        item.done_at = timezone.now()
        item.save(update_fields=["result", "message", "done_at", "change"])
        BulkDecision.objects.filter(pk=bulk.pk).update(touched_at=item.done_at)
    return True


@transaction.atomic
def _finish(bulk_id: int) -> None:
    """Mark the batch done once no item is pending (another run may still hold some), and
    queue with it the suppliers' e-mails of its decisions: once per batch, sent once committed."""
    bulk = BulkDecision.objects.select_for_update().get(pk=bulk_id)
    if bulk.is_done or bulk.items.filter(result=Result.PENDING).exists():
        return
    bulk.state = BulkDecision.State.DONE
    bulk.finished_at = bulk.touched_at = timezone.now()
    bulk.save(update_fields=["state", "finished_at", "touched_at"])
    changes = StatusChange.objects.filter(
        pk__in=bulk.items.filter(result=Result.DONE).values("change_id")
    ).select_related("invoice__supplier", "invoice__recipient", "reason")
    keys = notifications.queue_bulk_decided(bulk.pk, list(changes.order_by("id")))
    if keys:
        from invoices import tasks  # the tasks call the services: imported where it enqueues

        after_commit(tasks.notify_emails, keys)


def bulk_decision_run(*, bulk_id: int) -> BulkDecision | None:
    """Run a batch to its end (or what is left of it); safe to run twice, or at once."""
    bulk = BulkDecision.objects.select_related("agent", "reason").filter(pk=bulk_id).first()
    if bulk is None or bulk.is_done:
        return bulk
    BulkDecision.objects.filter(pk=bulk_id, state=BulkDecision.State.PENDING).update(
        state=BulkDecision.State.RUNNING, touched_at=timezone.now()
    )
    while _decide_next(bulk):
        pass
    _finish(bulk_id)
    return BulkDecision.objects.filter(pk=bulk_id).first()


@transaction.atomic
def bulk_decisions_sweep(*, stuck_after: timedelta) -> list[int]:
    """The batches left unfinished by a lost message or a dead worker; each one is marked
    touched, so that it is enqueued again at most once per ``stuck_after``."""
    limit = timezone.now() - stuck_after
    stuck = list(
        BulkDecision.objects.select_for_update(skip_locked=True)
        .exclude(state=BulkDecision.State.DONE)
        .filter(touched_at__lt=limit)
        .values_list("pk", flat=True)[:1000]
    )
    BulkDecision.objects.filter(pk__in=stuck).update(touched_at=timezone.now())
    return stuck
