"""The entry page in a real browser: lines added and removed, totals shown as one types (the
same cents as the server), and the recipient's rules shown once its SIRET is known."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.urls import reverse

from invoices.models import Invoice
from invoices.workflow import Status
from tests.factories import DEFAULT_PASSWORD
from tests.utils.services import chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@contextmanager
def signed_in(base_url: str, email: str) -> Iterator[object]:
    """A browser page signed in as ``email``. Playwright's sync API runs an event loop in this
    thread, so the test reads the database only once the block is closed."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        page = browser.new_page(locale="fr-FR")
        page.set_default_timeout(15_000)
        page.goto(base_url + reverse("accounts:login"))
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        try:
            yield page
        finally:
            browser.close()


def _fill_line(page, index: int, description: str, quantity: str, price: str) -> None:  # type: ignore[no-untyped-def]
    page.fill(f"#id_lines-{index}-description", description)
    page.fill(f"#id_lines-{index}-quantity", quantity)
    page.fill(f"#id_lines-{index}-unit_price", price)


def test_totals_follow_the_lines_and_the_server_agrees(live_server, personas):
    with signed_in(live_server.url, personas.supplier_principal.email) as page:
        page.goto(live_server.url + reverse("invoices:create"))
        _fill_line(page, 0, "Conseil", "3", "0,335")
        page.click("[data-add-line]")
        _fill_line(page, 1, "Livres", "2", "12.5")
        page.select_option("#id_lines-1-vat_rate", "5.5")
        page.click("[data-add-line]")
        _fill_line(page, 2, "Ligne retirée", "1", "1000")
        page.locator("[data-line]").nth(2).locator("[data-remove-line]").click()
        # Nets 1.01 + 25.00; VAT 0.20 + 1.38, each rate rounded once: 27.59 incl. tax.
        shown = " ".join(page.inner_text('[data-total="incl"]').split())
        rules = page.inner_text("[data-recipient-info]")
        page.fill("#id_number", "WEB-1")
        page.fill("#id_service_code", "FACTURES_PUBLIQUES")
        page.fill("#id_iban", "FR7630006000011234567890189")
        page.click("button[value=submit]")
        page.wait_for_url("**/factures/*/")
    assert shown == "27,59 €"
    assert "Code service obligatoire" in rules
    invoice = Invoice.objects.get(number="WEB-1")
    # Deposited (a worker running in this session may already be routing it).
    assert invoice.history.filter(to_status=Status.DEPOSEE).exists()
    assert str(invoice.total_incl_tax) == "27.59"
    assert invoice.lines.count() == 2
