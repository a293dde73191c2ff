"""Both languages in a real browser: a user's choice follows them to another browser, and the
pages write amounts and dates the way the language does."""

from __future__ import annotations

import pytest

from invoices.workflow import Status
from tests.browser.conftest import screenshot
from tests.browser.helpers import log_in, violations
from tests.dashboards.factories import days_ago, paid, sent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_an_english_choice_follows_the_user_to_another_browser(
    page, browser, live_server, personas
):  # type: ignore[no-untyped-def]
    sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(40), amount="1234.56")
    paid(personas, deposited=days_ago(60), paid_at=days_ago(20), amount="98765.43")
    log_in(page, personas.supplier_principal.email)
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="Changer").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"

    # Another browser, never told the language: the login brings the user's choice back.
    other = browser.new_context(base_url=live_server.url, locale="fr-FR")
    try:
        fresh = other.new_page()
        log_in(fresh, personas.supplier_principal.email)
        assert fresh.locator("html").get_attribute("lang") == "en"
        fresh.goto("/tableau-de-bord/fournisseur/")
        assert fresh.locator("h1").inner_text() == "Supplier dashboard"
        text = fresh.locator("main").inner_text()
        assert "€1,234.56" in text and "€98,765.43" in text
        assert violations(fresh) == []
        screenshot(fresh, "supplier-dashboard-en")
        fresh.goto("/factures/")
        assert "Sent invoices" in fresh.locator("h1").inner_text()
    finally:
        other.close()
