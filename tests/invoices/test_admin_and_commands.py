"""The administrators' tools: admin pages for invoices and catalogues, and the EJ register load."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from invoices.models import (
    EngagementImport,
    EngagementRecord,
    Invoice,
    RejectionReason,
    StatusChange,
)
from invoices.workflow import Status
from tests.factories import PublicStructureFactory
from tests.invoices.factories import deposited
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", [Invoice, StatusChange, RejectionReason, EngagementRecord, EngagementImport]
)
def test_the_admin_lists_and_searches_each_model(personas, client, model):
    deposited(personas)
    verified_login(client, personas.admin)
    url = reverse(f"admin:invoices_{model._meta.model_name}_changelist")
    assert client.get(url, {"q": "F-"}).status_code == 200


def test_an_invoice_is_read_only_in_admin(personas, client):
    invoice = deposited(personas)
    verified_login(client, personas.admin)
    url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"number": "CHANGED"})
    invoice.refresh_from_db()
    assert invoice.number != "CHANGED" and invoice.status == Status.DEPOSEE


def test_the_reason_catalogue_holds_the_seed_s_reasons():
    codes = set(RejectionReason.objects.values_list("code", flat=True))
    assert {
        "SE_EJ_INCORRECT",
        "CREANCIER_INCONNU",
        "DOUBLE_FACTURATION",
        "PIECE_MANQUANTE",
    } <= codes
    for reason in RejectionReason.objects.all():
        assert reason.allowed_statuses
        assert set(reason.allowed_statuses) <= {"REJETEE", "A_RECYCLER", "SUSPENDUE"}
        assert reason.reform_code in RejectionReason.ReformCode.values


def test_an_ej_register_is_loaded_from_csv_and_updated_on_a_second_load(tmp_path: Path):
    recipient = PublicStructureFactory()
    csv_file = tmp_path / "ej.csv"
    csv_file.write_text(
        "number;supplier_siret;amount;state\nEJ-1;123 456 789 00012;1 200,50;ouvert\n"
        "EJ-2;12345678900012;;CLOSED\n",
        encoding="utf-8",
    )
    call_command("load_engagements", str(csv_file), recipient=recipient.identifier)
    one = EngagementRecord.objects.get(recipient=recipient, number="EJ-1")
    assert (one.supplier_siret, str(one.amount), one.state) == ("12345678900012", "1200.50", "OPEN")
    csv_file.write_text("number;supplier_siret;state\nEJ-1;12345678900012;clos\n", encoding="utf-8")
    call_command("load_engagements", str(csv_file), recipient=recipient.identifier)
    one.refresh_from_db()
    assert one.state == "CLOSED"
    assert EngagementRecord.objects.filter(recipient=recipient).count() == 2


def test_a_bad_ej_file_loads_nothing(tmp_path: Path):
    recipient = PublicStructureFactory()
    csv_file = tmp_path / "ej.csv"
    csv_file.write_text(
        "number,supplier_siret\nEJ-1,12345678900012\nEJ-2,not-a-siret\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="Ligne 3 : le SIRET du fournisseur"):
        call_command("load_engagements", str(csv_file), recipient=recipient.identifier)
    assert not EngagementRecord.objects.exists()
