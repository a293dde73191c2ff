"""The supplier creates invoices: drafts, typed invoices sent, PDF invoices deposited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoices import checks, credit_notes, files
from invoices.models import (
    DepositMode,
    Invoice,
    InvoiceLine,
    InvoiceType,
)
from invoices.selectors import may_modify_for
from invoices.services._enqueue import wake_routing
from invoices.services._files import (
    NewFile,
    attach,
    check_new_files,
    check_upload,
    files_removed_on_failure,
)
from invoices.services._history import (
    fire,
    history_append,
    record,
    save_transition,
)
from invoices.services.common import (
    INVOICE_UNCHECKED,
    InvoiceAccessDenied,
    InvoiceError,
    InvoiceInput,
    InvoiceStateError,
    LineInput,
    RecipientDirectory,
    apply_recipient,
    apply_validator,
    locked,
    model_errors,
)
from invoices.services.documents import issue_documents
from invoices.totals import LineAmounts, compute_totals, line_net, to_cents
from invoices.workflow import (
    Status,
)
from structures.models import BankAccount, Structure
from structures.selectors import typed_iban_refusal

if TYPE_CHECKING:
    from accounts.models import User


# The deposit modes of an invoice typed in the portal (``Invoice.is_typed``).
TYPED_MODES = (DepositMode.SAISIE_WEB, DepositMode.SAISIE_API)


def apply_header(
    invoice: Invoice, data: InvoiceInput, directory: RecipientDirectory | None = None
) -> None:
    for name in (
        "number",
        "issue_date",
        "billing_frame",
        "invoice_type",
        "original_invoice_number",
        "market_number",
        "currency",
        "vat_regime",
        "vat_exemption_reason",
        "payment_method",
        "comment",
    ):
        setattr(invoice, name, getattr(data, name))
    invoice.iban = data.iban.replace(" ", "").upper()
    invoice.bic = data.bic.replace(" ", "").upper()
    invoice.issue_year = data.issue_date.year if data.issue_date else None
    apply_recipient(
        invoice,
        recipient_siret=data.recipient_siret.replace(" ", ""),
        service_code=data.service_code.strip(),
        engagement_number=data.engagement_number.strip(),
        directory=directory,
    )
    apply_validator(invoice, validator_siret=data.validator_siret.replace(" ", ""))
    apply_credited(invoice, data)


def apply_credited(invoice: Invoice, data: InvoiceInput) -> None:
    """A credit note's invoice: the one chosen, or the one its number designates; what the
    credit note says of it is then that invoice's number (BT-25)."""
    if invoice.invoice_type != InvoiceType.AVOIR:
        invoice.credited_invoice = None
        return
    credited = credit_notes.resolve_credited(
        invoice.supplier,
        chosen_id=data.credited_invoice_id,
        number=data.original_invoice_number,
        exclude=invoice.pk,
    )
    invoice.credited_invoice = credited
    if credited is not None:
        invoice.original_invoice_number = credited.number


def apply_amounts(invoice: Invoice, data: InvoiceInput, lines: Sequence[LineInput]) -> None:
    invoice.prepaid_amount = to_cents(data.prepaid_amount)
    if invoice.is_typed:
        totals = compute_totals(
            (LineAmounts(li.quantity, li.unit_price, li.discount, li.vat_rate) for li in lines),
            prepaid=data.prepaid_amount,
        )
        invoice.total_excl_tax = totals.total_excl_tax
        invoice.total_vat = totals.total_vat
        invoice.total_incl_tax = totals.total_incl_tax
        invoice.amount_due = totals.amount_due
    else:
        invoice.total_excl_tax = to_cents(data.total_excl_tax)
        invoice.total_vat = to_cents(data.total_vat)
        invoice.total_incl_tax = to_cents(data.total_incl_tax)
        invoice.amount_due = invoice.total_incl_tax - invoice.prepaid_amount


def invoice_input_with_account(
    data: InvoiceInput, *, bank_account: int | None, active_accounts: list[BankAccount]
) -> InvoiceInput:
    """The input with the account to credit as the supplier gives it: an account chosen by
    its id (one of ``active_accounts``, the supplier structure's, read with it by the caller)
    gives its IBAN and BIC; an IBAN typed instead is accepted only for a structure without
    active account, the invoice forms' rule (``typed_iban_refusal``). ``InvoiceError`` on
    ``bank_account`` or ``iban`` otherwise."""
    typed = "".join(data.iban.split()).upper()
    if bank_account is None:
        refusal = typed_iban_refusal(typed, active_accounts=active_accounts)
        if refusal:
            raise InvoiceError({"iban": [refusal]})
        return data
    account = next((each for each in active_accounts if each.pk == bank_account), None)
    if account is None:
        raise InvoiceError(
            {
                "bank_account": [
                    _(
                        "Ce compte bancaire n'est pas un compte actif de la structure "
                        "fournisseur : choisissez l'un de ses comptes actifs."
                    )
                ]
            }
        )
    if typed and typed != account.iban:
        raise InvoiceError(
            {"iban": [_("Cet IBAN n'est pas celui du compte choisi : ne donnez que le compte.")]}
        )
    return replace(data, iban=account.iban, bic=account.bic)


TOTALS = ("total_excl_tax", "total_vat", "total_incl_tax", "amount_due")
# What the amount columns hold (14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal("999999999999.99")


def _amount_errors(invoice: Invoice, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Totals too large for the columns: one clear message, not one per computed total."""
    if all(abs(getattr(invoice, name)) <= MAX_AMOUNT for name in TOTALS):
        return errors
    errors = {k: v for k, v in errors.items() if k not in TOTALS}
    field = "lines" if invoice.is_typed else "total_incl_tax"
    errors.setdefault(field, []).append(
        _("Les montants de la facture dépassent le maximum accepté (999 999 999 999,99).")
    )
    return errors


# The draft's fields that the API's invoice schema (``HeaderInputSerializer``, the flux's and
# ``POST /api/v1/invoices/``'s input) validates at least as strictly as the model, on the very
# values the draft stores (the same choices, no more characters or digits, a text at most
# stripped since): on an input that schema validated, the model's validation of these can
# refuse nothing, and is not run again. Checked still: the SIRETs and the IBAN, which the
# schema allows longer than their columns, the BIC (upper-cased: "ß" becomes "SS"), the totals
# (computed), the relations, and every text's hidden characters (``text_errors``): no schema
# looks for those.
SCHEMA_CHECKED = [
    "number", "issue_date", "billing_frame", "invoice_type", "original_invoice_number",
    "service_code", "engagement_number", "market_number", "currency", "vat_regime",
    "vat_exemption_reason", "payment_method", "comment", "prepaid_amount",
]  # fmt: skip
# What a new invoice gets from the service, never from an input: valid by construction.
SET_BY_THE_SERVICE = [
    "id", "issue_year", "deposit_mode", "status_changed_at", "validation_due_at", "deposited_at",
    "deposit_sha256", "made_available_at", "routing_swept_at", "renderings_swept_at",
    "mandate_number", "rejection_acknowledged", "created_at", "updated_at",
]  # fmt: skip
# A line's: ``LineInputSerializer`` (its position and net amount are computed: checked).
LINE_SCHEMA_CHECKED = [
    "reference", "description", "quantity", "unit", "unit_price", "discount", "vat_rate",
]  # fmt: skip


def build_lines(
    invoice: Invoice, lines: Sequence[LineInput], *, schema_checked: bool = False
) -> list[InvoiceLine]:
    checked = LINE_SCHEMA_CHECKED if schema_checked else []
    built = []
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        row = InvoiceLine(
            invoice=invoice,
            position=index + 1,
            reference=line.reference,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount=line.discount,
            vat_rate=line.vat_rate,
            net_amount=line_net(line.quantity, line.unit_price, line.discount),
        )
        for name, messages in model_errors(row, exclude=["invoice"], checked=checked).items():
            errors[f"lines.{index}.{name}"] = messages
        built.append(row)
    if errors:
        raise InvoiceError(errors)
    return built


DRAFT_FIELDS = [
    "number", "issue_date", "issue_year", "billing_frame", "invoice_type",
    "original_invoice_number", "credited_invoice", "supplier", "recipient_siret", "recipient",
    "service_code", "service", "engagement_number", "validator_siret", "validator",
    "market_number", "currency", "vat_regime", "vat_exemption_reason", "payment_method", "iban",
    "bic", "comment", "total_excl_tax", "total_vat", "total_incl_tax", "prepaid_amount",
    "amount_due", "updated_at",
]  # fmt: skip


@transaction.atomic
def invoice_save_draft(
    *,
    user: User,
    supplier: Structure,
    data: InvoiceInput,
    lines: Sequence[LineInput] = (),
    invoice: Invoice | None = None,
    deposit_mode: str = DepositMode.SAISIE_WEB,
    new_files: Sequence[NewFile] = (),
) -> Invoice:
    """Create or update a draft: nothing is checked but the shape of the values."""
    return _save_draft(
        user=user,
        supplier=supplier,
        data=data,
        lines=lines,
        invoice=invoice,
        deposit_mode=deposit_mode,
        new_files=new_files,
    )


def build_draft(
    *,
    user: User,
    supplier: Structure,
    data: InvoiceInput,
    lines: Sequence[LineInput],
    invoice: Invoice | None,
    deposit_mode: str,
    may_modify: bool | None = None,
    directory: RecipientDirectory | None = None,
    schema_checked: bool = False,
) -> tuple[Invoice, list[InvoiceLine]]:
    """A draft's header and lines made of the input and checked for their shape, not saved: a
    new invoice, or ``invoice`` locked and updated. ``may_modify`` and ``directory``: what a
    batch of deposits read once for all (``invoices.services.batch``), else read here.
    ``schema_checked``: a new invoice whose input the API's invoice schema validated, whose
    model validation skips what that schema already proved (``SCHEMA_CHECKED``); the same
    errors either way."""
    if schema_checked and invoice is not None:
        raise ValueError("Only a new invoice's input is checked by the schema alone.")
    if not (may_modify if may_modify is not None else may_modify_for(user, supplier)):
        raise InvoiceError({"supplier": [_("Vous ne pouvez pas facturer pour cette structure.")]})
    if invoice is None:
        invoice = Invoice(supplier=supplier, created_by=user, deposit_mode=deposit_mode)
    else:
        invoice = locked(invoice)
        if not may_modify_for(user, invoice.supplier):
            raise InvoiceAccessDenied
        if not invoice.is_draft:
            raise InvoiceStateError(_("Seul un brouillon peut être modifié."))
        invoice.supplier = supplier
    apply_header(invoice, data, directory)
    apply_amounts(invoice, data, lines)
    checked = [*SCHEMA_CHECKED, *SET_BY_THE_SERVICE] if schema_checked else []
    errors = _amount_errors(
        invoice, model_errors(invoice, exclude=INVOICE_UNCHECKED, checked=checked)
    )
    if errors:
        raise InvoiceError(errors)
    built = build_lines(invoice, lines, schema_checked=schema_checked) if invoice.is_typed else []
    return invoice, built


def _save_draft(
    *,
    user: User,
    supplier: Structure,
    data: InvoiceInput,
    lines: Sequence[LineInput],
    invoice: Invoice | None,
    deposit_mode: str,
    new_files: Sequence[NewFile],
) -> Invoice:
    """``invoice_save_draft`` inside the caller's transaction; the draft it returns is locked
    (updated) or new (created) in that transaction."""
    created = invoice is None
    invoice, built = build_draft(
        user=user,
        supplier=supplier,
        data=data,
        lines=lines,
        invoice=invoice,
        deposit_mode=deposit_mode,
    )
    check_new_files(invoice, new_files)
    with files_removed_on_failure() as stored:
        # A draft's header is rewritten as a whole; its status and deposit data never are here.
        invoice.save(update_fields=None if created else DRAFT_FIELDS)
        if not created:
            invoice.lines.all().delete()
        InvoiceLine.objects.bulk_create(built)
        if created:
            history_append(invoice, from_status="", first=True, actor=user)
        for new in new_files:
            attach(
                invoice,
                kind=new.kind,
                name=new.checked.name,
                content=new.checked,
                user=user,
                change=None,
                stored=stored,
            )
    return invoice


# --- deposit -----------------------------------------------------------------------------------
def _save_deposit(invoice: Invoice) -> None:
    # Two deposits of one number can pass the check at once; the constraint decides, inside
    # a savepoint so that the transaction stays usable to report it.
    try:
        with transaction.atomic():
            save_transition(invoice, "deposited_at", "made_available_at")
    except IntegrityError:
        raise InvoiceError(
            {"number": [_("Ce numéro de facture a déjà été utilisé cette année.")]}
        ) from None


@transaction.atomic
def invoice_deposit(*, user: User, invoice: Invoice, new_files: Sequence[NewFile] = ()) -> Invoice:
    """Send a draft: every check of the deposit, then DEPOSEE, its certificate, and routing."""
    return _deposit(user=user, invoice=locked(invoice), new_files=new_files)


def _deposit(*, user: User, invoice: Invoice, new_files: Sequence[NewFile]) -> Invoice:
    """``invoice_deposit`` of a draft already locked (or created) in the caller's transaction."""
    if not invoice.is_draft:
        raise InvoiceStateError()
    if invoice.credited_invoice_id is not None:
        # Two credit notes of one invoice deposited at once: the second waits for the first,
        # then sees it in what was already credited (credit_notes.credited_so_far).
        list(Invoice.objects.select_for_update().filter(pk=invoice.credited_invoice_id))
    errors = checks.deposit_errors(invoice, user=user)
    if errors:
        raise InvoiceError(errors)
    check_new_files(invoice, new_files)
    with files_removed_on_failure() as stored:
        fire(invoice.deposit)
        invoice.deposited_at = timezone.now()
        invoice.made_available_at = None
        _save_deposit(invoice)
        change = record(invoice, Status.BROUILLON, actor=user)
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
        invoice.attachments.filter(status_change__isnull=True).update(status_change=change)
        issue_documents(invoice, user=user, change=change, stored=stored)
    wake_routing()
    return invoice


@transaction.atomic
def invoice_submit(
    *,
    user: User,
    supplier: Structure,
    data: InvoiceInput,
    lines: Sequence[LineInput] = (),
    invoice: Invoice | None = None,
    deposit_mode: str = DepositMode.SAISIE_WEB,
    new_files: Sequence[NewFile] = (),
    schema_checked: bool = False,
) -> Invoice:
    """Save and deposit at once ("Valider et envoyer"); a refusal leaves nothing behind. One
    transaction: the draft is not read again nor locked twice (it is new, or locked already).

    A new typed invoice without files (the API's POST, the entry page's) is a batch of one
    (``invoices.services.batch``): the same checks on facts read in one round trip (with the
    ids its rows take, on PostgreSQL), its rows written in one message, nothing sent once
    committed but the routing's coalesced wake (the routing batch tells of the deposit and asks
    for its renderings: ``tasks.after_routing``), and its rows left for the answer.
    ``schema_checked``: its input passed the API's invoice schema (``build_draft``)."""
    if invoice is None and not new_files and deposit_mode in TYPED_MODES:
        from invoices.services.batch import TypedDeposit, deposit_batch

        deposit = TypedDeposit(
            data=data, lines=lines, deposit_mode=deposit_mode, schema_checked=schema_checked
        )
        [outcome] = deposit_batch(user=user, supplier=supplier, deposits=[deposit])
        if outcome.invoice is None:
            raise InvoiceError(outcome.errors)
        return outcome.invoice
    draft = _save_draft(
        user=user,
        supplier=supplier,
        data=data,
        lines=lines,
        invoice=invoice,
        deposit_mode=deposit_mode,
        new_files=(),
    )
    return _deposit(user=user, invoice=draft, new_files=new_files)


@transaction.atomic
def invoice_upload_pdf(
    *,
    user: User,
    supplier: Structure,
    data: InvoiceInput,
    main_file: files.UploadedFileLike,
    attachments: Sequence[files.UploadedFileLike] = (),
    deposit_mode: str = DepositMode.DEPOT_PDF_WEB,
) -> Invoice:
    """Deposit a PDF invoice (signed or not) with the header data a PDF alone does not carry."""
    new_files = [check_upload(main_file, field="main_file", must_be_pdf=True)]
    new_files += [check_upload(f, field="attachments", must_be_pdf=False) for f in attachments]
    return invoice_submit(
        user=user, supplier=supplier, data=data, deposit_mode=deposit_mode, new_files=new_files
    )
