"""The structure's bank accounts on its invoices (issue 17): the entry and PDF forms offer the
active accounts (default preselected) instead of a typed IBAN, which stays possible for a
structure without accounts; the review of a structured file warns of an unknown IBAN."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices.models import Invoice
from structures import services_profile
from tests.invoices.factories import GOOD_IBAN, entry_form
from tests.invoices.structured_files import cii_to_the_state

pytestmark = pytest.mark.django_db

OTHER_IBAN = "DE89370400440532013000"
FILE_IBAN = "NL57RABO0107307510"  # the CEN's CII_example1.xml


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def accounts(personas):  # type: ignore[no-untyped-def]
    add = services_profile.bank_account_add
    main = add(
        structure=personas.acme,
        by=personas.supplier_principal,
        label="Compte courant",
        iban=GOOD_IBAN,
        bic="AGRIFRPP",
    )
    other = add(
        structure=personas.acme, by=personas.supplier_principal, label="Agence", iban=OTHER_IBAN
    )
    return main, other


def selected_account(page: str) -> str | None:
    select = re.search(r'<select name="bank_account".*?</select>', page, re.S)
    assert select is not None, "no account select on the page"
    chosen = re.search(r'<option value="(\d*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else None


def test_the_entry_form_preselects_the_default_account(client, personas, accounts):
    main, _other = accounts
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:create")).content.decode()
    assert selected_account(page) == str(main.pk)
    assert "Agence — DE89 3704 0044 0532 0130 00" in page


def test_a_structure_without_accounts_types_its_iban_as_before(client, personas):
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:create")).content.decode()
    assert 'name="bank_account"' not in page and 'name="iban"' in page
    client.post(reverse("invoices:create"), entry_form(personas, action="draft"))
    assert Invoice.objects.get().iban == GOOD_IBAN


def test_the_chosen_account_s_iban_and_bic_go_on_the_invoice(client, personas, accounts):
    _main, other = accounts
    client.force_login(personas.supplier_principal)
    data = entry_form(personas, action="draft", iban="", bank_account=str(other.pk))
    response = client.post(reverse("invoices:create"), data)
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.iban, invoice.bic) == (OTHER_IBAN, "")
    # Editing the draft shows the account it carries, not the default.
    page = client.get(reverse("invoices:edit", args=[invoice.pk])).content.decode()
    assert selected_account(page) == str(other.pk)


def test_a_typed_iban_is_refused_when_the_structure_has_accounts(client, personas, accounts):
    client.force_login(personas.supplier_principal)
    data = entry_form(personas, action="draft", iban="FR1420041010050500013M02606")
    response = client.post(reverse("invoices:create"), data)
    assert response.status_code == 200
    assert "Choisissez l&#x27;un des comptes bancaires" in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_typed_iban_that_is_one_of_the_accounts_is_accepted(client, personas, accounts):
    client.force_login(personas.supplier_principal)
    data = entry_form(personas, action="draft", iban=f" {OTHER_IBAN.lower()} ")
    assert client.post(reverse("invoices:create"), data).status_code == 302
    assert Invoice.objects.get().iban == OTHER_IBAN


def test_another_structure_s_account_is_neither_shown_nor_accepted(client, personas, accounts):
    globex = services_profile.bank_account_add(
        structure=personas.globex,
        by=personas.outsider,
        label="Globex secret",
        iban="FR1420041010050500013M02606",
    )
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:create")).content.decode()
    assert "Globex secret" not in page and "FR14" not in page
    data = entry_form(personas, action="draft", iban="", bank_account=str(globex.pk))
    response = client.post(reverse("invoices:create"), data)
    assert "Ce compte n&#x27;est plus proposé" in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_deactivated_account_is_no_longer_offered(client, personas, accounts):
    _main, other = accounts
    services_profile.bank_account_set_active(
        structure=personas.acme, by=personas.supplier_principal, account_id=other.pk, active=False
    )
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:create")).content.decode()
    assert "DE89 3704" not in page
    data = entry_form(personas, action="draft", iban="", bank_account=str(other.pk))
    client.post(reverse("invoices:create"), data)
    assert not Invoice.objects.exists()


def _upload_cii(client, personas):  # type: ignore[no-untyped-def]
    data = {"supplier": personas.acme.pk, "billing_frame": "A1", "invoice_type": "FACTURE"}
    data.update({"currency": "EUR", "vat_regime": "DEBITS", "payment_method": "VIREMENT"})
    content = cii_to_the_state(seller_siret=personas.acme.siret)
    data["main_file"] = SimpleUploadedFile("CII_example1.xml", content)
    response = client.post(reverse("invoices:upload"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).content.decode()


def test_a_structured_file_with_an_unknown_iban_is_warned_of_not_refused(
    client, personas, accounts
):
    client.force_login(personas.supplier_principal)
    page = _upload_cii(client, personas)
    assert 'id="iban-warning"' in page
    assert "n’est pas un compte bancaire enregistré" in page and FILE_IBAN in page
    draft = Invoice.objects.get()
    confirmed = client.post(reverse("invoices:upload_review", args=[draft.pk]))
    assert confirmed["Location"] == reverse("invoices:detail", args=[draft.pk])


def test_a_structured_file_with_a_registered_iban_is_not_warned_of(client, personas):
    services_profile.bank_account_add(
        structure=personas.acme, by=personas.supplier_principal, label="NL", iban=FILE_IBAN
    )
    client.force_login(personas.supplier_principal)
    page = _upload_cii(client, personas)
    assert 'id="iban-warning"' not in page


def test_a_plain_pdf_deposit_takes_the_chosen_account_too(client, personas, accounts):
    from tests.invoices.factories import pdf_bytes

    _main, other = accounts
    client.force_login(personas.supplier_principal)
    page = client.get(reverse("invoices:upload")).content.decode()
    assert 'name="bank_account"' in page
    data = {
        "supplier": personas.acme.pk,
        "billing_frame": "A1",
        "invoice_type": "FACTURE",
        "currency": "EUR",
        "vat_regime": "DEBITS",
        "payment_method": "VIREMENT",
        "number": "PDF-1",
        "issue_date": "2026-01-15",
        "recipient_siret": "11000201100044",
        "service_code": "FACTURES_PUBLIQUES",
        "bank_account": str(other.pk),
        "total_excl_tax": "100",
        "total_vat": "20",
        "total_incl_tax": "120",
        "main_file": SimpleUploadedFile("facture.pdf", pdf_bytes()),
    }
    response = client.post(reverse("invoices:upload"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Invoice.objects.get().iban == OTHER_IBAN
