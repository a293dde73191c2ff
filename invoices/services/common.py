"""What every invoice service shares: errors, inputs, locking, history, files, enqueueing."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from chorus import text
from invoices import files, integrity, notifications

# The services' inputs live in invoices.inputs (the format mapping builds them without
# importing the services); re-exported here, where the services have always taken them from.
from invoices.inputs import InvoiceInput as InvoiceInput
from invoices.inputs import LineInput as LineInput
from invoices.models import (
    Attachment,
    Invoice,
    InvoiceLine,
    RejectionReason,
    StatusChange,
    attachment_path,
)
from structures.models import Structure

if TYPE_CHECKING:
    from celery import Task

    from accounts.models import User

logger = logging.getLogger(__name__)


# --- errors ------------------------------------------------------------------------------------
class InvoiceError(Exception):
    """A refused write; ``errors`` maps a field name (``__all__`` for none) to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        self.errors = {"__all__": [errors]} if isinstance(errors, str) else errors
        super().__init__(self.errors)

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


class InvoiceStateError(InvoiceError):
    """The action does not apply to the invoice's status: someone was quicker, or it is done."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Cette facture a déjà été traitée, ou cette action n'est pas possible "
                "dans son statut actuel."
            )
        )


class InvoiceAccessDenied(Exception):
    """The user may not act on this invoice (pages answer 404: they should not see it)."""


@dataclass(frozen=True)
class NewFile:
    kind: str
    checked: files.CheckedFile


@dataclass
class StoredFiles:
    names: list[str] = field(default_factory=list)


# --- helpers -----------------------------------------------------------------------------------
def locked(invoice: Invoice) -> Invoice:
    """The invoice row, locked until the end of the transaction, as it is now."""
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def fire(transition: Callable[[], None]) -> None:
    """Apply one of the invoice's transitions (``fire(invoice.deposit)``); one that does not
    apply to its status (someone was quicker) is an ``InvoiceStateError``."""
    try:
        transition()
    except TransitionNotAllowed:
        raise InvoiceStateError() from None


def save_transition(invoice: Invoice, *fields: str) -> None:
    invoice.status_changed_at = timezone.now()
    try:
        invoice.save(update_fields=["status", "status_changed_at", "updated_at", *fields])
    except ConcurrentTransition:
        raise InvoiceStateError() from None


def record(
    invoice: Invoice,
    from_status: str,
    *,
    actor: User | None = None,
    system: str = "",
    reason: RejectionReason | None = None,
    comment: str = "",
    mandate_number: str = "",
    emails: list[str] | None = None,
) -> StatusChange:
    """Record the invoice's status change and queue its e-mails (the outbox). They are sent by
    a task enqueued once committed, if anyone is to receive them; a caller that sends the
    e-mails of several changes at once passes ``emails``, which gathers their keys instead."""
    change = history_append(
        invoice,
        from_status=from_status,
        at=invoice.status_changed_at,
        actor=actor,
        actor_system=system,
        reason=reason,
        comment=comment,
        mandate_number=mandate_number,
    )
    # The e-mails are written with the change (the outbox), sent once it is committed.
    if notifications.queue_status_change(change, new=True):
        if emails is None:
            from invoices import tasks  # here: the tasks call the services

            after_commit(tasks.notify_status_change, change.pk)
        else:
            emails.append(notifications.status_key(change.pk))
    return change


def history_append(
    invoice: Invoice, *, from_status: str, first: bool = False, **values: object
) -> StatusChange:
    """Add a row to the invoice's history, chained to the previous one (invoices/integrity.py);
    ``first``: the invoice was created in this transaction and has no history yet.

    Callers hold the invoice's row lock (or created the invoice in this transaction), so the
    previous row cannot change under us; the unique link would refuse a fork anyway.
    """
    previous = (
        None
        if first
        else StatusChange.objects.filter(invoice=invoice)
        .order_by("-id")
        .values_list("row_hash", flat=True)
        .first()
    )
    change = StatusChange(
        invoice=invoice,
        from_status=from_status,
        to_status=invoice.status,
        previous_hash=previous or "",
        **values,
    )
    change.row_hash = integrity.change_digest(change, change.previous_hash)
    change.save(force_insert=True)
    return change


def after_commit(task: Task[..., object], *args: object, countdown: float = 0) -> None:
    """Enqueue ``task`` (``tasks.render_certificate``…) once the transaction commits. A broker
    that does not answer must not turn a done write into an error page: the sweep recovers
    routing, and the log says so.

    The services import ``invoices.tasks`` inside the function that enqueues (the tasks call
    the services): a misspelt task fails there, in the transaction, and in mypy."""

    def send() -> None:
        try:
            task.apply_async(args, countdown=countdown or None)
        except Exception:
            logger.exception("could not enqueue %s%s", task.name, args)

    transaction.on_commit(send)


ROUTING_WAKE_KEY = "invoices:routing:wake"


def wake_routing(*, countdown: float | None = None) -> None:
    """Once the transaction commits, make sure a routing batch will run: the message says
    "there is work", never which invoice, so that losing or doubling one changes nothing.

    Coalesced where the cache is shared by every process (Redis): the first deposit sets the key
    and sends the message, the others find the key and send nothing; the batch deletes the key
    before it claims (``tasks.route_batch``), so a deposit committed after that sends a new one.
    The key expires (INVOICE_ROUTING_WAKE_TTL) in case its message is lost, and the sweep backs
    it all up. With a cache of one process (``locmem``, zero configuration) every deposit sends.
    """
    delay = settings.INVOICE_ROUTING_DELAY if countdown is None else countdown

    def send() -> None:
        from invoices import tasks

        coalesced = routing_wake_is_shared()
        try:
            if coalesced and not cache.add(
                ROUTING_WAKE_KEY, 1, timeout=settings.INVOICE_ROUTING_WAKE_TTL
            ):
                return
            tasks.route_batch.apply_async(countdown=delay or None)
        except Exception:
            logger.exception("could not wake the routing workers (the sweep will)")
            if coalesced:
                with suppress(Exception):
                    cache.delete(ROUTING_WAKE_KEY)

    transaction.on_commit(send)


def routing_wake_is_shared() -> bool:
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


def claim_skip_locked(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The rows of ``queryset``, locked for this transaction, skipping those another transaction
    holds (PostgreSQL: ``FOR UPDATE SKIP LOCKED``). SQLite has no row locks but one writer at a
    time: a first write takes the database's write lock, so what is read after it stays this
    transaction's alone until it commits — the same guarantee, one worker after the other."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Invoice._meta.db_table} SET id = id WHERE 0")  # noqa: S608
    return queryset


@contextmanager
def files_removed_on_failure() -> Iterator[StoredFiles]:
    """Storage writes are not transactional: undo them if the transaction fails."""
    stored = StoredFiles()
    try:
        yield stored
    except BaseException:
        files.discard(stored.names)
        raise


def safe_file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "facture"


def attach(
    invoice: Invoice,
    *,
    kind: str,
    name: str,
    content: files.CheckedFile | bytes,
    user: User | None,
    change: StatusChange | None,
    stored: StoredFiles,
    content_type: str = "application/pdf",
) -> Attachment:
    """Store a file of the invoice; ``content_type`` is for bytes the portal made itself."""
    if isinstance(content, bytes):
        size, sha256, is_signed = len(content), hashlib.sha256(content).hexdigest(), False
        saved = files.store(attachment_path(None, name), content)  # type: ignore[arg-type]
    else:
        size, sha256, content_type, is_signed = (
            content.size,
            content.sha256,
            content.content_type,
            content.is_signed,
        )
        saved = files.store(attachment_path(None, name), content.upload)  # type: ignore[arg-type]
    stored.names.append(saved)
    return Attachment.objects.create(
        invoice=invoice,
        kind=kind,
        file=saved,
        original_name=name,
        size=size,
        sha256=sha256,
        content_type=content_type,
        is_signed=is_signed,
        status_change=change,
        uploaded_by=user,
    )


def supplier_files_size(invoice: Invoice) -> int:
    kinds = [Attachment.Kind.MAIN, Attachment.Kind.ADDITIONAL]
    return sum(invoice.attachments.filter(kind__in=kinds).values_list("size", flat=True))


def check_new_files(invoice: Invoice | None, new_files: Sequence[NewFile]) -> None:
    already = supplier_files_size(invoice) if invoice is not None and invoice.pk else 0
    try:
        files.check_total([f.checked for f in new_files], already_stored=already)
    except files.FileRefused as exc:
        raise InvoiceError({"attachments": [exc.message]}) from None


# Fields of an invoice that the model's validation leaves alone: relations are resolved by the
# services, and the status only moves through a transition.
INVOICE_UNCHECKED = ["supplier", "recipient", "service", "created_by", "status"]


def model_errors(instance: Invoice | InvoiceLine, exclude: list[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    for name, message in text_errors(instance, exclude).items():
        errors.setdefault(name, []).append(message)
    return errors


def text_errors(instance: Invoice | InvoiceLine, exclude: list[str]) -> dict[str, str]:
    """Hidden or control characters in the typed text fields (chorus/text.py), by field."""
    errors = {}
    for model_field in instance._meta.concrete_fields:
        value = getattr(instance, model_field.attname)
        if model_field.name in exclude or not isinstance(value, str):
            continue
        multiline = isinstance(model_field, models.TextField)
        message = text.text_error(value, multiline=multiline)
        if message:
            errors[model_field.name] = message
    return errors


# --- drafts ------------------------------------------------------------------------------------
def resolve_recipient(siret: str) -> Structure | None:
    if not siret:
        return None
    return Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET, identifier=siret
    ).first()


def apply_recipient(
    invoice: Invoice, *, recipient_siret: str, service_code: str, engagement_number: str
) -> None:
    invoice.recipient_siret = recipient_siret
    invoice.recipient = resolve_recipient(recipient_siret)
    invoice.service_code = service_code
    invoice.service = (
        invoice.recipient.services.filter(code=service_code).first()
        if invoice.recipient is not None and service_code
        else None
    )
    invoice.engagement_number = engagement_number


def apply_validator(invoice: Invoice, *, validator_siret: str) -> None:
    """The titular company (mandatary) an A9 (A12) invoice names, by SIRET (checks.py judges)."""
    invoice.validator_siret = validator_siret
    invoice.validator = resolve_recipient(validator_siret)


def check_upload(upload: files.UploadedFileLike, *, field: str, must_be_pdf: bool) -> NewFile:
    """Check one uploaded file; a refusal names the form field it came from."""
    try:
        checked = files.check_file(upload, must_be_pdf=must_be_pdf)
    except files.FileRefused as exc:
        raise InvoiceError({field: [exc.message]}) from None
    kind = Attachment.Kind.MAIN if must_be_pdf else Attachment.Kind.ADDITIONAL
    return NewFile(kind=kind, checked=checked)
