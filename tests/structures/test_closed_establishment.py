"""A closed establishment (etatAdministratifEtablissement = F in SIRENE) cannot be used to create
a structure nor to deposit: the page says so in French, the API answers a structured error,
nothing is stored."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from invoices.models import Invoice
from structures.models import Structure
from structures.selectors import can_deposit_for, deposit_refusal_reason
from structures.siret import format_siret
from tests.factories import UserFactory
from tests.invoices.factories import GOOD_IBAN, entry_form
from tests.structures.factories import SireneEstablishmentFactory
from tests.utils.two_factor import log_in_as

pytestmark = pytest.mark.django_db


def api_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _token, key = account_services.api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def invoice_body(personas) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "supplier_siret": personas.acme.identifier,
        "number": "API-0001",
        "issue_date": timezone.localdate().isoformat(),
        "recipient_siret": personas.state.identifier,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "lines": [
            {"description": "Conseil", "quantity": "2", "unit_price": "150.00", "vat_rate": "20"}
        ],
    }


@pytest.fixture
def closed_acme(personas):
    personas.acme.is_closed = True
    personas.acme.save(update_fields=["is_closed"])
    return personas.acme


def test_a_closed_establishment_s_structure_cannot_be_created(client):
    establishment = SireneEstablishmentFactory(is_active=False, name="ATELIER FERME")
    user = UserFactory()
    log_in_as(client, user)

    page = client.post(
        reverse("structures:create"), {"siret": establishment.siret, "step": "create"}
    ).content.decode()

    assert f"L’établissement {format_siret(establishment.siret)} est fermé" in page
    assert "on ne peut pas créer sa structure" in page
    assert not Structure.objects.filter(identifier=establishment.siret).exists()


def test_the_deposit_gate_says_the_establishment_is_closed(personas, closed_acme):
    reason = deposit_refusal_reason(personas.supplier_principal, closed_acme)
    assert reason is not None and "est fermé selon le répertoire SIRENE" in reason
    assert format_siret(closed_acme.identifier) in reason
    assert not can_deposit_for(personas.supplier_member, closed_acme)


def test_the_structure_page_says_it(client, personas, closed_acme):
    log_in_as(client, personas.supplier_principal)
    page = client.get(reverse("structures:detail", args=[closed_acme.pk])).content.decode()
    assert "aucune facture ne peut plus être déposée en son nom" in page


def test_the_entry_page_refuses_the_deposit_with_the_reason(client, personas, closed_acme):
    client.force_login(personas.supplier_principal)

    response = client.post(reverse("invoices:create"), entry_form(personas))

    assert response.status_code == 200
    assert "est fermé selon le répertoire SIRENE" in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_api_answers_a_structured_error(personas, closed_acme):
    client = api_client(personas.supplier_member)

    response = client.post("/api/v1/invoices/", invoice_body(personas), format="json")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "establishment_closed"
    assert "est fermé selon le répertoire SIRENE" in body["detail"]
    assert list(body["errors"]) == ["supplier_siret"]
    assert not Invoice.objects.exists()


def test_a_closed_recipient_is_refused_under_its_field(personas):
    personas.state.is_closed = True
    personas.state.save(update_fields=["is_closed"])
    client = api_client(personas.supplier_member)

    response = client.post("/api/v1/invoices/", invoice_body(personas), format="json")

    assert response.status_code == 400
    assert "destinataire est fermé" in response.json()["errors"]["recipient_siret"][0]
    assert not Invoice.objects.exists()
