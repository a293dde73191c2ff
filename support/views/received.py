"""Tickets addressed to the user: support staff and agents of public structures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from support import selectors
from support.forms import ReceivedFilterForm

PAGE_SIZE = 25


@login_required
def received_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.is_receiver(request.user):
        raise Http404
    form = ReceivedFilterForm(request.GET or None)
    tickets = selectors.received_tickets_filtered(request.user, form.filters())
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "support/received_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
