"""The agent's bulk decisions (a list), and the page of one: its progress while a worker runs
it, then what was done and what was refused (and why); and the progress alone, as JSON, for the
page's script."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from invoices.bulk import selectors
from invoices.bulk.models import BulkDecisionItem

PAGE_SIZE = 25


@login_required
@require_GET
def bulk_list(request: HttpRequest) -> HttpResponse:
    """The agent's bulk decisions, newest first: where to find a result page again."""
    found = selectors.bulk_decisions_listed_for(request.user)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "invoices/bulk_decision_list.html", {"page": page, "query": ""})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulk = selectors.bulk_decision_for(request.user, pk)
    progress = selectors.progress_of(bulk)
    return render(
        request,
        "invoices/bulk_decision.html",
        {
            "bulk": bulk,
            "progress": progress,
            "refused": selectors.items_of(bulk, BulkDecisionItem.Result.REFUSED),
            "done": selectors.items_of(bulk, BulkDecisionItem.Result.DONE),
        },
    )


@login_required
@require_GET
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    bulk = selectors.bulk_decision_for(request.user, pk)
    counted = selectors.progress_of(bulk)
    response = JsonResponse(
        {
            "state": bulk.state,
            "total": counted.total,
            "handled": counted.handled,
            "done": counted.done,
            "refused": counted.refused,
            "percent": counted.percent,
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response
