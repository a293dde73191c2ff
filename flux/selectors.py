"""Every read of flux a user sees: the flux of the user's supplier structures, nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from flux.models import Flux, FluxItem
from structures.selectors import supplier_structures_of

if TYPE_CHECKING:
    from accounts.models import User


def flux_for(user: User) -> QuerySet[Flux]:
    if not user.is_authenticated:
        return Flux.objects.none()
    structures = list(supplier_structures_of(user).order_by().values_list("pk", flat=True))
    return Flux.objects.filter(supplier_id__in=structures).select_related("supplier")


def flux_detail(user: User, pk: int) -> Flux:
    """One flux of the user's structures; 404 for any other (nobody learns it exists)."""
    flux = flux_for(user).select_related("depositor").filter(pk=pk).first()
    if flux is None:
        raise Http404
    return flux


def items_of(flux: Flux, result: str | None = None) -> QuerySet[FluxItem]:
    items = FluxItem.objects.filter(flux=flux).select_related("invoice").order_by("position")
    return items.filter(result=result) if result else items


def rejected_items_of(flux: Flux) -> QuerySet[FluxItem]:
    return items_of(flux, FluxItem.Result.REJECTED)
