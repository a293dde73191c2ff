"""The pages: who sees what (404 for anyone outside), what each button does, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from structures.models import MandateSignature, MandateVersion, Membership, Structure
from tests.factories import MembershipFactory, StructureFactory, UserFactory, sign_mandate
from tests.structures.factories import SireneEstablishmentFactory
from tests.utils.two_factor import log_in_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(personas):
    user = UserFactory(email="refused@acme.test")
    MembershipFactory(user=user, structure=personas.acme, status=Membership.Status.REFUSED)
    return user


def as_user(client, user):
    log_in_as(client, user)  # staff pass the second factor they always owe
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Access matrix -------------------------------------------------------------------------
PAGES = ["structures:detail", "structures:mandate"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("supplier_principal", 200),
        ("supplier_member", 200),
        ("pending_requester", 404),
        ("refused", 404),
        ("outsider", 404),
        ("agent", 404),
        ("admin", 404),
    ],
)
def test_a_structure_is_seen_by_its_approved_members_only(
    client, personas, refused, page, who, status
):
    user = refused if who == "refused" else getattr(personas, who)
    response = as_user(client, user).get(reverse(page, args=[personas.acme.pk]))
    assert response.status_code == status


@pytest.mark.parametrize("page", ["structures:list", "structures:create", "structures:search"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "action", ["structures:decide", "structures:detach", "structures:transfer", "structures:rights"]
)
@pytest.mark.parametrize("who", ["pending_requester", "outsider", "agent"])
def test_outsiders_posting_to_a_structure_get_404_and_change_nothing(client, personas, action, who):
    member = Membership.objects.get(user=personas.supplier_member)
    pending = Membership.objects.get(user=personas.pending_requester)
    response = as_user(client, getattr(personas, who)).post(
        reverse(action, args=[personas.acme.pk]),
        {"membership": member.pk, "requests": [pending.pk], "decision": "approve"},
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=member.pk).status == "APPROVED"
    assert Membership.objects.get(pk=pending.pk).status == "PENDING"


def test_a_simple_member_cannot_decide_requests(client, personas):
    pending = Membership.objects.get(user=personas.pending_requester)
    client = as_user(client, personas.supplier_member)
    page = client.get(reverse("structures:detail", args=[personas.acme.pk])).content.decode()
    assert "Accepter la sélection" not in page and pending.user.email not in page
    response = client.post(
        reverse("structures:decide", args=[personas.acme.pk]),
        {"requests": [pending.pk], "decision": "approve"},
        follow=True,
    )
    assert "Seuls les gestionnaires" in " ".join(messages_of(response))
    pending.refresh_from_db()
    assert pending.status == "PENDING"


def test_an_agent_sees_the_state_with_its_services(client, personas):
    page = as_user(client, personas.agent).get(
        reverse("structures:detail", args=[personas.state.pk])
    )
    text = page.content.decode()
    assert page.status_code == 200 and "SFACT_MIN_ECO" in text and "FACTURES_PUBLIQUES" in text


# --- "Mes structures" ----------------------------------------------------------------------
def test_my_structures_shows_each_membership_and_its_state(client, personas):
    page = as_user(client, personas.supplier_principal).get(reverse("structures:list"))
    text = page.content.decode()
    assert "Acme" in text and "Gestionnaire principal" in text and "Signé" in text
    assert reverse("structures:detail", args=[personas.acme.pk]) in text
    pending = as_user(client, personas.pending_requester).get(reverse("structures:list"))
    text = pending.content.decode()
    assert "En attente de validation" in text
    assert reverse("structures:detail", args=[personas.acme.pk]) not in text


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_my_structures_costs_the_same_queries_with_one_or_many_memberships(client):
    user = UserFactory()
    first = StructureFactory()
    MembershipFactory(user=user, structure=first, role="PRINCIPAL")
    client = as_user(client, user)
    url = reverse("structures:list")
    baseline = _count_queries(client, url)
    for status in ["APPROVED", "PENDING", "REFUSED", "APPROVED", "DETACHED"]:
        structure = StructureFactory()
        MembershipFactory(user=user, structure=structure, status=status)
        MembershipFactory(structure=structure, status="PENDING")
        sign_mandate(structure, user)
    assert _count_queries(client, url) == baseline


def test_a_structure_page_costs_the_same_queries_with_one_or_many_members(client, personas):
    client = as_user(client, personas.supplier_principal)
    url = reverse("structures:detail", args=[personas.acme.pk])
    baseline = _count_queries(client, url)
    for _ in range(5):
        MembershipFactory(structure=personas.acme)
        MembershipFactory(structure=personas.acme, status="PENDING")
    assert _count_queries(client, url) == baseline
    agent_client = as_user(client, personas.agent)
    state_url = reverse("structures:detail", args=[personas.state.pk])
    state_baseline = _count_queries(agent_client, state_url)
    for _ in range(5):
        MembershipFactory(structure=personas.state).services.add(personas.other_service)
    assert _count_queries(agent_client, state_url) == state_baseline


# --- Creating a structure ------------------------------------------------------------------
def test_creating_a_structure_shows_the_directory_data_then_makes_me_principal(client):
    establishment = SireneEstablishmentFactory(name="MENUISERIE RICHARD")
    user = UserFactory()
    client = as_user(client, user)
    url = reverse("structures:create")
    spaced = f"{establishment.siret[:3]} {establishment.siret[3:6]} {establishment.siret[6:]}"
    preview = client.post(url, {"siret": spaced, "step": "check"})
    assert "MENUISERIE RICHARD" in preview.content.decode()
    assert not Structure.objects.filter(identifier=establishment.siret).exists()
    response = client.post(url, {"siret": establishment.siret, "step": "create"})
    structure = Structure.objects.get(identifier=establishment.siret)
    assert response.status_code == 302
    assert response["Location"] == reverse("structures:detail", args=[structure.pk])
    assert Membership.objects.get(structure=structure).is_principal


def test_a_wrong_siret_is_explained_next_to_the_field(client):
    response = as_user(client, UserFactory()).post(
        reverse("structures:create"), {"siret": "110 002 011 000 45", "step": "check"}
    )
    text = response.content.decode()
    assert "clé de contrôle est fausse" in text
    assert 'aria-describedby="id_siret_helptext id_siret-errors"' in text
    assert 'id="id_siret-errors"' in text and 'id="id_siret_helptext"' in text


def test_an_unknown_siret_is_explained(client):
    response = as_user(client, UserFactory()).post(
        reverse("structures:create"), {"siret": "81234567600017", "step": "create"}
    )
    assert "inconnu du répertoire SIRENE" in response.content.decode()
    assert not Structure.objects.filter(identifier="81234567600017").exists()


def test_a_siret_that_has_its_structure_offers_to_request_attachment(client, personas):
    SireneEstablishmentFactory(siret=personas.acme.identifier)
    response = as_user(client, UserFactory()).post(
        reverse("structures:create"), {"siret": personas.acme.identifier, "step": "create"}
    )
    text = response.content.decode()
    assert "existe déjà" in text and "Demander le rattachement" in text
    assert reverse("structures:join", args=[personas.acme.pk]) in text
    assert Structure.objects.filter(identifier=personas.acme.identifier).count() == 1


def test_the_state_siret_tells_a_supplier_to_use_its_own_company(client, personas):
    response = as_user(client, personas.outsider).post(
        reverse("structures:create"), {"siret": "11000201100044", "step": "check"}
    )
    text = response.content.decode()
    assert "structure publique" in text and "Demander le rattachement" not in text


# --- Searching and joining -----------------------------------------------------------------
def test_a_search_lists_structures_with_a_button_to_join(client, personas):
    newcomer = UserFactory()
    response = as_user(client, newcomer).get(
        reverse("structures:search"), {"q": personas.acme.identifier[:9]}
    )
    text = response.content.decode()
    assert "Acme" in text and reverse("structures:join", args=[personas.acme.pk]) in text
    joined = client.post(reverse("structures:join", args=[personas.acme.pk]), follow=True)
    assert "Demande de rattachement à « Acme » envoyée" in " ".join(messages_of(joined))
    assert Membership.objects.get(user=newcomer).status == "PENDING"


def test_a_too_short_siret_search_asks_for_three_digits(client):
    response = as_user(client, UserFactory()).get(reverse("structures:search"), {"q": "11"})
    assert "au moins 3 chiffres" in response.content.decode()


def test_a_search_that_finds_nothing_offers_to_create_from_the_directory(client):
    establishment = SireneEstablishmentFactory(name="SERRURERIE PETIT")
    response = as_user(client, UserFactory()).get(
        reverse("structures:search"), {"q": establishment.siret}
    )
    text = response.content.decode()
    assert "SERRURERIE PETIT" in text
    assert f"{reverse('structures:create')}?siret={establishment.siret}" in text


def test_a_supplier_asking_to_join_the_state_is_told_why_not(client, personas):
    response = as_user(client, personas.supplier_member).post(
        reverse("structures:join", args=[personas.state.pk]), follow=True
    )
    # The agents' page: a supplier is told to join their own company, and must not confirm.
    text = response.content.decode()
    assert response.status_code == 400
    assert "rattachez-vous à la structure de votre propre entreprise" in text
    assert "Cochez la case pour confirmer que vous êtes agent" in text
    assert not Membership.objects.filter(
        user=personas.supplier_member, structure=personas.state
    ).exists()


def test_the_first_to_join_an_empty_structure_lands_on_its_page_as_principal(client):
    structure = StructureFactory()
    response = as_user(client, UserFactory()).post(reverse("structures:join", args=[structure.pk]))
    assert response["Location"] == reverse("structures:detail", args=[structure.pk])


# --- The principal manager's page ----------------------------------------------------------
def test_the_principal_manager_approves_several_requests_from_the_page(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    other = MembershipFactory(structure=personas.acme, status="PENDING")
    pending = Membership.objects.get(user=personas.pending_requester)
    client = as_user(client, personas.supplier_principal)
    page = client.get(reverse("structures:detail", args=[personas.acme.pk])).content.decode()
    assert personas.pending_requester.email in page and "Accepter la sélection" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("structures:decide", args=[personas.acme.pk]),
            {"requests": [pending.pk, other.pk], "decision": "approve"},
            follow=True,
        )
    assert "Demandes acceptées : 2." in messages_of(response)
    assert set(
        Membership.objects.filter(pk__in=[pending.pk, other.pk]).values_list("status", flat=True)
    ) == {"APPROVED"}
    assert len(mailoutbox) == 2


def test_deciding_without_a_ticked_request_says_so(client, personas):
    response = as_user(client, personas.supplier_principal).post(
        reverse("structures:decide", args=[personas.acme.pk]), {"decision": "refuse"}, follow=True
    )
    assert "Cochez au moins une demande." in messages_of(response)


def test_the_principal_manager_refuses_detaches_and_hands_over_from_the_page(client, personas):
    client = as_user(client, personas.supplier_principal)
    pending = Membership.objects.get(user=personas.pending_requester)
    client.post(
        reverse("structures:decide", args=[personas.acme.pk]),
        {"requests": [pending.pk], "decision": "refuse", "reason": "Inconnu chez nous."},
    )
    assert Membership.objects.get(pk=pending.pk).status == "REFUSED"
    extra = MembershipFactory(structure=personas.acme)
    client.post(reverse("structures:rights", args=[personas.acme.pk]), {"membership": extra.pk})
    assert not Membership.objects.get(pk=extra.pk).can_modify
    client.post(reverse("structures:detach", args=[personas.acme.pk]), {"membership": extra.pk})
    assert Membership.objects.get(pk=extra.pk).status == "DETACHED"
    member = Membership.objects.get(user=personas.supplier_member)
    client.post(
        reverse("structures:transfer", args=[personas.acme.pk]),
        {"membership": member.pk, "confirm": "on"},
    )
    assert Membership.objects.get(pk=member.pk).is_principal


def test_a_member_leaves_the_structure_from_its_page(client, personas):
    own = Membership.objects.get(user=personas.supplier_member)
    response = as_user(client, personas.supplier_member).post(
        reverse("structures:detach", args=[personas.acme.pk]), {"membership": own.pk}
    )
    assert response["Location"] == reverse("structures:list")
    assert Membership.objects.get(pk=own.pk).status == "DETACHED"


# --- The mandate page ----------------------------------------------------------------------
def test_the_principal_manager_signs_the_mandate_from_its_page(client, personas):
    MandateSignature.objects.filter(structure=personas.acme).delete()
    client = as_user(client, personas.supplier_principal)
    url = reverse("structures:mandate", args=[personas.acme.pk])
    page = client.get(url).content.decode()
    assert "Je signe le mandat" in page and "Mandat de facturation" in page
    client.post(url, {})
    assert not MandateSignature.objects.filter(structure=personas.acme).exists()
    version = MandateVersion.objects.latest("published_at").pk
    client.post(url, {"accept": "on", "version": version}, REMOTE_ADDR="203.0.113.9")
    signature = MandateSignature.objects.get(structure=personas.acme)
    assert signature.ip_address == "203.0.113.9"
    assert signature.signed_by == personas.supplier_principal
    page = client.get(url).content.decode()
    assert "Signé par" in page and personas.supplier_principal.email in page


def test_the_unticked_mandate_box_is_reported_under_the_box(client, personas):
    MandateSignature.objects.filter(structure=personas.acme).delete()
    client = as_user(client, personas.supplier_principal)
    response = client.post(reverse("structures:mandate", args=[personas.acme.pk]), {})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-describedby="accept-error"' in page
    assert (
        '<p class="fr-error-text" id="accept-error">Cochez la case pour signer le mandat.</p>'
        in page
    )
    assert not MandateSignature.objects.filter(structure=personas.acme).exists()


def test_a_member_reads_the_mandate_but_cannot_sign_it(client, personas):
    MandateSignature.objects.filter(structure=personas.acme).delete()
    client = as_user(client, personas.supplier_member)
    url = reverse("structures:mandate", args=[personas.acme.pk])
    assert "Je signe le mandat" not in client.get(url).content.decode()
    version = MandateVersion.objects.latest("published_at").pk
    response = client.post(url, {"accept": "on", "version": version}, follow=True)
    assert "Seul le gestionnaire principal" in " ".join(messages_of(response))
    assert not MandateSignature.objects.filter(structure=personas.acme).exists()


def test_the_structure_page_says_why_deposits_are_blocked(client, personas):
    MandateSignature.objects.filter(structure=personas.acme).delete()
    page = as_user(client, personas.supplier_member).get(
        reverse("structures:detail", args=[personas.acme.pk])
    )
    assert "doit le signer avant tout dépôt" in page.content.decode()


def test_the_pages_speak_english_on_request(client, personas):
    client = as_user(client, personas.supplier_principal)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("structures:list")).content.decode()
    assert "My structures" in page and "Mes structures" not in page
