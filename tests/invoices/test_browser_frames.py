"""Billing frames in a real browser: the entry page offers the frames the recipient accepts and
asks for the validator of an A9 / A12 only; the titular company's member refuses an invoice with
a reason on "Factures à valider", then validates another."""

from __future__ import annotations

import pytest
from django.urls import reverse

from invoices import services
from invoices.models import AcceptedFrames, Invoice
from invoices.workflow import Status
from tests.invoices.factories import deposited
from tests.invoices.test_browser import signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _to_validate(personas, number: str) -> Invoice:  # type: ignore[no-untyped-def]
    invoice = deposited(
        personas, number=number, billing_frame="A9", validator_siret=personas.globex.identifier
    )
    services.invoices_route_batch(invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    assert invoice.status == Status.A_VALIDER_1
    return invoice


def _frames(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.get_attribute("value") for o in page.locator("#id_billing_frame option").all()]


def test_the_frames_follow_the_recipient_and_the_validator_field_the_frame(live_server, personas):
    AcceptedFrames.objects.create(structure=personas.state, frames=["A1", "A9"])
    with signed_in(live_server.url, personas.supplier_principal.email) as page:
        page.goto(live_server.url + reverse("invoices:create"))
        a2 = '#id_billing_frame option[value="A2"]'
        page.fill("#id_recipient_siret", "")
        page.wait_for_selector(a2, state="attached")
        before = _frames(page)
        validator_hidden_for_a1 = page.is_hidden("[data-validator-field]")
        page.fill("#id_recipient_siret", personas.state.identifier)
        page.wait_for_selector(a2, state="detached")
        after = _frames(page)
        page.select_option("#id_billing_frame", "A9")
        validator_shown_for_a9 = page.is_visible("#id_validator_siret")
    assert len(before) == 7 and validator_hidden_for_a1
    assert after == ["A1", "A9"]
    assert validator_shown_for_a9


def test_the_validator_refuses_with_a_reason_then_validates(live_server, personas):
    refused = _to_validate(personas, "SOUS-1")
    validated = _to_validate(personas, "SOUS-2")
    with signed_in(live_server.url, personas.outsider.email) as page:
        page.goto(live_server.url + reverse("invoices:to_validate"))
        listed = page.inner_text("main table")
        page.click("text=SOUS-1")
        page.click("button[value=refuse]")  # no reason: refused by the page, in French
        empty_error = page.inner_text("#id_comment-error")
        page.fill("#id_comment", "Travaux non réceptionnés.")
        page.click("button[value=refuse]")
        page.wait_for_selector("text=Facture refusée")
        refused_page = page.inner_text("main")
        page.goto(live_server.url + reverse("invoices:to_validate_detail", args=[validated.pk]))
        page.click("button[value=validate]")
        page.wait_for_selector("text=Facture validée")
        validated_page = page.inner_text("main")
    assert "SOUS-1" in listed and "SOUS-2" in listed
    assert "Indiquez le motif du refus" in empty_error
    assert "refusée par le titulaire ou le mandataire" in refused_page.lower()
    assert "validée par le titulaire ou le mandataire" in validated_page.lower()
    refused.refresh_from_db()
    validated.refresh_from_db()
    assert refused.status == Status.REFUSEE_1
    assert refused.history.get(to_status=Status.REFUSEE_1).comment == "Travaux non réceptionnés."
    assert validated.status in (Status.EN_COURS_ACHEMINEMENT, Status.MISE_A_DISPOSITION)
