"""The agent's received list at work on several invoices: a bulk decision (ticked invoices or
all those of the filters) and its result page, the CSV of the filtered list, and the files of
several invoices as one ZIP — each only ever on the agent's own invoices."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from invoices.bulk.models import BulkDecision
from invoices.models import Attachment, Invoice
from invoices.services.common import StoredFiles, attach
from invoices.workflow import Status
from tests.invoices.factories import invoice_in, pdf_bytes

pytestmark = pytest.mark.django_db

LIST = reverse("invoices:received")
ZIP = reverse("invoices:received_zip")


@pytest.fixture
def as_user(client):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return login


def _status(invoice: Invoice) -> str:
    return Invoice.objects.get(pk=invoice.pk).status


def _file(invoice: Invoice, name: str, content: bytes) -> Attachment:
    return attach(
        invoice,
        kind=Attachment.Kind.ADDITIONAL,
        name=name,
        content=content,
        user=None,
        change=None,
        stored=StoredFiles(),
        content_type="text/plain" if name.endswith(".txt") else "application/pdf",
    )


def test_the_agent_ticks_invoices_and_accounts_them_at_once(personas, as_user):
    ticked = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(2)]
    rejected = invoice_in(personas, Status.REJETEE, number="F-REJ")
    left = invoice_in(personas, Status.MISE_A_DISPOSITION)
    client = as_user(personas.agent)
    page = client.get(LIST).content.decode()
    assert f'name="invoices" value="{left.pk}"' in page and "Décision groupée" in page
    response = client.post(
        LIST,
        {"invoices": [i.pk for i in [*ticked, rejected]], "target": Status.COMPTABILISEE},
    )
    bulk = BulkDecision.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "invoices:bulk_decision", args=[bulk.pk]
    )
    assert [_status(i) for i in ticked] == [Status.COMPTABILISEE] * 2
    assert _status(rejected) == Status.REJETEE and _status(left) == Status.MISE_A_DISPOSITION
    result = client.get(response.url).content.decode()
    assert "Décision terminée : 2 traitée(s), 1 refusée(s)." in result
    assert "Factures refusées : 1" in result and "F-REJ" in result
    assert "La décision « Comptabilisée » ne s&#x27;applique pas à une facture rejetée." in result
    assert "bulk_progress.js" not in result  # done: nothing to follow


def test_all_the_invoices_of_the_filters_are_rejected_for_bulk_deletion(personas, as_user):
    from invoices.models import RejectionReason

    kept = invoice_in(personas, Status.MISE_A_DISPOSITION, number="GARDE-1")
    batch = [invoice_in(personas, Status.MISE_A_DISPOSITION, number=f"LOT-{n}") for n in range(3)]
    reason = RejectionReason.objects.get(code="SUPPRESSION_MASSE")
    response = as_user(personas.agent).post(
        f"{LIST}?number=LOT",
        {"selection": "all", "target": Status.REJETEE, "reason": reason.pk, "comment": "Doublons"},
    )
    assert response.status_code == 302
    assert [_status(i) for i in batch] == [Status.REJETEE] * 3
    assert _status(kept) == Status.MISE_A_DISPOSITION


def test_a_bulk_decision_missing_its_reason_is_shown_beside_the_list(personas, as_user):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    response = as_user(personas.agent).post(
        LIST, {"invoices": [invoice.pk], "target": Status.SUSPENDUE, "comment": ""}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choisissez un motif." in page
    assert f'value="{invoice.pk}" checked' in page  # the ticks are kept
    assert not BulkDecision.objects.exists() and _status(invoice) == Status.MISE_A_DISPOSITION


def test_too_many_invoices_of_the_filters_are_refused_with_their_count(personas, as_user, settings):
    settings.BULK_DECISION_MAX_INVOICES = 2
    invoices = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(4)]
    response = as_user(personas.agent).post(
        LIST, {"selection": "all", "target": Status.COMPTABILISEE}
    )
    assert response.status_code == 400
    assert "4 factures sélectionnées : une décision groupée en traite 2 au plus." in (
        response.content.decode()
    )
    assert {_status(i) for i in invoices} == {Status.MISE_A_DISPOSITION}


def test_another_agent_can_neither_decide_on_nor_see_a_bulk_decision(personas, as_user):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    client = as_user(personas.other_agent)
    response = client.post(LIST, {"invoices": [invoice.pk], "target": Status.COMPTABILISEE})
    assert response.status_code == 400
    assert "Factures introuvables parmi celles que vous recevez" in response.content.decode()
    client.post(LIST, {"selection": "all", "target": Status.COMPTABILISEE})  # theirs: none
    assert _status(invoice) == Status.MISE_A_DISPOSITION
    as_user(personas.agent).post(LIST, {"invoices": [invoice.pk], "target": Status.COMPTABILISEE})
    bulk = BulkDecision.objects.get()
    for user in (personas.other_agent, personas.supplier_principal):
        client = as_user(user)
        assert client.get(reverse("invoices:bulk_decision", args=[bulk.pk])).status_code == 404
        assert client.get(reverse("invoices:bulk_progress", args=[bulk.pk])).status_code == 404


def test_a_running_decision_shows_its_progress_and_the_script_that_follows_it(
    personas, as_user, settings
):
    settings.BULK_DECISION_INLINE_MAX = 0  # left to a worker (none here): it stays pending
    invoices = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(3)]
    client = as_user(personas.agent)
    response = client.post(
        LIST, {"invoices": [i.pk for i in invoices], "target": Status.COMPTABILISEE}
    )
    page = client.get(response.url).content.decode()
    assert '<progress id="bulk-progress-bar" max="3" value="0">' in page
    assert "bulk_progress.js" in page and "<script>" not in page
    bulk = BulkDecision.objects.get()
    progress = client.get(reverse("invoices:bulk_progress", args=[bulk.pk])).json()
    assert progress == {
        "state": "PENDING", "total": 3, "handled": 0, "done": 0, "refused": 0, "percent": 0
    }  # fmt: skip


def test_the_agent_exports_the_filtered_received_list_as_csv(personas, as_user):
    invoice_in(personas, Status.MISE_A_DISPOSITION, number="R-1")
    invoice_in(personas, Status.REJETEE, number="R-2")
    invoice_in(personas, Status.REJETEE, number="R-3", service=personas.other_service)
    response = as_user(personas.agent).get(
        reverse("invoices:received_export"), {"status": "REJETEE"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="factures-recues-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Numéro", "Type"] and [row[0] for row in rows[1:]] == ["R-2"]
    supplier = as_user(personas.supplier_principal).get(reverse("invoices:received_export"))
    assert b"".join(supplier.streaming_content).decode("utf-8-sig").count("\n") == 1


def test_the_agent_downloads_the_files_of_ticked_invoices_as_one_zip(personas, as_user):
    first = invoice_in(personas, Status.MISE_A_DISPOSITION, number="Z/1")
    second = invoice_in(personas, Status.MISE_A_DISPOSITION, number="Z-2")
    _file(first, "facture.pdf", pdf_bytes())
    _file(first, "../bon de livraison é.txt", b"livre le 3 mars")
    _file(second, "facture.pdf", b"%PDF-1.4 second")
    response = as_user(personas.agent).post(ZIP, {"invoices": [first.pk, second.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names == [
        f"Z-1-{first.pk}/facture.pdf",
        f"Z-1-{first.pk}/-bon de livraison é.txt",
        f"Z-2-{second.pk}/facture.pdf",
    ]
    assert archive.read(names[1]) == b"livre le 3 mars"
    assert archive.read(names[2]) == b"%PDF-1.4 second"
    assert archive.testzip() is None


def test_a_zip_beyond_its_bounds_or_of_another_service_is_refused_in_french(
    personas, as_user, settings
):
    settings.BULK_ZIP_MAX_INVOICES = 2
    settings.BULK_ZIP_MAX_BYTES = 1024
    mine = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(3)]
    _file(mine[0], "gros.pdf", b"%PDF" + b"x" * 2048)
    _file(mine[1], "petit.pdf", b"%PDF small")
    theirs = invoice_in(personas, Status.MISE_A_DISPOSITION, service=personas.other_service)
    _file(theirs, "secret.pdf", b"%PDF secret")
    client = as_user(personas.agent)
    for data, message in (
        (
            {"invoices": [i.pk for i in mine]},
            "3 factures sélectionnées : une archive en contient 2",
        ),
        ({"selection": "all"}, "3 factures sélectionnées"),
        ({"invoices": [mine[0].pk]}, "Les pièces de ces factures pèsent 0 Mo"),
        ({"invoices": [mine[2].pk]}, "Ces factures n'ont aucune pièce à télécharger."),
        ({"invoices": [theirs.pk]}, "introuvables parmi celles que vous recevez"),
        ({}, "Cochez au moins une facture."),
    ):
        response = client.post(ZIP, data, follow=True)
        assert response.redirect_chain[-1][0].startswith(LIST)
        assert message.replace("'", "&#x27;") in response.content.decode(), message


def test_the_result_page_s_query_count_does_not_grow_with_the_invoices(personas, as_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from invoices.bulk.services import bulk_decision_submit

    client = as_user(personas.agent)

    def queries(count: int) -> int:
        invoices = [invoice_in(personas, Status.MISE_A_DISPOSITION) for _ in range(count)]
        invoices.append(invoice_in(personas, Status.REJETEE))
        bulk = bulk_decision_submit(
            user=personas.agent, invoice_ids=[i.pk for i in invoices], target=Status.COMPTABILISEE
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("invoices:bulk_decision", args=[bulk.pk])).status_code == 200
        return len(captured)

    assert queries(1) == queries(8)


def test_the_bulk_deletion_reason_is_offered_in_bulk_only(personas, as_user):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    client = as_user(personas.agent)
    assert "Suppression en masse" in client.get(LIST).content.decode()
    detail = client.get(reverse("invoices:received_detail", args=[invoice.pk]))
    assert "Suppression en masse" not in detail.content.decode()


def test_the_agent_finds_their_bulk_decisions_again_and_no_one_else_s(personas, as_user):
    from invoices.bulk.services import bulk_decision_submit

    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    bulk = bulk_decision_submit(
        user=personas.agent, invoice_ids=[invoice.pk], target=Status.COMPTABILISEE
    )
    url = reverse("invoices:bulk_decisions")
    mine = as_user(personas.agent).get(url).content.decode()
    assert reverse("invoices:bulk_decision", args=[bulk.pk]) in mine
    assert "Décisions groupées : 1" in mine
    theirs = as_user(personas.other_agent).get(url).content.decode()
    assert "Décisions groupées : 0" in theirs
    assert reverse("invoices:bulk_decision", args=[bulk.pk]) not in theirs


def test_an_administrator_reads_a_bulk_decision_and_its_results_in_admin(personas, client):
    from invoices.bulk.services import bulk_decision_submit
    from tests.utils.two_factor import verified_login

    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION, number="ADM-1")
    bulk = bulk_decision_submit(
        user=personas.agent, invoice_ids=[invoice.pk], target=Status.COMPTABILISEE
    )
    verified_login(client, personas.admin)
    listed = client.get(reverse("admin:invoices_bulkdecision_changelist"), {"q": "agent@"})
    assert listed.status_code == 200 and "agent@etat.test" in listed.content.decode()
    page = client.get(reverse("admin:invoices_bulkdecision_change", args=[bulk.pk]))
    assert page.status_code == 200 and "ADM-1" in page.content.decode()
    assert client.get(reverse("admin:invoices_bulkdecision_add")).status_code == 403


def test_the_bulk_pages_sit_under_received_invoices_in_the_menu(personas, as_user):
    page = as_user(personas.agent).get(reverse("invoices:bulk_decisions")).content.decode()
    current = page.split('aria-current="page"')[0].rsplit("<a", 1)[-1]
    assert reverse("invoices:received") in current
