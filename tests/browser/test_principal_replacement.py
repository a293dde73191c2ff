"""A principal manager who left, in a real browser (issue 17): a member asks support from the
structure's page, an administrator names the new principal manager from that ticket in the
admin, and the member reads the answer; nobody edits a membership."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from structures.models import Membership, StructureEvent
from support.models import Ticket
from tests.browser.conftest import screenshot
from tests.browser.helpers import (
    alerts_text,
    log_in,
    log_in_with_second_factor,
    main_text,
    violations,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_a_member_asks_support_and_an_administrator_names_them(page, personas):  # type: ignore[no-untyped-def]
    personas.supplier_principal.is_active = False
    personas.supplier_principal.save(update_fields=["is_active"])

    log_in(page, personas.supplier_member.email)
    page.goto(f"/structures/{personas.acme.pk}/")
    page.get_by_role("link", name="Demander un nouveau gestionnaire principal").click()
    assert "Le compte du gestionnaire principal est fermé" in main_text(page)
    assert violations(page) == []
    page.fill("#id_description", "Notre gérant a quitté l’entreprise en juin.")
    page.get_by_role("button", name="Envoyer au support").click()
    ticket = Ticket.objects.get()
    assert f"Sollicitation {ticket.number} envoyée au support" in alerts_text(page)

    log_in_with_second_factor(page, personas.admin)
    page.goto("/admin/support/ticket/")
    page.locator(f"input[name='_selected_action'][value='{ticket.pk}']").check()
    page.select_option("select[name='action']", "appoint_principal")
    page.locator("button[name='index']").click()
    # The admin answers with a new page: wait for it rather than read the one being left.
    expect(page.locator("body")).to_contain_text("Nommer un gestionnaire principal")
    screenshot(page, "admin-appoint-principal")
    member = Membership.objects.get(user=personas.supplier_member)
    page.locator(f"input[name='membership'][value='{member.pk}']").check()
    page.locator("input[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Gestionnaire principal nommé")
    assert Membership.objects.get(pk=member.pk).is_principal
    assert StructureEvent.objects.filter(action="PRINCIPAL_APPOINTED").exists()

    log_in(page, personas.supplier_member.email)
    page.goto(f"/sollicitations/{ticket.pk}/")
    assert "est désormais le gestionnaire principal" in main_text(page)
    page.goto(f"/structures/{personas.acme.pk}/")
    assert "Accepter la sélection" in main_text(page)
