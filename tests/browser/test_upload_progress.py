"""A progress bar follows a file's upload (static/js/upload_progress.js), and the page the server
answers is then shown as after a normal submission: the next page with its message, or the
form with its errors (where the bar works again)."""

from __future__ import annotations

import pytest

from invoices.workflow import Status
from tests.browser.conftest import screenshot
from tests.browser.helpers import alerts_text, log_in, ready, text_of, throttle
from tests.invoices.factories import invoice_in, pdf_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

SIZE = 600 * 1024


def watch_progress(page) -> None:  # type: ignore[no-untyped-def]
    """Record every value the bar takes (checked after the page is replaced)."""
    page.evaluate(
        """() => {
        window.seenProgress = [];
        new MutationObserver(() => {
            const bar = document.querySelector('[data-upload-progress-box] progress');
            if (bar) window.seenProgress.push(bar.hasAttribute('value') ? bar.value : -1);
        }).observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
    }"""
    )


def test_the_upload_of_a_document_shows_its_progress(page, personas):  # type: ignore[no-untyped-def]
    invoice = invoice_in(personas, Status.SUSPENDUE)
    log_in(page, personas.supplier_principal.email)
    page.goto(f"/factures/{invoice.pk}/completer/")
    ready(page)
    page.set_input_files(
        "#id_attachments",
        {"name": "bon-de-livraison.txt", "mimeType": "text/plain", "buffer": b"x" * SIZE},
    )
    page.fill("#id_comment", "Le bon de livraison est joint.")
    throttle(page, upload=SIZE // 2)
    page.get_by_role("button", name="Envoyer le complément").click()

    bar = page.locator("[data-upload-progress-box] progress")
    bar.wait_for(state="visible")
    page.wait_for_function(
        "() => { const b = document.querySelector('[data-upload-progress-box] progress');"
        " return b && b.value > 0 && b.value < 100; }"
    )
    status = page.locator("[data-upload-progress-box] [role=status]").inner_text()
    assert status.startswith("Envoi du fichier :") and status.endswith("%")
    assert page.locator("button[type=submit]:disabled").count() >= 1  # no double submission
    screenshot(page, "upload-progress")

    page.wait_for_url(f"**/factures/{invoice.pk}/")
    # The design system set up the new content (its tables get their attributes).
    page.wait_for_selector(".fr-table[data-fr-js-table='true']", state="attached")
    assert "Facture complétée" in alerts_text(page)
    assert "Complétée" in text_of(page, "h1 .fr-badge")
    invoice.refresh_from_db()
    assert invoice.status == Status.COMPLETEE
    assert invoice.attachments.get(original_name="bon-de-livraison.txt").size == SIZE


def test_a_refused_upload_comes_back_with_its_errors_and_the_bar_works_again(page, personas):  # type: ignore[no-untyped-def]
    log_in(page, personas.supplier_principal.email)
    page.goto("/factures/depot/")
    ready(page)
    page.set_input_files(
        "#id_main_file",
        {"name": "facture.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
    )
    page.fill("#id_number", "")
    page.get_by_role("button", name="Déposer la facture").click()
    page.wait_for_selector("[aria-invalid=true]")
    ready(page)
    assert page.url.endswith("/factures/depot/")
    assert page.locator(".fr-error-text").count() >= 1

    # The form that came back is enhanced too.
    page.set_input_files(
        "#id_main_file",
        {"name": "facture.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
    )
    watch_progress(page)
    page.evaluate("document.querySelector('[data-page-body] h1').dataset.old = 'yes'")
    page.get_by_role("button", name="Déposer la facture").click()
    page.wait_for_selector("[data-page-body] h1:not([data-old])")
    assert page.evaluate("window.seenProgress.length") > 0
    assert page.locator("[aria-invalid=true]").count() >= 1
    # Focus goes to the new page's heading, where a screen reader starts reading again.
    assert page.evaluate("document.activeElement.tagName") == "H1"


def test_a_form_without_a_file_submits_as_usual(page, personas):  # type: ignore[no-untyped-def]
    invoice = invoice_in(personas, Status.SUSPENDUE)
    log_in(page, personas.supplier_principal.email)
    page.goto(f"/factures/{invoice.pk}/completer/")
    ready(page)
    page.fill("#id_comment", "Précision : livraison faite le 3.")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer le complément").click()
    assert page.locator("[data-upload-progress-box]").count() == 0
    assert "Facture complétée" in alerts_text(page)
