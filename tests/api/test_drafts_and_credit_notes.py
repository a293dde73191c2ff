"""The API's side of issue 17 items 1 and 5: a draft deleted (204; a deposited invoice 409), any
invoice duplicated into a new draft, a credit note referring to its invoice by number. Every
answer is checked against the published schema (``CheckedClient``)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import services as account_services
from invoices.models import Invoice
from invoices.workflow import Status
from tests.api.conftest import CheckedClient
from tests.invoices.factories import GOOD_IBAN, deposited, draft

pytestmark = pytest.mark.django_db
STATE = "11000201100044"


def credit_note_body(personas, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "supplier_siret": personas.acme.identifier,
        "number": "AV-API-1",
        "invoice_type": "AVOIR",
        "issue_date": timezone.localdate().isoformat(),
        "recipient_siret": STATE,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "lines": [
            {"description": "Avoir", "quantity": "1", "unit_price": "50.00", "vat_rate": "20"}
        ],
    }
    body.update(overrides)
    return body


# --- DELETE a draft -----------------------------------------------------------------------
def test_a_draft_is_deleted(personas, client_for):
    invoice = draft(personas)

    response = client_for(personas.supplier_member).delete(f"/api/v1/invoices/{invoice.pk}/")

    assert response.status_code == 204 and not response.content
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_deposited_invoice_is_not_deleted_409(personas, client_for):
    invoice = deposited(personas)

    response = client_for(personas.supplier_principal).delete(f"/api/v1/invoices/{invoice.pk}/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invoice_deposited"
    assert body["detail"].startswith("Une facture déposée ne peut pas être supprimée")
    assert Invoice.objects.get(pk=invoice.pk).status == Status.DEPOSEE


@pytest.mark.parametrize("who", ["outsider", "agent", "pending_requester"])
def test_another_s_draft_is_not_found(personas, client_for, who):
    invoice = draft(personas)

    response = client_for(getattr(personas, who)).delete(f"/api/v1/invoices/{invoice.pk}/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_read_token_does_not_delete(personas):
    invoice = draft(personas)
    _token, key = account_services.api_token_create(
        user=personas.supplier_principal, name="t", scopes=["read"]
    )

    client = CheckedClient().as_token(key)

    assert client.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 200
    assert client.delete(f"/api/v1/invoices/{invoice.pk}/").status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


# --- POST duplicate ----------------------------------------------------------------------------
def test_an_invoice_is_duplicated_into_a_draft(personas, client_for):
    source = deposited(personas, number="F-API-SRC")

    response = client_for(personas.supplier_principal).post(
        f"/api/v1/invoices/{source.pk}/duplicate/", {"number": "F-API-COPY"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["deposit_mode"]) == (
        "F-API-COPY",
        "BROUILLON",
        "SAISIE_WEB",
    )
    assert body["total_incl_tax"] == str(source.total_incl_tax)
    assert response.headers["Location"] == f"/api/v1/invoices/{body['id']}/"


def test_a_duplicate_under_a_used_number_is_a_400_on_number(personas, client_for):
    source = deposited(personas, number="F-API-USED")

    response = client_for(personas.supplier_principal).post(
        f"/api/v1/invoices/{source.pk}/duplicate/", {"number": "F-API-USED"}, format="json"
    )

    assert response.status_code == 400
    assert "déjà été utilisé" in response.json()["errors"]["number"][0]


def test_another_s_invoice_is_not_duplicated(personas, client_for):
    source = deposited(personas)

    response = client_for(personas.outsider).post(
        f"/api/v1/invoices/{source.pk}/duplicate/", {"number": "STOLEN"}, format="json"
    )

    assert response.status_code == 404
    assert not Invoice.objects.filter(number="STOLEN").exists()


# --- credit notes by number ----------------------------------------------------------------------
def test_a_credit_note_refers_to_its_invoice_by_number(personas, client_for):
    original = deposited(personas, number="F-API-ORIG")
    client = client_for(personas.supplier_principal)

    response = client.post(
        "/api/v1/invoices/",
        credit_note_body(personas, original_invoice_number="F-API-ORIG"),
        format="json",
    )

    assert response.status_code == 201
    note = response.json()
    assert (note["credited_invoice"], note["original_invoice_number"]) == (
        original.pk,
        "F-API-ORIG",
    )
    assert client.get(f"/api/v1/invoices/{original.pk}/").json()["credit_notes"] == [note["id"]]


@pytest.mark.parametrize(
    ("number", "amount", "said"),
    [
        ("F-API-NONE", "50.00", "Aucune facture déposée par votre structure ne porte le numéro"),
        ("F-API-SMALL", "500.00", "dépasse ce qui reste à créditer"),
    ],
)
def test_a_credit_note_that_does_not_fit_is_a_400_on_its_reference(
    personas, client_for, number, amount, said
):
    deposited(personas, number="F-API-SMALL")  # 360 TTC
    body = credit_note_body(personas, original_invoice_number=number)
    body["lines"][0]["unit_price"] = amount

    response = client_for(personas.supplier_principal).post(
        "/api/v1/invoices/", body, format="json"
    )

    assert response.status_code == 400
    assert said in response.json()["errors"]["original_invoice_number"][0]
    assert not Invoice.objects.filter(number="AV-API-1").exists()
