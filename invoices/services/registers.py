"""The registers of legal commitments (EJ) that public structures keep for routing.

A register is loaded from a CSV file (``invoices/engagements_csv.py`` reads it) by the
``load_engagements`` command, or by the register page: the agent's upload is stored as an
``EngagementImport`` and a worker loads it in chunks, each commit moving the page's progress bar.
Loading is an upsert by EJ number: a file loaded twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from invoices import engagements_csv
from invoices.engagements_csv import EngagementRow
from invoices.models import EngagementImport, EngagementRecord
from invoices.services._enqueue import after_commit
from structures.models import Membership, Structure


class RegisterError(Exception):
    """A refused write on a register, in words for the user."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@transaction.atomic
def engagement_record_upsert(
    *,
    recipient: Structure,
    number: str,
    supplier_siret: str,
    amount: Decimal | None = None,
    state: str = EngagementRecord.State.OPEN,
) -> EngagementRecord:
    """Create or update one EJ of a public structure's register."""
    if not recipient.is_public:
        raise ValueError("Only a public structure keeps a register of legal commitments.")
    record, _created = EngagementRecord.objects.update_or_create(
        recipient=recipient,
        number=number,
        defaults={"supplier_siret": supplier_siret, "amount": amount, "state": state},
    )
    return record


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: LoadCounts) -> LoadCounts:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def engagement_rows_load(*, recipient: Structure, rows: Sequence[EngagementRow]) -> LoadCounts:
    """Upserts rows of one structure's register (in the caller's transaction): new numbers are
    created (open unless the row says closed), known ones updated where the row differs, the
    others left untouched (their ``updated_at`` too). Two queries and one or two writes."""
    if not recipient.is_public:
        raise ValueError("Only a public structure keeps a register of legal commitments.")
    existing = {
        record.number: record
        for record in EngagementRecord.objects.select_for_update().filter(
            recipient=recipient, number__in=[row.number for row in rows]
        )
    }
    counts = LoadCounts()
    new: list[EngagementRecord] = []
    changed: list[EngagementRecord] = []
    now = timezone.now()
    for row in rows:
        record = existing.get(row.number)
        if record is None:
            new.append(
                EngagementRecord(
                    recipient=recipient,
                    number=row.number,
                    supplier_siret=row.supplier_siret,
                    amount=row.amount,
                    state=row.state or EngagementRecord.State.OPEN,
                )
            )
            continue
        wanted = (row.supplier_siret, row.amount, row.state or record.state)
        if (record.supplier_siret, record.amount, record.state) == wanted:
            counts.unchanged += 1
            continue
        record.supplier_siret, record.amount, record.state = wanted
        record.updated_at = now
        changed.append(record)
    # A concurrent load of the same new number: the unique constraint keeps one, the other
    # row is skipped (the next load of the file updates it if they differ).
    created = EngagementRecord.objects.bulk_create(new, ignore_conflicts=True)
    counts.created = len(created)
    EngagementRecord.objects.bulk_update(
        changed, ["supplier_siret", "amount", "state", "updated_at"]
    )
    counts.updated = len(changed)
    return counts


# --- The register page --------------------------------------------------------------------
def _check_may_modify(user: User, recipient: Structure) -> None:
    """Approved members of the public structure with the right of modification."""
    if not recipient.is_public:
        raise RegisterError(_("Seule une structure publique tient un registre des engagements."))
    may = Membership.objects.filter(
        user=user,
        structure=recipient,
        status=Membership.Status.APPROVED,
        can_modify=True,
    ).exists()
    if not may:
        raise RegisterError(
            _(
                "Vous avez un droit de consultation seulement sur cette structure : demandez à "
                "son gestionnaire principal le droit de modification."
            )
        )


def engagement_import_receive(
    *, user: User, recipient: Structure, upload: UploadedFile[bytes]
) -> EngagementImport:
    """Stores an uploaded EJ file and asks a worker to load it once committed."""
    _check_may_modify(user, recipient)
    limit = settings.ENGAGEMENT_FILE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise RegisterError(
            _("Le fichier dépasse %(size)d Mo : découpez-le en plusieurs fichiers.")
            % {"size": limit // (1024 * 1024) or 1}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise RegisterError(
            _("Le fichier dépasse %(size)d Mo : découpez-le en plusieurs fichiers.")
            % {"size": limit // (1024 * 1024) or 1}
        )
    if not data.strip():
        raise RegisterError(_("Le fichier est vide."))
    if b"\x00" in data:
        raise RegisterError(_("Ce fichier n’est pas un fichier CSV (texte)."))
    from invoices import tasks

    with transaction.atomic():
        job = EngagementImport.objects.create(
            recipient=recipient,
            uploaded_by=user,
            original_name=(upload.name or "engagements.csv")[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            content=engagements_csv.decode(data),
        )
        # A broker down is logged; the beat's sweep enqueues the file again.
        after_commit(tasks.engagement_import_run, job.pk)
    return job


def _judge(job: EngagementImport) -> engagements_csv.ParsedFile:
    """The file's rows, with what the page's structure adds: no other structure's EJ."""
    parsed = engagements_csv.parse(job.content)
    own = job.recipient.siret or ""
    for row in parsed.rows:
        if row.recipient_siret and row.recipient_siret != own:
            parsed.add_error(row.line, "other_recipient", siret=row.recipient_siret)
    return parsed


def engagement_import_run(*, import_id: int) -> EngagementImport | None:
    """Loads an uploaded file (the worker): a wrong file loads nothing and keeps its problems by
    line; a right one is upserted in chunks, each committed with the progress. Delivered again
    (a killed worker), it resumes after the last committed chunk; once done, it does nothing."""
    with transaction.atomic():
        job = (
            EngagementImport.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=import_id)
            .first()
        )
        if job is None or job.is_done:
            return job
        parsed = _judge(job)
        job.total_rows = len(parsed.rows) + len({e.line for e in parsed.errors})
        if not parsed.ok:
            job.status = EngagementImport.Status.FAILED
            job.errors = [error.as_dict() for error in parsed.errors]
            job.more_errors = parsed.more_errors
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "total_rows", "errors", "more_errors", "finished_at"])
            return job
        job.total_rows = len(parsed.rows)
        job.status = EngagementImport.Status.RUNNING
        job.save(update_fields=["status", "total_rows"])
    size = settings.ENGAGEMENT_CHUNK_SIZE
    for start in range(job.processed_rows, len(parsed.rows), size):
        _load_chunk(job.pk, parsed.rows[start : start + size], start)
    with transaction.atomic():
        job = EngagementImport.objects.select_for_update().get(pk=import_id)
        if not job.is_done:
            job.status = EngagementImport.Status.DONE
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
    return job


@transaction.atomic
def _load_chunk(import_id: int, rows: Sequence[EngagementRow], start: int) -> None:
    job = EngagementImport.objects.select_for_update().select_related("recipient").get(pk=import_id)
    if job.processed_rows != start:  # another delivery did this chunk meanwhile
        return
    counts = engagement_rows_load(recipient=job.recipient, rows=rows)
    job.processed_rows = start + len(rows)
    job.created_count += counts.created
    job.updated_count += counts.updated
    job.unchanged_count += counts.unchanged
    job.save(update_fields=["processed_rows", "created_count", "updated_count", "unchanged_count"])


@transaction.atomic
def engagement_set_state(
    *, user: User, recipient: Structure, record_id: int, state: str
) -> EngagementRecord:
    """Closes (or opens again) one EJ of the register: a closed EJ takes no new invoice, at
    the deposit (``checks``) and at routing."""
    _check_may_modify(user, recipient)
    if state not in EngagementRecord.State.values:
        raise RegisterError(_("État d’engagement inconnu."))
    record = (
        EngagementRecord.objects.select_for_update()
        .filter(pk=record_id, recipient=recipient)
        .first()
    )
    if record is None:
        raise RegisterError(_("Cet engagement n’est pas au registre de la structure."))
    if record.state != state:
        record.state = state
        record.save(update_fields=["state", "updated_at"])
    return record


def engagement_imports_sweep(*, stuck_after: timedelta) -> list[int]:
    """The uploads still waiting for a worker after ``stuck_after``: their message was lost (a
    broker down at the upload). The caller enqueues them again; a second delivery of one that
    did start finds it done, or resumes it chunk by chunk without doing a chunk twice."""
    limit = timezone.now() - stuck_after
    return list(
        EngagementImport.objects.filter(
            status=EngagementImport.Status.PENDING, created_at__lt=limit
        ).values_list("pk", flat=True)[:100]
    )
