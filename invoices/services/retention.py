"""The end of the legal retention: invoices, their files and their history are kept
``RETENTION_YEARS`` after the end of the year of their deposit (a draft never deposited: of its
creation), then purged — by ``manage.py purge_expired_invoices``, never by a page or the API.

An invoice goes whole (its rows, lines, files and history) or not at all, in batches of one
transaction each; its files leave the storage once the batch has committed, so that a failed
batch never leaves rows whose files are gone (``verify_integrity`` would call that tampering).
Support requests that named a purged invoice keep their copy of its number and status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from invoices.models import Attachment, Invoice, StatusChange
from invoices.services.seals import seal_record_removal

BATCH = 200


@dataclass
class PurgeReport:
    """What a purge removed (or, dry, would remove)."""

    last_year: int  # invoices deposited in this year or before are past their retention
    dry_run: bool
    invoices: int = 0
    history_rows: int = 0
    files: int = 0
    bytes: int = 0
    by_year: dict[int, int] = field(default_factory=dict)


def last_expired_year(*, today: date, years: int) -> int:
    """The latest year of deposit whose retention is over: kept ``years`` after its 31
    December, so a 2015 deposit with 10 years goes in 2026."""
    return today.year - years - 1


def invoices_expired(*, last_year: int) -> QuerySet[Invoice]:
    # The years are read in the portal's time zone (TIME_ZONE): a deposit at 00:30 on
    # 1 January in Paris belongs to the new year.
    return Invoice.objects.filter(
        Q(deposited_at__year__lte=last_year)
        | Q(deposited_at__isnull=True, created_at__year__lte=last_year)
    )


def _count(report: PurgeReport, ids: list[int]) -> None:
    report.invoices += len(ids)
    report.history_rows += StatusChange.objects.filter(invoice_id__in=ids).count()
    files = Attachment.objects.filter(invoice_id__in=ids)
    report.files += files.count()
    report.bytes += files.aggregate(total=Sum("size"))["total"] or 0


def _batches(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def record_purge_in_sealed_history(*, invoice_ids: list[int], report: PurgeReport) -> None:
    """Before the rows go: what each contributed to the audit seals, so that the seals keep
    verifying after the purge (and the next seal covers the removal itself)."""
    seal_record_removal(
        invoice_ids=invoice_ids,
        reason=f"retention: deposited in {report.last_year} or before",
    )


@transaction.atomic
def _purge_batch(ids: list[int], report: PurgeReport) -> None:
    invoices = Invoice.objects.select_for_update().filter(id__in=ids)
    ids = list(invoices.values_list("id", flat=True))
    names = list(Attachment.objects.filter(invoice_id__in=ids).values_list("file", flat=True))
    record_purge_in_sealed_history(invoice_ids=ids, report=report)
    Attachment.objects.filter(invoice_id__in=ids).delete()
    StatusChange.objects.filter(invoice_id__in=ids).delete()
    # Its lines go with it (CASCADE); the support requests about it lose the link and keep
    # their copy of the number (SET_NULL).
    Invoice.objects.filter(id__in=ids).delete()
    transaction.on_commit(partial(_delete_files, names))


def invoices_purge_expired(*, today: date, years: int, dry_run: bool) -> PurgeReport:
    """Purges (or, dry, counts) every invoice past its retention; returns the report."""
    last_year = last_expired_year(today=today, years=years)
    report = PurgeReport(last_year=last_year, dry_run=dry_run)
    expired = invoices_expired(last_year=last_year)
    for invoice in expired.values_list("id", "deposited_at", "created_at").order_by("id"):
        year = (invoice[1] or invoice[2]).year
        report.by_year[year] = report.by_year.get(year, 0) + 1
    ids = list(expired.order_by("id").values_list("id", flat=True))
    for batch in _batches(ids):
        _count(report, batch)
        if not dry_run:
            _purge_batch(batch, report)
    return report
