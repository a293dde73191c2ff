"""The portal's pages work under their strict Content-Security-Policy in a real browser: the
design system's scripts, the entry page's live totals, the agent's decision form and Swagger UI
all run, and the browser reports no refused script, style, image or frame."""

from __future__ import annotations

import pytest

from invoices import services
from invoices.models import Attachment
from invoices.workflow import Status
from tests.browser.conftest import csp_violations
from tests.factories import DEFAULT_PASSWORD
from tests.invoices.factories import deposited

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def invoice(personas, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    invoice = deposited(personas)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.DEPOSEE)
    services.invoice_route(invoice_id=invoice.pk, expected_status=Status.EN_COURS_ACHEMINEMENT)
    # The worker's rendering of the deposited CII: the PDF the agent's page frames.
    xml = invoice.attachments.get(kind=Attachment.Kind.GENERATED_XML)
    services.invoice_render_facturx(certified_xml_id=xml.pk)
    return invoice


def console_csp_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return errors


def visit(page, path: str) -> None:  # type: ignore[no-untyped-def]
    """Open a page, let the design system's script finish, check that nothing was refused
    (the list of violations starts afresh on each page)."""
    response = page.goto(path)
    assert response.status < 400, path
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.wait_for_selector("html[data-fr-js='true']", state="attached")
    assert csp_violations(page) == [], path


def log_in(page, user) -> None:  # type: ignore[no-untyped-def]
    page.goto("/compte/connexion/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_public_pages_and_the_api_documentation_run_under_the_policy(page):
    errors = console_csp_errors(page)
    for path in ["/", "/compte/connexion/", "/compte/inscription/", "/aide/", "/api/docs/"]:
        visit(page, path)
    page.goto("/api/docs/swagger/")
    # Swagger UI drew the operations: its bundle, its start-up script and the schema loaded.
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert csp_violations(page) == [] and errors == []


def test_the_supplier_s_pages_and_the_entry_script_run_under_the_policy(page, personas, invoice):
    errors = console_csp_errors(page)
    log_in(page, personas.supplier_principal)
    for path in ["/factures/", f"/factures/{invoice.pk}/", "/factures/depot/", "/structures/"]:
        visit(page, path)
    visit(page, "/factures/saisie/")
    page.fill("#id_lines-0-quantity", "3")
    page.fill("#id_lines-0-unit_price", "10")
    page.click("[data-add-line]")
    page.wait_for_selector("#id_lines-1-description")
    assert csp_violations(page) == [] and errors == []
    visit(page, "/compte/double-authentification/")
    page.get_by_role("button", name="Activer la double authentification").click()
    page.wait_for_selector(".chorus-qr-box svg")  # the QR code is inline SVG
    assert csp_violations(page) == [] and errors == []


def test_the_agent_s_pages_and_the_decision_form_run_under_the_policy(page, personas, invoice):
    errors = console_csp_errors(page)
    log_in(page, personas.agent)
    visit(page, "/factures/recues/")
    visit(page, f"/factures/recues/{invoice.pk}/")
    assert page.locator("iframe.chorus-preview").count() == 1
    assert csp_violations(page) == [] and errors == []
