"""Writes through the API: each calls the invoices services; refusals come back as 400/404/409."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from invoices.models import DepositMode, Invoice, StatusChange
from invoices.workflow import Status
from structures.models import BankAccount
from tests.invoices.factories import GOOD_IBAN, deposited, draft, invoice_in, pdf_bytes

pytestmark = pytest.mark.django_db
STATE = "11000201100044"


def invoice_body(personas, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {
        "supplier_siret": personas.acme.identifier,
        "number": "API-0001",
        "issue_date": timezone.localdate().isoformat(),
        "recipient_siret": STATE,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "lines": [
            {"description": "Conseil", "quantity": "2", "unit_price": "150.00", "vat_rate": "20"},
            {"description": "Livre", "quantity": "1", "unit_price": "10.00", "vat_rate": "5.5"},
        ],
    }
    body.update(overrides)
    return body


# --- typed invoices ----------------------------------------------------------------------------
def test_a_supplier_submits_a_typed_invoice(personas, client_for):
    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/", invoice_body(personas), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    invoice = Invoice.objects.get(pk=body["id"])
    assert response.headers["Location"] == f"/api/v1/invoices/{invoice.pk}/"
    assert body["status"] == invoice.status == Status.DEPOSEE
    assert invoice.deposit_mode == DepositMode.SAISIE_API
    assert (body["total_excl_tax"], body["total_vat"], body["total_incl_tax"]) == (
        "310.00",
        "60.55",
        "370.55",
    )
    assert [v["rate"] for v in body["vat_breakdown"]] == ["20.00", "5.50"]
    assert body["deposited_at"] and body["certificate_sha256"] == invoice.deposit_sha256


def test_a_draft_stays_a_draft_and_is_submitted_later(personas, client_for):
    client = client_for(personas.supplier_principal)

    created = client.post(
        "/api/v1/invoices/", invoice_body(personas, draft=True, iban=""), format="json"
    )
    refused = client.post(f"/api/v1/invoices/{created.json()['id']}/submit/")

    assert created.status_code == 201 and created.json()["status"] == "BROUILLON"
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["iban"]


def test_submitting_a_complete_draft_deposits_it(personas, client_for):
    invoice = draft(personas)

    response = client_for(personas.supplier_member).post(f"/api/v1/invoices/{invoice.pk}/submit/")

    assert response.status_code == 200 and response.json()["status"] == "DEPOSEE"


def test_submitting_twice_is_a_409(personas, client_for):
    invoice = deposited(personas)

    response = client_for(personas.supplier_member).post(f"/api/v1/invoices/{invoice.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_status"


def test_deposit_checks_come_back_as_field_errors(personas, client_for):
    body = invoice_body(
        personas,
        service_code="NOPE",
        lines=[{"description": "X", "quantity": "0", "unit_price": "1", "vat_rate": "7"}],
    )

    response = client_for(personas.supplier_member).post("/api/v1/invoices/", body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"service_code", "lines.0.quantity", "lines.0.vat_rate"} <= set(errors)
    assert not Invoice.objects.exists()


def test_a_number_used_twice_in_a_year_is_refused(personas, client_for):
    client = client_for(personas.supplier_member)
    client.post("/api/v1/invoices/", invoice_body(personas), format="json")

    again = client.post("/api/v1/invoices/", invoice_body(personas), format="json")

    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["number"]
    assert Invoice.objects.count() == 1


def test_nobody_invoices_for_a_structure_they_do_not_belong_to(personas, client_for):
    response = client_for(personas.outsider).post(
        "/api/v1/invoices/", invoice_body(personas), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["supplier_siret"]


def test_a_member_with_consultation_rights_only_cannot_invoice(personas, client_for):
    membership = personas.supplier_member.memberships.get()
    membership.can_modify = False
    membership.save()

    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/", invoice_body(personas), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["supplier_siret"]


def test_wrong_types_are_field_errors_not_crashes(personas, client_for):
    body = invoice_body(
        personas,
        issue_date="31/12/2026",
        invoice_type="DEVIS",
        lines=[{"description": ["x"], "quantity": "1e30", "unit_price": None, "vat_rate": "NaN"}],
        draft="maybe",
    )

    response = client_for(personas.supplier_member).post("/api/v1/invoices/", body, format="json")

    assert response.status_code == 400
    assert {
        "issue_date",
        "invoice_type",
        "draft",
        "lines.0.description",
        "lines.0.quantity",
        "lines.0.unit_price",
        "lines.0.vat_rate",
    } <= set(response.json()["errors"])


# --- PDF upload --------------------------------------------------------------------------------
def upload_body(personas, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = invoice_body(personas, **overrides)
    body.pop("lines")
    body.update(total_excl_tax="100.00", total_vat="20.00", total_incl_tax="120.00")
    body.setdefault("file", SimpleUploadedFile("facture.pdf", pdf_bytes(), "application/pdf"))
    return body


def test_a_supplier_deposits_a_pdf_invoice_with_attachments(personas, client_for):
    body = upload_body(
        personas,
        attachments=[
            SimpleUploadedFile("bon.txt", b"bon de livraison", "text/plain"),
            SimpleUploadedFile("pv.pdf", pdf_bytes(), "application/pdf"),
        ],
    )

    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/upload/", body, format="multipart"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "DEPOSEE" and body["total_incl_tax"] == "120.00"
    assert [a["kind"] for a in body["attachments"]] == [
        "MAIN",
        "ADDITIONAL",
        "ADDITIONAL",
    ]  # the certificate is rendered once the deposit is committed
    assert Invoice.objects.get().deposit_mode == DepositMode.DEPOT_PDF_API


def test_an_upload_that_is_not_a_pdf_is_415(personas, client_for):
    body = upload_body(personas, file=SimpleUploadedFile("facture.docx", b"PK\x03\x04", "x/y"))

    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/upload/", body, format="multipart"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"


def test_an_attachment_of_a_refused_type_is_415(personas, client_for):
    body = upload_body(personas, attachments=[SimpleUploadedFile("virus.exe", b"MZ", "x/y")])

    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/upload/", body, format="multipart"
    )

    assert response.status_code == 415
    assert not Invoice.objects.exists()


def test_a_file_of_10_mb_or_more_is_413(personas, client_for):
    big = SimpleUploadedFile("facture.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf")

    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/upload/", upload_body(personas, file=big), format="multipart"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_damaged_pdf_is_a_field_error_on_file(personas, client_for):
    body = upload_body(personas, file=SimpleUploadedFile("facture.pdf", b"%PDF-1.7 broken", "x/y"))

    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/upload/", body, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


def test_an_upload_without_its_totals_is_400(personas, client_for):
    body = upload_body(personas)
    del body["total_vat"]

    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/upload/", body, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["total_vat"]


# --- the supplier's answers --------------------------------------------------------------------
def test_a_supplier_corrects_an_invoice_sent_back(personas, client_for):
    # A deposited-PDF shape: complete header and totals, no typed lines to check again.
    invoice = invoice_in(
        personas,
        Status.A_RECYCLER,
        service_code="WRONG",
        service=None,
        deposit_mode=DepositMode.DEPOT_PDF_API,
    )

    response = client_for(personas.supplier_member).post(
        f"/api/v1/invoices/{invoice.pk}/recycle/",
        {"recipient_siret": "110 002 011 000 44", "service_code": "FACTURES_PUBLIQUES"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "DEPOSEE"
    assert response.json()["service_code"] == "FACTURES_PUBLIQUES"


def test_recycling_checks_the_new_recipient_data(personas, client_for):
    invoice = invoice_in(personas, Status.A_RECYCLER)
    client = client_for(personas.supplier_member)

    bad_siret = client.post(
        f"/api/v1/invoices/{invoice.pk}/recycle/", {"recipient_siret": "123"}, format="json"
    )
    bad_service = client.post(
        f"/api/v1/invoices/{invoice.pk}/recycle/",
        {"recipient_siret": STATE, "service_code": "NOPE"},
        format="json",
    )

    assert bad_siret.status_code == 400 and list(bad_siret.json()["errors"]) == ["recipient_siret"]
    assert bad_service.status_code == 400 and "service_code" in bad_service.json()["errors"]


def test_recycling_an_invoice_that_was_not_sent_back_is_409(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)

    response = client_for(personas.supplier_member).post(
        f"/api/v1/invoices/{invoice.pk}/recycle/", {"recipient_siret": STATE}, format="json"
    )

    assert response.status_code == 409


def test_a_supplier_completes_a_suspended_invoice_with_a_file(personas, client_for):
    invoice = invoice_in(personas, Status.SUSPENDUE)

    response = client_for(personas.supplier_member).post(
        f"/api/v1/invoices/{invoice.pk}/complete/",
        {
            "comment": "Voici le bon de livraison.",
            "attachments": [SimpleUploadedFile("bl.pdf", pdf_bytes(), "application/pdf")],
        },
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "COMPLETEE"
    assert [a["name"] for a in response.json()["attachments"]] == ["bl.pdf"]


def test_completing_with_a_json_array_is_a_400_not_a_500(personas, client_for):
    invoice = invoice_in(personas, Status.SUSPENDUE)

    response = client_for(personas.supplier_member).post(
        f"/api/v1/invoices/{invoice.pk}/complete/", [], format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    invoice.refresh_from_db()
    assert invoice.status == Status.SUSPENDUE


def test_completing_needs_a_comment_or_a_file(personas, client_for):
    invoice = invoice_in(personas, Status.SUSPENDUE)

    response = client_for(personas.supplier_member).post(
        f"/api/v1/invoices/{invoice.pk}/complete/", {"comment": " "}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["comment"]


def test_a_supplier_acknowledges_a_rejection_once(personas, client_for):
    invoice = invoice_in(personas, Status.REJETEE)
    client = client_for(personas.supplier_member)
    url = f"/api/v1/invoices/{invoice.pk}/acknowledge-rejection/"

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 200 and first.json()["rejection_acknowledged"] is True
    assert second.status_code == 409


@pytest.mark.parametrize("action", ["submit", "recycle", "complete", "acknowledge-rejection"])
def test_supplier_actions_on_another_structures_invoice_are_404(personas, client_for, action):
    invoice = invoice_in(personas, Status.REJETEE)

    for user in (personas.outsider, personas.agent):
        response = client_for(user).post(
            f"/api/v1/invoices/{invoice.pk}/{action}/", {"recipient_siret": STATE}, format="json"
        )
        assert response.status_code == 404


# --- the agent's decision ----------------------------------------------------------------------
def process(client, invoice: Invoice, **body: Any):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/invoices/{invoice.pk}/process/", body, format="json")


def test_an_agent_rejects_with_a_reason_and_a_comment(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)

    response = process(
        client_for(personas.agent),
        invoice,
        status="REJETEE",
        reason_code="MONTANT_ERRONE",
        comment="Montant faux.",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "REJETEE"
    change = StatusChange.objects.get(invoice=invoice)
    assert (change.reason.code, change.comment, change.actor) == (
        "MONTANT_ERRONE",
        "Montant faux.",
        personas.agent,
    )


def test_an_agent_mandates_with_a_mandate_number(personas, client_for):
    invoice = invoice_in(personas, Status.SERVICE_FAIT)

    response = process(client_for(personas.agent), invoice, status="MANDATEE", mandate_number="M-1")

    assert response.status_code == 200
    assert response.json()["mandate_number"] == "M-1"


def test_a_rejection_without_reason_is_a_field_error(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    client = client_for(personas.agent)

    without = process(client, invoice, status="REJETEE", comment="Non.")
    unknown = process(client, invoice, status="REJETEE", reason_code="NOPE", comment="Non.")
    wrong = process(client, invoice, status="REJETEE", reason_code="PIECE_MANQUANTE", comment="x")

    assert without.status_code == 400 and list(without.json()["errors"]) == ["reason_code"]
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["reason_code"]
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["reason_code"]


def test_a_decision_that_the_status_does_not_allow_is_409(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_EN_PAIEMENT)

    response = process(client_for(personas.agent), invoice, status="COMPTABILISEE")

    assert response.status_code == 409


def test_a_decision_on_an_invoice_that_moved_meanwhile_is_409(personas, client_for):
    invoice = invoice_in(personas, Status.SERVICE_FAIT)

    response = process(
        client_for(personas.agent),
        invoice,
        status="COMPTABILISEE",
        expected_status="MISE_A_DISPOSITION",
    )

    assert response.status_code == 409
    invoice.refresh_from_db()
    assert invoice.status == Status.SERVICE_FAIT


def test_only_the_agents_of_the_invoices_service_may_process_it(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)

    for user in (personas.other_agent, personas.supplier_principal, personas.outsider):
        response = process(client_for(user), invoice, status="SERVICE_FAIT")
        assert response.status_code == 404


def test_an_unknown_target_status_is_a_field_error(personas, client_for):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)

    response = process(client_for(personas.agent), invoice, status="DEPOSEE")

    assert response.status_code == 400 and list(response.json()["errors"]) == ["status"]


# --- the account to credit: one of the supplier's bank accounts, as the entry form offers -------
OTHER_IBAN = "DE89370400440532013000"


def bank_account(structure, iban: str = OTHER_IBAN, **values: Any) -> BankAccount:  # type: ignore[no-untyped-def]
    user = structure.memberships.first().user
    values = {"label": "Compte courant", "bic": "COBADEFFXXX", "created_by": user, **values}
    return BankAccount.objects.create(structure=structure, iban=iban, **values)


def test_a_typed_invoice_takes_the_bank_account_chosen_by_its_id(personas, client_for):
    account = bank_account(personas.acme)
    response = client_for(personas.supplier_member).post(
        "/api/v1/invoices/",
        invoice_body(personas, iban="", bank_account=account.pk),
        format="json",
    )
    assert response.status_code == 201, response.json()
    invoice = Invoice.objects.get()
    assert (invoice.iban, invoice.bic) == (OTHER_IBAN, "COBADEFFXXX")
    assert invoice.status == Status.DEPOSEE


@pytest.mark.parametrize("whose", ["inactive", "another structure's", "unknown"])
def test_a_bank_account_that_is_no_active_account_of_the_supplier_is_a_400(
    personas, client_for, whose
):
    accounts = {
        "inactive": lambda: bank_account(personas.acme, is_active=False).pk,
        "another structure's": lambda: bank_account(personas.globex).pk,
        "unknown": lambda: 999_999_999,
    }
    response = client_for(personas.supplier_principal).post(
        "/api/v1/invoices/",
        invoice_body(personas, iban="", bank_account=accounts[whose]()),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "bank_account": [
            "Ce compte bancaire n'est pas un compte actif de la structure fournisseur : "
            "choisissez l'un de ses comptes actifs."
        ]
    }
    assert not Invoice.objects.exists()


def test_a_typed_iban_is_taken_only_when_the_supplier_has_no_active_account(personas, client_for):
    client = client_for(personas.supplier_principal)
    bank_account(personas.acme, iban="BE68539007547034", is_active=False)
    # Without an active account, the IBAN is typed (the fixture's bodies all do).
    assert (
        client.post(
            "/api/v1/invoices/", invoice_body(personas, number="T-1"), format="json"
        ).status_code
        == 201
    )
    active = bank_account(personas.acme)
    refused = client.post("/api/v1/invoices/", invoice_body(personas, number="T-2"), format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["iban"]
    assert "Choisissez l'un des comptes bancaires" in refused.json()["errors"]["iban"][0]
    # The IBAN of one of its active accounts is that account; another beside an account is not.
    same = invoice_body(personas, number="T-3", iban="de89 3704 0044 0532 0130 00")
    accepted = client.post("/api/v1/invoices/", same, format="json")
    assert accepted.status_code == 201, accepted.json()
    both = invoice_body(personas, number="T-4", bank_account=active.pk)  # and GOOD_IBAN typed
    conflicting = client.post("/api/v1/invoices/", both, format="json")
    assert conflicting.status_code == 400 and list(conflicting.json()["errors"]) == ["iban"]
    assert list(Invoice.objects.values_list("number", flat=True).order_by("number")) == [
        "T-1",
        "T-3",
    ]


def test_a_draft_and_a_pdf_take_the_bank_account_too(personas, client_for):
    account = bank_account(personas.acme)
    client = client_for(personas.supplier_principal)
    draft_body = invoice_body(personas, draft=True, iban="", bank_account=account.pk)
    assert client.post("/api/v1/invoices/", draft_body, format="json").status_code == 201
    pdf = upload_body(personas, number="P-1", iban="", bank_account=account.pk)
    response = client.post("/api/v1/invoices/upload/", pdf, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["warnings"] == []
    assert set(Invoice.objects.values_list("iban", flat=True)) == {OTHER_IBAN}
    typed = client.post("/api/v1/invoices/upload/", upload_body(personas), format="multipart")
    assert typed.status_code == 400 and list(typed.json()["errors"]) == ["iban"]
