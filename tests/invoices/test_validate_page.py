""" "Vérifier une facture": the verdict of the official artefacts on a file, every finding with
its rule, term, place and French explanation; a clear message and status for what cannot be
read; and nothing stored, ever."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices.models import Attachment, Invoice
from tests.einvoice.samples import CII_NS, STANDARDS_DIR
from tests.invoices.conftest import stored_files
from tests.invoices.factories import pdf_bytes
from tests.invoices.structured_files import cii_to_the_state, facturx_to_the_state, set_cii

pytestmark = pytest.mark.django_db
URL = reverse("invoices:validate")


@pytest.fixture
def as_supplier(client, personas):  # type: ignore[no-untyped-def]
    client.force_login(personas.supplier_member)
    return client


def _check(client, content: bytes, name: str = "facture.xml"):  # type: ignore[no-untyped-def]
    return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode().replace("&#x27;", "'").replace("\u00a0", " ")


def test_a_valid_file_shows_its_verdict_and_what_it_says(as_supplier, personas, media_root):
    response = _check(as_supplier, cii_to_the_state(seller_siret=personas.acme.siret))
    assert response.status_code == 200
    text = _text(response)
    assert "Facture conforme" in text
    for shown in ("CII", "EN16931", "12115118", "09/01/2015", "250,33", "229,60", "20,73"):
        assert shown in text
    assert "FACTURES_PUBLIQUES" in text and "11000201100044" in text and "De Koksmaat" in text
    assert not Invoice.objects.exists() and stored_files(media_root) == []


def test_a_factur_x_pdf_is_checked_too(as_supplier, personas):
    content = facturx_to_the_state(seller_siret=personas.acme.siret)
    text = _text(_check(as_supplier, content, "facture.pdf"))
    assert "Facture conforme" in text and "FACTURX" in text


def test_a_broken_rule_is_named_with_its_french_explanation(as_supplier, personas, media_root):
    broken = cii_to_the_state(
        seller_siret=personas.acme.siret,
        change=set_cii("//ram:GrandTotalAmount", "250.34"),
    )
    response = _check(as_supplier, broken)
    assert response.status_code == 200
    text = _text(response)
    assert "Facture non conforme" in text
    errors = text[text.index('id="errors-title"') : text.index('id="warnings-title"')]
    assert "BR-CO-15" in errors and "BT-112" in errors
    assert "Le total TTC (BT-112) doit être exactement le total HT (BT-109)" in errors
    assert "SpecifiedTradeSettlementHeaderMonetarySummation" in errors  # where
    assert not Invoice.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_an_english_reader_sees_the_rules_own_text_and_no_french_help(as_supplier, personas):
    as_supplier.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    broken = cii_to_the_state(
        seller_siret=personas.acme.siret,
        change=set_cii("//ram:GrandTotalAmount", "250.34"),
    )
    text = _text(_check(as_supplier, broken))
    errors = text[text.index('id="errors-title"') : text.index('id="warnings-title"')]
    assert "BR-CO-15" in errors and "BT-112" in errors
    assert "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT" in errors
    assert "Le total TTC" not in errors


def test_a_rule_outside_the_old_short_list_is_explained_too(as_supplier, personas):
    # A Factur-X profile check: an attribute the EN 16931 profile does not use, once reported
    # without an id nor an explanation.
    changed = cii_to_the_state(
        seller_siret=personas.acme.siret,
        change=lambda root: root.xpath("//rsm:ExchangedDocument/ram:ID", namespaces=CII_NS)[0].set(
            "schemeID", "X"
        ),
    )
    text = _text(_check(as_supplier, changed))
    errors = text[text.index('id="errors-title"') : text.index('id="warnings-title"')]
    assert "FX-UNUSED" in errors
    assert "Le fichier contient l'attribut schemeID à un endroit où son profil Factur-X" in errors


def test_warnings_are_listed_apart_from_errors(as_supplier, personas):
    # The CEN example lacks the French payment mentions: a French-rule warning, not an error.
    text = _text(_check(as_supplier, cii_to_the_state(seller_siret=personas.acme.siret)))
    warnings = text[text.index('id="warnings-title"') :]
    assert "BR-FR-" in warnings and "Avertissement" in warnings


def test_a_refused_reference_file_names_its_rule(as_supplier):
    content = (STANDARDS_DIR / "facturx-pdf" / "EN16931_ElektronischeAdresse.pdf").read_bytes()
    response = _check(as_supplier, content, "EN16931_ElektronischeAdresse.pdf")
    assert response.status_code == 200
    assert "Facture non conforme" in _text(response)
    assert "9314110911/00/M/00/N" in _text(response)


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (pdf_bytes(), "facture.pdf", 400, "ne contient pas de facture structurée"),
        (b"<Invoice><unclosed></Invoice>", "facture.xml", 400, "mal formé"),
        (b"", "vide.xml", 400, "vide"),
        (b"PK\x03\x04 a zip", "facture.zip", 415, "Seuls les fichiers PDF"),
    ],
)
def test_what_cannot_be_judged_gets_a_clear_message_and_status(
    as_supplier, content, name, status, words, media_root
):
    response = _check(as_supplier, content, name)
    assert response.status_code == status
    assert words in _text(response)
    assert stored_files(media_root) == []


def test_a_file_over_the_limit_is_refused_unread(as_supplier, personas, settings):
    settings.INVOICE_FILE_MAX_BYTES = 2048
    response = _check(as_supplier, cii_to_the_state(seller_siret=personas.acme.siret))
    assert response.status_code == 413
    assert "taille maximale" in _text(response)


def test_the_page_needs_a_login_and_is_linked_from_the_deposit_page_and_the_list(
    client, as_supplier
):
    assert as_supplier.get(URL).status_code == 200
    for page in ("invoices:upload", "invoices:sent"):
        assert URL in as_supplier.get(reverse(page)).content.decode()
    client.logout()
    assert client.get(URL).status_code == 302
