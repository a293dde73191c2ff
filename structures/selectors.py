"""Reads about structures, always from the point of view of a user."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from structures.models import MandateSignature, MandateVersion, Membership, Service, Structure


def state_structure() -> Structure:
    return Structure.objects.get(
        identifier_type=Structure.IdentifierType.SIRET, identifier=settings.CHORUS["STATE_SIRET"]
    )


def approved_memberships(user) -> QuerySet[Membership]:  # type: ignore[no-untyped-def]
    return Membership.objects.filter(user=user, status=Membership.Status.APPROVED)


def structures_of(user) -> QuerySet[Structure]:  # type: ignore[no-untyped-def]
    """The structures the user is an approved member of."""
    return Structure.objects.filter(
        memberships__user=user, memberships__status=Membership.Status.APPROVED
    )


def supplier_structures_of(user) -> QuerySet[Structure]:  # type: ignore[no-untyped-def]
    return structures_of(user).filter(is_public=False)


def is_approved_member(*, user, structure: Structure) -> bool:  # type: ignore[no-untyped-def]
    return approved_memberships(user).filter(structure=structure).exists()


def agent_services(user) -> QuerySet[Service]:  # type: ignore[no-untyped-def]
    """The services whose received invoices the user handles, as an agent of a public structure."""
    return Service.objects.filter(
        agents__user=user,
        agents__status=Membership.Status.APPROVED,
        structure__is_public=True,
    )


def current_mandate() -> MandateVersion | None:
    return MandateVersion.objects.order_by("-published_at").first()


def mandate_signed(structure: Structure) -> bool:
    """Whether the structure's principal manager signed the billing mandate in force."""
    mandate = current_mandate()
    return (
        mandate is not None
        and MandateSignature.objects.filter(structure=structure, mandate=mandate).exists()
    )
