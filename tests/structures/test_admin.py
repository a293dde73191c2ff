import pytest
from django.urls import reverse

from structures.models import MandateSignature, Membership, Service, SireneEstablishment, Structure
from tests.structures.factories import SireneEstablishmentFactory
from tests.utils.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):  # type: ignore[no-untyped-def]
    """The admin persona (who accepted the CGU, unlike pytest-django's admin user)."""
    verified_login(client, personas.admin)
    return client


MODELS = [SireneEstablishment, Structure, Service, Membership, MandateSignature]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_a_searchable_filtered_admin_list(admin_client, personas, model):
    SireneEstablishmentFactory()
    url = reverse(f"admin:structures_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "acme"}).status_code == 200


def test_the_state_page_shows_its_services_and_agents(admin_client, personas):
    page = admin_client.get(reverse("admin:structures_structure_change", args=[personas.state.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "SFACT_MIN_INT" in text and personas.agent.email in text


def _inline_data(structure, rows):  # type: ignore[no-untyped-def]
    data = {
        "identifier_type": "SIRET",
        "identifier": structure.identifier,
        "name": structure.name,
        "country": "FR",
        "is_active": "on",
        "payment_status_reported": "on",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": "0",
        "bank_accounts-TOTAL_FORMS": "0",
        "bank_accounts-INITIAL_FORMS": "0",
    }
    for index, (user, role) in enumerate(rows):
        data.update(
            {
                f"memberships-{index}-user": user.pk,
                f"memberships-{index}-role": role,
                f"memberships-{index}-status": "APPROVED",
                f"memberships-{index}-can_modify": "on",
            }
        )
    return data


def test_the_admin_never_names_a_principal_manager_by_editing_a_membership(admin_client):
    """Roles are read only in the admin: a new principal manager is named from the member's
    support request (tests/support/test_principal_appointment.py)."""
    from tests.factories import StructureFactory, UserFactory

    structure = StructureFactory()
    url = reverse("admin:structures_structure_change", args=[structure.pk])
    two = _inline_data(structure, [(UserFactory(), "PRINCIPAL"), (UserFactory(), "PRINCIPAL")])
    assert admin_client.post(url, two).status_code == 302
    assert set(Membership.objects.filter(structure=structure).values_list("role", flat=True)) == {
        "MEMBER"
    }


def test_an_administrator_names_a_public_structures_principal_from_the_memberships(
    admin_client, personas
):
    """The join page promises that the administrator names one: the memberships' action does,
    through the service (audit row), a company's principal being refused (a support request
    names it)."""
    url = reverse("admin:structures_membership_changelist")
    agent = Membership.objects.get(user=personas.agent, structure=personas.state)
    response = admin_client.post(
        url, {"action": "name_public_principal", "_selected_action": [agent.pk]}, follow=True
    )
    agent.refresh_from_db()
    assert agent.role == Membership.Role.PRINCIPAL
    assert "est le gestionnaire principal de « État »" in response.content.decode()
    assert personas.state.events.filter(action="PRINCIPAL_APPOINTED", member=personas.agent)

    member = Membership.objects.get(user=personas.supplier_member)
    response = admin_client.post(
        url, {"action": "name_public_principal", "_selected_action": [member.pk]}, follow=True
    )
    member.refresh_from_db()
    assert member.role == Membership.Role.MEMBER
    assert "nommé depuis une sollicitation" in response.content.decode()
