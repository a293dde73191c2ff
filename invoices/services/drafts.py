"""The supplier's drafts: deleted while never deposited, and any invoice copied into a new one.

Chorus Pro's users keep drafts they never send ("Enregistrer" taken for "Valider et envoyer"):
the list of sent invoices sets them apart, the dashboard points out the old ones, and a draft
that is of no use can go. A deposited invoice never goes: it is evidence (its history, files
and certificate are kept for the legal retention, ``services/retention.py``).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoices.models import Attachment, DepositMode, Invoice, StatusChange
from invoices.selectors import may_modify_for
from invoices.services._files import attach, files_removed_on_failure
from invoices.services.common import (
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceInput,
    InvoiceStateError,
    LineInput,
    locked,
)
from invoices.services.deposit import _save_draft
from invoices.services.seals import seal_record_removal
from invoices.workflow import Status

if TYPE_CHECKING:
    from accounts.models import User

# What a draft's removal record says in the audit trail (the seals cover its first history row).
DELETED_REASON = "draft deleted by user %(user)s"


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def invoice_delete_draft(*, user: User, invoice: Invoice) -> None:
    """Delete a draft, whole: its lines, files and its one history row (creation).

    Only a member who may deposit for the supplier structure; never an invoice once deposited
    (``InvoiceStateError``). The history row may already be sealed: its leaf is kept as a
    removal record first, as the legal purge does, so that the seals keep verifying. The
    files leave the storage once the transaction has committed."""
    invoice = locked(invoice)
    if not may_modify_for(user, invoice.supplier):
        raise InvoiceAccessDenied
    if not invoice.is_draft:
        raise InvoiceStateError(
            _(
                "Une facture déposée ne peut pas être supprimée : elle reste au dossier. "
                "Pour l'annuler, déposez un avoir."
            )
        )
    names = list(invoice.attachments.values_list("file", flat=True))
    seal_record_removal(invoice_ids=[invoice.pk], reason=DELETED_REASON % {"user": user.pk})
    Attachment.objects.filter(invoice=invoice).delete()
    StatusChange.objects.filter(invoice=invoice).delete()
    # Its lines go with it (CASCADE); a question asked about the draft keeps its copy of the
    # number and status, without the link (the ticket's foreign key is SET_NULL).
    Invoice.objects.filter(pk=invoice.pk).delete()
    transaction.on_commit(partial(_delete_files, names))


def _copy_input(source: Invoice, number: str) -> InvoiceInput:
    """The source's header for a new invoice: a new number, today's date, the rest as it was."""
    return InvoiceInput(
        number=number,
        issue_date=timezone.localdate(),
        billing_frame=source.billing_frame,
        invoice_type=source.invoice_type,
        original_invoice_number=source.original_invoice_number,
        credited_invoice_id=source.credited_invoice_id,
        recipient_siret=source.recipient_siret,
        service_code=source.service_code,
        engagement_number=source.engagement_number,
        validator_siret=source.validator_siret,
        market_number=source.market_number,
        currency=source.currency,
        vat_regime=source.vat_regime,
        vat_exemption_reason=source.vat_exemption_reason,
        payment_method=source.payment_method,
        iban=source.iban,
        bic=source.bic,
        comment=source.comment,
        prepaid_amount=source.prepaid_amount,
    )


def _copy_lines(source: Invoice) -> list[LineInput]:
    return [
        LineInput(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            discount=line.discount,
            reference=line.reference,
            unit=line.unit,
        )
        for line in source.lines.order_by("position")
    ]


def _number_errors(source: Invoice, number: str) -> dict[str, list[str]]:
    if not number:
        return {"number": [_("Indiquez le numéro de la nouvelle facture.")]}
    used = (
        Invoice.objects.filter(
            supplier_id=source.supplier_id,
            number=number,
            issue_year=timezone.localdate().year,
        )
        .exclude(status=Status.BROUILLON)
        .exists()
    )
    if used or number == source.number:
        return {
            "number": [
                _(
                    "Ce numéro de facture a déjà été utilisé cette année par votre structure : "
                    "une facture ne peut être déposée deux fois."
                )
            ]
        }
    return {}


@transaction.atomic
def invoice_duplicate(*, user: User, invoice: Invoice, number: str) -> Invoice:
    """A new typed draft copied from ``invoice`` (any status), under a new ``number`` dated
    today: its header and lines. Files are the invoice's own (a deposited PDF or structured
    file names the old number, the portal's renderings and certificate are of the old deposit):
    only a typed invoice's additional documents are copied, as new files."""
    if not may_modify_for(user, invoice.supplier):
        raise InvoiceAccessDenied
    number = number.strip()
    errors = _number_errors(invoice, number)
    if errors:
        raise InvoiceError(errors)
    copy = _save_draft(
        user=user,
        supplier=invoice.supplier,
        data=_copy_input(invoice, number),
        lines=_copy_lines(invoice),
        invoice=None,
        deposit_mode=DepositMode.SAISIE_WEB,
        new_files=(),
    )
    if invoice.is_typed:
        documents = invoice.attachments.filter(kind=Attachment.Kind.ADDITIONAL).order_by("id")
        with files_removed_on_failure() as stored:
            for document in documents:
                with document.file.open("rb") as handle:
                    content = handle.read()
                attach(
                    copy,
                    kind=Attachment.Kind.ADDITIONAL,
                    name=document.original_name,
                    content=content,
                    user=user,
                    change=None,
                    stored=stored,
                    content_type=document.content_type,
                )
    return copy
