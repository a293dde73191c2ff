"""An agent finds the State, asks to join it for one service in a real browser; the State's
principal manager approves the request and the agent's received invoices are their service's.
The join page and the members' services page pass axe-core under the strict CSP."""

from __future__ import annotations

import pytest

from invoices.workflow import Status
from structures.models import Membership
from tests.browser.conftest import csp_violations, screenshot
from tests.browser.helpers import alerts_text, log_in, main_text, ready, tick, violations
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.factories import invoice_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_an_agent_joins_the_state_for_one_service_and_is_approved(page, personas):  # type: ignore[no-untyped-def]
    principal = UserFactory(email="principal@etat.test")
    MembershipFactory(user=principal, structure=personas.state, role=Membership.Role.PRINCIPAL)
    newcomer = UserFactory(email="nouvel-agent@etat.test")
    invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-MINE")
    invoice_in(personas, Status.MISE_A_DISPOSITION, service=personas.other_service, number="F-NO")

    log_in(page, newcomer.email)
    page.goto("/structures/rechercher/?q=110002011")
    ready(page)
    page.get_by_role("link", name="Je suis agent : demander le rattachement").click()
    page.wait_for_url(f"**/structures/{personas.state.pk}/rattachement/")
    assert violations(page) == []
    page.get_by_role("button", name="Demander le rattachement").click()
    assert "Cochez la case pour confirmer que vous êtes agent" in main_text(page)
    assert violations(page) == []
    service = page.locator(f"input[name=services][value='{personas.service.pk}']")
    tick(page, service.get_attribute("id"))
    tick(page, "id_confirm")
    screenshot(page, "public-join")
    page.get_by_role("button", name="Demander le rattachement").click()
    assert "Demande de rattachement à « État » envoyée" in alerts_text(page)
    assert csp_violations(page) == []

    log_in(page, principal.email)
    page.goto(f"/structures/{personas.state.pk}/")
    ready(page)
    request = Membership.objects.get(user=newcomer)
    # The box is drawn by the label, whose text is for screen readers only.
    page.locator(f"#request-{request.pk}").check(force=True)
    page.get_by_role("button", name="Accepter la sélection").click()
    assert "Demandes acceptées : 1." in alerts_text(page)
    page.get_by_role("link", name=f"Modifier les services — {newcomer.email}").click()
    ready(page)
    assert violations(page) == []

    log_in(page, newcomer.email)
    page.goto("/factures/recues/")
    listed = main_text(page)
    assert "F-MINE" in listed and "F-NO" not in listed
    assert csp_violations(page) == []
