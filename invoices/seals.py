"""The audit trail's seals: what anchors the end of every history chain and file record.

Each invoice's history is a hash chain (``invoices/integrity.py``), but nothing in a chain says
where it should end: deleting its last rows, or rewriting it whole with recomputed hashes, leaves
a valid chain. A **seal** fixes everything recorded since the previous seal:

- three parts, each a range of ids (``after`` excluded, ``until`` included) with the number of
  items and the SHA-256 of their *leaves*, one text line per item in id order:
  history rows (``H id invoice row_hash``), file records (``F id invoice sha256 size name``),
  and removal records (``R id kind item invoice removed_at leaf``);
- the *heads*: for each invoice the seal covers, its last history row (id and hash), so that a
  chain cut short or rewritten after it was sealed is named;
- the previous seal's digest, so that the seals themselves form a chain.

The latest digest leaves the database (deposit certificates, e-mails to the administrators, the
public API ``/api/v1/seals/latest/``): whoever keeps a copy can tell if the seals were rebuilt.

A legal purge removes rows a seal covers. Before it deletes them, the purge calls
``services.seals.seal_record_removal``, which keeps each row's leaf in a ``SealedRemoval``: a
seal's part is then computed over the rows still there *and* the leaves of the removed ones, so
old seals keep verifying; the removal records are themselves covered by the next seal.

Reads only: the writes (``seal_create``, ``seal_record_removal``) are in
``invoices/services/seals.py``.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from invoices.models import Attachment, Seal, SealedRemoval, StatusChange

FORMAT = "chorus-seal-1"
Kind = SealedRemoval.Kind


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def history_leaf(row_id: int, invoice_id: int, row_hash: str) -> str:
    return f"H {row_id} {invoice_id} {row_hash}"


def file_leaf(row_id: int, invoice_id: int, sha256: str, size: int, name: str) -> str:
    return f"F {row_id} {invoice_id} {sha256} {size} {name}"


def removal_leaf(removal: SealedRemoval) -> str:
    return (
        f"R {removal.pk} {removal.kind} {removal.item_id} {removal.invoice_id} "
        f"{_iso(removal.removed_at)} {removal.leaf}"
    )


@dataclass
class Part:
    """One part of a seal as the database has it now: count, digest and heads of its leaves."""

    after: int
    until: int
    count: int = 0
    digest: str = ""
    heads: dict[str, list[int | str]] = field(default_factory=dict)


def _part(after: int, until: int, leaves: Iterable[str]) -> Part:
    sha = hashlib.sha256()
    part = Part(after, until)
    for leaf in leaves:
        sha.update(leaf.encode() + b"\n")
        part.count += 1
        if leaf.startswith("H "):
            _, row_id, invoice_id, row_hash = leaf.split(" ")
            part.heads[invoice_id] = [int(row_id), row_hash]
    part.digest = sha.hexdigest()
    return part


def _with_removed(
    rows: Iterator[tuple[int, str]], kind: str, after: int, until: int
) -> Iterator[str]:
    """The leaves of a range in id order: the rows still there, and the removed rows' leaves."""
    removed = (
        SealedRemoval.objects.filter(kind=kind, item_id__gt=after, item_id__lte=until)
        .order_by("item_id")
        .values_list("item_id", "leaf")
        .iterator(chunk_size=2000)
    )
    seen = None
    for item_id, leaf in heapq.merge(rows, removed, key=lambda pair: pair[0]):
        if item_id != seen:  # a row both present and "removed" counts once, as the row
            yield leaf
        seen = item_id


def history_part(after: int, until: int) -> Part:
    rows = (
        StatusChange.objects.filter(id__gt=after, id__lte=until)
        .order_by("id")
        .values_list("id", "invoice_id", "row_hash")
        .iterator(chunk_size=2000)
    )
    leaves = ((pk, history_leaf(pk, invoice, digest)) for pk, invoice, digest in rows)
    return _part(after, until, _with_removed(leaves, Kind.HISTORY, after, until))


def files_part(after: int, until: int) -> Part:
    rows = (
        Attachment.objects.filter(id__gt=after, id__lte=until)
        .order_by("id")
        .values_list("id", "invoice_id", "sha256", "size", "file")
        .iterator(chunk_size=2000)
    )
    leaves = ((row[0], file_leaf(*row)) for row in rows)
    return _part(after, until, _with_removed(leaves, Kind.FILE, after, until))


def removals_part(after: int, until: int) -> Part:
    rows = SealedRemoval.objects.filter(id__gt=after, id__lte=until).order_by("id")
    return _part(after, until, (removal_leaf(r) for r in rows.iterator(chunk_size=2000)))


def seal_digest(
    *,
    sequence: int,
    sealed_at: datetime,
    previous_digest: str,
    history: Part,
    files: Part,
    removals: Part,
    heads: dict[str, list[int | str]],
) -> str:
    """The SHA-256 of a seal's canonical JSON: its place in the chain, parts and heads."""
    content = {
        "format": FORMAT,
        "sequence": sequence,
        "sealed_at": _iso(sealed_at),
        "previous": previous_digest,
        "parts": [[p.after, p.until, p.count, p.digest] for p in (history, files, removals)],
        "heads": heads,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_parts(seal: Seal) -> tuple[Part, Part, Part]:
    return (
        Part(seal.history_after, seal.history_until, seal.history_count, seal.history_digest),
        Part(seal.files_after, seal.files_until, seal.files_count, seal.files_digest),
        Part(seal.removals_after, seal.removals_until, seal.removals_count, seal.removals_digest),
    )


def digest_of(seal: Seal) -> str:
    history, files, removals = stored_parts(seal)
    return seal_digest(
        sequence=seal.sequence,
        sealed_at=seal.sealed_at,
        previous_digest=seal.previous_digest,
        history=history,
        files=files,
        removals=removals,
        heads=seal.heads,
    )


def latest_seal() -> Seal | None:
    return Seal.objects.order_by("-sequence").first()


# --- verification --------------------------------------------------------------------------------
PART_TAMPERING = {
    "history": "history rows deleted, inserted or rewritten",
    "files": "a file record deleted or its recorded SHA-256, size or name rewritten",
    "removals": "removal records deleted, inserted or rewritten",
}


def _part_problems(seal: Seal) -> list[str]:
    problems = []
    current = zip(
        PART_TAMPERING,
        stored_parts(seal),
        (history_part, files_part, removals_part),
        strict=True,
    )
    for name, stored, compute in current:
        found = compute(stored.after, stored.until)
        if (found.count, found.digest) != (stored.count, stored.digest):
            problems.append(
                f"seal {seal.sequence}: the {name} it covers changed since it was sealed "
                f"({stored.count} sealed, {found.count} found: {PART_TAMPERING[name]})"
            )
    return problems


def seal_problems(seals: Iterable[Seal]) -> list[str]:
    """What is wrong with the seal chain and with what each seal covers, seals in order."""
    problems: list[str] = []
    previous: Seal | None = None
    for seal in seals:
        expected = previous.sequence + 1 if previous else 1
        if seal.sequence != expected:
            problems.append(f"seal {seal.sequence}: seal(s) {expected}… missing (deleted)")
        if seal.previous_digest != (previous.digest if previous else ""):
            problems.append(f"seal {seal.sequence}: does not follow the previous seal")
        if previous and (seal.history_after, seal.files_after, seal.removals_after) != (
            previous.history_until,
            previous.files_until,
            previous.removals_until,
        ):
            problems.append(f"seal {seal.sequence}: its ranges do not follow the previous seal")
        if digest_of(seal) != seal.digest:
            problems.append(f"seal {seal.sequence}: its content was edited (digest differs)")
        problems += _part_problems(seal)
        previous = seal
    return problems


def sealed_heads(seals: Iterable[Seal]) -> dict[int, tuple[int, int, str]]:
    """Each sealed invoice's last sealed history row: {invoice: (seal, row id, row hash)}."""
    heads: dict[int, tuple[int, int, str]] = {}
    for seal in seals:
        for invoice_id, (row_id, row_hash) in seal.heads.items():
            heads[int(invoice_id)] = (seal.sequence, int(row_id), str(row_hash))
    return heads


def head_problems(rows: list[StatusChange], head: tuple[int, int, str] | None) -> list[str]:
    """Does the invoice's history still hold the last row its latest seal recorded?"""
    if head is None:
        return []
    sequence, row_id, row_hash = head
    row = next((r for r in rows if r.pk == row_id), None)
    if row is None:
        last = rows[-1].pk if rows else None
        return [
            f"history rows sealed by seal {sequence} were deleted "
            f"(seal {sequence} recorded row {row_id} as its last; the history ends at row {last})"
        ]
    if row.row_hash != row_hash:
        return [
            f"history rewritten after seal {sequence} "
            f"(row {row_id} no longer has the hash the seal recorded)"
        ]
    return []
