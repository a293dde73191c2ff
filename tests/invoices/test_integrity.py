"""Audit and retention: deposited invoices, their files and their history cannot be changed or
deleted through any page, API or admin action, and tampering done behind the portal's back (in
SQL, on the disk) is found by ``manage.py verify_integrity``."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import NoReverseMatch, reverse

from invoices import integrity, services
from invoices.management.commands import verify_integrity
from invoices.models import Attachment, Invoice, InvoiceLine, StatusChange
from invoices.services import SYSTEM_ROUTING
from invoices.services._history import history_append
from invoices.services.common import locked
from invoices.services.documents import deposit_manifest
from invoices.workflow import Status
from tests.api.conftest import token_for
from tests.invoices.factories import deposited, draft, upload
from tests.utils import workers
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db


def routed(personas) -> Invoice:  # type: ignore[no-untyped-def]
    invoice = deposited(personas)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)
    return invoice


def verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_integrity", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def verify_fails() -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="integrity problem"):
        call_command("verify_integrity", stdout=StringIO(), stderr=err)
    return err.getvalue()


# --- the hash chain ----------------------------------------------------------------------------
def test_each_history_row_holds_the_hash_of_the_previous_one(personas):
    invoice = routed(personas)
    rows = list(invoice.history.order_by("id"))
    assert [r.to_status for r in rows] == [
        Status.BROUILLON,
        Status.DEPOSEE,
        Status.EN_COURS_ACHEMINEMENT,
        Status.MISE_A_DISPOSITION,
    ]
    assert rows[0].previous_hash == ""
    for before, after in pairwise(rows):
        assert after.previous_hash == before.row_hash
    assert all(len(r.row_hash) == 64 for r in rows)
    assert integrity.chain_problems(rows) == []


def test_two_rows_can_never_follow_the_same_row(personas):
    invoice = deposited(personas)
    last = invoice.history.order_by("-id").first()
    fork = StatusChange(invoice=invoice, to_status=Status.REJETEE, previous_hash=last.previous_hash)
    fork.row_hash = integrity.change_digest(fork, fork.previous_hash)
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save()


def test_a_row_appended_under_the_lock_follows_the_last_one(personas):
    invoice = deposited(personas)
    with transaction.atomic():
        change = history_append(
            locked(invoice), from_status=Status.DEPOSEE, actor_system=SYSTEM_ROUTING
        )
    assert change.previous_hash == invoice.history.exclude(pk=change.pk).latest("id").row_hash


# --- verify_integrity --------------------------------------------------------------------------
def test_verify_integrity_finds_nothing_wrong_in_an_untouched_database(personas):
    routed(personas)
    out, err = verify()
    assert err == ""
    assert "no problem" in out and "stored file(s) read again" in out


def test_a_history_row_edited_in_sql_is_detected(personas):
    invoice = routed(personas)
    row = invoice.history.get(to_status=Status.MISE_A_DISPOSITION)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoices_statuschange SET comment = %s WHERE id = %s", ["rien vu", row.pk]
        )
    report = verify_fails()
    assert f"invoice {invoice.pk}, history row {row.pk}: content does not match" in report


def test_a_status_rewritten_with_its_hash_recomputed_breaks_the_next_link(personas):
    invoice = routed(personas)
    rows = list(invoice.history.order_by("id"))
    forged = rows[2]
    forged.to_status = Status.REJETEE
    new_hash = integrity.change_digest(forged, forged.previous_hash)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoices_statuschange SET to_status = %s, row_hash = %s WHERE id = %s",
            [Status.REJETEE, new_hash, forged.pk],
        )
    report = verify_fails()
    assert f"history row {rows[3].pk}: does not follow the previous row" in report


def test_a_history_row_deleted_in_sql_is_detected(personas):
    invoice = routed(personas)
    routing_row = invoice.history.get(to_status=Status.EN_COURS_ACHEMINEMENT)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM invoices_statuschange WHERE id = %s", [routing_row.pk])
    after = invoice.history.get(to_status=Status.MISE_A_DISPOSITION)
    assert f"history row {after.pk}: does not follow" in verify_fails()


def test_a_stored_file_changed_on_disk_is_detected(personas, media_root: Path):
    invoice = deposited(personas)
    certificate = services.invoice_certificate(invoice)
    path = media_root / certificate.file.name
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOG"))
    report = verify_fails()
    assert f"file of attachment {certificate.pk}" in report and "differs" in report


def test_a_stored_file_that_disappeared_is_detected(personas, media_root: Path):
    invoice = deposited(personas)
    deposited_xml = invoice.attachments.get(kind=Attachment.Kind.GENERATED_XML)
    (media_root / deposited_xml.file.name).unlink()
    assert f"file of attachment {deposited_xml.pk}" in verify_fails()


# --- deposit digests: read a chunk of invoices at a time ----------------------------------------
def suspended_then_completed(personas) -> Invoice:  # type: ignore[no-untyped-def]
    """Deposited, then a document added in answer to a suspension: not part of the deposit."""
    invoice = routed(personas)
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.SUSPENDUE)
    invoice.refresh_from_db()
    return services.invoice_complete(
        user=personas.supplier_principal,
        invoice=invoice,
        comment="Voici le bon de livraison.",
        attachments=[upload("livraison.pdf")],
    )


def recycled(personas) -> Invoice:  # type: ignore[no-untyped-def]
    """Deposited twice: the digest is the second deposit's, with its new CII."""
    invoice = deposited(personas)
    Invoice.objects.filter(pk=invoice.pk).update(status=Status.A_RECYCLER)
    invoice.refresh_from_db()
    return services.invoice_recycle(
        user=personas.supplier_principal,
        invoice=invoice,
        recipient_siret=invoice.recipient.identifier,
        service_code=invoice.service_code,
        engagement_number="EJ-9",
    )


def test_deposit_digests_are_computed_again_with_two_queries_per_chunk_of_invoices(
    personas, monkeypatch, django_assert_num_queries
):
    invoices = [
        deposited(personas),
        suspended_then_completed(personas),
        recycled(personas),
        deposited(personas),
        deposited(personas),
    ]
    # Each invoice's digest from its files read alone, as it was recorded.
    alone = {
        invoice.pk: deposit_manifest(
            invoice, change_id=invoice.history.filter(to_status=Status.DEPOSEE).latest("id").pk
        )[0]
        for invoice in invoices
    }
    assert alone == dict(Invoice.objects.values_list("pk", "deposit_sha256"))
    tampered = invoices[3]
    Invoice.objects.filter(pk=tampered.pk).update(deposit_sha256="0" * 64)
    monkeypatch.setattr(verify_integrity, "DEPOSIT_CHUNK", 2)
    command = verify_integrity.Command(stdout=StringIO())

    # The invoices (one query: a server-side cursor), then the files of each chunk of 2.
    with django_assert_num_queries(1 + 3):
        problems = command.check_deposits()

    assert problems == [
        f"invoice {tampered.pk}: deposit_sha256 does not match its deposited files "
        f"(recorded {'0' * 16}…, computed {alone[tampered.pk][:16]}…)"
    ]
    # Twice the invoices: a query more per chunk, none per invoice.
    for _ in range(5):
        deposited(personas)
    with django_assert_num_queries(1 + 5):
        assert command.check_deposits() == problems


# --- nothing changes or deletes a deposited invoice ----------------------------------------------
def test_a_history_row_refuses_to_be_saved_again_or_deleted(personas):
    row = deposited(personas).history.latest("id")
    row.comment = "réécrit"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()


@pytest.mark.parametrize("model", [Invoice, StatusChange])
def test_the_admin_refuses_to_change_or_delete_an_invoice_or_its_history(personas, client, model):
    invoice = routed(personas)
    obj = invoice if model is Invoice else invoice.history.latest("id")
    verified_login(client, personas.admin)
    name = model._meta.model_name
    change_url = reverse(f"admin:invoices_{name}_change", args=[obj.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    client.post(change_url, {"number": "CHANGED", "comment": "CHANGED"})
    delete_url = reverse(f"admin:invoices_{name}_delete", args=[obj.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = reverse(f"admin:invoices_{name}_changelist")
    action = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    client.post(changelist, action)
    assert model.objects.filter(pk=obj.pk).exists()
    obj.refresh_from_db()
    assert getattr(obj, "number", "") != "CHANGED" and getattr(obj, "comment", "") != "CHANGED"


@pytest.mark.parametrize("model", [InvoiceLine, Attachment])
def test_lines_and_files_have_no_admin_page_of_their_own(personas, client, model):
    verified_login(client, personas.admin)
    for view in ("changelist", "add"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:invoices_{model._meta.model_name}_{view}")
    assert client.get(f"/admin/invoices/{model._meta.model_name}/").status_code == 404


def test_the_invoice_admin_page_shows_lines_and_files_read_only(personas, client):
    invoice = routed(personas)
    verified_login(client, personas.admin)
    url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
    html = client.get(url).content.decode()
    for prefix in ("lines", "attachments", "history"):
        assert f'name="{prefix}-0-DELETE"' not in html
    line = invoice.lines.get()
    forged = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-id": str(line.pk),
        "lines-0-invoice": str(invoice.pk),
        "lines-0-description": "CHANGED",
        "lines-0-DELETE": "on",
    }
    assert client.post(url, forged).status_code == 403
    line.refresh_from_db()
    assert line.description != "CHANGED"


def test_the_entry_page_of_a_deposited_invoice_changes_nothing(personas, client):
    invoice = deposited(personas)
    client.force_login(personas.supplier_principal)
    url = reverse("invoices:edit", args=[invoice.pk])
    response = client.post(url, {"number": "CHANGED", "action": "save"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.number != "CHANGED" and invoice.status == Status.DEPOSEE


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_has_no_way_to_change_or_delete_an_invoice(personas, method):
    from rest_framework.test import APIClient

    invoice = deposited(personas)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(personas.supplier_principal)}")
    attachment_n = "/api/v1/invoices/{pk}/attachments/1/"
    detail = "/api/v1/invoices/{pk}/"
    for path in (detail, "/api/v1/invoices/{pk}/history/", attachment_n):
        response = getattr(api, method)(path.format(pk=invoice.pk), {"number": "X"}, format="json")
        # DELETE removes a draft; on a deposited invoice it is refused as a conflict.
        refused = 409 if (method, path) == ("delete", detail) else 405
        assert response.status_code == refused, path
    invoice.refresh_from_db()
    assert invoice.number != "X"
    assert invoice.history.count() == 2 and invoice.attachments.count() == 1  # its CII


def test_a_draft_s_history_row_is_the_start_of_its_chain(personas):
    invoice = draft(personas)
    (row,) = invoice.history.all()
    assert row.previous_hash == "" and row.row_hash == integrity.change_digest(row, "")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_command_exits_with_status_1_when_something_was_tampered_with(personas, media_root):
    """As a scheduler or a monitoring probe runs it: a separate process, its exit status."""
    invoice = deposited(personas)
    env = workers._env(MEDIA_ROOT=str(media_root))
    command = [sys.executable, "manage.py", "verify_integrity"]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=workers.ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    clean = run()
    assert clean.returncode == 0, clean.stderr
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoices_statuschange SET actor_system = 'faux' WHERE invoice_id = %s",
            [invoice.pk],
        )
    tampered = run()
    assert tampered.returncode == 1
    assert "content does not match its hash" in tampered.stderr
