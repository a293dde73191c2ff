"""The structure's profile, bank accounts and managers in a real browser (issue 17): the
principal manager keeps the profile, adds accounts (a wrong IBAN said next to its field),
names a secondary manager, and the entry form then offers the default account; the
principal hands the role over after ticking the confirmation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from structures import selectors
from structures.models import BankAccount, MandateVersion, Membership, StructureEvent
from tests.browser.conftest import screenshot
from tests.browser.helpers import alerts_text, log_in, main_text, tick, violations
from tests.factories import MembershipFactory, StructureFactory, UserFactory, sign_mandate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IBAN = "FR76 3000 6000 0112 3456 7890 189"
OTHER_IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.fixture
def company():  # type: ignore[no-untyped-def]
    """Built here: an earlier transactional test may have flushed the data migrations."""
    if selectors.current_mandate() is None:
        MandateVersion.objects.create(
            version="2026", title="Mandat", body="Texte du mandat.", published_at=timezone.now()
        )
    structure = StructureFactory(name="Atelier des Comptes")
    principal = UserFactory(email="gestion@comptes.test", first_name="Gaëlle", last_name="Roux")
    MembershipFactory(user=principal, structure=structure, role="PRINCIPAL")
    colleague = UserFactory(email="collegue@comptes.test", first_name="Paul", last_name="Nadal")
    MembershipFactory(user=colleague, structure=structure)
    sign_mandate(structure, principal)
    return SimpleNamespace(structure=structure, principal=principal, colleague=colleague)


def test_the_principal_keeps_the_profile_and_accounts_then_invoices_use_them(page, company):  # type: ignore[no-untyped-def]
    pk = company.structure.pk
    log_in(page, company.principal.email)
    page.goto(f"/structures/{pk}/")
    page.get_by_role("link", name="Profil et comptes bancaires").click()
    assert violations(page) == []

    page.fill("#id_contact_email", "compta@comptes.test")
    page.fill("#id_vat_number", "FR00 123")
    page.get_by_role("button", name="Enregistrer le profil").click()
    assert "numéro de TVA intracommunautaire n’est pas valide" in main_text(page)
    assert violations(page) == []
    page.fill("#id_vat_number", "")
    page.get_by_role("button", name="Enregistrer le profil").click()
    assert "Profil de la structure enregistré" in alerts_text(page)

    page.fill("#id_label", "Compte courant")
    page.fill("#id_iban", "FR76 3000 6000 0112 3456 7890 180")
    page.get_by_role("button", name="Ajouter le compte").click()
    assert "Cet IBAN n’est pas valide" in main_text(page)
    page.fill("#id_iban", IBAN)
    page.get_by_role("button", name="Ajouter le compte").click()
    assert "Compte « Compte courant » enregistré" in alerts_text(page)
    page.fill("#id_label", "Agence de Lyon")
    page.fill("#id_iban", OTHER_IBAN)
    page.get_by_role("button", name="Ajouter le compte").click()
    page.get_by_role("button", name="Compte par défaut : Agence de Lyon").click()
    assert "Compte par défaut changé" in alerts_text(page)
    assert "Compte bancaire par défaut" in main_text(page)  # the history
    screenshot(page, "structure-profile")
    assert violations(page) == []
    default = BankAccount.objects.get(is_default=True)
    assert default.label == "Agence de Lyon"

    # The entry form offers the accounts, the default one chosen.
    page.goto("/factures/saisie/")
    chosen = page.locator("#id_bank_account").input_value()
    assert chosen == str(default.pk)
    assert violations(page) == []

    # A secondary manager, then the hand-over to them, confirmed.
    page.goto(f"/structures/{pk}/")
    page.get_by_role("button", name="Nommer gestionnaire secondaire").click()
    assert "est gestionnaire secondaire" in alerts_text(page)
    page.get_by_role("link", name="Transmettre mon rôle").click()
    assert violations(page) == []
    page.get_by_role("button", name="Transmettre mon rôle").click()
    assert "Cochez la case" in alerts_text(page)
    page.get_by_role("link", name="Transmettre mon rôle").click()
    tick(page, "confirm")
    page.get_by_role("button", name="Transmettre mon rôle").click()
    assert "est désormais le gestionnaire principal" in alerts_text(page)
    assert Membership.objects.get(user=company.colleague).is_principal
    assert StructureEvent.objects.filter(
        structure=company.structure, action="PRINCIPAL_HANDED_OVER"
    ).exists()


def test_the_account_select_follows_the_supplier_chosen(page, company):  # type: ignore[no-untyped-def]
    from structures import services_profile

    second = StructureFactory(name="Seconde Société")
    MembershipFactory(user=company.principal, structure=second, role="PRINCIPAL")
    sign_mandate(second, company.principal)
    add = services_profile.bank_account_add
    first_account = add(
        structure=company.structure, by=company.principal, label="Premier", iban=IBAN
    )
    second_account = add(structure=second, by=company.principal, label="Second", iban=OTHER_IBAN)

    log_in(page, company.principal.email)
    page.goto("/factures/saisie/")
    supplier = page.locator("#id_supplier")
    account = page.locator("#id_bank_account")
    supplier.select_option(str(second.pk))
    assert account.input_value() == str(second_account.pk)
    supplier.select_option(str(company.structure.pk))
    assert account.input_value() == str(first_account.pk)
    assert violations(page) == []
