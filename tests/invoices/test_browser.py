"""The entry page in a real browser: lines added and removed, totals shown as one types (the
same cents as the server), and the recipient's rules shown once its SIRET is known."""

from __future__ import annotations

import pytest
from django.urls import reverse

from invoices.models import Invoice
from invoices.workflow import Status
from tests.factories import DEFAULT_PASSWORD
from tests.support.services import chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def page(live_server, personas, monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database reads
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        page = browser.new_page(locale="fr-FR")
        page.set_default_timeout(15_000)
        page.goto(live_server.url + reverse("accounts:login"))
        page.fill("input[name=username]", personas.supplier_principal.email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        yield page
        browser.close()


def test_totals_follow_the_lines_and_the_server_agrees(page, live_server):
    page.goto(live_server.url + reverse("invoices:create"))
    page.fill("#id_lines-0-description", "Conseil")
    page.fill("#id_lines-0-quantity", "3")
    page.fill("#id_lines-0-unit_price", "0,335")
    page.click("[data-add-line]")
    page.fill("#id_lines-1-description", "Livres")
    page.fill("#id_lines-1-quantity", "2")
    page.fill("#id_lines-1-unit_price", "12.5")
    page.select_option("#id_lines-1-vat_rate", "5.5")
    page.click("[data-add-line]")
    page.fill("#id_lines-2-description", "Ligne retirée")
    page.fill("#id_lines-2-quantity", "1")
    page.fill("#id_lines-2-unit_price", "1000")
    page.locator("[data-line]").nth(2).locator("[data-remove-line]").click()
    # 1.01 + 25.00 net; VAT 0.20 + 1.38 (each rate rounded once): 27.59 incl. tax.
    assert " ".join(page.inner_text('[data-total="incl"]').split()) == "27,59 €"
    assert "Code service obligatoire" in page.inner_text("[data-recipient-info]")
    page.fill("#id_number", "WEB-1")
    page.fill("#id_service_code", "FACTURES_PUBLIQUES")
    page.fill("#id_iban", "FR7630006000011234567890189")
    page.click("button[value=submit]")
    page.wait_for_url("**/factures/*/")
    invoice = Invoice.objects.get(number="WEB-1")
    assert invoice.status == Status.DEPOSEE
    assert str(invoice.total_incl_tax) == "27.59"
    assert invoice.lines.count() == 2
