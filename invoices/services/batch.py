"""Deposits in batches: a chunk of invoices deposited by one user for one supplier (a flux's),
each judged by the single deposit's own rules, all written with one statement per table (a
``COPY`` on PostgreSQL).

What a single deposit reads once per invoice is read once per batch: the depositor's rights
and the supplier's mandate (``checks.DepositFacts.refusal``), the recipients and services the
invoices name (``RecipientDirectory``), the numbers the supplier already used this year
(``checks.DepositFacts.taken``). The judging is the single deposit's own code on these facts:
``build_draft`` (the draft's shape), ``checks.deposit_errors`` (every deposit check), and for a
structured file ``judge_report`` (the portal's rules on a file the standards' validation
already read). The invoices are judged in order, and each accepted number joins ``taken``:
a number used twice in one batch is a DOUBLON the second time, as in two single deposits.

Then, in one savepoint of the caller's transaction: the invoices (DEPOSEE), their lines, their
two history rows each (created, deposited: the hash chain computed here), their files' rows,
and, once committed, the routing's wake, coalesced: no message of their own, no e-mail. The
routing batch that claims them tells the suppliers' users of the deposits (one notice, or one
digest when it claims several of a supplier) and enqueues their renderings
(``tasks.after_routing``). A number taken meanwhile by a concurrent deposit makes the unique
constraint refuse the INSERT: the batch is judged again against the numbers then used, and
written once more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from chorus.prepared import prefetched
from einvoice.validation import ValidationReport
from invoices import checks, files, integrity
from invoices.einvoice_mapping import data_to_invoice_input
from invoices.inputs import InvoiceInput, LineInput
from invoices.models import (
    Attachment,
    DepositMode,
    Invoice,
    InvoiceLine,
    StatusChange,
    attachment_path,
)
from invoices.selectors import may_modify_for
from invoices.services import _rows
from invoices.services._enqueue import wake_routing
from invoices.services._facts import read_one
from invoices.services._files import (
    NewFile,
    StoredFiles,
    check_new_files,
    files_removed_on_failure,
    safe_file_part,
)
from invoices.services._history import fire
from invoices.services.common import InvoiceError, RecipientDirectory
from invoices.services.deposit import build_draft
from invoices.services.documents import (
    XML_CONTENT_TYPE,
    certified_cii,
    certified_file,
    files_digest,
)
from invoices.services.structured import (
    StructuredFilePreview,
    StructuredFileRefused,
    judge_report,
    lines_to_keep,
    main_file,
)
from invoices.workflow import Status
from structures.selectors import deposit_refusal_reason

if TYPE_CHECKING:
    from accounts.models import User
    from structures.models import Structure


@dataclass(frozen=True)
class TypedDeposit:
    """An invoice typed as data (the API's invoice schema): ``invoice_submit``'s input."""

    data: InvoiceInput
    lines: Sequence[LineInput]
    deposit_mode: str = DepositMode.SAISIE_API
    # Validated by the API's invoice schema (the flux, POST /api/v1/invoices/): the model's
    # validation skips what the schema proved (``build_draft``'s ``schema_checked``).
    schema_checked: bool = False


@dataclass(frozen=True)
class FileDeposit:
    """A structured file already validated by the standards (``validate_file``'s report):
    ``invoice_deposit_structured_file``'s input, the validation not run again."""

    report: ValidationReport
    content: bytes
    filename: str
    deposit_mode: str = DepositMode.UPLOAD_API


@dataclass
class Deposited:
    """One deposit's outcome: its invoice, or its errors as the single deposit raises them
    (``InvoiceError.errors``); ``preview``: a file refused by its rules, problem by problem."""

    invoice: Invoice | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    preview: StructuredFilePreview | None = None


@dataclass
class _Accepted:
    invoice: Invoice
    lines: list[InvoiceLine]
    document: NewFile | bytes  # the supplier's file, or the CII the portal made of the data


@dataclass
class _Facts:
    deposit: checks.DepositFacts
    directory: RecipientDirectory
    may_modify: bool
    # A single deposit's ids (invoice, history, file: ``ONE_DEPOSIT``), read with its facts.
    ids: list[list[int]] | None = None


def _header_of(deposit: TypedDeposit | FileDeposit) -> InvoiceInput | None:
    if isinstance(deposit, TypedDeposit):
        return deposit.data
    invoice = deposit.report.invoice
    return data_to_invoice_input(invoice)[0] if invoice is not None else None


def _read_facts(
    user: User, supplier: Structure, deposits: Sequence[TypedDeposit | FileDeposit]
) -> _Facts:
    """Everything the checks read from the database, for the whole batch: a few queries."""
    if len(deposits) == 1:  # a single deposit (the API's POST): one round trip (_facts.py)
        reserve = ONE_DEPOSIT if _rows.reserves() else ()
        one = read_one(user, supplier, _header_of(deposits[0]), reserve)
        return _Facts(one.deposit, one.directory, one.may_modify, one.ids)
    headers = [h for h in map(_header_of, deposits) if h is not None]
    pairs = [(h.recipient_siret.replace(" ", ""), h.service_code.strip()) for h in headers]
    numbers = {h.number for h in headers if h.number}
    taken = (
        set(
            Invoice.objects.filter(supplier=supplier, number__in=numbers)
            .exclude(status=Status.BROUILLON)
            .values_list("number", "issue_year")
        )
        if numbers
        else set()
    )
    return _Facts(
        deposit=checks.DepositFacts(refusal=deposit_refusal_reason(user, supplier), taken=taken),
        directory=RecipientDirectory.read(pairs),
        may_modify=may_modify_for(user, supplier),
    )


def _judge_typed(
    user: User, supplier: Structure, deposit: TypedDeposit, facts: _Facts
) -> tuple[Deposited, _Accepted | None]:
    """``invoice_submit``'s verdict: the draft's shape (``build_draft``), then the deposit's
    checks (``checks.deposit_errors``) and the CII it deposits."""
    try:
        invoice, built = build_draft(
            user=user, supplier=supplier, data=deposit.data, lines=deposit.lines, invoice=None,
            deposit_mode=deposit.deposit_mode, may_modify=facts.may_modify,
            directory=facts.directory, schema_checked=deposit.schema_checked,
        )  # fmt: skip
    except InvoiceError as exc:
        return Deposited(errors=exc.errors), None
    errors = checks.deposit_errors(
        invoice, user=user, lines=built if invoice.is_typed else [], facts=facts.deposit
    )
    if errors:
        return Deposited(errors=errors), None
    if not invoice.is_typed:
        raise ValueError("A typed deposit has a typed deposit mode (SAISIE_*).")
    _mark_deposited(invoice)
    try:
        document: NewFile | bytes = certified_cii(invoice, built)
    except InvoiceError as exc:
        return Deposited(errors=exc.errors), None
    return Deposited(invoice=invoice), _Accepted(invoice, built, document)


def _judge_file(
    user: User, supplier: Structure, deposit: FileDeposit, facts: _Facts
) -> tuple[Deposited, _Accepted | None]:
    """``invoice_deposit_structured_file``'s verdict on a file already validated: the portal's
    rules (``judge_report``), the file kept as the main document, the draft it makes."""
    preview = judge_report(
        user=user, supplier=supplier, report=deposit.report, deposit_mode=deposit.deposit_mode,
        facts=facts.deposit, directory=facts.directory,
    )  # fmt: skip
    if not preview.accepted or preview.invoice_input is None:
        return Deposited(errors=StructuredFileRefused(preview).errors, preview=preview), None
    try:
        document = main_file(deposit.content, deposit.filename, parsed=True)
        invoice, _built = build_draft(
            user=user, supplier=supplier, data=preview.invoice_input, lines=(), invoice=None,
            deposit_mode=deposit.deposit_mode, may_modify=facts.may_modify,
            directory=facts.directory,
        )  # fmt: skip
        check_new_files(None, [document])
    except InvoiceError as exc:
        return Deposited(errors=exc.errors), None
    # Its deposit checks are the preview's, on the same data and facts (judge_report).
    _mark_deposited(invoice)
    return Deposited(invoice=invoice), _Accepted(invoice, lines_to_keep(invoice, preview), document)


def _mark_deposited(invoice: Invoice) -> None:
    fire(invoice.deposit)
    invoice.deposited_at = invoice.status_changed_at = timezone.now()
    invoice.made_available_at = None


def _judge_all(
    user: User,
    supplier: Structure,
    deposits: Sequence[TypedDeposit | FileDeposit],
    facts: _Facts,
) -> tuple[list[Deposited], list[_Accepted]]:
    outcomes, accepted = [], []
    for deposit in deposits:
        if isinstance(deposit, TypedDeposit):
            outcome, kept = _judge_typed(user, supplier, deposit, facts)
        else:
            outcome, kept = _judge_file(user, supplier, deposit, facts)
        outcomes.append(outcome)
        if kept is not None:
            invoice = kept.invoice
            assert invoice.issue_date is not None  # a deposit check
            facts.deposit.taken.add((invoice.number, invoice.issue_date.year))
            accepted.append(kept)
    return outcomes, accepted


# --- writes ------------------------------------------------------------------------------------
# The rows of one deposit whose ids are taken ahead: the invoice (its history's hashes cover its
# id), its two history rows, its file's row (it names the deposit's row). Its lines and e-mails
# take theirs as they are written (``_rows.insert_together``).
ONE_DEPOSIT = ((Invoice, 1), (StatusChange, 2), (Attachment, 1))


def _history(accepted: list[_Accepted], user: User) -> list[StatusChange]:
    """Each invoice's two rows (created as a draft, deposited), chained as ``history_append``
    chains them, not saved."""
    rows = []
    for kept in accepted:
        invoice = kept.invoice
        created = StatusChange(
            invoice=invoice, from_status="", to_status=Status.BROUILLON,
            at=invoice.status_changed_at, actor=user, previous_hash="",
        )  # fmt: skip
        created.row_hash = integrity.change_digest(created, "")
        deposited = StatusChange(
            invoice=invoice, from_status=Status.BROUILLON, to_status=invoice.status,
            at=invoice.status_changed_at, actor=user, previous_hash=created.row_hash,
        )  # fmt: skip
        deposited.row_hash = integrity.change_digest(deposited, created.row_hash)
        rows += [created, deposited]
    return rows


def _document_row(kept: _Accepted, user: User, stored: StoredFiles) -> Attachment:
    """The deposited file's row, as ``attach`` makes it, its file written to the storage now;
    its deposit row (``status_change``) is set once the history is saved."""
    invoice, document = kept.invoice, kept.document
    if isinstance(document, bytes):
        name = f"facture-{safe_file_part(invoice.number)}.xml"
        saved = files.store(attachment_path(None, name), document)
        stored.names.append(saved)
        return Attachment(
            invoice=invoice, kind=Attachment.Kind.GENERATED_XML, file=saved, original_name=name,
            size=len(document), sha256=hashlib.sha256(document).hexdigest(),
            content_type=XML_CONTENT_TYPE, is_signed=False, uploaded_by=user,
        )  # fmt: skip
    checked = document.checked
    saved = files.store(attachment_path(None, checked.name), checked.upload)
    stored.names.append(saved)
    return Attachment(
        invoice=invoice, kind=document.kind, file=saved, original_name=checked.name,
        size=checked.size, sha256=checked.sha256, content_type=checked.content_type,
        is_signed=checked.is_signed, uploaded_by=user,
    )  # fmt: skip


def _insert(
    accepted: list[_Accepted], documents: list[Attachment], user: User
) -> list[StatusChange]:
    """The rows, one statement per table: invoices, lines, history (returned: the deposit
    rows), files' rows. On PostgreSQL a ``COPY`` each, their ids taken first in one query
    (``_rows``): no field's preparation per value, no array quoted in Python."""
    invoices = [kept.invoice for kept in accepted]
    lines = [line for kept in accepted for line in kept.lines]
    if not _rows.fast_path(len(invoices)):
        Invoice.objects.bulk_create(invoices)
        InvoiceLine.objects.bulk_create(lines)
        changes = StatusChange.objects.bulk_create(_history(accepted, user))[1::2]
        _link(documents, changes)
        Attachment.objects.bulk_create(documents)
        return changes
    counts = [(Invoice, len(invoices)), (InvoiceLine, len(lines)),
              (StatusChange, 2 * len(invoices)), (Attachment, len(documents))]  # fmt: skip
    invoice_ids, line_ids, history_ids, document_ids = _rows.reserve_ids(counts)
    _set_ids(invoices, invoice_ids)
    _set_ids(lines, line_ids)
    history = _history(accepted, user)  # of invoices with their ids: the hashes cover them
    _set_ids(history, history_ids)  # ascending: an invoice's chain is read in id order
    _set_ids(documents, document_ids)
    changes = history[1::2]
    _link(documents, changes)
    for model, rows in ((Invoice, invoices), (InvoiceLine, lines), (StatusChange, history),
                        (Attachment, documents)):  # fmt: skip
        _rows.copy_rows(model, rows)
    return changes


def _insert_one(kept: _Accepted, document: Attachment, user: User, ids: list[list[int]]) -> None:
    """A single deposit's rows (``_insert``'s), its ids taken with its facts (``ONE_DEPOSIT``):
    all in one message (``_rows.insert_together``)."""
    [invoice_id], history_ids, [document_id] = ids
    kept.invoice.pk = invoice_id
    history = _history([kept], user)
    _set_ids(history, history_ids)
    document.pk = document_id
    changes = history[1::2]
    _link([document], changes)
    _rows.insert_together([
        (Invoice, [kept.invoice]), (InvoiceLine, kept.lines), (StatusChange, history),
        (Attachment, [document]),
    ])  # fmt: skip


def _set_ids(
    rows: Sequence[Invoice | InvoiceLine | StatusChange | Attachment], ids: list[int]
) -> None:
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk


def _link(documents: list[Attachment], changes: list[StatusChange]) -> None:
    """Each deposited file's row names its deposit's history row."""
    for document, change in zip(documents, changes, strict=True):
        document.status_change = change


def _write(
    accepted: list[_Accepted],
    user: User,
    stored: StoredFiles,
    *,
    tell: bool,
    wake: bool,
    ids: list[list[int]] | None = None,
) -> None:
    """The accepted invoices' rows, one statement per table (the routing batch that claims
    them tells the suppliers' users of them when ``tell``); the routing's wake once committed
    when ``wake``. ``ids``: a single deposit's, taken with its facts: its rows go in one
    message."""
    documents = [_document_row(kept, user, stored) for kept in accepted]
    invoices = [kept.invoice for kept in accepted]
    for invoice, document in zip(invoices, documents, strict=True):
        # The deposit's digest: its one file, as ``deposit_manifest`` lists a first deposit's.
        invoice.deposit_sha256 = files_digest([certified_file(document)])
        invoice.deposit_untold = tell
    if ids is not None:
        [kept], [document] = accepted, documents
        _insert_one(kept, document, user, ids)
    else:
        _insert(accepted, documents, user)
    if len(accepted) == 1:
        # A single deposit (the API's POST answers with the invoice, its lines and its file):
        # the rows just written, left in the invoice's prefetch cache, are not read again.
        kept = accepted[0]
        prefetched(kept.invoice, "lines", sorted(kept.lines, key=lambda line: line.position))
        prefetched(kept.invoice, "attachments", documents)
    if wake:
        # Nothing more is sent than the routing's wake, coalesced (most deposits send nothing):
        # the routing batch that claims these invoices queues and sends their e-mails and
        # enqueues their renderings (``tasks.after_routing``).
        wake_routing()


@transaction.atomic(savepoint=False)  # it writes in its own savepoint (see below)
def deposit_batch(
    *,
    user: User,
    supplier: Structure,
    deposits: Sequence[TypedDeposit | FileDeposit],
    tell: bool = True,
    wake: bool = True,
) -> list[Deposited]:
    """Deposit a batch of invoices for ``supplier``; one outcome per deposit, in order. Inside
    the caller's transaction: a failure leaves nothing of the batch (its files removed).
    ``tell=False``: no deposit e-mail (a flux's chunk: the flux's own e-mail tells its end);
    else the routing batch that claims the invoices tells of them (``Invoice.deposit_untold``).
    ``wake=False``: the routing is not woken (a flux's chunk: the flux wakes it once, at its end,
    so that its invoices route in one batch and their readers get one digest per event)."""
    if not deposits:
        return []
    for attempt in (1, 2):
        facts = _read_facts(user, supplier, deposits)
        outcomes, accepted = _judge_all(user, supplier, deposits, facts)
        if not accepted:
            return outcomes
        # In a savepoint: a number taken meanwhile (IntegrityError) leaves the caller's
        # transaction as it was. One deposit's rows write their own (``_rows.insert_together``).
        savepoint = nullcontext() if facts.ids is not None else transaction.atomic()
        try:
            with files_removed_on_failure() as stored, savepoint:
                _write(
                    accepted, user, stored,
                    tell=tell, wake=wake, ids=facts.ids,
                )  # fmt: skip
        except IntegrityError:
            if attempt == 2:
                raise
            continue  # a number deposited meanwhile by another request: judged again
        return outcomes
    raise AssertionError("unreachable")
