"""A progress bar follows the CSV export of the supplier's list (static/js/export_progress.js):
it counts the rows as they arrive against the total the page shows, then the browser saves
the very file the server streamed."""

from __future__ import annotations

import pytest

from invoices.workflow import Status
from tests.browser.conftest import screenshot
from tests.browser.helpers import log_in, ready, throttle
from tests.invoices.factories import invoice_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

INVOICES = 40


def test_the_export_shows_its_progress_then_saves_the_file(page, personas):  # type: ignore[no-untyped-def]
    for n in range(INVOICES):
        invoice_in(personas, Status.MISE_A_DISPOSITION, number=f"EXP-{n:03d}")
    log_in(page, personas.supplier_principal.email)
    page.goto("/factures/")
    ready(page)
    page.evaluate(
        """() => {
        window.seenProgress = [];
        new MutationObserver(() => {
            const bar = document.querySelector('[data-export-progress-box] progress');
            if (bar) window.seenProgress.push(bar.value);
        }).observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
    }"""
    )
    throttle(page, download=2000)  # a few kilobytes: two or three seconds
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter la liste filtrée (CSV)").click()
    status = page.locator("[data-export-progress-box] [role=status]")
    assert status.inner_text() == f"Export terminé : {INVOICES} factures."
    screenshot(page, "supplier-export-progress")

    seen = page.evaluate("window.seenProgress")
    assert any(0 < value < 100 for value in seen), seen  # the bar moved, not just 0 then 100
    assert seen == sorted(seen) and seen[-1] == 100
    download = download_info.value
    assert download.suggested_filename.startswith("factures-emises-")
    content = download.path().read_bytes().decode("utf-8-sig")
    assert len(content.splitlines()) == INVOICES + 1  # the titles, then one row per invoice
    assert "EXP-039" in content


def test_without_the_script_the_link_still_downloads(page, personas):  # type: ignore[no-untyped-def]
    invoice_in(personas, Status.MISE_A_DISPOSITION, number="EXP-PLAIN")
    log_in(page, personas.supplier_principal.email)
    page.goto("/factures/")
    ready(page)
    page.evaluate("() => { window.ReadableStream = undefined; }")  # an older browser
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter la liste filtrée (CSV)").click()
    assert "EXP-PLAIN" in download_info.value.path().read_bytes().decode("utf-8-sig")
    assert page.locator("[data-export-progress-box]").count() == 0
