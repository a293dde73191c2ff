"""``manage.py purge_expired_invoices [--dry-run]``: removes the invoices (rows, files, history)
whose retention is over (``RETENTION_YEARS`` after the end of the year of their deposit) and
prints a report. ``--dry-run`` prints the same report and removes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from invoices.services.retention import invoices_purge_expired


class Command(BaseCommand):
    help = "Supprime les factures dont la conservation est échue (--dry-run : compte seulement)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would go, remove nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = settings.RETENTION_YEARS
        report = invoices_purge_expired(
            today=timezone.localdate(), years=years, dry_run=options["dry_run"]
        )
        verb = "would be purged" if report.dry_run else "purged"
        self.stdout.write(
            f"Retention: {years} years after the end of the year of deposit; "
            f"invoices deposited in {report.last_year} or before are past it."
        )
        for year, count in sorted(report.by_year.items()):
            self.stdout.write(f"  {year}: {count} invoice(s)")
        self.stdout.write(
            f"{report.invoices} invoice(s), {report.history_rows} history row(s), "
            f"{report.files} file(s) ({report.bytes} bytes) {verb}."
        )
