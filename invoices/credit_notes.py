"""Credit notes (*avoirs*) and the invoice each one credits.

A credit note refers to an invoice its supplier structure deposited to the same recipient: the
supplier chooses it in a list (the pages), gives its number (the API), or the file names it
(BT-25 of a structured credit note). Either way ``resolve_credited`` finds it among that
structure's deposited invoices, and ``credit_note_errors`` says, under the field, what does
not fit.

The amount rule: a credit note may not credit more than what is left of its invoice once the
earlier credit notes are taken off (every deposited one, except those rejected, which credit
nothing). An invoice is credited at most once in full, however many credit notes it takes.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from chorus import formatting
from invoices.models import Invoice, InvoiceType
from invoices.workflow import Status
from structures.models import Structure

# The field a credit note's reference is given in, on the pages, in the API and in a file.
FIELD = "original_invoice_number"
# How many invoices the entry form's list offers (the most recently deposited first); the API
# and the files reach any of them by number.
CHOICES_SHOWN = 300


def creditable_invoices(supplier_ids: list[int] | QuerySet) -> QuerySet[Invoice]:
    """The invoices a credit note of these structures may refer to: deposited, not credit notes."""
    return (
        Invoice.objects.filter(supplier_id__in=supplier_ids, invoice_type=InvoiceType.FACTURE)
        .exclude(status=Status.BROUILLON)
        .select_related("recipient")
        .order_by("-deposited_at", "-id")
    )


def choice_label(invoice: Invoice) -> str:
    """How an invoice reads in the entry form's list."""
    recipient = invoice.recipient.name if invoice.recipient else invoice.recipient_siret
    day = invoice.issue_date.strftime("%d/%m/%Y") if invoice.issue_date else "—"
    amount = formatting.amount(invoice.total_incl_tax, invoice.currency)
    return f"{invoice.number} — {day} — {recipient} — {amount}"


def resolve_credited(
    supplier: Structure, *, chosen_id: int | None, number: str, exclude: int | None = None
) -> Invoice | None:
    """The invoice a credit note of ``supplier`` refers to: the one chosen (by id), else the
    latest deposited invoice of that structure with ``number``; None when there is none.

    Credit notes and other recipients are found too, so that the checks can say why they do
    not fit rather than "not found". Another structure's invoice is never found."""
    deposited = Invoice.objects.filter(supplier=supplier).exclude(status=Status.BROUILLON)
    if exclude is not None:
        deposited = deposited.exclude(pk=exclude)
    if chosen_id is not None:
        return deposited.filter(pk=chosen_id).first()
    number = number.strip()
    if not number:
        return None
    return deposited.filter(number=number).order_by("-issue_date", "-deposited_at", "-id").first()


def credited_so_far(credited: Invoice, *, exclude: int | None = None) -> Decimal:
    """What the deposited credit notes of ``credited`` (rejected ones aside) already credit."""
    notes = credited.credit_notes.exclude(status__in=[Status.BROUILLON, Status.REJETEE])
    if exclude is not None:
        notes = notes.exclude(pk=exclude)
    return notes.aggregate(total=Sum("total_incl_tax"))["total"] or Decimal("0")


def credit_note_errors(note: Invoice) -> list[str]:
    """Why ``note`` (a credit note about to be deposited) cannot refer to its invoice; empty
    when it can. The messages go under the reference field."""
    if note.invoice_type != InvoiceType.AVOIR:
        return []
    credited = note.credited_invoice
    if credited is None:
        if not note.original_invoice_number.strip():
            return [_("Un avoir doit indiquer le numéro de la facture d'origine.")]
        return [
            _("Aucune facture déposée par votre structure ne porte le numéro %(number)s.")
            % {"number": note.original_invoice_number}
        ]
    said = {"number": credited.number}
    if credited.invoice_type == InvoiceType.AVOIR:
        message = _("La pièce %(number)s est elle-même un avoir : indiquez la facture d'origine.")
        return [message % said]
    errors = []
    if note.recipient_id is not None and credited.recipient_id != note.recipient_id:
        errors.append(
            _(
                "La facture %(number)s a été adressée à un autre destinataire : un avoir va au "
                "destinataire de sa facture d'origine."
            )
            % said
        )
    if credited.currency != note.currency:
        errors.append(
            _("La facture %(number)s est en %(currency)s : l'avoir doit être dans la même devise.")
            % {**said, "currency": credited.currency}
        )
        return errors
    left = credited.total_incl_tax - credited_so_far(credited, exclude=note.pk)
    if note.total_incl_tax > left:
        errors.append(
            _(
                "Le montant de l'avoir (%(amount)s TTC) dépasse ce qui reste à créditer sur la "
                "facture %(number)s : %(left)s (son total, moins les avoirs déjà déposés)."
            )
            % {
                **said,
                "amount": formatting.amount(note.total_incl_tax, note.currency),
                "left": formatting.amount(max(left, Decimal("0")), note.currency),
            }
        )
    return errors
