"""Evidence that deposited invoices were not tampered with: files and history.

- Every stored file keeps the SHA-256 computed when it was received; ``file_problems`` reads
  the file back and compares.
- The history of an invoice is a hash chain: each ``StatusChange`` stores the hash of the
  previous row of the same invoice (``previous_hash``) and the hash of its own content and that
  link (``row_hash``). Changing, deleting or inserting a row in SQL breaks the chain from that
  row on; ``chain_problems`` finds where.

Pure functions of the rows: the ``verify_integrity`` command walks the database with them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from django.core.files.storage import default_storage

CHUNK = 1024 * 1024


class ChainRow(Protocol):
    @property
    def pk(self) -> int | None: ...  # read only: a saved row's is an int

    invoice_id: int
    from_status: str
    to_status: str
    at: datetime
    actor_id: int | None
    actor_system: str
    reason_id: int | None
    comment: str
    mandate_number: str
    previous_hash: str
    row_hash: str


def change_digest(row: ChainRow, previous_hash: str) -> str:
    """The SHA-256 of a history row's content and of the row before it (canonical JSON)."""
    content = {
        "invoice": row.invoice_id,
        "from": row.from_status,
        "to": row.to_status,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": row.actor_id,
        "system": row.actor_system,
        "reason": row.reason_id,
        "comment": row.comment,
        "mandate": row.mandate_number,
        "previous": previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_problems(rows: Iterable[ChainRow]) -> list[str]:
    """What is wrong with one invoice's history, given in insertion (id) order."""
    problems = []
    previous = ""
    for row in rows:
        if row.previous_hash != previous:
            problems.append(
                f"history row {row.pk}: does not follow the previous row "
                "(a row was deleted, inserted or its link edited)"
            )
        if row.row_hash != change_digest(row, row.previous_hash):
            problems.append(f"history row {row.pk}: content does not match its hash (edited)")
        previous = row.row_hash
    return problems


def stored_sha256(name: str) -> tuple[str, int]:
    """The SHA-256 and size of a stored file, read through the storage API."""
    digest = hashlib.sha256()
    size = 0
    with default_storage.open(name, "rb") as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def file_problems(*, pk: int, name: str, sha256: str, size: int) -> list[str]:
    """What is wrong with one stored file (attachment ``pk``), compared to its record."""
    try:
        actual, actual_size = stored_sha256(name)
    except (FileNotFoundError, OSError) as exc:
        return [f"file of attachment {pk} ({name}): cannot be read ({exc.__class__.__name__})"]
    if actual != sha256 or actual_size != size:
        return [f"file of attachment {pk} ({name}): SHA-256 or size differs from the record"]
    return []


def deposit_problems(invoice_id: int, *, recorded: str, computed: str) -> list[str]:
    """Does the invoice's ``deposit_sha256`` still match the files it was computed from?"""
    if recorded != computed:
        return [
            f"invoice {invoice_id}: deposit_sha256 does not match its deposited files "
            f"(recorded {recorded[:16]}…, computed {computed[:16]}…)"
        ]
    return []


def status_problems(invoice_id: int, status: str, history_status: str) -> list[str]:
    """Is the invoice in the status its history ends with?"""
    if status != history_status:
        return [
            f"invoice {invoice_id}: status {status} does not match its history, "
            f"which ends in {history_status}"
        ]
    return []
