"""Writes of the audit trail's seals (``invoices/seals.py`` says what a seal is).

- ``seal_create`` (beat, every ``AUDIT_SEAL_INTERVAL`` seconds) seals what was recorded since
  the previous seal, and e-mails the new digest to the administrators.
- ``seal_record_removal`` is for the legal purge: called in the purge's transaction, before it
  deletes an invoice's history rows and files, it keeps what the seals need to stay verifiable.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from chorus import outbox
from invoices import seals
from invoices.models import Attachment, Seal, SealedRemoval, StatusChange

SEALED_TABLES = (StatusChange, Attachment, SealedRemoval)
LOCK_TIMEOUT_MS = 5000


def _wait_for_writers() -> None:
    """Until the seal commits, nobody adds a row to what it covers.

    An id is taken when a row is inserted, not when it commits: without this, a transaction
    that took id 41 and commits after a seal that saw id 42 would leave row 41 outside every
    seal. PostgreSQL's SHARE lock waits for the writers in progress and holds back new ones
    for the few milliseconds of the seal; another sealer waits for the EXCLUSIVE lock. SQLite
    has one writer at a time, so no such row can exist there.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Writers queue behind a waiting lock: behind a long transaction, the seal gives up
        # (the next beat tick tries again) rather than stall every deposit meanwhile.
        cursor.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")
        cursor.execute(f"LOCK TABLE {Seal._meta.db_table} IN EXCLUSIVE MODE")
        tables = ", ".join(model._meta.db_table for model in SEALED_TABLES)
        cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")


def _last_id(model: type[StatusChange | Attachment | SealedRemoval], floor: int) -> int:
    return max(model.objects.aggregate(last=Max("id"))["last"] or 0, floor)


@transaction.atomic
def seal_create() -> Seal | None:
    """Seal every history row, file record and removal recorded since the last seal.

    None when nothing was recorded since: the latest seal still covers everything."""
    _wait_for_writers()
    previous = seals.latest_seal()
    history = seals.history_part(
        after := previous.history_until if previous else 0, _last_id(StatusChange, after)
    )
    files = seals.files_part(
        after := previous.files_until if previous else 0, _last_id(Attachment, after)
    )
    removals = seals.removals_part(
        after := previous.removals_until if previous else 0, _last_id(SealedRemoval, after)
    )
    if not (history.count or files.count or removals.count):
        return None
    seal = Seal(
        sequence=previous.sequence + 1 if previous else 1,
        sealed_at=timezone.now(),
        previous_digest=previous.digest if previous else "",
        heads=history.heads,
    )
    for name, part in (("history", history), ("files", files), ("removals", removals)):
        for attribute in ("after", "until", "count", "digest"):
            setattr(seal, f"{name}_{attribute}", getattr(part, attribute))
    seal.digest = seals.digest_of(seal)
    seal.save()
    _tell_administrators(seal)
    return seal


def seal_recipients() -> list[str]:
    """``AUDIT_SEAL_EMAILS``, or else every active superuser."""
    if settings.AUDIT_SEAL_EMAILS:
        return list(settings.AUDIT_SEAL_EMAILS)
    users = get_user_model().objects.filter(is_active=True, is_superuser=True)
    return sorted(set(users.values_list("contact_email", flat=True)))


def _tell_administrators(seal: Seal) -> None:
    url = settings.SITE_URL + reverse("api:seal-detail", args=[seal.sequence])
    # For administrators, in French as the portal's documents: a record to keep, outside
    # the database, of the digest every later seal depends on.
    body = (
        f"Scellement n° {seal.sequence} du journal d'audit de Chorus\n\n"
        f"Scellé le : {timezone.localtime(seal.sealed_at):%d/%m/%Y %H:%M:%S} (heure de Paris)\n"
        f"Empreinte SHA-256 : {seal.digest}\n"
        f"Empreinte du scellement précédent : {seal.previous_digest or '(aucun)'}\n"
        f"Couvre : {seal.history_count} ligne(s) d'historique, {seal.files_count} fichier(s), "
        f"{seal.removals_count} retrait(s).\n\n"
        "Conservez ce message : il permet de prouver que le journal n'a pas été réécrit "
        "(python manage.py verify_integrity, et comparer l'empreinte à celle publiée sur "
        f"{url}).\n"
    )
    emails = [
        outbox.Email(
            key=f"audit-seal:{seal.sequence}:{address}",
            to=address,
            subject=f"[Chorus] Scellement n° {seal.sequence} du journal d'audit",
            body=body,
        )
        for address in seal_recipients()
    ]
    outbox.emails_queue_new(emails)


def seal_record_removal(*, invoice_ids: Iterable[int], reason: str) -> int:
    """Keep the seal leaves of the invoices' history rows and files, before a purge deletes them.

    Call it inside the purge's transaction, with the invoices locked, right before deleting
    their ``StatusChange`` and ``Attachment`` rows: the seals that cover those rows keep
    verifying, and the next seal covers the removal records (so a removal is itself sealed).
    Returns how many records were written.
    """
    ids = list(invoice_ids)
    now = timezone.now()
    history = StatusChange.objects.filter(invoice_id__in=ids).values_list(
        "id", "invoice_id", "row_hash"
    )
    files = Attachment.objects.filter(invoice_id__in=ids).values_list(
        "id", "invoice_id", "sha256", "size", "file"
    )
    records = [
        SealedRemoval(
            kind=SealedRemoval.Kind.HISTORY,
            item_id=pk,
            invoice_id=invoice,
            leaf=seals.history_leaf(pk, invoice, digest),
            reason=reason,
            removed_at=now,
        )
        for pk, invoice, digest in history
    ] + [
        SealedRemoval(
            kind=SealedRemoval.Kind.FILE,
            item_id=row[0],
            invoice_id=row[1],
            leaf=seals.file_leaf(*row),
            reason=reason,
            removed_at=now,
        )
        for row in files
    ]
    SealedRemoval.objects.bulk_create(records, batch_size=1000)
    return len(records)
