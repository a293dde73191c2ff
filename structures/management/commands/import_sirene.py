"""``python manage.py import_sirene FILE [FILE...]``: load INSEE's establishment stock file.

Takes the CSV as INSEE publishes it (``StockEtablissement``, optionally joined with the legal
unit's name and category columns), plain, gzip or zip. Rows are streamed and written in
batches; a malformed row is reported with its line number and skipped; running the command
again updates what changed and never duplicates. Progress and rejected rows go to stderr, the
summary to stdout.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from structures.sirene.importer import DEFAULT_BATCH_SIZE, Progress, import_files
from structures.sirene.reader import Rejection, StockFileError


class Command(BaseCommand):
    # Lazy: shown in the language of the command line (the stubs want a str).
    help = gettext_lazy(  # type: ignore[assignment]
        "Importe le fichier stock des établissements SIRENE de l'INSEE (CSV, gzip ou zip)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=_("lignes écrites par transaction (défaut : %(default)s)"),
        )
        parser.add_argument(
            "--max-errors-shown",
            type=int,
            default=1000,
            help=_("au-delà, les lignes rejetées sont comptées sans être affichées"),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("sans ligne de progression")
        )

    def handle(self, *args: object, **options: Any) -> None:
        batch_size = int(options["batch_size"])
        if batch_size < 1:
            raise CommandError(_("--batch-size doit être positif."))
        self.shown = 0
        self.max_shown = int(options["max_errors_shown"])
        progress = None
        if not options["no_progress"]:
            progress = Progress(
                lambda text: self.stderr.write(text, ending=""), is_tty=self.stderr.isatty()
            )
        try:
            summary = import_files(
                options["files"],
                batch_size=batch_size,
                progress=progress,
                on_rejection=self.report,
            )
        except (OSError, StockFileError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if progress is not None:
                progress.done()
        self.stdout.write(
            _(
                "Lignes lues : %(read)d ; importées : %(imported)d (dont %(changed)d nouvelles "
                "ou modifiées) ; rejetées : %(rejected)d ; %(seconds).1f s, %(rate).0f lignes/s."
            )
            % {
                "read": summary.read,
                "imported": summary.imported,
                "changed": summary.changed,
                "rejected": summary.rejected,
                "seconds": summary.seconds,
                "rate": summary.rate,
            }
        )

    def report(self, name: str, rejection: Rejection) -> None:
        self.shown += 1
        if self.shown <= self.max_shown:
            self.stderr.write(
                _("%(file)s, ligne %(line)d : %(reason)s")
                % {"file": name, "line": rejection.line, "reason": rejection.reason}
            )
        elif self.shown == self.max_shown + 1:
            self.stderr.write(
                _("… les lignes rejetées suivantes sont comptées sans être affichées.")
            )
