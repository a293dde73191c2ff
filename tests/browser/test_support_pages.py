"""Support requests and help in a real browser: the visitor's flow, and axe on each page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from support.models import Ticket
from tests.browser.conftest import axe_violations, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    ServiceFactory,
    StructureFactory,
    UserFactory,
)
from tests.support.factories import ticket_to_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    """A supplier and an agent of a public body's service, built here rather than with the
    personas: an earlier transactional test may have flushed the State's data migration."""
    service = ServiceFactory(code="FACTURES_TEST")
    agent = UserFactory(email="agent@public.test")
    MembershipFactory(user=agent, structure=service.structure).services.add(service)
    supplier = UserFactory(email="supplier@acme.test")
    MembershipFactory(user=supplier, structure=StructureFactory(), role="PRINCIPAL")
    UserFactory(email="support@chorus.test", is_staff=True)
    return SimpleNamespace(service=service, agent=agent, supplier=supplier)


def violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    # The design system's script finishes the markup (roles of the menu dialog...): wait for it.
    page.wait_for_selector("html[data-fr-js='true']", state="attached")
    return axe_violations(page)


def log_in(page, user) -> None:  # type: ignore[no-untyped-def]
    page.goto("/compte/connexion/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_a_visitor_writes_to_support_and_opens_the_private_link(page, people):
    page.goto("/")
    page.locator("#footer").get_by_role("link", name="Nous contacter").click()
    assert violations(page) == []
    page.select_option("#id_topic", "COMPTE/ACTIVATION")
    page.fill("#id_email", "visiteur@example.test")
    page.fill("#id_title", "Pas de courriel d’activation")
    page.fill("#id_description", "Rien reçu depuis hier.")
    page.get_by_role("button", name="Envoyer ma sollicitation").click()
    ticket = Ticket.objects.get()
    assert ticket.number in page.locator("main").inner_text()
    screenshot(page, "support-contact-done")
    page.get_by_role("link", name=f"/sollicitations/suivi/{ticket.follow_token}/").click()
    assert page.locator("h1").inner_text() == f"Sollicitation {ticket.number}"
    assert violations(page) == []


def test_the_faq_opens_its_accordions(page):
    page.goto("/aide/questions-frequentes/")
    page.get_by_role("button", name="Quel SIRET indiquer pour facturer l’État ?").click()
    expect(page.get_by_text("110 002 011 00044").first).to_be_visible()
    assert violations(page) == []


@pytest.mark.parametrize(
    "path", ["/aide/", "/aide/suivi/", "/aide/rejets/", "/aide/contact/", "/accessibilite/"]
)
def test_help_pages_have_no_serious_accessibility_violation(page, path):
    page.goto(path)
    assert violations(page) == []


def test_a_supplier_and_an_agent_converse_in_the_browser(page, people):
    ticket = ticket_to_service(people.supplier, people.service)
    log_in(page, people.agent)
    page.goto("/sollicitations/recues/")
    assert violations(page) == []
    page.get_by_role("link", name=ticket.number).click()
    page.fill("#id_body", "Joignez le bon de livraison.")
    page.get_by_role("button", name="Demander un complément").click()
    assert "Complément demandé" in page.locator("main").inner_text()
    screenshot(page, "support-agent-detail")
    page.context.clear_cookies()

    log_in(page, people.supplier)
    page.goto("/sollicitations/")
    assert "Action requise (1)" in page.locator("main").inner_text()
    assert violations(page) == []
    page.get_by_role("link", name=ticket.number).click()
    assert violations(page) == []
    page.fill("#id_body", "Le voici.")
    page.get_by_role("button", name="Ajouter un complément").click()
    ticket.refresh_from_db()
    assert ticket.status == "EN_COURS"
    screenshot(page, "support-supplier-detail")
