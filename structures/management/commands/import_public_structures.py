"""``python manage.py import_public_structures FILE``: public structures and their services
from CSV (columns in ``structures/public_csv.py``; a sample in ``structures/data/``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from structures.errors import StructureError
from structures.public_csv import import_public_structures


class Command(BaseCommand):
    # Lazy: shown in the language of the command line (the stubs want a str).
    help = gettext_lazy(  # type: ignore[assignment]
        "Crée ou met à jour des structures publiques et leurs services (CSV)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args: object, file: str, **options: object) -> None:
        try:
            summary = import_public_structures(file, on_rejection=self.report)
        except (OSError, StructureError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Lignes : %(rows)d ; structures : %(structures)d ; services : %(services)d ; "
                "rejetées : %(rejected)d."
            )
            % {
                "rows": summary.rows,
                "structures": summary.structures,
                "services": summary.services,
                "rejected": summary.rejected,
            }
        )

    def report(self, line: int, reason: str) -> None:
        self.stderr.write(_("ligne %(line)d : %(reason)s") % {"line": line, "reason": reason})
