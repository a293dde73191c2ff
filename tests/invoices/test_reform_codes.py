"""The 2026 reform's lifecycle codes: one table (invoices/workflow.py), checked against the
reform's list, and carried by the history, the API and the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from invoices import services
from invoices.models import Invoice, RejectionReason, StatusChange
from invoices.workflow import REFORM_CODES, ReformCode, Status, reform_code
from tests.invoices.factories import invoice_in

# The reform's list of lifecycle statuses, as published (code: French label).
REFORM_LIST = {
    200: "Déposée",
    201: "Émise par la plateforme",
    202: "Reçue par la plateforme",
    203: "Mise à disposition",
    204: "Prise en charge",
    205: "Approuvée",
    206: "Approuvée partiellement",
    207: "En litige",
    208: "Suspendue",
    209: "Complétée",
    210: "Refusée",
    211: "Paiement transmis",
    212: "Encaissée",
    213: "Rejetée",
    214: "Visée",
    220: "Annulée",
    221: "Erreur de routage",
    501: "Irrecevable",
}


def test_the_codes_are_the_reforms_list_with_its_labels():
    with translation.override("fr"):
        assert {code.value: str(code.label) for code in ReformCode} == REFORM_LIST


def test_every_status_but_the_draft_has_a_code_from_the_list():
    assert set(REFORM_CODES) == set(Status) - {Status.BROUILLON}
    assert all(code.value in REFORM_LIST for code in REFORM_CODES.values())
    assert reform_code(Status.BROUILLON) is None


def test_the_mandatory_codes_are_reachable():
    # 200 deposited, 210 refused by the recipient, 213 rejected by the platform.
    assert reform_code(Status.DEPOSEE) == 200
    assert reform_code(Status.REJETEE, made_available=True) == 210
    assert reform_code(Status.REJETEE, made_available=False) == 213


@pytest.mark.parametrize(
    ("from_status", "expected"),
    [(Status.EN_COURS_ACHEMINEMENT, 213), (Status.MISE_A_DISPOSITION, 210)],
)
def test_a_rejection_is_the_platforms_only_straight_out_of_routing(from_status, expected):
    change = StatusChange(from_status=from_status, to_status=Status.REJETEE)
    assert change.reform_code == expected


def test_an_invoice_rejected_before_it_was_made_available_shows_213():
    assert Invoice(status=Status.REJETEE, made_available_at=None).reform_code == 213
    assert Invoice(status=Status.REJETEE, made_available_at=timezone.now()).reform_code == 210
    assert Invoice(status=Status.MISE_EN_PAIEMENT).reform_code == 211


@pytest.mark.django_db
def test_the_history_table_and_the_csv_export_show_the_code(personas, client):
    invoice = invoice_in(
        personas, Status.MISE_A_DISPOSITION, number="F-R", made_available_at=timezone.now()
    )
    services.invoice_process(
        user=personas.agent,
        invoice=invoice,
        target=Status.REJETEE,
        reason=RejectionReason.objects.get(code="MONTANT_ERRONE"),
        comment="Le montant ne correspond pas.",
    )
    client.force_login(personas.supplier_principal)

    page = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    export = client.get(reverse("invoices:sent_export"))
    rows = list(
        csv.reader(
            io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )

    assert "Code réforme" in page and '<span title="Refusée">210</span>' in page
    column = rows[0].index("Code réforme")
    assert [(row[0], row[column]) for row in rows[1:]] == [("F-R", "210")]
