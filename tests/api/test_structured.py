"""Structured files through the API: a Factur-X PDF, a CII or a UBL deposits itself when it
passes (or says which rules it breaks), and ``invoices/validate/`` judges a file storing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from einvoice.validation import validate_file
from invoices.models import Attachment, DepositMode, Invoice
from structures.models import BankAccount
from structures.selectors import iban_warning
from tests.invoices.conftest import stored_files
from tests.invoices.factories import pdf_bytes, stored_bytes
from tests.invoices.structured_files import (
    cii_to_the_state,
    facturx_to_the_state,
    set_cii,
    ubl_to_the_state,
)

pytestmark = pytest.mark.django_db
UPLOAD = "/api/v1/invoices/upload/"
VALIDATE = "/api/v1/invoices/validate/"
XML = "application/xml"


def xml_file(content: bytes, name: str = "facture.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, XML)


def structured_body(personas, content: bytes, name: str = "facture.xml", **extra: Any) -> dict:  # type: ignore[no-untyped-def]
    return {"supplier_siret": personas.acme.siret, "file": xml_file(content, name), **extra}


def broken_total(personas) -> bytes:  # type: ignore[no-untyped-def]
    """A CEN example whose grand total is one cent off: BR-CO-15."""
    return cii_to_the_state(
        seller_siret=personas.acme.siret, change=set_cii("//ram:GrandTotalAmount", "250.34")
    )


# --- upload: a structured file deposits itself ---------------------------------------------------
def test_a_reference_cii_is_deposited_with_only_the_supplier_siret(personas, client_for):
    content = cii_to_the_state(seller_siret=personas.acme.siret)

    response = client_for(personas.supplier_member).post(
        UPLOAD, structured_body(personas, content, "CII_example1.xml"), format="multipart"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["number"], body["total_incl_tax"]) == (
        "DEPOSEE",
        "12115118",
        "250.33",
    )
    assert (body["recipient_siret"], body["service_code"]) == (
        personas.state.siret,
        "FACTURES_PUBLIQUES",
    )
    assert body["deposit_mode"] == DepositMode.UPLOAD_API
    invoice = Invoice.objects.get()
    assert stored_bytes(invoice.attachments.get(kind=Attachment.Kind.MAIN)) == content


def test_a_ubl_with_an_attachment_is_deposited(personas, client_for):
    content = ubl_to_the_state(seller_siret=personas.acme.siret)
    body = structured_body(
        personas,
        content,
        "ubl-tc434-example1.xml",
        attachments=[SimpleUploadedFile("bon.pdf", pdf_bytes(), "application/pdf")],
    )

    response = client_for(personas.supplier_member).post(UPLOAD, body, format="multipart")

    assert response.status_code == 201, response.json()
    kinds = [a["kind"] for a in response.json()["attachments"]]
    assert kinds == ["MAIN", "ADDITIONAL"]  # the certificate follows the commit


def test_a_factur_x_pdf_is_deposited_without_header_fields_nor_totals(personas, client_for):
    content = facturx_to_the_state(seller_siret=personas.acme.siret)
    body = {
        "supplier_siret": personas.acme.siret,
        "file": SimpleUploadedFile("facture.pdf", content, "application/pdf"),
    }

    response = client_for(personas.supplier_member).post(UPLOAD, body, format="multipart")

    assert response.status_code == 201, response.json()
    assert Invoice.objects.get().deposit_mode == DepositMode.UPLOAD_API


def test_a_refused_file_answers_400_with_the_broken_rule_and_stores_nothing(
    personas, client_for, media_root
):
    response = client_for(personas.supplier_member).post(
        UPLOAD, structured_body(personas, broken_total(personas)), format="multipart"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert any(m.startswith("BR-CO-15 : ") for m in body["errors"]["total_incl_tax"])
    # The rule's own text, then what to change in French.
    [message] = [m for m in body["errors"]["total_incl_tax"] if m.startswith("BR-CO-15")]
    assert "(BT-112) = Invoice total amount without VAT" in message
    assert "À changer : Le total TTC (BT-112) doit être exactement" in message
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []


def test_a_refusal_asked_in_english_gives_the_rules_own_text_only(personas, client_for):
    response = client_for(personas.supplier_member).post(
        UPLOAD,
        structured_body(personas, broken_total(personas)),
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    [message] = [m for m in response.json()["errors"]["total_incl_tax"] if m.startswith("BR-CO-15")]
    assert "Invoice total amount with VAT (BT-112)" in message
    assert "Le total TTC" not in message


def test_the_portal_rules_come_first_in_a_refusal(personas, client_for):
    content = cii_to_the_state(
        seller_siret=personas.acme.siret,
        service_code="INCONNU",
        change=set_cii("//ram:GrandTotalAmount", "250.34"),
    )

    response = client_for(personas.supplier_member).post(
        UPLOAD, structured_body(personas, content), format="multipart"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    first_field = next(iter(errors))
    assert first_field == "service_code"
    assert errors["service_code"][0].startswith("CHORUS : ")
    assert "n'existe pas" in errors["service_code"][0]


def test_a_file_sold_by_another_company_is_a_supplier_siret_error(personas, client_for):
    content = cii_to_the_state(seller_siret=personas.globex.siret)

    response = client_for(personas.supplier_member).post(
        UPLOAD, structured_body(personas, content), format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["supplier_siret"]


def test_an_outsiders_supplier_siret_is_400_for_a_structured_file(personas, client_for):
    content = cii_to_the_state(seller_siret=personas.acme.siret)

    response = client_for(personas.outsider).post(
        UPLOAD, structured_body(personas, content), format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["supplier_siret"]
    assert not Invoice.objects.exists()


def test_a_structured_file_without_supplier_siret_is_400(personas, client_for):
    content = cii_to_the_state(seller_siret=personas.acme.siret)

    response = client_for(personas.supplier_member).post(
        UPLOAD, {"file": xml_file(content)}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["supplier_siret"]


def test_an_xml_that_is_not_an_invoice_is_400_on_file(personas, client_for):
    body = structured_body(personas, b"<html><body>bonjour</body></html>")

    response = client_for(personas.supplier_member).post(UPLOAD, body, format="multipart")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


def test_an_uploaded_structured_file_over_the_limit_is_413(personas, client_for, settings):
    settings.INVOICE_FILE_MAX_BYTES = 2048
    content = cii_to_the_state(seller_siret=personas.acme.siret)

    response = client_for(personas.supplier_member).post(
        UPLOAD, structured_body(personas, content), format="multipart"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_the_plain_pdf_path_still_requires_its_three_totals(personas, client_for):
    body = {
        "supplier_siret": personas.acme.siret,
        "number": "PDF-1",
        "recipient_siret": personas.state.siret,
        "service_code": "FACTURES_PUBLIQUES",
        "file": SimpleUploadedFile("facture.pdf", pdf_bytes(), "application/pdf"),
    }

    response = client_for(personas.supplier_member).post(UPLOAD, body, format="multipart")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"total_excl_tax", "total_vat", "total_incl_tax"}
    assert not Invoice.objects.exists()


# --- validate: the report, nothing stored ------------------------------------------------------
def test_validate_answers_the_report_of_a_valid_file(personas, client_for, media_root):
    content = cii_to_the_state(seller_siret=personas.acme.siret)

    response = client_for(personas.supplier_member).post(
        VALIDATE, {"file": xml_file(content, "CII_example1.xml")}, format="multipart"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body == validate_file(content, "CII_example1.xml").to_dict()
    assert (body["valid"], body["format"], body["profile"]) == (True, "CII", "EN16931")
    assert (body["number"], body["total_incl_tax"], body["errors"]) == ("12115118", "250.33", [])
    assert body["buyer"]["siret"] == personas.state.siret
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []


def test_validate_names_the_broken_rule_of_an_invalid_file(personas, client_for):
    content = broken_total(personas)

    response = client_for(personas.supplier_member).post(
        VALIDATE, {"file": xml_file(content)}, format="multipart"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    [finding] = [f for f in body["errors"] if f["rule_id"] == "BR-CO-15"]
    assert (finding["severity"], finding["business_term"]) == ("fatal", "BT-112")
    assert "Le total TTC (BT-112) doit être exactement" in finding["explanation"]
    assert finding["location"]


def test_validate_explains_every_finding_in_french_even_asked_in_english(personas, client_for):
    # A UBL warning no explanation covered before: an element EN 16931 does not use.
    content = ubl_to_the_state(seller_siret=personas.acme.siret).replace(
        b"<cbc:IssueDate>", b"<cbc:CopyIndicator>false</cbc:CopyIndicator><cbc:IssueDate>", 1
    )

    response = client_for(personas.supplier_member).post(
        VALIDATE, {"file": xml_file(content)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    body = response.json()
    [finding] = [f for f in body["warnings"] if f["rule_id"] == "UBL-CR-004"]
    assert finding["message"].startswith("[UBL-CR-004]-A UBL invoice should not include")
    assert "CopyIndicator" in finding["explanation"]
    assert "que la norme EN 16931 n'utilise pas" in finding["explanation"]
    assert all(f["explanation"] for f in body["errors"] + body["warnings"])


def test_validate_reads_a_factur_x_pdf(personas, client_for):
    content = facturx_to_the_state(seller_siret=personas.acme.siret)
    upload = SimpleUploadedFile("facture.pdf", content, "application/pdf")

    response = client_for(personas.supplier_member).post(
        VALIDATE, {"file": upload}, format="multipart"
    )

    assert response.status_code == 200
    assert (response.json()["format"], response.json()["valid"]) == ("FACTURX", True)


def test_validate_a_pdf_with_no_invoice_xml_is_400(personas, client_for):
    upload = SimpleUploadedFile("facture.pdf", pdf_bytes(), "application/pdf")

    response = client_for(personas.supplier_member).post(
        VALIDATE, {"file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.txt", b"une facture ?"), ("facture.docx", b"PK\x03\x04 a zip")],
)
@pytest.mark.parametrize("path", [VALIDATE, UPLOAD])
def test_a_file_neither_pdf_nor_xml_is_415(personas, client_for, path, name, content):
    body = {"supplier_siret": personas.acme.siret, "file": SimpleUploadedFile(name, content)}

    response = client_for(personas.supplier_member).post(path, body, format="multipart")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"


def test_validate_a_file_over_the_limit_is_413(personas, client_for, settings):
    settings.INVOICE_FILE_MAX_BYTES = 2048
    content = cii_to_the_state(seller_siret=personas.acme.siret)

    response = client_for(personas.supplier_member).post(
        VALIDATE, {"file": xml_file(content)}, format="multipart"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_validate_without_a_file_is_400(personas, client_for):
    response = client_for(personas.supplier_member).post(VALIDATE, {}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


def test_validate_is_for_authenticated_users_only(anonymous):
    upload = xml_file(Path(__file__).read_bytes())

    response = anonymous.post(VALIDATE, {"file": upload}, format="multipart")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_validate_answers_in_english_when_asked(personas, client_for):
    upload = SimpleUploadedFile("notes.txt", b"texte")

    response = client_for(personas.supplier_member).post(
        VALIDATE, {"file": upload}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 415
    assert "PDF" in response.json()["detail"] and "accepted" in response.json()["detail"]


def test_a_structured_file_whose_iban_the_structure_does_not_know_is_deposited_with_a_warning(
    personas, client_for
):
    # The upload page warns of it before the deposit; the API, which deposits at once, answers
    # the same warning beside the invoice.
    BankAccount.objects.create(
        structure=personas.acme,
        label="Compte courant",
        iban="DE89370400440532013000",
        created_by=personas.supplier_principal,
    )
    content = ubl_to_the_state(seller_siret=personas.acme.siret)
    client = client_for(personas.supplier_member)
    response = client.post(UPLOAD, structured_body(personas, content), format="multipart")
    assert response.status_code == 201, response.json()
    invoice = Invoice.objects.get()
    assert invoice.iban
    [warning] = response.json()["warnings"]
    assert (warning["code"], warning["field"]) == ("IBAN_NOT_REGISTERED", "iban")
    assert warning["message"] == iban_warning(personas.acme, invoice.iban)
    assert invoice.iban in warning["message"]


def test_a_structured_file_crediting_a_registered_account_has_no_warning(personas, client_for):
    content = cii_to_the_state(seller_siret=personas.acme.siret)
    client = client_for(personas.supplier_member)
    first = client.post(UPLOAD, structured_body(personas, content), format="multipart")
    iban = Invoice.objects.get(pk=first.json()["id"]).iban
    assert iban and first.json()["warnings"][0]["code"] == "IBAN_NOT_REGISTERED"
    BankAccount.objects.create(
        structure=personas.acme, label="Compte", iban=iban, created_by=personas.supplier_principal
    )
    renumbered = cii_to_the_state(
        seller_siret=personas.acme.siret, change=set_cii("//rsm:ExchangedDocument/ram:ID", "X-2")
    )
    again = client.post(UPLOAD, structured_body(personas, renumbered), format="multipart")
    assert again.status_code == 201, again.json()
    assert again.json()["warnings"] == []
