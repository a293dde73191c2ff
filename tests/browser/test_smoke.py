"""The portal in a real browser: the first pages a visitor sees."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_is_a_french_dsfr_page(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("header.fr-header").is_visible()
    assert "Déposez vos factures" in page.locator("h1").inner_text()
    screenshot(page, "home")


def test_the_language_switch_turns_the_pages_to_english(page):
    page.goto("/")
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="Changer").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Submit your invoices" in page.locator("h1").inner_text()
    page.goto("/compte/connexion/")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "home-en")


@pytest.mark.parametrize("path", ["/", "/compte/connexion/", "/compte/cgu/"])
def test_public_pages_have_no_serious_accessibility_violation(page, path):
    page.goto(path)
    assert axe_violations(page) == []
