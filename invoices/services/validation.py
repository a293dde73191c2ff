"""Billing frames A9 (sub-contractor) and A12 (co-contractor): the titular company (mandatary)
named on the invoice validates it before it is routed to the public recipient.

Chorus Pro's first validation level only: the routing worker puts the invoice in A_VALIDER_1
with a due date (INVOICE_VALIDATION_DAYS); the validator's members validate (VALIDEE_1) or refuse
with a reason (REFUSEE_1, final); past the due date the sweep records the tacit validation
(ABSENCE_VALIDATION_1_HORS_DELAI). Validated either way, the invoice goes back to the routing
(EN_COURS_ACHEMINEMENT) in the same transaction, and the usual routing decides. While it waits,
the supplier may name another validator (a mistake), which restarts the delay.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoices import checks, notifications
from invoices.models import Invoice, StatusChange
from invoices.selectors import is_validator_of, may_modify_for
from invoices.services._enqueue import after_commit, wake_routing
from invoices.services._history import fire, history_append, record, save_transition
from invoices.services.common import (
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceStateError,
    apply_validator,
    claim_skip_locked,
    locked,
)
from invoices.workflow import VALIDATION_FRAMES, Status

if TYPE_CHECKING:
    from accounts.models import User

SYSTEM_VALIDATION = "validation"
REFUSAL_MAX_LENGTH = 2000


def validation_delay() -> timedelta:
    return timedelta(days=settings.INVOICE_VALIDATION_DAYS)


# --- the routing worker's branch (invoices/services/system.py) ---------------------------------
def awaits_validation(invoice: Invoice) -> bool:
    """An A9 / A12 invoice naming its validator, never put to validation yet: the routing sends
    it to A_VALIDER_1 instead of deciding (a sent-back invoice deposited again is not validated
    twice)."""
    return (
        invoice.billing_frame in VALIDATION_FRAMES
        and invoice.validator_id is not None
        and invoice.validation_due_at is None
    )


def route_to_validation(invoice: Invoice) -> bool:
    """The routing batch's branch for A9 / A12 (``system._plan``): an invoice that awaits its
    validation is moved to A_VALIDER_1 instead of being decided on; True if it was."""
    if not awaits_validation(invoice):
        return False
    fire(invoice.await_validation)
    return True


def validations_started(changes: list[StatusChange], now: datetime) -> list[str]:
    """After a routing batch's history rows: the invoices it put in A_VALIDER_1 get their due
    date (one UPDATE), and their validators' members an e-mail (keys returned, sent with the
    batch's e-mails)."""
    waiting = [change for change in changes if change.to_status == Status.A_VALIDER_1]
    if not waiting:
        return []
    due = now + validation_delay()
    for change in waiting:
        change.invoice.validation_due_at = due
    Invoice.objects.filter(pk__in=[change.invoice_id for change in waiting]).update(
        validation_due_at=due
    )
    return notifications.queue_for_validators(waiting)


# --- the validator ------------------------------------------------------------------------------
def _resume_routing(invoice: Invoice) -> None:
    """Validated (or tacitly): back to the routing, which decides as for any invoice."""
    source = invoice.status
    fire(invoice.resume_routing)
    save_transition(invoice)
    history_append(
        invoice, from_status=source, at=invoice.status_changed_at, actor_system=SYSTEM_VALIDATION
    )
    wake_routing()


def _for_validator(user: User, invoice: Invoice, expected_status: str | None) -> Invoice:
    invoice = locked(invoice)
    if not is_validator_of(user, invoice):
        raise InvoiceAccessDenied
    if expected_status is not None and invoice.status != expected_status:
        raise InvoiceStateError()
    return invoice


@transaction.atomic
def invoice_validate(
    *, user: User, invoice: Invoice, expected_status: str | None = None
) -> Invoice:
    """The validator's member validates: VALIDEE_1, then the routing to the recipient."""
    invoice = _for_validator(user, invoice, expected_status)
    fire(invoice.validate)
    save_transition(invoice)
    record(invoice, Status.A_VALIDER_1, actor=user)
    _resume_routing(invoice)
    return invoice


@transaction.atomic
def invoice_refuse_validation(
    *, user: User, invoice: Invoice, comment: str, expected_status: str | None = None
) -> Invoice:
    """The validator's member refuses, with a reason the supplier reads (e-mail, history):
    REFUSEE_1, final; the recipient never sees the invoice."""
    invoice = _for_validator(user, invoice, expected_status)
    comment = comment.strip()
    if not comment:
        raise InvoiceError({"comment": [_("Indiquez le motif du refus : le fournisseur le lira.")]})
    if len(comment) > REFUSAL_MAX_LENGTH:
        raise InvoiceError({"comment": [_("Le motif fait au plus 2 000 caractères.")]})
    fire(invoice.refuse_validation)
    save_transition(invoice)
    record(invoice, Status.A_VALIDER_1, actor=user, comment=comment)
    return invoice


# --- the supplier, while it waits ---------------------------------------------------------------
@transaction.atomic
def invoice_change_validator(*, user: User, invoice: Invoice, validator_siret: str) -> Invoice:
    """The supplier names another validator: the new one's members are e-mailed and the delay
    starts again. Only while the invoice waits (A_VALIDER_1)."""
    invoice = locked(invoice)
    if not may_modify_for(user, invoice.supplier):
        raise InvoiceAccessDenied
    if invoice.status != Status.A_VALIDER_1:
        raise InvoiceStateError()
    previous = invoice.validator
    apply_validator(invoice, validator_siret=validator_siret.replace(" ", ""))
    out = checks.Collector()
    checks.check_frame(invoice, out)
    errors = {k: v for k, v in out.errors.items() if k == "validator_siret"}
    if not errors and invoice.validator == previous:
        errors = {"validator_siret": [_("Cette structure est déjà le valideur de la facture.")]}
    if errors:
        raise InvoiceError(errors)
    fire(invoice.change_validator)
    invoice.validation_due_at = timezone.now() + validation_delay()
    save_transition(invoice, "validator_siret", "validator", "validation_due_at")
    assert invoice.validator is not None  # checked above
    change = record(
        invoice,
        Status.A_VALIDER_1,
        actor=user,
        comment=_("Nouveau valideur : %(name)s (SIRET %(siret)s).")
        % {"name": invoice.validator.name, "siret": invoice.validator_siret},
    )
    keys = notifications.queue_for_validators([change])
    if keys:
        from invoices import tasks  # here: the tasks call the services

        after_commit(tasks.notify_emails, keys)
    return invoice


# --- beat: the tacit validation -----------------------------------------------------------------
@transaction.atomic
def invoices_sweep_validations(*, now: datetime | None = None, limit: int = 500) -> int:
    """Invoices still waiting past their due date: ABSENCE_VALIDATION_1_HORS_DELAI (the
    validation is tacit), then routed on. Rows another sweep holds are skipped."""
    now = now or timezone.now()
    overdue = claim_skip_locked(
        Invoice.objects.filter(status=Status.A_VALIDER_1, validation_due_at__lt=now)
    ).order_by("validation_due_at", "id")[:limit]
    count = 0
    for invoice in overdue:
        fire(invoice.validation_lapse)
        save_transition(invoice)
        record(invoice, Status.A_VALIDER_1, system=SYSTEM_VALIDATION)
        _resume_routing(invoice)
        count += 1
    return count
