"""The deposit of a structured file in a real browser: a refused file shows each rule next to
its field; a conforming one is reviewed, then deposited."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from invoices.models import Invoice
from invoices.workflow import Status
from tests.invoices.structured_files import cii_to_the_state, set_cii
from tests.invoices.test_browser import signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]
# Set CHORUS_SCREENSHOTS to a folder to keep what the browser showed.
SCREENSHOTS = os.environ.get("CHORUS_SCREENSHOTS")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _upload(page, base_url: str, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + reverse("invoices:upload"))
    page.set_input_files("#id_main_file", str(path))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_a_refused_file_then_a_good_one_reviewed_and_deposited(live_server, personas, tmp_path):
    broken = tmp_path / "facture-fausse.xml"
    broken.write_bytes(
        cii_to_the_state(
            seller_siret=personas.acme.siret,
            service_code="INCONNU",
            change=set_cii("//ram:GrandTotalAmount", "250.34"),
        )
    )
    good = tmp_path / "facture.xml"
    good.write_bytes(cii_to_the_state(seller_siret=personas.acme.siret))
    with signed_in(live_server.url, personas.supplier_principal.email) as page:
        _upload(page, live_server.url, broken)
        _shot(page, "upload-refused")
        total_problems = page.inner_text("#sf-total_incl_tax-problems")
        service_problems = page.inner_text("#sf-service_code-problems")
        described = page.get_attribute("#sf-total_incl_tax", "aria-describedby")
        _upload(page, live_server.url, good)
        page.wait_for_url("**/verifier-et-deposer/")
        _shot(page, "upload-review")
        number = page.input_value("#sf-number")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/factures/*/")
        _shot(page, "upload-deposited")
    assert (
        "BR-CO-15" in total_problems
        and "Le total TTC (BT-112) doit être exactement" in total_problems
    )
    assert "CHORUS" in service_problems and "BT-10" in service_problems
    assert described == "sf-total_incl_tax-problems"
    assert number == "12115118"
    invoice = Invoice.objects.get(number="12115118")
    assert invoice.history.filter(to_status=Status.DEPOSEE).exists()
    assert invoice.deposit_mode == "UPLOAD_WEB"


def test_the_check_page_names_the_rule_and_keeps_nothing(live_server, personas, tmp_path):
    broken = tmp_path / "facture-fausse.xml"
    broken.write_bytes(
        cii_to_the_state(
            seller_siret=personas.acme.siret,
            change=set_cii("//ram:GrandTotalAmount", "250.34"),
        )
    )
    with signed_in(live_server.url, personas.supplier_member.email) as page:
        page.goto(live_server.url + reverse("invoices:validate"))
        page.set_input_files("#id_file", str(broken))
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        _shot(page, "validate-refused")
        errors = page.inner_text("table[aria-labelledby=errors-title]")
    assert "BR-CO-15" in errors and "Le total TTC (BT-112) doit être exactement" in errors
    assert not Invoice.objects.exists()
