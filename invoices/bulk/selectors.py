"""Reads of bulk decisions: an agent sees the batches they submitted, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from invoices.bulk.models import BulkDecision, BulkDecisionItem

if TYPE_CHECKING:
    from accounts.models import User

Result = BulkDecisionItem.Result


def bulk_decisions_for(user: User) -> QuerySet[BulkDecision]:
    if not user.is_authenticated:
        return BulkDecision.objects.none()
    return BulkDecision.objects.filter(agent=user)


def bulk_decisions_listed_for(user: User) -> QuerySet[BulkDecision]:
    """The user's batches, newest first, each with its counts (one query for the page)."""
    return (
        bulk_decisions_for(user)
        .select_related("reason")
        .annotate(
            done_count=Count("items", filter=Q(items__result=Result.DONE)),
            refused_count=Count("items", filter=Q(items__result=Result.REFUSED)),
        )
        .order_by("-created_at", "-id")
    )


def bulk_decision_for(user: User, pk: int) -> BulkDecision:
    """One of the user's batches; 404 for any other (nobody learns it exists)."""
    bulk = bulk_decisions_for(user).select_related("reason").filter(pk=pk).first()
    if bulk is None:
        raise Http404
    return bulk


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    refused: int

    @property
    def handled(self) -> int:
        return self.done + self.refused

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.handled * 100 // self.total


def progress_of(bulk: BulkDecision) -> Progress:
    """How far the batch went, counted from its items in one query."""
    counts = BulkDecisionItem.objects.filter(bulk=bulk).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(result=Result.DONE)),
        refused=Count("pk", filter=Q(result=Result.REFUSED)),
    )
    return Progress(**counts)


def items_of(bulk: BulkDecision, result: str | None = None) -> QuerySet[BulkDecisionItem]:
    items = (
        BulkDecisionItem.objects.filter(bulk=bulk)
        .select_related("invoice", "invoice__supplier")
        .order_by("position")
    )
    return items.filter(result=result) if result else items
