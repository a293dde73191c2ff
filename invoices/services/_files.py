"""The invoice's files as the services store them: checked uploads, attachments written to the
storage and removed again if the transaction fails, the size limit of an invoice's files.
Private to the services package."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from invoices import files
from invoices.models import Attachment, Invoice, StatusChange, attachment_path
from invoices.services.common import InvoiceError

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class NewFile:
    kind: str
    checked: files.CheckedFile


@dataclass
class StoredFiles:
    names: list[str] = field(default_factory=list)


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
        saved = files.store(attachment_path(None, name), content)
    else:
        size, sha256, content_type, is_signed = (
            content.size,
            content.sha256,
            content.content_type,
            content.is_signed,
        )
        saved = files.store(attachment_path(None, name), content.upload)
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


def check_upload(upload: files.UploadedFileLike, *, field: str, must_be_pdf: bool) -> NewFile:
    """Check one uploaded file; a refusal names the form field it came from."""
    try:
        checked = files.check_file(upload, must_be_pdf=must_be_pdf)
    except files.FileRefused as exc:
        raise InvoiceError({field: [exc.message]}) from None
    kind = Attachment.Kind.MAIN if must_be_pdf else Attachment.Kind.ADDITIONAL
    return NewFile(kind=kind, checked=checked)
