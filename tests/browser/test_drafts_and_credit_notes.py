"""Drafts and credit notes as a supplier meets them (issue 17 items 1 and 5): the list's tabs
keep drafts apart, a draft is deleted after a confirmation; a credit note's invoice is chosen
in a list that shows for a credit note only, narrowed to the supplier and recipient typed, and
both invoices link to each other."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from invoices import services
from invoices.models import Invoice
from invoices.workflow import Status
from tests.browser.conftest import csp_violations, screenshot
from tests.browser.helpers import log_in, violations
from tests.factories import PublicStructureFactory
from tests.invoices.factories import GOOD_IBAN, deposited, draft, invoice_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_a_draft_is_found_in_its_tab_and_deleted_after_a_confirmation(page, personas):
    deposited(personas, number="F-SENT-1")
    kept = draft(personas, number="F-KEPT")
    doomed = draft(personas, number="F-DOOMED")
    log_in(page, personas.supplier_principal.email)

    page.goto("/factures/")
    tabs = page.locator("[data-sent-tabs]")
    expect(tabs).to_contain_text("Déposées (1)")
    expect(tabs).to_contain_text("À envoyer — brouillons (2)")
    expect(page.locator("table")).not_to_contain_text("F-DOOMED")

    page.get_by_role("link", name="À envoyer — brouillons (2)").click()
    expect(page.locator("table")).to_contain_text("F-DOOMED")
    assert violations(page) == []
    screenshot(page, "sent-list-drafts-tab")
    page.get_by_role("link", name="F-DOOMED").click()
    page.get_by_role("link", name="Supprimer le brouillon").click()

    expect(page.locator("h1")).to_contain_text("Supprimer le brouillon")
    assert Invoice.objects.filter(pk=doomed.pk).exists()  # nothing gone before the confirmation
    assert violations(page) == []
    screenshot(page, "draft-delete-confirmation")
    with page.expect_navigation():
        page.get_by_role("button", name="Supprimer définitivement").click()

    expect(page.locator(".fr-alert--success, .fr-alert--info").first).to_contain_text(
        "Brouillon supprimé."
    )
    expect(page.locator("[data-sent-tabs]")).to_contain_text("À envoyer — brouillons (1)")
    assert not Invoice.objects.filter(pk=doomed.pk).exists()
    assert Invoice.objects.filter(pk=kept.pk).exists()
    assert csp_violations(page) == []


def test_a_credit_note_s_invoice_is_chosen_in_a_list_and_both_link_each_other(page, personas):
    original = deposited(personas, number="F-ORIGINE")
    town = PublicStructureFactory()
    elsewhere = invoice_in(
        personas,
        Status.MISE_A_DISPOSITION,
        number="F-AILLEURS",
        recipient=town,
        recipient_siret=town.identifier,
        service=None,
    )
    theirs = draft(personas, user=personas.outsider, supplier=personas.globex, number="G-1")
    services.invoice_deposit(user=personas.outsider, invoice=theirs)
    log_in(page, personas.supplier_principal.email)
    page.goto("/factures/saisie/")

    choice = page.locator("#id_original_invoice_number")
    expect(choice).to_be_hidden()  # an invoice, not a credit note: nothing to choose
    page.select_option("#id_invoice_type", "AVOIR")
    expect(choice).to_be_visible()
    # The State's SIRET is typed already: the other recipient's invoice is not offered.
    # (An option has no box of its own: its ``hidden`` property says what the list offers.)
    assert not choice.locator(f'option[value="{original.pk}"]').evaluate("o => o.hidden")
    assert choice.locator(f'option[value="{elsewhere.pk}"]').evaluate("o => o.hidden")
    page.fill("#id_recipient_siret", "")
    assert not choice.locator(f'option[value="{elsewhere.pk}"]').evaluate("o => o.hidden")
    page.fill("#id_recipient_siret", "11000201100044")
    assert choice.locator("option", has_text="G-1").count() == 0  # never another structure's
    choice.select_option(str(original.pk))
    page.fill("#id_number", "AV-NAV-1")
    page.fill("#id_service_code", "FACTURES_PUBLIQUES")
    page.fill("#id_iban", GOOD_IBAN)
    page.fill("#id_lines-0-description", "Remise commerciale")
    page.fill("#id_lines-0-quantity", "1")
    page.fill("#id_lines-0-unit_price", "50")
    assert violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Valider et envoyer").click()

    note = Invoice.objects.get(number="AV-NAV-1")
    assert (note.status, note.credited_invoice_id) == (Status.DEPOSEE, original.pk)
    links = page.locator("[data-credit-links]")
    expect(links).to_contain_text("Avoir sur la facture")
    screenshot(page, "credit-note-detail")
    links.get_by_role("link", name="F-ORIGINE").click()
    expect(page.locator("h1")).to_contain_text("F-ORIGINE")
    expect(page.locator("[data-credit-links]")).to_contain_text("AV-NAV-1")
    assert csp_violations(page) == []


def test_a_credit_note_above_what_is_left_is_said_under_the_list(page, personas):
    original = deposited(personas, number="F-PETITE")  # 360 TTC
    log_in(page, personas.supplier_principal.email)
    page.goto("/factures/saisie/")
    page.select_option("#id_invoice_type", "AVOIR")
    page.locator("#id_original_invoice_number").select_option(str(original.pk))
    page.fill("#id_number", "AV-TROP")
    page.fill("#id_service_code", "FACTURES_PUBLIQUES")
    page.fill("#id_iban", GOOD_IBAN)
    page.fill("#id_lines-0-description", "Avoir")
    page.fill("#id_lines-0-quantity", "1")
    page.fill("#id_lines-0-unit_price", "1000")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider et envoyer").click()

    error = page.locator("#id_original_invoice_number-error")
    expect(error).to_contain_text("dépasse ce qui reste à créditer sur la facture F-PETITE")
    expect(page.locator("#id_original_invoice_number")).to_be_visible()
    assert not Invoice.objects.filter(number="AV-TROP").exists()
