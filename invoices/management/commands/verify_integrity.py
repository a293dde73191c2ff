"""``manage.py verify_integrity``: re-read every stored file against its SHA-256, and walk
every invoice's history hash chain. Prints each problem; exits with status 1 if there is any,
so that a scheduler or a monitoring probe can raise the alarm."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from invoices import integrity
from invoices.models import Attachment, StatusChange


class Command(BaseCommand):
    help = "Vérifie les empreintes des fichiers déposés et la chaîne d'empreintes des historiques."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = self.check_files() + self.check_histories()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} integrity problem(s) found.")
        self.stdout.write(self.style.SUCCESS("Integrity verified: no problem found."))

    def check_files(self) -> list[str]:
        problems: list[str] = []
        rows = Attachment.objects.order_by("id").values_list("id", "file", "sha256", "size")
        count = 0
        for pk, name, sha256, size in rows.iterator(chunk_size=500):
            problems += integrity.file_problems(pk=pk, name=name, sha256=sha256, size=size)
            count += 1
        self.stdout.write(f"{count} stored file(s) read again.")
        return problems

    def check_histories(self) -> list[str]:
        problems: list[str] = []
        rows = StatusChange.objects.order_by("invoice_id", "id").iterator(chunk_size=2000)
        invoices = 0
        for invoice_id, history in groupby(rows, key=lambda row: row.invoice_id):
            found = integrity.chain_problems(history)
            problems += [f"invoice {invoice_id}, {problem}" for problem in found]
            invoices += 1
        self.stdout.write(f"{invoices} invoice history chain(s) walked.")
        return problems
