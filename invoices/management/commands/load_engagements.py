"""Load public structures' registers of legal commitments (EJ) from a CSV file.

    python manage.py load_engagements FILE.csv [--recipient SIRET]

The columns are those of the register page's upload (``invoices/engagements_csv.py``), with
``recipient_siret`` on each line unless --recipient is given. Known numbers are updated, a file
loaded twice changes nothing; a file with any wrong line loads nothing and lists every problem.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from invoices import engagements_csv
from invoices.engagements_csv import EngagementRow
from invoices.services.registers import LoadCounts, engagement_rows_load
from structures.models import Structure


class Command(BaseCommand):
    help = "Charge le registre des engagements juridiques d'une structure publique (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--recipient", default="", help="SIRET de la structure publique")

    def handle(self, *args: object, path: Path, recipient: str, **options: object) -> None:
        try:
            text = engagements_csv.decode(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        parsed = engagements_csv.parse(text)
        by_recipient: dict[str, list[EngagementRow]] = {}
        default = "".join(recipient.split())
        for row in parsed.rows:
            by_recipient.setdefault(row.recipient_siret or default, []).append(row)
        structures = _public_structures(list(by_recipient))
        for siret, rows in by_recipient.items():
            if siret not in structures:
                parsed.add_error(rows[0].line, "unknown_recipient", siret=siret)
        if not parsed.ok:
            more = f"\n… et {parsed.more_errors} autre(s)." if parsed.more_errors else ""
            raise CommandError("\n".join(str(e) for e in parsed.errors) + more)
        counts = LoadCounts()
        with transaction.atomic():
            for siret, rows in by_recipient.items():
                counts += engagement_rows_load(recipient=structures[siret], rows=rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts.created} engagement(s) créé(s), {counts.updated} modifié(s), "
                f"{counts.unchanged} inchangé(s)."
            )
        )


def _public_structures(sirets: list[str]) -> dict[str, Structure]:
    found = Structure.objects.filter(
        identifier_type=Structure.IdentifierType.SIRET, identifier__in=sirets, is_public=True
    )
    return {structure.identifier: structure for structure in found}
