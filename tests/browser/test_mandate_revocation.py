"""The principal manager revokes the billing mandate in a real browser, sees deposits stopped
for the structure, and signs it again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from chorus.models import OutgoingEmail
from structures import selectors
from structures.models import MandateEvent, MandateVersion
from tests.browser.conftest import screenshot
from tests.browser.helpers import alerts_text, log_in, main_text, tick, violations
from tests.factories import MembershipFactory, StructureFactory, UserFactory, sign_mandate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company():  # type: ignore[no-untyped-def]
    """Built here: an earlier transactional test may have flushed the data migrations."""
    if selectors.current_mandate() is None:
        MandateVersion.objects.create(
            version="2026", title="Mandat", body="Texte du mandat.", published_at=timezone.now()
        )
    structure = StructureFactory(name="Atelier Révocable")
    principal = UserFactory(email="gestion@atelier.test")
    MembershipFactory(user=principal, structure=structure, role="PRINCIPAL")
    MembershipFactory(user=UserFactory(email="collegue@atelier.test"), structure=structure)
    sign_mandate(structure, principal)
    return SimpleNamespace(structure=structure, principal=principal)


def test_the_principal_manager_revokes_the_mandate_then_signs_it_again(page, company):  # type: ignore[no-untyped-def]
    log_in(page, company.principal.email)
    page.goto(f"/structures/{company.structure.pk}/mandat/")
    assert violations(page) == []

    page.get_by_role("button", name="Révoquer le mandat").click()
    assert "Cochez la case pour confirmer" in alerts_text(page)
    tick(page, "confirm")
    page.get_by_role("button", name="Révoquer le mandat").click()

    assert "Mandat de facturation révoqué" in alerts_text(page)
    assert "Mandat révoqué par" in main_text(page)
    screenshot(page, "mandate-revoked")
    assert violations(page) == []
    assert not selectors.mandate_signed(company.structure)
    assert MandateEvent.objects.filter(structure=company.structure, action="REVOKED").exists()
    assert OutgoingEmail.objects.filter(to="collegue@atelier.test").exists()
    page.goto(f"/structures/{company.structure.pk}/")
    assert "doit le signer avant tout dépôt" in main_text(page)

    page.goto(f"/structures/{company.structure.pk}/mandat/")
    tick(page, "accept")
    page.get_by_role("button", name="Je signe le mandat").click()
    assert "Mandat de facturation signé" in alerts_text(page)
    assert selectors.mandate_signed(company.structure)
