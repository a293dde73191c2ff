"""The bank accounts of a company through the API (issue 17): its members read them, its
managers add one (checked like on the portal), and nobody else learns they exist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from structures.models import BankAccount, Membership, StructureEvent
from tests.invoices.factories import GOOD_IBAN

pytestmark = pytest.mark.django_db


def url(structure) -> str:  # type: ignore[no-untyped-def]
    return reverse("api:structure-bank-accounts", args=[structure.siret])


def test_a_manager_adds_an_account_and_members_read_it(client_for, personas):
    response = client_for(personas.supplier_principal).post(
        url(personas.acme),
        {"label": "Compte courant", "iban": "fr76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["iban"] == GOOD_IBAN and response.json()["is_default"] is True
    assert StructureEvent.objects.filter(action="ACCOUNT_ADDED").count() == 1
    listed = client_for(personas.supplier_member).get(url(personas.acme))
    assert listed.status_code == 200
    assert [a["label"] for a in listed.json()] == ["Compte courant"]


def test_a_wrong_iban_is_refused_on_its_field_and_nothing_is_stored(client_for, personas):
    response = client_for(personas.supplier_principal).post(
        url(personas.acme), {"label": "X", "iban": "FR7630006000011234567890180"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "iban" in response.json()["errors"]
    assert not BankAccount.objects.exists()


def test_a_simple_member_may_not_add_one(client_for, personas):
    response = client_for(personas.supplier_member).post(
        url(personas.acme), {"label": "X", "iban": GOOD_IBAN}, format="json"
    )
    assert response.status_code == 403 and "gestionnaires" in response.json()["detail"]
    assert not BankAccount.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "pending_requester", "agent"])
def test_other_users_get_404(client_for, personas, who):
    user = getattr(personas, who)
    assert client_for(user).get(url(personas.acme)).status_code == 404
    response = client_for(user).post(url(personas.acme), {"label": "X", "iban": GOOD_IBAN})
    assert response.status_code == 404 and not BankAccount.objects.exists()
    assert Membership.objects.filter(structure=personas.acme).count() == 3


# --- The profile ----------------------------------------------------------------------------
def profile_url(structure) -> str:  # type: ignore[no-untyped-def]
    return reverse("api:structure-profile", args=[structure.siret])


def test_a_manager_changes_the_fields_sent_and_members_read_them(client_for, personas):
    response = client_for(personas.supplier_principal).post(
        profile_url(personas.acme), {"contact_email": "compta@acme.test"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["contact_email"] == "compta@acme.test"
    assert response.json()["city"] == personas.acme.city  # not sent: kept
    read = client_for(personas.supplier_member).get(profile_url(personas.acme))
    assert read.status_code == 200 and read.json()["contact_email"] == "compta@acme.test"
    assert StructureEvent.objects.get().detail == "contact_email"


def test_a_wrong_vat_number_is_refused_on_its_field(client_for, personas):
    response = client_for(personas.supplier_principal).post(
        profile_url(personas.acme), {"vat_number": "FR40303265045"}, format="json"
    )
    assert response.status_code == 400 and "vat_number" in response.json()["errors"]
    assert not StructureEvent.objects.exists()


def test_a_member_reads_but_does_not_change_the_profile(client_for, personas):
    response = client_for(personas.supplier_member).post(
        profile_url(personas.acme), {"city": "Ailleurs"}, format="json"
    )
    assert response.status_code == 403
    assert client_for(personas.outsider).get(profile_url(personas.acme)).status_code == 404
