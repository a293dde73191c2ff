"""The seed's journey in a real browser, with the real routing worker.

A company's employee creates an account, activates it from the e-mail, creates the company's
structure by SIRET, becomes its principal manager and signs the billing mandate; a colleague
asks to be attached and is approved; the colleague types an invoice (two lines, two VAT rates)
and deposits it; the worker makes it available; the State's agent rejects it with a reason; the
supplier reads the reason, deposits a corrected invoice as a PDF under a new number; the agent
accounts it and puts it in payment; the supplier sees "Mise en paiement".
"""

from __future__ import annotations

import re

import pytest

from accounts.models import TermsAcceptance, User
from invoices.models import Invoice
from invoices.workflow import Status
from structures import services as structure_services
from structures.demo import SIRENE_SAMPLE
from structures.models import Membership, Structure
from structures.selectors import state_structure
from structures.sirene.importer import import_files
from tests.browser.conftest import screenshot
from tests.browser.helpers import (
    alerts_text,
    e_mailed_path,
    log_in,
    main_text,
    text_of,
    tick,
    violations,
    wait_for_text,
)
from tests.factories import UserFactory
from tests.invoices.factories import GOOD_IBAN, pdf_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "celery_worker"),
]

PASSWORD = "Une phrase de passe assez longue"
COMPANY_SIRET = "81234567600017"  # ATELIER DUPONT in the SIRENE sample
STATUS = "h1 .fr-badge"


@pytest.fixture
def directory() -> None:
    """The small SIRENE sample, imported as an administrator would with import_sirene."""
    import_files([SIRENE_SAMPLE])


@pytest.fixture
def agent() -> User:
    """An agent of the State on the service the invoices are sent to (set up by an
    administrator in Django admin, in real life)."""
    user = UserFactory(email="agent@etat.test", first_name="Agathe", last_name="Agent")
    state = state_structure()
    structure_services.agent_attach(
        structure=state, user=user, services=state.services.filter(code="FACTURES_PUBLIQUES")
    )
    return user


def register(page, email: str, first_name: str, last_name: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/")
    page.get_by_role("link", name="Créer mon compte").click()
    page.fill("#id_email", email)
    page.fill("#id_first_name", first_name)
    page.fill("#id_last_name", last_name)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    tick(page, "id_accept_terms")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/inscription/envoyee/")


def activate(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(e_mailed_path(email, "/compte/activation/"))
    assert "Votre compte est activé" in alerts_text(page)
    log_in(page, email, PASSWORD)


def decide(page, target: str, *, reason: str = "", comment: str = "") -> None:  # type: ignore[no-untyped-def]
    """The agent's decision form on a received invoice."""
    page.select_option("#id_target", target)
    if reason:
        page.select_option("#id_reason", label=reason)
    if comment:
        page.fill("#id_comment", comment)
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state()
    assert "Décision enregistrée" in alerts_text(page)


def test_from_registration_to_payment(page, directory, agent):  # type: ignore[no-untyped-def]
    # --- The principal manager: account, structure, mandate --------------------------------------
    register(page, "dominique@atelier-dupont.test", "Dominique", "Dupont")
    screenshot(page, "journey-01-register-done")
    activate(page, "dominique@atelier-dupont.test")
    principal = User.objects.get(email="dominique@atelier-dupont.test")
    assert TermsAcceptance.objects.filter(user=principal).exists()  # ticked when registering

    page.get_by_role("link", name="Mes structures").first.click()
    screenshot(page, "journey-02-structures-empty")
    page.get_by_role("link", name="Créer la structure de mon entreprise").click()
    page.fill("#id_siret", "812 345 676 00017")
    page.get_by_role("button", name="Vérifier le SIRET").click()
    assert "ATELIER DUPONT" in main_text(page)
    screenshot(page, "journey-03-structure-check")
    page.get_by_role("button", name="Créer la structure").click()
    assert "vous en êtes le gestionnaire principal" in alerts_text(page)
    screenshot(page, "journey-04-structure-detail")
    page.get_by_role("link", name="Lire et signer le mandat").click()
    assert violations(page) == []
    tick(page, "accept")
    page.get_by_role("button", name="Je signe le mandat").click()
    assert "Mandat de facturation signé" in alerts_text(page)
    company = Structure.objects.get(identifier=COMPANY_SIRET)

    # --- A colleague asks to be attached; the principal manager approves -------------------------
    register(page, "camille@atelier-dupont.test", "Camille", "Martin")
    activate(page, "camille@atelier-dupont.test")
    page.goto("/structures/rechercher/")
    page.fill("#id_q", COMPANY_SIRET)
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("button", name="Demander le rattachement").click()
    assert "Demande de rattachement à « ATELIER DUPONT » envoyée" in alerts_text(page)

    log_in(page, "dominique@atelier-dupont.test", PASSWORD)
    page.goto(f"/structures/{company.pk}/")
    # The box is drawn by the label, whose text is for screen readers only.
    page.get_by_label("Camille Martin").check(force=True)
    screenshot(page, "journey-05-attachment-request")
    page.get_by_role("button", name="Accepter la sélection").click()
    assert "Demandes acceptées : 1." in alerts_text(page)
    colleague = Membership.objects.get(user__email="camille@atelier-dupont.test")
    assert colleague.status == Membership.Status.APPROVED

    # --- The colleague types an invoice: two lines, two VAT rates --------------------------------
    log_in(page, "camille@atelier-dupont.test", PASSWORD)
    page.get_by_role("link", name="Factures émises").first.click()
    page.get_by_role("link", name="Saisir une facture").click()
    page.fill("#id_number", "AD-2025-001")
    page.fill("#id_service_code", "FACTURES_PUBLIQUES")
    page.fill("#id_lines-0-description", "Réparation de mobilier")
    page.fill("#id_lines-0-quantity", "3")
    page.fill("#id_lines-0-unit_price", "400")
    page.click("[data-add-line]")
    page.fill("#id_lines-1-description", "Manuels d’entretien")
    page.fill("#id_lines-1-quantity", "4")
    page.fill("#id_lines-1-unit_price", "12,50")
    page.select_option("#id_lines-1-vat_rate", "5.5")
    page.fill("#id_iban", GOOD_IBAN)
    # 1 200,00 HT at 20 % + 50,00 HT at 5,5 %: VAT 240,00 + 2,75.
    assert " ".join(page.inner_text('[data-total="incl"]').split()) == "1 492,75 €"
    screenshot(page, "journey-06-entry")
    page.get_by_role("button", name="Valider et envoyer").click()
    assert "Facture déposée" in alerts_text(page)
    wait_for_text(page, STATUS, "Mise à disposition du destinataire")
    screenshot(page, "journey-07-made-available")
    first = Invoice.objects.get(number="AD-2025-001")
    assert first.total_incl_tax == first.amount_due == pytest.approx(1492.75)
    assert first.lines.count() == 2

    # --- The agent rejects it with a reason ------------------------------------------------------
    log_in(page, agent.email)
    page.get_by_role("link", name="Factures reçues").first.click()
    screenshot(page, "journey-08-received-list")
    page.get_by_role("link", name="AD-2025-001").click()
    decide(
        page,
        "REJETEE",
        reason="Montant erroné",
        comment="Le bon de commande prévoyait deux réparations, pas trois.",
    )
    screenshot(page, "journey-09-rejected-by-agent")

    # --- The supplier reads the reason in the timeline -------------------------------------------
    log_in(page, "camille@atelier-dupont.test", PASSWORD)
    page.goto(f"/factures/{first.pk}/")
    assert "Rejetée" in text_of(page, STATUS)
    history = " ".join(page.locator("#historique + .fr-table").inner_text().split())
    assert "Montant erroné" in history
    assert "Le bon de commande prévoyait deux réparations, pas trois." in history
    screenshot(page, "journey-10-rejection-seen")
    page.get_by_role("button", name="Prendre en compte le rejet").click()
    assert "Rejet pris en compte" in alerts_text(page)

    # --- ...and deposits a corrected invoice as a PDF, under a new number ------------------------
    page.goto("/factures/")
    page.get_by_role("link", name="Déposer une facture (PDF, Factur-X, XML)").click()
    page.set_input_files(
        "#id_main_file",
        {"name": "AD-2025-002.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
    )
    page.fill("#id_number", "AD-2025-002")
    page.fill("#id_service_code", "FACTURES_PUBLIQUES")
    page.fill("#id_total_excl_tax", "850,00")
    page.fill("#id_total_vat", "162,75")
    page.fill("#id_total_incl_tax", "1 012,75")
    page.fill("#id_iban", GOOD_IBAN)
    screenshot(page, "journey-11-upload")
    page.get_by_role("button", name="Déposer la facture").click()
    page.wait_for_url(re.compile(r"/factures/\d+/$"))  # sent with a progress bar, then shown
    assert "Facture déposée" in alerts_text(page)
    wait_for_text(page, STATUS, "Mise à disposition du destinataire")
    second = Invoice.objects.get(number="AD-2025-002")

    # --- The agent accounts it, then puts it in payment ------------------------------------------
    log_in(page, agent.email)
    page.goto(f"/factures/recues/{second.pk}/")
    assert violations(page) == []
    decide(page, "COMPTABILISEE")
    decide(page, "MISE_EN_PAIEMENT")
    screenshot(page, "journey-12-paid-by-agent")

    # --- The supplier sees "Mise en paiement" ----------------------------------------------------
    log_in(page, "camille@atelier-dupont.test", PASSWORD)
    page.goto("/factures/")
    row = page.locator("tr", has_text="AD-2025-002")
    assert "Mise en paiement" in (row.text_content() or "")
    screenshot(page, "journey-13-sent-list")
    row.get_by_role("link", name="AD-2025-002").click()
    assert "Mise en paiement" in text_of(page, STATUS)
    screenshot(page, "journey-14-paid")
    second.refresh_from_db()
    assert second.status == Status.MISE_EN_PAIEMENT
    assert list(second.history.values_list("to_status", flat=True)) == [
        Status.BROUILLON,
        Status.DEPOSEE,
        Status.EN_COURS_ACHEMINEMENT,
        Status.MISE_A_DISPOSITION,
        Status.COMPTABILISEE,
        Status.MISE_EN_PAIEMENT,
    ]
