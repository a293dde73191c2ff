"""The audit trail's seals: what anchors the end of every history chain, so that deleting its
last rows, rewriting it whole or editing a file with its recorded digest is found by
``manage.py verify_integrity``; the latest digest leaves the database (certificates, e-mails,
the public API); a legal purge leaves the seals verifiable."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from pypdf import PdfReader

from chorus.models import OutgoingEmail
from invoices import integrity, seals, services, tasks
from invoices.models import Invoice, SealedRemoval, StatusChange
from invoices.services import SYSTEM_ROUTING
from invoices.services import seals as seal_services
from invoices.services._history import history_append
from invoices.services.common import locked
from invoices.services.seals import seal_create, seal_record_removal
from invoices.workflow import Status
from tests.api.conftest import CheckedClient
from tests.invoices.factories import deposited
from tests.invoices.test_integrity import routed, verify_fails
from tests.utils import workers
from tests.utils.services import require_postgresql
from tests.utils.transactions import held_open

pytestmark = pytest.mark.django_db


def verify_passes() -> str:
    out, err = StringIO(), StringIO()
    call_command("verify_integrity", stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- making seals ----------------------------------------------------------------------------
def test_a_seal_covers_what_was_recorded_since_the_previous_one_and_follows_it(personas):
    first_invoice = routed(personas)
    first = seal_create()
    assert seal_create() is None  # nothing new: no empty seal
    second_invoice = deposited(personas)

    second = seal_create()

    assert (first.sequence, second.sequence) == (1, 2)
    assert second.previous_digest == first.digest
    assert first.history_count == 4 and first.history_until == second.history_after
    assert second.history_count == second_invoice.history.count()
    assert second.files_after == first.files_until
    assert second.files_count == second_invoice.attachments.count()
    last = first_invoice.history.latest("id")
    assert first.heads[str(first_invoice.pk)] == [last.pk, last.row_hash]
    assert seals.digest_of(second) == second.digest
    assert "no problem" in verify_passes()


def test_a_seal_is_never_changed_nor_deleted_through_the_models(personas):
    deposited(personas)
    seal = seal_create()
    with pytest.raises(ValueError):
        seal.save()
    with pytest.raises(ValueError):
        seal.delete()


def test_each_seal_is_mailed_to_the_administrators_through_the_outbox(personas):
    deposited(personas)

    seal = seal_create()

    email = OutgoingEmail.objects.get(key__startswith=f"audit-seal:{seal.sequence}:")
    assert email.to == personas.admin.contact_email
    assert seal.digest in email.body and f"/api/v1/seals/{seal.sequence}/" in email.body


def test_the_seal_addresses_can_be_set(personas, settings):
    settings.AUDIT_SEAL_EMAILS = ["audit@example.fr", "notaire@example.fr"]
    deposited(personas)

    seal = seal_create()

    emails = OutgoingEmail.objects.filter(key__startswith=f"audit-seal:{seal.sequence}:")
    assert sorted(emails.values_list("to", flat=True)) == [
        "audit@example.fr",
        "notaire@example.fr",
    ]


def test_beat_seals_the_trail_at_the_configured_period(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["invoices-seal-audit-trail"]
    assert entry["task"] == "invoices.seal_audit_trail"
    assert entry["schedule"] == float(settings.AUDIT_SEAL_INTERVAL)


# --- the digest leaves the database ------------------------------------------------------------
def certificate_text(invoice: Invoice) -> str:
    # Rendered after the deposit's commit (by a worker, or here on demand, as a download does).
    certificate = services.invoice_certificate(invoice)
    assert certificate is not None
    with certificate.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_the_deposit_certificate_prints_the_latest_seal_and_says_the_deposit_is_not_in_it(
    personas, media_root
):
    deposited(personas)
    seal = seal_create()

    text = certificate_text(deposited(personas))

    assert f"n°{seal.sequence}" in text and seal.digest in text
    assert "seracouvertparlescellementsuivant" in text


def test_a_certificate_before_any_seal_says_so(personas, media_root):
    text = certificate_text(deposited(personas))
    assert "Aucunscellementdujournaln'existaitencore" in text


def test_a_third_party_reads_the_latest_seal_without_an_account(personas):
    anonymous = CheckedClient()
    assert anonymous.get("/api/v1/seals/latest/").status_code == 404
    deposited(personas)
    first = seal_create()
    deposited(personas)
    latest = seal_create()

    answer = anonymous.get("/api/v1/seals/latest/")
    earlier = anonymous.get(f"/api/v1/seals/{first.sequence}/")

    assert answer.status_code == 200
    assert answer.json()["digest"] == latest.digest
    assert answer.json()["previous_digest"] == first.digest
    assert earlier.json()["digest"] == first.digest
    assert anonymous.get("/api/v1/seals/99/").json()["code"] == "not_found"


# --- tampering that only the seals, the deposits or the statuses reveal --------------------------
def test_deleting_an_invoice_s_last_history_rows_is_detected(personas):
    invoice = routed(personas)
    seal = seal_create()
    rows = list(invoice.history.order_by("id"))
    sql("DELETE FROM invoices_statuschange WHERE id IN (%s, %s)", [rows[-1].pk, rows[-2].pk])
    # The forger puts the status back too, so that nothing else looks wrong.
    sql("UPDATE invoices_invoice SET status = %s WHERE id = %s", [Status.DEPOSEE, invoice.pk])
    assert integrity.chain_problems(invoice.history.order_by("id")) == []

    report = verify_fails()

    assert f"invoice {invoice.pk}, history rows sealed by seal {seal.sequence} were deleted" in (
        report
    )
    assert f"seal {seal.sequence}: the history it covers changed" in report


def test_a_whole_chain_rewritten_with_recomputed_hashes_is_detected(personas):
    invoice = routed(personas)
    seal = seal_create()
    previous = ""
    for row in invoice.history.order_by("id"):
        row.comment = "réécrit"
        row.previous_hash = previous
        row.row_hash = previous = integrity.change_digest(row, previous)
        sql(
            "UPDATE invoices_statuschange SET comment = %s, previous_hash = %s, row_hash = %s "
            "WHERE id = %s",
            [row.comment, row.previous_hash, row.row_hash, row.pk],
        )
    assert integrity.chain_problems(invoice.history.order_by("id")) == []

    report = verify_fails()

    assert f"invoice {invoice.pk}, history rewritten after seal {seal.sequence}" in report


def test_a_stored_file_edited_with_its_recorded_sha256_is_detected(personas, media_root: Path):
    invoice = deposited(personas)
    certificate = services.invoice_certificate(invoice)
    assert certificate is not None
    seal = seal_create()
    path = media_root / certificate.file.name
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOG"))
    sha256, size = integrity.stored_sha256(certificate.file.name)
    sql("UPDATE invoices_attachment SET sha256 = %s WHERE id = %s", [sha256, certificate.pk])
    assert integrity.file_problems(pk=certificate.pk, name=path.name, sha256=sha256, size=size)

    report = verify_fails()

    assert f"seal {seal.sequence}: the files it covers changed" in report
    assert "recorded SHA-256" in report


def test_a_deposit_digest_that_does_not_match_the_files_is_detected(personas):
    invoice = deposited(personas)
    sql("UPDATE invoices_invoice SET deposit_sha256 = %s WHERE id = %s", ["0" * 64, invoice.pk])

    report = verify_fails()

    assert f"invoice {invoice.pk}: deposit_sha256 does not match its deposited files" in report


def test_a_status_that_does_not_match_the_history_is_detected(personas):
    invoice = routed(personas)
    sql("UPDATE invoices_invoice SET status = %s WHERE id = %s", [Status.REJETEE, invoice.pk])

    report = verify_fails()

    assert (
        f"invoice {invoice.pk}: status REJETEE does not match its history, "
        "which ends in MISE_A_DISPOSITION"
    ) in report


def test_a_seal_deleted_or_edited_is_detected(personas):
    deposited(personas)
    seal_create()
    deposited(personas)
    second = seal_create()
    deposited(personas)
    seal_create()
    sql("UPDATE invoices_seal SET history_count = 1 WHERE id = %s", [second.pk])
    sql("DELETE FROM invoices_seal WHERE sequence = 1", [])

    report = verify_fails()

    assert "seal 2: seal(s) 1… missing (deleted)" in report
    assert "seal 2: its content was edited" in report


def test_rows_the_legal_purge_removed_leave_the_seals_verifiable(personas, media_root: Path):
    kept = routed(personas)
    purged = routed(personas)
    seal_create()
    files = [media_root / a.file.name for a in purged.attachments.all()]

    recorded = seal_record_removal(invoice_ids=[purged.pk], reason="conservation échue")
    sql("DELETE FROM invoices_attachment WHERE invoice_id = %s", [purged.pk])
    sql("DELETE FROM invoices_statuschange WHERE invoice_id = %s", [purged.pk])
    sql("DELETE FROM invoices_invoiceline WHERE invoice_id = %s", [purged.pk])
    sql("DELETE FROM invoices_invoice WHERE id = %s", [purged.pk])
    for path in files:
        path.unlink()

    assert recorded == 4 + len(files)
    assert "no problem" in verify_passes()
    after = seal_create()
    assert after.removals_count == recorded and after.history_count == 0
    assert "no problem" in verify_passes()
    assert StatusChange.objects.filter(invoice=kept).count() == 4


def test_a_removal_record_forged_after_the_seal_that_covers_it_is_detected(personas):
    invoice = routed(personas)
    seal_record_removal(invoice_ids=[invoice.pk], reason="conservation échue")
    seal = seal_create()
    sql("DELETE FROM invoices_sealedremoval WHERE id = %s", [SealedRemoval.objects.first().pk])

    assert f"seal {seal.sequence}: the removals it covers changed" in verify_fails()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_command_exits_with_status_1_naming_the_last_rows_deleted(personas, media_root):
    """As a scheduler or a monitoring probe runs it: a separate process, its exit status."""
    invoice = routed(personas)
    seal_create()
    env = workers._env(MEDIA_ROOT=str(media_root))

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "verify_integrity"],
            cwd=workers.ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    clean = run()
    assert clean.returncode == 0, clean.stderr
    last = invoice.history.latest("id")
    sql("DELETE FROM invoices_statuschange WHERE id = %s", [last.pk])
    sql("UPDATE invoices_invoice SET status = %s WHERE id = %s", [last.from_status, invoice.pk])
    tampered = run()
    assert tampered.returncode == 1
    assert f"invoice {invoice.pk}, history rows sealed by seal 1 were deleted" in tampered.stderr


# --- a row that commits after the seal started is never left outside every seal ------------------
def a_history_row_being_written(invoice: Invoice) -> AbstractContextManager[Callable[[], None]]:
    """Another connection's transaction has written a history row and stays open meanwhile; it
    commits at the end of the block."""
    return held_open(
        lambda: history_append(
            locked(invoice), from_status=Status.DEPOSEE, actor_system=SYSTEM_ROUTING
        )
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_seal_waits_for_a_history_row_still_being_written_and_covers_it(personas):
    require_postgresql()
    invoice = deposited(personas)
    sealed: list[object] = []

    def sealer() -> None:
        try:
            sealed.append(seal_create())
        finally:
            connection.close()

    with a_history_row_being_written(invoice):
        thread = threading.Thread(target=sealer)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # held back until the writer commits
    thread.join(timeout=30)

    (seal,) = sealed
    last = invoice.history.latest("id")
    assert seal.history_until == last.pk
    assert seal.heads[str(invoice.pk)] == [last.pk, last.row_hash]
    assert "no problem" in verify_passes()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_behind_a_long_transaction_the_seal_gives_up_and_the_next_tick_seals_it(
    personas, monkeypatch
):
    require_postgresql()
    monkeypatch.setattr(seal_services, "LOCK_TIMEOUT_MS", 200)
    invoice = deposited(personas)

    with a_history_row_being_written(invoice):
        assert tasks.seal_audit_trail() is None

    assert tasks.seal_audit_trail() == 1
    assert seals.latest_seal().history_until == invoice.history.latest("id").pk
