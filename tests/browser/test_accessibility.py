"""RGAA AA in a real browser: axe-core finds no serious or critical violation on the main pages
(signed out, as a supplier, as an agent), every page has its own title, errors are tied to their
fields, and the portal can be used with the keyboard alone. A screenshot of each page is kept."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from invoices.workflow import Status
from structures.demo import SIRENE_SAMPLE
from structures.sirene.importer import import_files
from tests.browser.conftest import screenshot
from tests.browser.helpers import log_in, ready, violations
from tests.dashboards.factories import days_ago, paid, sent
from tests.factories import DEFAULT_PASSWORD
from tests.flux.test_pages import partly_integrated
from tests.invoices.factories import invoice_in
from tests.support.factories import ticket_to_service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def world(personas):  # type: ignore[no-untyped-def]
    """Invoices in the statuses the pages show differently, and a ticket."""
    import_files([SIRENE_SAMPLE])
    rejected = invoice_in(personas, Status.REJETEE)
    return SimpleNamespace(
        personas=personas,
        rejected=rejected,
        recycle=invoice_in(personas, Status.A_RECYCLER),
        suspended=invoice_in(personas, Status.SUSPENDUE),
        available=sent(personas, status=Status.MISE_A_DISPOSITION, deposited=days_ago(40)),
        paid=paid(personas, deposited=days_ago(50), paid_at=days_ago(3), amount="1234.56"),
        ticket=ticket_to_service(personas.supplier_principal, personas.service),
        flux=partly_integrated(personas),
        colleague_membership=personas.acme.memberships.get(user=personas.supplier_member),
    )


def audit(page, pages: dict[str, str], prefix: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Visit each page: axe's serious and critical violations, and the title, by page name."""
    found: dict[str, object] = {}
    titles: dict[str, str] = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response.ok, f"{name}: {path} answered {response.status}"
        problems = violations(page)
        if problems:
            found[name] = problems
        titles[name] = page.title()
        screenshot(page, f"{prefix}-{name}")
    repeated = {t for t in titles.values() if list(titles.values()).count(t) > 1}
    for name, title in titles.items():
        if not title.endswith("— Chorus") or title in repeated:
            found[f"{name} (title)"] = title
    return found


def test_public_pages(page, world):  # type: ignore[no-untyped-def]
    pages = {
        "home": "/",
        "login": "/compte/connexion/",
        "register": "/compte/inscription/",
        "password-reset": "/compte/mot-de-passe/oublie/",
        "contact": "/sollicitations/nous-contacter/",
        "help": "/aide/",
        "accessibility": "/accessibilite/",
    }
    assert audit(page, pages, "public") == {}


def test_supplier_pages(page, world):  # type: ignore[no-untyped-def]
    p = world.personas
    log_in(page, p.supplier_principal.email)
    pages = {
        "home": "/",
        "dashboard": "/tableau-de-bord/fournisseur/",
        "structures": "/structures/",
        "structure": f"/structures/{p.acme.pk}/",
        "mandate": f"/structures/{p.acme.pk}/mandat/",
        "structure-profile": f"/structures/{p.acme.pk}/profil/",
        "structure-transfer": f"/structures/{p.acme.pk}/membres/transmettre/?membership="
        f"{world.colleague_membership.pk}",
        "structure-search": "/structures/rechercher/?q=ATELIER+DUPONT",
        "structure-create": "/structures/creer/",
        "entry": "/factures/saisie/",
        "upload": "/factures/depot/",
        "sent": "/factures/",
        "sent-detail": f"/factures/{world.rejected.pk}/",
        "paid-detail": f"/factures/{world.paid.pk}/",
        "recycle": f"/factures/{world.recycle.pk}/recycler/",
        "complete": f"/factures/{world.suspended.pk}/completer/",
        "tickets": "/sollicitations/",
        "ticket-from-invoice": f"/sollicitations/nouvelle/?facture={world.rejected.pk}",
        "profile": "/compte/",
        "flux-upload": "/flux/deposer/",
        "flux-list": "/flux/",
        "flux-detail": f"/flux/{world.flux.pk}/",
    }
    assert audit(page, pages, "supplier") == {}


def test_agent_pages(page, world):  # type: ignore[no-untyped-def]
    log_in(page, world.personas.agent.email)
    pages = {
        "dashboard": "/tableau-de-bord/agent/",
        "received": "/factures/recues/",
        "received-detail": f"/factures/recues/{world.available.pk}/",
        "received-tickets": "/sollicitations/recues/",
        "ticket": f"/sollicitations/{world.ticket.pk}/",
    }
    assert audit(page, pages, "agent") == {}


def test_form_errors_are_announced_and_tied_to_their_fields(page, world):  # type: ignore[no-untyped-def]
    log_in(page, world.personas.supplier_principal.email)
    page.goto("/factures/saisie/")
    page.fill("#id_recipient_siret", "123")
    page.get_by_role("button", name="Valider et envoyer").click()
    ready(page)
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 1
    for index in range(invalid.count()):
        field = invalid.nth(index)
        described = field.get_attribute("aria-describedby") or ""
        assert any(
            page.locator(f"#{i}").count() and page.locator(f"#{i}").inner_text().strip()
            for i in described.split()
        ), f"{field.get_attribute('id')} has no error message tied to it"
    assert violations(page) == []
    screenshot(page, "supplier-entry-errors")

    page.context.clear_cookies()
    page.goto("/compte/inscription/")
    page.get_by_role("button", name="Créer mon compte").click()
    email = page.locator("#id_email")
    assert email.get_attribute("aria-invalid") == "true"
    assert page.locator(f"#{email.get_attribute('aria-describedby').split()[-1]}").inner_text()
    assert violations(page) == []


def test_a_keyboard_user_skips_to_the_content(page, world):  # type: ignore[no-untyped-def]
    page.goto("/")
    ready(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Contenu"
    page.keyboard.press("Enter")
    page.wait_for_url("**/#content", timeout=5_000)  # the link's jump, however busy the machine
    page.keyboard.press("Tab")  # the first link of the content
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_keyboard_user_logs_in(page, world):  # type: ignore[no-untyped-def]
    page.goto("/compte/connexion/")
    ready(page)
    assert page.evaluate("document.activeElement.id") == "id_username"  # autofocus
    page.keyboard.type(world.personas.supplier_principal.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Mon espace").is_visible()


def test_an_agent_decides_with_the_keyboard_alone(page, world):  # type: ignore[no-untyped-def]
    log_in(page, world.personas.agent.email)
    page.goto(f"/factures/recues/{world.available.pk}/")
    ready(page)
    page.focus("#id_target")
    page.keyboard.press("End")  # the last decision offered: Mise en paiement
    assert page.eval_on_selector("#id_target", "s => s.value") == "MISE_EN_PAIEMENT"
    page.keyboard.press("Tab")
    # The reason and the mandate number are hidden for this decision: focus skips them.
    assert page.evaluate("document.activeElement.id") == "id_comment"
    page.keyboard.type("Payée par virement.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Décision enregistrée" in page.locator(".fr-alert").first.inner_text()
