"""Invoices, files and history kept RETENTION_YEARS after the end of the year of deposit, then
purged by ``manage.py purge_expired_invoices`` (``--dry-run`` reports only); what stays still
passes ``verify_integrity``."""

from __future__ import annotations

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from invoices.bulk import services as bulk
from invoices.bulk.models import BulkDecisionItem
from invoices.models import Attachment, Invoice, InvoiceLine, SealedRemoval, StatusChange
from invoices.services.retention import last_expired_year
from invoices.services.seals import seal_create
from invoices.workflow import Status
from support.models import Ticket
from tests.invoices.conftest import stored_files
from tests.invoices.factories import deposited, invoice_in

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def deposited_in(personas, when: datetime.datetime, number: str) -> Invoice:  # type: ignore[no-untyped-def]
    invoice = deposited(personas, number=number)
    Invoice.objects.filter(pk=invoice.pk).update(deposited_at=when)
    return invoice


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired_invoices", *args, stdout=out)
    return out.getvalue()


def test_a_deposit_is_kept_ten_years_after_the_end_of_its_year():
    assert last_expired_year(today=datetime.date(2026, 1, 1), years=10) == 2015
    assert last_expired_year(today=datetime.date(2026, 12, 31), years=10) == 2015


def test_the_dry_run_reports_what_would_go_and_removes_nothing(personas, settings, media_root):
    settings.RETENTION_YEARS = 10
    old = deposited_in(personas, datetime.datetime(2010, 6, 1, tzinfo=PARIS), "OLD-1")
    deposited(personas, number="NEW-1")
    files_before = stored_files(media_root)

    report = purge("--dry-run")

    assert "1 invoice(s), 2 history row(s), 1 file(s)" in report
    assert "would be purged" in report and "2010: 1 invoice(s)" in report
    assert Invoice.objects.filter(pk=old.pk).exists()
    assert stored_files(media_root) == files_before


def test_the_purge_removes_expired_invoices_whole_and_keeps_the_others(
    personas, settings, media_root, django_capture_on_commit_callbacks
):
    settings.RETENTION_YEARS = 10
    old = deposited_in(personas, datetime.datetime(2015, 12, 31, 23, 30, tzinfo=PARIS), "OLD-1")
    kept = deposited_in(personas, datetime.datetime(2016, 1, 1, 0, 30, tzinfo=PARIS), "KEPT-1")
    old_files = [media_root / name for name in old.attachments.values_list("file", flat=True)]
    ticket = Ticket.objects.create(
        title="Question",
        description="?",
        category="FACTURE",
        subcategory="x",
        invoice=old,
        sender=personas.supplier_principal,
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = purge()

    assert "1 invoice(s), 2 history row(s), 1 file(s)" in report and "purged" in report
    assert not Invoice.objects.filter(pk=old.pk).exists()
    assert not StatusChange.objects.filter(invoice_id=old.pk).exists()
    assert not Attachment.objects.filter(invoice_id=old.pk).exists()
    assert not InvoiceLine.objects.filter(invoice_id=old.pk).exists()
    assert not any(path.exists() for path in old_files)
    assert Invoice.objects.filter(pk=kept.pk).exists() and kept.history.count() == 2
    ticket.refresh_from_db()
    assert ticket.invoice is None


def test_verify_integrity_still_passes_after_a_purge(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.RETENTION_YEARS = 10
    deposited_in(personas, datetime.datetime(2012, 3, 1, tzinfo=PARIS), "OLD-1")
    deposited(personas, number="NEW-1")
    sealed_before = seal_create()  # covers the rows the purge then removes
    with django_capture_on_commit_callbacks(execute=True):
        purge()
    sealed_after = seal_create()  # covers the removal records

    out = StringIO()
    call_command("verify_integrity", stdout=out, stderr=StringIO())

    assert sealed_before is not None and sealed_after is not None
    assert SealedRemoval.objects.filter(reason__startswith="retention").exists()
    assert "Integrity verified" in out.getvalue()


def test_the_retention_period_is_a_setting_shown_on_the_help_pages(client, settings):
    settings.RETENTION_YEARS = 7

    page = client.get(reverse("help:account")).content.decode()

    assert "7 ans après la fin de l’année de leur dépôt" in page


def test_the_purge_takes_an_invoice_decided_in_bulk_with_its_result_line(
    personas, settings, media_root
):
    settings.RETENTION_YEARS = 10
    old = invoice_in(personas, Status.MISE_A_DISPOSITION, number="OLD-B")
    Invoice.objects.filter(pk=old.pk).update(
        deposited_at=datetime.datetime(2010, 6, 1, tzinfo=PARIS)
    )
    batch = bulk.bulk_decision_submit(
        user=personas.agent, invoice_ids=[old.pk], target=Status.COMPTABILISEE
    )
    assert batch.items.get().change is not None  # the status change the digest lists

    purge()

    assert not Invoice.objects.filter(pk=old.pk).exists()
    assert not BulkDecisionItem.objects.filter(bulk=batch).exists()
