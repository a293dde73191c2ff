"""Lists say clearly why they are empty and what to do next."""

from __future__ import annotations

import pytest
from django.urls import reverse

from invoices.workflow import Status
from tests.factories import UserFactory
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db


def page(client, user, url: str) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(url).content.decode()


def test_a_supplier_without_invoices_is_invited_to_enter_the_first_one(client, personas):
    html = page(client, personas.supplier_principal, reverse("invoices:sent"))
    assert "Aucune facture pour l’instant" in html
    assert "Saisissez votre première facture" in html
    assert "<table" not in html


def test_a_user_without_a_structure_is_sent_to_their_structures(client):
    html = page(client, UserFactory(), reverse("invoices:sent"))
    assert "rattachez-vous à la structure de votre entreprise" in html
    assert f'href="{reverse("structures:list")}"' in html


def test_filters_that_match_nothing_offer_to_clear_them(client, personas):
    invoice_in(personas, Status.REJETEE)
    html = page(client, personas.supplier_principal, reverse("invoices:sent") + "?number=ZZZ")
    assert "Aucune facture ne correspond à ces filtres." in html
    assert "Aucune facture pour l’instant" not in html


def test_an_agent_without_invoices_is_told_they_will_come(client, personas):
    html = page(client, personas.agent, reverse("invoices:received"))
    assert "Aucune facture reçue pour l’instant" in html


def test_an_agent_whose_filters_match_nothing_can_clear_them(client, personas):
    invoice_in(personas, Status.MISE_A_DISPOSITION)
    html = page(client, personas.agent, reverse("invoices:received") + "?number=ZZZ")
    assert "Aucune facture ne correspond à ces filtres." in html
