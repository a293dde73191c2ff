"""The recipient's agent decides on a received invoice."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from invoices.models import (
    Invoice,
    RejectionReason,
)
from invoices.selectors import is_agent_of
from invoices.services._history import (
    fire,
    record,
    save_transition,
)
from invoices.services.common import (
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceStateError,
    locked,
)
from invoices.workflow import (
    AGENT_TRANSITIONS,
    BULK_ONLY_REASONS,
    COMMENT_REQUIRED,
    REASON_REQUIRED,
    Status,
    agent_targets,
)

if TYPE_CHECKING:
    from accounts.models import User


# --- the recipient's agent ---------------------------------------------------------------------
def decision_errors(
    target: str,
    reason: RejectionReason | None,
    comment: str,
    mandate_number: str = "",
    *,
    bulk: bool = False,
) -> dict[str, list[str]]:
    """What is wrong with a decision whatever the invoice (the reason, the comment…)."""
    errors: dict[str, list[str]] = {}
    if target in REASON_REQUIRED:
        if reason is None:
            errors["reason"] = [_("Choisissez un motif.")]
        elif not reason.is_active or target not in reason.allowed_statuses:
            errors["reason"] = [_("Ce motif ne s'applique pas à cette décision.")]
        elif reason.code in BULK_ONLY_REASONS and not bulk:
            errors["reason"] = [_("Ce motif est réservé aux décisions groupées.")]
    if target in COMMENT_REQUIRED and not comment.strip():
        errors["comment"] = [_("Un commentaire est obligatoire pour cette décision.")]
    if target == Status.MANDATEE and not mandate_number.strip():
        errors["mandate_number"] = [_("Indiquez le numéro de mandat.")]
    if len(mandate_number) > 30:
        errors["mandate_number"] = [_("Le numéro de mandat fait au plus 30 caractères.")]
    return errors


@transaction.atomic
def invoice_process(
    *,
    user: User,
    invoice: Invoice,
    target: str,
    expected_status: str | None = None,
    reason: RejectionReason | None = None,
    comment: str = "",
    mandate_number: str = "",
    bulk: bool = False,
) -> Invoice:
    """An agent's decision on a received invoice: only what the current status allows.

    ``expected_status`` is the status the agent saw: if the invoice has moved since (another
    agent was quicker), the decision is refused rather than applied to something else.
    ``bulk``: the decision is one invoice of a bulk decision, which alone may give the
    reasons of ``BULK_ONLY_REASONS``, and tells the suppliers of all its invoices at once
    when it is over (``notifications.queue_bulk_decided``): no e-mail of its own here.
    """
    invoice = locked(invoice)
    if not is_agent_of(user, invoice):
        raise InvoiceAccessDenied
    if expected_status is not None and invoice.status != expected_status:
        raise InvoiceStateError()
    if target not in agent_targets(invoice):
        raise InvoiceStateError()
    errors = decision_errors(target, reason, comment, mandate_number, bulk=bulk)
    if errors:
        raise InvoiceError(errors)
    source = invoice.status
    fire(partial(AGENT_TRANSITIONS[target], invoice))
    extra = []
    if target == Status.MANDATEE:
        invoice.mandate_number = mandate_number.strip()
        extra.append("mandate_number")
    save_transition(invoice, *extra)
    record(
        invoice,
        source,
        actor=user,
        reason=reason if target in REASON_REQUIRED else None,
        comment=comment.strip(),
        mandate_number=invoice.mandate_number if target == Status.MANDATEE else "",
        notify=not bulk,
    )
    return invoice
