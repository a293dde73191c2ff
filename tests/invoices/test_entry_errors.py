"""The entry page reports every error in one round, each under the field or the line cell
that causes it (issue 19, item 1)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from invoices.models import Invoice
from tests.invoices.factories import entry_form, errors_of

pytestmark = pytest.mark.django_db


def post(client, personas, **changes: str) -> str:  # type: ignore[no-untyped-def]
    client.force_login(personas.supplier_principal)
    response = client.post(reverse("invoices:create"), entry_form(personas, **changes))
    assert response.status_code == 200
    assert not Invoice.objects.exists()
    return response.content.decode()


def test_a_badly_typed_field_does_not_hide_the_deposit_s_checks(client, personas):
    page = post(
        client,
        personas,
        issue_date="15/13/2026",
        bic="PAS UN BIC",
        recipient_siret="732 829 320 00074",
        **{"lines-0-quantity": "beaucoup"},
    )
    errors = errors_of(page)
    assert "issue_date" in errors  # the format error
    assert "lines-0-quantity" in errors
    assert errors["bic"] == "Ce BIC n'est pas valide."
    assert errors["recipient_siret"] == "Aucune structure n'est enregistrée sous ce SIRET."


def test_a_badly_typed_field_keeps_its_own_message_only(client, personas):
    errors = errors_of(post(client, personas, number="N" * 30))
    assert errors["number"].startswith("Assurez-vous"), errors
    assert "obligatoire" not in errors["number"]


def test_a_draft_with_a_badly_typed_field_is_not_checked_for_the_deposit(client, personas):
    errors = errors_of(post(client, personas, action="draft", issue_date="x", bic="PAS UN BIC"))
    assert "issue_date" in errors and "bic" not in errors


def test_a_negative_quantity_is_reported_on_its_cell_and_nowhere_else(client, personas):
    page = post(client, personas, **{"lines-0-quantity": "-2"})
    assert errors_of(page) == {"lines-0-quantity": "La quantité doit être positive."}
    assert "Les montants ne peuvent pas être négatifs" not in page
    assert "Corrigez les champs signalés ci-dessous." in page


def test_a_discount_larger_than_its_line_is_reported_on_the_discount(client, personas):
    errors = errors_of(post(client, personas, **{"lines-0-discount": "50"}))
    assert errors == {
        "lines-0-discount": "La remise doit être comprise entre zéro et le montant de la ligne."
    }


def test_an_invoice_of_zero_is_refused_with_the_reason(client, personas):
    page = html.unescape(post(client, personas, **{"lines-0-unit_price": "0"}))
    assert "Le montant de cette facture est nul (0,00 €)" in page
    assert "une prestation gratuite ne se facture pas" in page


def test_a_post_without_a_button_sends_the_invoice(client, personas):
    client.force_login(personas.supplier_principal)
    data = entry_form(personas)
    del data["action"]  # Enter in a field, with a browser that sends no button
    client.post(reverse("invoices:create"), data)
    assert Invoice.objects.get().status != "BROUILLON"


def test_the_recipient_s_rules_are_shown_and_starred_before_any_script(client, personas):
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:create")).content.decode()
    rules = re.search(r"data-recipient-info>(.*?)</div>", page, re.S).group(1)
    assert "Code service obligatoire." in rules
    label = re.search(r'<label class="fr-label" for="id_service_code">(.*?)</label>', page, re.S)
    assert "data-star" in label.group(1)
