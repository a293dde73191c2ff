"""The supplier answers the recipient: corrects and resends, completes, acknowledges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoices import checks, files, notifications
from invoices.models import (
    Invoice,
)
from invoices.selectors import may_modify_for
from invoices.services._enqueue import (
    after_commit,
    wake_routing,
)
from invoices.services._files import (
    attach,
    check_new_files,
    check_upload,
    files_removed_on_failure,
)
from invoices.services._history import (
    fire,
    record,
    save_transition,
)
from invoices.services.common import (
    INVOICE_UNCHECKED,
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceStateError,
    apply_recipient,
    locked,
    model_errors,
)
from invoices.services.documents import issue_documents
from invoices.workflow import Status

if TYPE_CHECKING:
    from accounts.models import User


# --- the supplier's answers --------------------------------------------------------------------
def _require_supplier(user: User, invoice: Invoice) -> None:
    if not may_modify_for(user, invoice.supplier):
        raise InvoiceAccessDenied


@transaction.atomic
def invoice_recycle(
    *,
    user: User,
    invoice: Invoice,
    recipient_siret: str,
    service_code: str,
    engagement_number: str,
) -> Invoice:
    """Send back a sent-back invoice with corrected recipient data (only those; same number)."""
    invoice = locked(invoice)
    _require_supplier(user, invoice)
    if invoice.status != Status.A_RECYCLER:
        raise InvoiceStateError()
    before = (invoice.recipient_siret, invoice.service_code, invoice.engagement_number)
    apply_recipient(
        invoice,
        recipient_siret=recipient_siret.replace(" ", ""),
        service_code=service_code.strip(),
        engagement_number=engagement_number.strip(),
    )
    errors = model_errors(invoice, exclude=INVOICE_UNCHECKED)
    errors.update(checks.recycle_errors(invoice, user=user))
    if errors:
        raise InvoiceError(errors)
    with files_removed_on_failure() as stored:
        fire(invoice.redeposit)
        invoice.deposited_at = timezone.now()
        invoice.made_available_at = None
        save_transition(
            invoice,
            "recipient_siret",
            "recipient",
            "service_code",
            "service",
            "engagement_number",
            "deposited_at",
            "made_available_at",
        )
        after = (invoice.recipient_siret, invoice.service_code, invoice.engagement_number)
        comment = _("Données du destinataire corrigées : %(before)s → %(after)s") % {
            "before": " / ".join(v or "—" for v in before),
            "after": " / ".join(v or "—" for v in after),
        }
        change = record(invoice, Status.A_RECYCLER, actor=user, comment=comment)
        issue_documents(invoice, user=user, change=change, stored=stored)
    wake_routing()
    return invoice


@transaction.atomic
def invoice_complete(
    *,
    user: User,
    invoice: Invoice,
    comment: str,
    attachments: Sequence[files.UploadedFileLike] = (),
) -> Invoice:
    """Answer a suspension with documents and/or a comment: SUSPENDUE → COMPLETEE."""
    invoice = locked(invoice)
    _require_supplier(user, invoice)
    if invoice.status != Status.SUSPENDUE:
        raise InvoiceStateError()
    new_files = [check_upload(f, field="attachments", must_be_pdf=False) for f in attachments]
    if not comment.strip() and not new_files:
        raise InvoiceError({"comment": [_("Ajoutez un document ou un commentaire.")]})
    check_new_files(invoice, new_files)
    with files_removed_on_failure() as stored:
        fire(invoice.complete)
        save_transition(invoice)
        change = record(invoice, Status.SUSPENDUE, actor=user, comment=comment.strip())
        for new in new_files:
            attach(
                invoice,
                kind=new.kind,
                name=new.checked.name,
                content=new.checked,
                user=user,
                change=change,
                stored=stored,
            )
    if notifications.queue_for_agents(invoice, change, new=True):
        from invoices import tasks  # here: the tasks call the services

        after_commit(tasks.notify_agents, invoice.pk, change.pk)
    return invoice


@transaction.atomic
def invoice_acknowledge_rejection(*, user: User, invoice: Invoice) -> Invoice:
    """The supplier has read the rejection (the invoice stays rejected; a new one is needed)."""
    invoice = locked(invoice)
    _require_supplier(user, invoice)
    if invoice.status != Status.REJETEE or invoice.rejection_acknowledged:
        raise InvoiceStateError()
    invoice.rejection_acknowledged = True
    invoice.save(update_fields=["rejection_acknowledged", "updated_at"])
    return invoice
