"""``manage.py verify_integrity``: re-read every stored file against its SHA-256, walk every
invoice's history hash chain, check the seals (``invoices/seals.py``) against what they cover,
each invoice's deposit digest against its files, and its status against its history. Prints
each problem; exits with status 1 if there is any, so that a scheduler or a monitoring probe
can raise the alarm."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import OuterRef, Prefetch, Subquery

from invoices import integrity, seals
from invoices.models import Attachment, Invoice, Seal, SealedRemoval, StatusChange
from invoices.services.documents import DEPOSIT_KINDS, DEPOSIT_ORDER, manifest_of
from invoices.workflow import Status

# Invoices whose deposit digests are computed again per pair of queries (them, their files).
DEPOSIT_CHUNK = 500
# What a deposit's digest reads of a file, and what sorts the files out.
DEPOSIT_FILE_FIELDS = (
    "id", "invoice_id", "kind", "original_name", "size", "sha256", "status_change_id",
    "uploaded_at",
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "Vérifie les empreintes des fichiers déposés, la chaîne d'empreintes des historiques, "
        "les scellements du journal, les empreintes de dépôt et les statuts des factures."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = (
            self.check_files()
            + self.check_seals()
            + self.check_histories()
            + self.check_deposits()
            + self.check_statuses()
        )
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

    def check_seals(self) -> list[str]:
        chain = Seal.objects.order_by("sequence")
        problems = seals.seal_problems(chain.iterator(chunk_size=100))
        latest = chain.last()
        if latest is None:
            self.stdout.write("No seal yet: the trail's end is anchored by nothing.")
        else:
            self.stdout.write(f"{latest.sequence} seal(s) checked; latest {latest.digest}.")
        return problems

    def check_histories(self) -> list[str]:
        problems: list[str] = []
        heads = seals.sealed_heads(Seal.objects.order_by("sequence").iterator(chunk_size=100))
        rows = StatusChange.objects.order_by("invoice_id", "id").iterator(chunk_size=2000)
        invoices = 0
        for invoice_id, grouped in groupby(rows, key=lambda row: row.invoice_id):
            history = list(grouped)
            found = integrity.chain_problems(history)
            found += seals.head_problems(history, heads.pop(invoice_id, None))
            problems += [f"invoice {invoice_id}, {problem}" for problem in found]
            invoices += 1
        # Sealed invoices without any history row left: deleted whole, unless a purge said so.
        removed = set(
            SealedRemoval.objects.filter(
                kind=SealedRemoval.Kind.HISTORY, item_id__in=[row for _, row, _ in heads.values()]
            ).values_list("item_id", flat=True)
        )
        for invoice_id, (sequence, row_id, _) in sorted(heads.items()):
            if row_id not in removed:
                problems.append(
                    f"invoice {invoice_id}: its whole history, sealed by seal {sequence}, "
                    "was deleted"
                )
        self.stdout.write(f"{invoices} invoice history chain(s) walked.")
        return problems

    def check_deposits(self) -> list[str]:
        problems = []
        # The digest recorded is the latest deposit's (a recycled invoice is deposited again).
        deposits = StatusChange.objects.filter(
            invoice=OuterRef("pk"), to_status=Status.DEPOSEE
        ).order_by("-id")
        # Each chunk of invoices reads its files in one query: those of every deposit, sorted
        # out below (files attached by a later deposit are not part of an earlier one).
        files = Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(kind__in=DEPOSIT_KINDS)
            .order_by(*DEPOSIT_ORDER)
            .only(*DEPOSIT_FILE_FIELDS),
            to_attr="deposit_files",
        )
        deposited = (
            Invoice.objects.exclude(deposit_sha256="")
            .annotate(deposit_change_id=Subquery(deposits.values("id")[:1]))
            .exclude(deposit_change_id=None)
            # The status too: django-fsm reads it as each invoice is built (one query each else).
            .only("id", "status", "deposit_sha256")
            .order_by("id")
            .prefetch_related(files)
        )
        count = 0
        for invoice in deposited.iterator(chunk_size=DEPOSIT_CHUNK):
            change_id = invoice.deposit_change_id
            digest, _ = manifest_of(
                a
                for a in invoice.deposit_files
                if a.status_change_id is not None and a.status_change_id <= change_id
            )
            problems += integrity.deposit_problems(
                invoice.pk, recorded=invoice.deposit_sha256, computed=digest
            )
            count += 1
        self.stdout.write(f"{count} deposit digest(s) computed again.")
        return problems

    def check_statuses(self) -> list[str]:
        last = StatusChange.objects.filter(invoice=OuterRef("pk")).order_by("-id")
        invoices = (
            Invoice.objects.annotate(last_status=Subquery(last.values("to_status")[:1]))
            .exclude(last_status=None)
            .order_by("id")
            .values_list("id", "status", "last_status")
        )
        problems = []
        for invoice_id, status, history_status in invoices.iterator(chunk_size=2000):
            problems += integrity.status_problems(invoice_id, status, history_status)
        return problems
