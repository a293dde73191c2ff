"""Self-service on the public side: an agent asks to join a public structure (and some of its
services) as a supplier joins theirs, its principal manager approves or refuses and scopes its
members to services; an agent scoped to services sees and processes only their invoices, in
every place they are read (lists, detail, decisions, dashboards, API, e-mails)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from dashboards import selectors as dashboard_selectors
from invoices import selectors as invoice_selectors
from invoices import services as invoice_services
from invoices.services import InvoiceAccessDenied
from invoices.services._history import history_append
from invoices.workflow import Status
from structures import services
from structures.errors import StructureError
from structures.models import Membership
from tests.factories import MembershipFactory, PublicStructureFactory, ServiceFactory, UserFactory
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def state_principal(personas):  # type: ignore[no-untyped-def]
    """The State's principal manager (named by an administrator), scoped to no service."""
    user = UserFactory(email="principal@etat.test")
    MembershipFactory(user=user, structure=personas.state, role=Membership.Role.PRINCIPAL)
    return user


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- asking to join -------------------------------------------------------------------------
def test_an_agent_asks_to_join_the_state_and_its_principal_manager_approves(
    client, personas, state_principal, mailoutbox, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(email="nouvel-agent@etat.test")
    client.force_login(newcomer)
    url = reverse("structures:join", args=[personas.state.pk])
    page = client.get(url).content.decode()
    assert "Vous êtes fournisseur de cette structure ?" in page
    assert "FACTURES_PUBLIQUES" in page and "SFACT_MIN_INT" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"services": [personas.service.pk], "confirm": "on"}, follow=True
        )
    assert "Demande de rattachement à « État » envoyée" in " ".join(messages_of(response))
    membership = Membership.objects.get(user=newcomer, structure=personas.state)
    assert (membership.status, membership.role) == ("PENDING", "MEMBER")
    assert list(membership.services.all()) == [personas.service]
    assert [m.to for m in mailoutbox] == [[state_principal.contact_email]]
    assert "Services demandés : FACTURES_PUBLIQUES" in mailoutbox[0].body

    client.force_login(state_principal)
    detail = reverse("structures:detail", args=[personas.state.pk])
    assert "nouvel-agent@etat.test" in client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("structures:decide", args=[personas.state.pk]),
            {"requests": [membership.pk], "decision": "approve"},
        )
    membership.refresh_from_db()
    assert membership.status == "APPROVED"
    assert list(membership.services.all()) == [personas.service]
    assert mailoutbox[-1].to == [newcomer.contact_email]
    # Scoped at once: the invoices of their service only.
    mine = invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-MINE")
    invoice_in(personas, Status.MISE_A_DISPOSITION, service=personas.other_service)
    assert list(invoice_selectors.received_invoices_for(newcomer)) == [mine]


def test_the_principal_manager_refuses_a_request(personas, state_principal):
    newcomer = UserFactory()
    membership = services.attachment_request(user=newcomer, structure=personas.state, as_agent=True)
    services.attachment_request_refuse(
        structure=personas.state,
        decided_by=state_principal,
        membership_ids=[membership.pk],
        reason="Vous n’êtes pas agent de ce ministère.",
    )
    membership.refresh_from_db()
    assert membership.status == "REFUSED"
    assert not invoice_selectors.agent_scope(newcomer).is_agent


def test_only_the_managers_decide(personas, state_principal):
    membership = services.attachment_request(
        user=UserFactory(), structure=personas.state, as_agent=True
    )
    with pytest.raises(StructureError, match="gestionnaires principal et secondaires"):
        services.attachment_request_approve(
            structure=personas.state, decided_by=personas.agent, membership_ids=[membership.pk]
        )
    membership.refresh_from_db()
    assert membership.status == "PENDING"


def test_the_first_to_ask_never_becomes_a_public_structures_principal_manager(client, personas):
    commune = PublicStructureFactory()
    membership = services.attachment_request(user=UserFactory(), structure=commune, as_agent=True)
    assert (membership.status, membership.role) == ("PENDING", "MEMBER")
    # On the page, the requester learns who will decide.
    client.force_login(UserFactory())
    response = client.post(
        reverse("structures:join", args=[commune.pk]), {"confirm": "on"}, follow=True
    )
    assert "n’a pas encore de gestionnaire principal" in " ".join(messages_of(response))


def test_a_supplier_is_told_to_join_their_own_company(client, personas):
    client.force_login(personas.supplier_member)
    url = reverse("structures:join", args=[personas.state.pk])
    response = client.post(url, {"services": [personas.service.pk]})
    assert response.status_code == 400
    assert "Cochez la case pour confirmer que vous êtes agent" in response.content.decode()
    with pytest.raises(StructureError, match="Rattachez-vous à la structure de votre propre"):
        services.attachment_request(user=personas.supplier_member, structure=personas.state)
    assert not Membership.objects.filter(
        user=personas.supplier_member, structure=personas.state
    ).exists()


def test_services_asked_for_are_the_structures_own_and_open(personas):
    elsewhere = ServiceFactory()
    closed = ServiceFactory(structure=personas.state, code="FERME", is_active=False)
    for wrong in (elsewhere, closed):
        with pytest.raises(StructureError, match="n’est pas un service actif"):
            services.attachment_request(
                user=UserFactory(), structure=personas.state, services=[wrong], as_agent=True
            )
    with pytest.raises(StructureError, match="Seule une structure publique"):
        services.attachment_request(
            user=UserFactory(), structure=personas.acme, services=[personas.service]
        )
    assert not Membership.objects.filter(status="PENDING", structure=personas.state).exists()


def test_a_tampered_service_choice_is_an_error_on_the_page(client, personas):
    client.force_login(UserFactory())
    response = client.post(
        reverse("structures:join", args=[personas.state.pk]),
        {"services": [ServiceFactory().pk], "confirm": "on"},
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(structure=personas.state, status="PENDING").exists()


# --- the principal manager scopes members ------------------------------------------------------
def test_the_principal_manager_changes_a_members_services(client, personas, state_principal):
    agent_membership = Membership.objects.get(user=personas.agent)
    url = reverse("structures:member_services", args=[personas.state.pk, agent_membership.pk])
    client.force_login(state_principal)
    page = client.get(url).content.decode()
    checked = re.findall(r'<input type="checkbox" name="services" value="(\d+)"[^>]*checked', page)
    assert checked == [str(personas.service.pk)]
    response = client.post(url, {"services": [personas.other_service.pk]}, follow=True)
    assert "Services de" in " ".join(messages_of(response))
    assert list(agent_membership.services.all()) == [personas.other_service]
    other = invoice_in(personas, Status.MISE_A_DISPOSITION, service=personas.other_service)
    assert list(invoice_selectors.received_invoices_for(personas.agent)) == [other]
    # None ticked: the whole structure.
    client.post(url, {})
    assert not agent_membership.services.exists()
    assert invoice_selectors.agent_scope(personas.agent).structures == [personas.state.pk]


def test_only_the_principal_manager_opens_the_services_page(client, personas, state_principal):
    agent_membership = Membership.objects.get(user=personas.agent)
    url = reverse("structures:member_services", args=[personas.state.pk, agent_membership.pk])
    for user in (personas.agent, personas.other_agent, personas.supplier_principal):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"services": [personas.other_service.pk]}).status_code == 404
    assert list(agent_membership.services.all()) == [personas.service]
    with pytest.raises(StructureError, match="Seul le gestionnaire principal"):
        services.membership_set_services(
            structure=personas.state,
            by=personas.other_agent,
            membership_id=agent_membership.pk,
            services=[],
        )


# --- an agent never sees another service's invoices --------------------------------------------
@pytest.fixture
def three_invoices(personas):  # type: ignore[no-untyped-def]
    return {
        "mine": invoice_in(personas, Status.MISE_A_DISPOSITION, number="F-MINE"),
        "other": invoice_in(
            personas, Status.MISE_A_DISPOSITION, service=personas.other_service, number="F-OTHER"
        ),
        "none": invoice_in(personas, Status.MISE_A_DISPOSITION, service=None, number="F-NONE"),
    }


def test_a_scoped_agent_sees_their_services_invoices_only_everywhere(
    client, personas, three_invoices
):
    agent = personas.agent
    mine, other, none = three_invoices["mine"], three_invoices["other"], three_invoices["none"]
    client.force_login(agent)
    # Lists and counts.
    listed = client.get(reverse("invoices:received")).content.decode()
    assert "F-MINE" in listed and "F-OTHER" not in listed and "F-NONE" not in listed
    scope = invoice_selectors.agent_scope(agent)
    assert sum(invoice_selectors.received_status_counts(scope).values()) == 1
    # Detail pages.
    assert client.get(reverse("invoices:received_detail", args=[mine.pk])).status_code == 200
    for invisible in (other, none):
        url = reverse("invoices:received_detail", args=[invisible.pk])
        assert client.get(url).status_code == 404
        # Decisions.
        with pytest.raises(InvoiceAccessDenied):
            invoice_services.invoice_process(
                user=agent, invoice=invisible, target=Status.SERVICE_FAIT, reason=None, comment=""
            )
        invisible.refresh_from_db()
        assert invisible.status == Status.MISE_A_DISPOSITION
    # Dashboards.
    assert dashboard_selectors.received_by_status(agent) == {Status.MISE_A_DISPOSITION: 1}
    dashboard = client.get(reverse("dashboards:agent"))
    assert dashboard.status_code == 200
    # The API.
    api = APIClient()
    _token, key = account_services.api_token_create(user=agent, name="t")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    numbers = [row["number"] for row in api.get("/api/v1/invoices/").json()["results"]]
    assert numbers == ["F-MINE"]
    for invisible in (other, none):
        assert api.get(f"/api/v1/invoices/{invisible.pk}/").status_code == 404
        answer = api.post(
            f"/api/v1/invoices/{invisible.pk}/process/",
            {"status": Status.SERVICE_FAIT},
            format="json",
        )
        assert answer.status_code == 404
        invisible.refresh_from_db()
        assert invisible.status == Status.MISE_A_DISPOSITION


@pytest.mark.parametrize("summaries", [True, False])
def test_an_agent_scoped_to_no_service_sees_the_whole_structure(
    personas, three_invoices, settings, summaries
):
    settings.DASHBOARDS_SUMMARIES = summaries
    whole = UserFactory()
    MembershipFactory(user=whole, structure=personas.state)
    received = invoice_selectors.received_invoices_for(whole)
    assert {i.number for i in received} == {"F-MINE", "F-OTHER", "F-NONE"}
    assert dashboard_selectors.received_by_status(whole) == {Status.MISE_A_DISPOSITION: 3}
    assert dashboard_selectors.received_by_status(personas.agent) == {Status.MISE_A_DISPOSITION: 1}


def test_the_agents_told_of_an_invoice_are_those_who_see_it(personas, three_invoices):
    whole = UserFactory()
    MembershipFactory(user=whole, structure=personas.state)
    told = {
        name: set(invoice_selectors.agents_to_notify(invoice))
        for name, invoice in three_invoices.items()
    }
    assert told == {
        "mine": {personas.agent, whole},
        "other": {personas.other_agent, whole},
        "none": {whole},
    }
    by_service = invoice_selectors.agents_by_service({personas.service.pk})
    assert set(by_service[personas.service.pk]) == {personas.agent, whole}
    assert invoice_selectors.agents_by_structure({personas.state.pk}) == {
        personas.state.pk: [whole]
    }


def test_a_digest_of_received_invoices_follows_the_members_scope(personas, three_invoices):
    with transaction.atomic():
        for invoice in three_invoices.values():
            history_append(invoice, from_status=Status.EN_COURS_ACHEMINEMENT, first=True)
    whole = MembershipFactory(user=UserFactory(), structure=personas.state)
    start, end = timezone.now() - timedelta(hours=1), timezone.now() + timedelta(hours=1)

    def numbers(membership: Membership) -> set[str]:
        changes = invoice_selectors.received_between(membership, start, end)
        return {change.invoice.number for change in changes}

    assert numbers(Membership.objects.get(user=personas.agent)) == {"F-MINE"}
    assert numbers(whole) == {"F-MINE", "F-OTHER", "F-NONE"}


# --- an administrator names a public structure's principal manager ------------------------------
def test_an_administrator_names_the_public_principal_who_then_decides(personas):
    newcomer = UserFactory()
    with pytest.raises(StructureError, match="Seul un administrateur"):
        services.public_principal_name(
            structure=personas.state, user=newcomer, by=personas.other_agent
        )
    with pytest.raises(StructureError, match="sollicitation"):
        services.public_principal_name(structure=personas.acme, user=newcomer, by=personas.admin)
    first = services.public_principal_name(
        structure=personas.state, user=personas.agent, by=personas.admin
    )
    assert first.is_principal and first.status == "APPROVED"
    # Naming another: the former becomes an ordinary member; naming again changes nothing.
    named = services.public_principal_name(
        structure=personas.state, user=newcomer, by=personas.admin
    )
    again = services.public_principal_name(
        structure=personas.state, user=newcomer, by=personas.admin
    )
    assert named.pk == again.pk and again.is_principal and not again.services.exists()
    first.refresh_from_db()
    assert first.role == Membership.Role.MEMBER
    assert personas.state.events.filter(action="PRINCIPAL_APPOINTED").count() == 2
