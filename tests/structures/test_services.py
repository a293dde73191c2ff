"""The rules of structures, through their services, with the personas."""

from __future__ import annotations

import pytest

from structures import services
from structures.errors import StructureAlreadyExists, StructureError
from structures.models import MandateSignature, Membership, Structure
from structures.selectors import current_mandate, mandate_signed
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.structures.factories import SireneEstablishmentFactory

pytestmark = pytest.mark.django_db


def principal_of(structure: Structure) -> Membership:
    return Membership.objects.get(
        structure=structure, role=Membership.Role.PRINCIPAL, status=Membership.Status.APPROVED
    )


# --- Creating a structure from its SIRET ---------------------------------------------------
def test_the_creator_of_a_structure_becomes_its_principal_manager_with_the_directory_data():
    establishment = SireneEstablishmentFactory(name="ATELIER MARTIN", city="LYON 3EME")
    user = UserFactory()
    spaced = " ".join([establishment.siret[:3], establishment.siret[3:]])
    structure = services.structure_create_from_siret(user=user, siret=spaced)
    assert structure.identifier == establishment.siret
    assert (structure.name, structure.city) == ("ATELIER MARTIN", "LYON 3EME")
    assert not structure.is_public
    assert principal_of(structure).user == user


@pytest.mark.parametrize(
    ("siret", "words"),
    [
        ("11000201100045", "clé de contrôle est fausse"),
        ("1100020110", "14 chiffres"),
        ("81234567600017", "inconnu du répertoire SIRENE"),
    ],
)
def test_a_structure_needs_a_valid_siret_known_to_the_directory(siret, words):
    with pytest.raises(StructureError, match=words):
        services.structure_create_from_siret(user=UserFactory(), siret=siret)
    assert not Structure.objects.filter(identifier=siret).exists()


def test_a_closed_establishment_cannot_become_a_structure():
    closed = SireneEstablishmentFactory(is_active=False)
    with pytest.raises(StructureError, match="est fermé"):
        services.structure_create_from_siret(user=UserFactory(), siret=closed.siret)


def test_a_public_body_is_created_by_the_administrators_not_by_a_user():
    commune = SireneEstablishmentFactory(legal_category="7210", is_public_body=True)
    with pytest.raises(StructureError, match="personne morale de droit public"):
        services.structure_create_from_siret(user=UserFactory(), siret=commune.siret)


def test_a_siret_that_has_its_structure_cannot_be_created_again(personas):
    SireneEstablishmentFactory(siret=personas.acme.identifier)
    with pytest.raises(StructureAlreadyExists) as caught:
        services.structure_create_from_siret(user=UserFactory(), siret=personas.acme.identifier)
    assert caught.value.structure == personas.acme
    with pytest.raises(StructureAlreadyExists):
        services.structure_create_from_siret(user=UserFactory(), siret="110 002 011 000 44")


# --- Attachment requests -------------------------------------------------------------------
def test_a_later_user_waits_for_the_principal_manager(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.attachment_request(user=newcomer, structure=personas.acme)
    assert (membership.status, membership.role) == ("PENDING", "MEMBER")
    assert [m.to for m in mailoutbox] == [[personas.supplier_principal.contact_email]]
    assert "Demande de rattachement" in mailoutbox[0].subject


@pytest.mark.parametrize("public", ["state", "commune"])
def test_a_supplier_cannot_attach_to_a_public_structure(personas, public):
    from tests.factories import PublicStructureFactory

    structure = personas.state if public == "state" else PublicStructureFactory()
    with pytest.raises(
        StructureError, match="Rattachez-vous à la structure de votre propre entreprise"
    ):
        services.attachment_request(user=personas.supplier_principal, structure=structure)
    assert not Membership.objects.filter(
        user=personas.supplier_principal, structure=structure
    ).exists()


def test_asking_twice_is_refused_with_a_message(personas):
    with pytest.raises(StructureError, match="déjà en attente"):
        services.attachment_request(user=personas.pending_requester, structure=personas.acme)
    with pytest.raises(StructureError, match="déjà rattaché"):
        services.attachment_request(user=personas.supplier_member, structure=personas.acme)


@pytest.mark.parametrize("status", ["REFUSED", "DETACHED"])
def test_a_refused_or_detached_user_may_ask_again(personas, status):
    user = UserFactory()
    MembershipFactory(user=user, structure=personas.acme, status=status)
    membership = services.attachment_request(user=user, structure=personas.acme)
    assert membership.status == "PENDING" and membership.decided_at is None
    assert Membership.objects.filter(user=user, structure=personas.acme).count() == 1


def test_the_first_requester_of_an_empty_structure_becomes_its_principal_manager():
    structure = StructureFactory()  # created by an administrator, nobody attached yet
    first, second = UserFactory(), UserFactory()
    assert services.attachment_request(user=first, structure=structure).is_principal
    assert services.attachment_request(user=second, structure=structure).status == "PENDING"
    assert principal_of(structure).user == first


def test_a_structure_that_lost_its_principal_manager_waits_for_support(personas):
    Membership.objects.filter(user=personas.supplier_principal).delete()
    assert services.attachment_request(user=UserFactory(), structure=personas.acme).status == (
        "PENDING"
    )


def test_an_inactive_structure_takes_no_request():
    structure = StructureFactory(is_active=False)
    with pytest.raises(StructureError, match="inactive"):
        services.attachment_request(user=UserFactory(), structure=structure)


# --- Decisions -----------------------------------------------------------------------------
def test_the_principal_manager_approves_several_requests_at_once_and_each_is_emailed(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    second = MembershipFactory(structure=personas.acme, status="PENDING")
    second.user.contact_email = "notify-me@example.test"
    second.user.save()
    first = Membership.objects.get(user=personas.pending_requester)
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.attachment_request_approve(
            structure=personas.acme,
            decided_by=personas.supplier_principal,
            membership_ids=[first.pk, second.pk],
        )
    assert {m.pk for m in decided} == {first.pk, second.pk}
    for membership in (first, second):
        membership.refresh_from_db()
        assert membership.status == "APPROVED"
        assert membership.decided_by == personas.supplier_principal and membership.decided_at
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [personas.pending_requester.contact_email, "notify-me@example.test"]
    )
    assert all("accepté" in m.subject for m in mailoutbox)


def test_a_refusal_is_emailed_and_a_decided_request_is_not_decided_twice(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    pending = Membership.objects.get(user=personas.pending_requester)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_request_refuse(
            structure=personas.acme,
            decided_by=personas.supplier_principal,
            membership_ids=[pending.pk],
            reason="Vous ne travaillez pas chez Acme.",
        )
        again = services.attachment_request_approve(
            structure=personas.acme,
            decided_by=personas.supplier_principal,
            membership_ids=[pending.pk],
        )
    assert again == []
    pending.refresh_from_db()
    assert pending.status == "REFUSED"
    assert len(mailoutbox) == 1 and "refusé" in mailoutbox[0].subject
    assert "Vous ne travaillez pas chez Acme." in mailoutbox[0].body
    assert pending.refusal_reason == "Vous ne travaillez pas chez Acme."


@pytest.mark.parametrize("who", ["supplier_member", "pending_requester", "outsider", "admin"])
def test_only_the_managers_decide(personas, who):
    pending = Membership.objects.get(user=personas.pending_requester)
    with pytest.raises(StructureError, match="Seuls les gestionnaires"):
        services.attachment_request_approve(
            structure=personas.acme, decided_by=getattr(personas, who), membership_ids=[pending.pk]
        )
    pending.refresh_from_db()
    assert pending.status == "PENDING"


def test_a_principal_manager_cannot_decide_for_another_structure(personas):
    pending = Membership.objects.get(user=personas.pending_requester)
    decided = services.attachment_request_approve(
        structure=personas.globex, decided_by=personas.outsider, membership_ids=[pending.pk]
    )
    assert decided == []
    pending.refresh_from_db()
    assert pending.status == "PENDING"


# --- Detaching, handing over, rights -------------------------------------------------------
def test_the_principal_manager_detaches_a_member(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    member = Membership.objects.get(user=personas.supplier_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_detach(
            structure=personas.acme, by=personas.supplier_principal, membership_id=member.pk
        )
    member.refresh_from_db()
    assert member.status == "DETACHED"
    assert mailoutbox[0].to == [personas.supplier_member.contact_email]


def test_a_member_may_leave_but_not_detach_others(personas):
    other = MembershipFactory(structure=personas.acme)
    with pytest.raises(StructureError):
        services.membership_detach(
            structure=personas.acme, by=personas.supplier_member, membership_id=other.pk
        )
    own = Membership.objects.get(user=personas.supplier_member)
    services.membership_detach(
        structure=personas.acme, by=personas.supplier_member, membership_id=own.pk
    )
    own.refresh_from_db()
    assert own.status == "DETACHED"


def test_the_principal_manager_hands_over_before_leaving(personas):
    own = principal_of(personas.acme)
    with pytest.raises(StructureError, match="transmet d’abord son rôle"):
        services.membership_detach(
            structure=personas.acme, by=personas.supplier_principal, membership_id=own.pk
        )


def test_the_principal_manager_hands_the_role_to_an_approved_member(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    member = Membership.objects.get(user=personas.supplier_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.principal_transfer(
            structure=personas.acme, by=personas.supplier_principal, membership_id=member.pk
        )
    assert principal_of(personas.acme).user == personas.supplier_member
    former = Membership.objects.get(user=personas.supplier_principal, structure=personas.acme)
    assert (former.role, former.status) == ("MEMBER", "APPROVED")
    assert mailoutbox[0].to == [personas.supplier_member.contact_email]


def test_the_role_goes_only_to_an_approved_member_and_only_from_the_principal(personas):
    pending = Membership.objects.get(user=personas.pending_requester)
    with pytest.raises(StructureError, match="pas membre"):
        services.principal_transfer(
            structure=personas.acme, by=personas.supplier_principal, membership_id=pending.pk
        )
    member = Membership.objects.get(user=personas.supplier_member)
    with pytest.raises(StructureError, match="Seul le gestionnaire principal"):
        services.principal_transfer(
            structure=personas.acme, by=personas.supplier_member, membership_id=member.pk
        )
    assert principal_of(personas.acme).user == personas.supplier_principal


def test_the_principal_manager_sets_a_member_to_consultation_only(personas):
    member = Membership.objects.get(user=personas.supplier_member)
    services.membership_set_rights(
        structure=personas.acme,
        by=personas.supplier_principal,
        membership_id=member.pk,
        can_modify=False,
    )
    member.refresh_from_db()
    assert not member.can_modify
    with pytest.raises(StructureError):
        services.membership_set_rights(
            structure=personas.acme,
            by=personas.supplier_member,
            membership_id=member.pk,
            can_modify=True,
        )


# --- The billing mandate -------------------------------------------------------------------
def test_the_principal_manager_signs_the_mandate_once_with_time_and_address():
    structure = StructureFactory()
    user = UserFactory()
    MembershipFactory(user=user, structure=structure, role="PRINCIPAL")
    assert not mandate_signed(structure)
    first = services.mandate_sign(structure=structure, user=user, ip_address="192.0.2.7")
    again = services.mandate_sign(structure=structure, user=user, ip_address="198.51.100.1")
    assert first.pk == again.pk and again.ip_address == "192.0.2.7"
    assert (first.signed_by, first.mandate) == (user, current_mandate()) and first.signed_at
    assert mandate_signed(structure)


@pytest.mark.parametrize("who", ["supplier_member", "outsider"])
def test_only_the_principal_manager_signs_the_mandate(personas, who):
    MandateSignature.objects.filter(structure=personas.acme).delete()
    with pytest.raises(StructureError):
        services.mandate_sign(structure=personas.acme, user=getattr(personas, who), ip_address=None)
    assert not mandate_signed(personas.acme)


# --- Public structures ---------------------------------------------------------------------
def test_an_administrator_attaches_an_agent_to_services_of_the_structure_only(personas):
    from tests.factories import ServiceFactory

    user = UserFactory()
    foreign = ServiceFactory()
    membership = services.agent_attach(
        structure=personas.state, user=user, services=[personas.service, foreign]
    )
    assert membership.status == "APPROVED"
    assert list(membership.services.all()) == [personas.service]


def test_services_belong_to_public_structures_only(personas):
    with pytest.raises(StructureError):
        services.service_upsert(structure=personas.acme, code="X", name="X")
