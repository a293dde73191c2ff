"""The admin, for the portal's administrators (issue 19, item 12): the portal's name and French
titles, French labels for the libraries' models, and an invoice list whose key columns fit at
1280 px without scrolling sideways."""

from __future__ import annotations

import pytest

from invoices.workflow import Status
from tests.browser.conftest import screenshot
from tests.browser.helpers import log_in_with_second_factor
from tests.invoices.factories import invoice_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def admin_page(page, personas):  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in_with_second_factor(page, personas.admin)
    return page


def test_the_admin_speaks_of_the_portal_in_french(admin_page):
    admin_page.goto("/admin/")
    text = admin_page.locator("body").inner_text().lower()  # some titles are upper-cased
    assert "django" not in admin_page.title().lower()
    assert "administration de django" not in text and "site d’administration de django" not in text
    assert "administration du portail" in text
    assert "double authentification" in text and "otp_totp" not in text
    assert "applications d’authentification (totp)" in text
    assert "verrouillage des connexions" in text


def test_the_invoice_list_fits_at_1280_pixels(admin_page, personas):
    personas.acme.name = "Société Coopérative Ouvrière de Production des Ateliers Réunis"
    personas.acme.save(update_fields=["name"])
    for status in (Status.DEPOSEE, Status.MISE_A_DISPOSITION, Status.REJETEE):
        invoice_in(personas, status)
    admin_page.goto("/admin/invoices/invoice/")
    screenshot(admin_page, "admin-invoice-list-1280")
    headers = admin_page.locator("#result_list thead th").all_inner_texts()
    for column in ("NUMÉRO", "STATUT", "MONTANT TTC"):
        assert any(column in h.upper() for h in headers), headers
    assert admin_page.evaluate(NO_SIDEWAYS_SCROLL)
    table = admin_page.locator("#result_list").bounding_box()
    assert table["x"] + table["width"] <= 1280


def test_an_administrator_attaches_an_agent_from_the_structures_page(admin_page, personas):
    """Through the service: the agent is attached to the service chosen, audited, e-mailed."""
    from structures.models import Membership, StructureEvent
    from tests.factories import UserFactory

    UserFactory(email="nouvel-agent@etat.test", last_name="Nouvel")
    admin_page.goto(f"/admin/structures/structure/{personas.state.pk}/change/")
    admin_page.locator("#memberships-group .add-row a").click()
    row = admin_page.locator("#memberships-group tr.dynamic-memberships").last
    row.locator(".select2-selection").click()
    admin_page.locator(".select2-container--open .select2-search__field").fill("nouvel-agent")
    admin_page.locator(".select2-results__option", has_text="nouvel-agent@etat.test").click()
    row.locator("select[name$='-services']").select_option(str(personas.other_service.pk))
    admin_page.locator("input[name='_continue']").click()
    admin_page.locator(".messagelist .success").wait_for()
    membership = Membership.objects.get(user__email="nouvel-agent@etat.test")
    assert membership.status == "APPROVED"
    assert list(membership.services.all()) == [personas.other_service]
    assert StructureEvent.objects.get(structure=personas.state).action == "MEMBER_ADDED"


def test_a_refused_change_shows_on_the_form_as_posted(admin_page, personas):
    """The principal manager is never detached: the service's reason shows on the form, which
    keeps what the administrator chose, and nothing is written."""
    from structures.models import Membership, StructureEvent

    principal = Membership.objects.get(user=personas.supplier_principal)
    admin_page.goto(f"/admin/structures/membership/{principal.pk}/change/")
    admin_page.locator("select[name='status']").select_option("DETACHED")
    admin_page.locator("input[name='_save']").click()
    errors = admin_page.locator(".errorlist.nonfield")
    errors.wait_for()
    assert "transmet d’abord son rôle" in errors.inner_text()
    assert admin_page.locator("select[name='status']").input_value() == "DETACHED"
    screenshot(admin_page, "admin-membership-refused")
    principal.refresh_from_db()
    assert principal.status == "APPROVED" and not StructureEvent.objects.exists()
