"""An agent uploads an EJ file on their structure's register page, in a real browser, with the
real worker: the page follows the loading with a progress bar (static/js/task_progress.js,
under the strict Content-Security-Policy), then shows the outcome; a wrong file comes back with
its errors by line.

The bar is seen half-way for sure: the test holds a lock on an EJ of the file's second half,
so the worker stops there until the test lets it go on."""

from __future__ import annotations

import pytest
from django.db import transaction
from playwright.sync_api import expect

from invoices.models import EngagementImport, EngagementRecord
from tests.browser.conftest import csp_violations, screenshot
from tests.browser.helpers import log_in, main_text, ready, violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "celery_worker"),
]

SUPPLIER = "12345678900012"
ROWS = 1200  # three chunks of ENGAGEMENT_CHUNK_SIZE (500)
HELD = "EJ-01100"  # in the third chunk: the bar stops at 1000 of 1200


def register_file() -> bytes:
    lines = ["numero;siret_fournisseur;montant"]
    lines += [f"EJ-{n:05d};{SUPPLIER};{n},50" for n in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def upload(page, content: bytes) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files(
        "#id_file", {"name": "engagements.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Charger le fichier").click()


def test_an_upload_is_followed_by_a_progress_bar_until_its_outcome(page, personas):  # type: ignore[no-untyped-def]
    held = EngagementRecord.objects.create(
        recipient=personas.state, number=HELD, supplier_siret=SUPPLIER, amount="1100.50"
    )
    log_in(page, personas.agent.email)
    page.goto("/")
    ready(page)
    page.get_by_role("link", name="Engagements juridiques").first.click()
    page.wait_for_url(f"**/factures/engagements/{personas.state.pk}/")
    assert violations(page) == []

    with transaction.atomic():
        # The worker's chunk that holds this EJ waits for the lock: the loading stops there.
        EngagementRecord.objects.select_for_update().get(pk=held.pk)
        upload(page, register_file())
        page.wait_for_url("**/chargements/*/")
        # The bar moves chunk by chunk (500, then 1000) and stops at the held one; on a busy
        # machine the page may first show 500 (seen once in CI): what it shows last counts.
        expect(page.locator("[data-progress-url] [role=status]")).to_have_text(
            f"Lignes chargées : 1000 sur {ROWS}.", timeout=30_000
        )
        assert 0 < page.locator("[data-progress-url] progress").evaluate("bar => bar.value") < 100
        screenshot(page, "register-import-progress")
        assert violations(page) == []

    # Let go: the worker finishes, the page reloads itself with the outcome.
    page.wait_for_selector("text=Registre mis à jour", timeout=30_000)
    assert "Engagements créés : 1199 ; modifiés : 0 ; inchangés : 1." in main_text(page)
    assert EngagementImport.objects.get().status == EngagementImport.Status.DONE
    assert EngagementRecord.objects.filter(recipient=personas.state).count() == ROWS
    assert csp_violations(page) == []

    # The same file again changes nothing.
    page.goto(f"/factures/engagements/{personas.state.pk}/")
    upload(page, register_file())
    page.wait_for_selector("text=Registre mis à jour", timeout=30_000)
    assert f"Engagements créés : 0 ; modifiés : 0 ; inchangés : {ROWS}." in main_text(page)
    assert csp_violations(page) == []


def test_a_wrong_file_comes_back_with_its_lines(page, personas):  # type: ignore[no-untyped-def]
    log_in(page, personas.agent.email)
    page.goto(f"/factures/engagements/{personas.state.pk}/")
    ready(page)
    upload(page, f"number;supplier_siret\nEJ-1;{SUPPLIER}\nEJ-2;123\n".encode())
    page.wait_for_selector("text=Fichier refusé : rien n’a été chargé", timeout=30_000)
    errors = page.locator("[data-import-errors] li").all_inner_texts()
    assert errors == ["Ligne 3 : le SIRET du fournisseur « 123 » doit compter 14 chiffres."]
    assert not EngagementRecord.objects.exists()
    screenshot(page, "register-import-refused")
    assert violations(page) == []
    assert csp_violations(page) == []
