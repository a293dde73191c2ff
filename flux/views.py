"""The supplier's pages of flux: "Déposer un flux" and "Suivi des flux" (list, detail, CSV of
the rejected invoices)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from flux import selectors, services
from flux.forms import FluxUploadForm, ItemFilterForm
from flux.models import Flux
from invoices.selectors import depositing_structures_of

PAGE_SIZE = 50


@login_required
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    suppliers = depositing_structures_of(request.user)
    form = FluxUploadForm(request.POST or None, request.FILES or None, suppliers=suppliers)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            received = services.flux_receive(
                user=request.user, supplier=form.cleaned_data["supplier"],
                content=upload_file, name=upload_file.name or "flux",
            )  # fmt: skip
        except services.FluxError as exc:
            form.add_error("supplier" if exc.field == "supplier_siret" else "file", exc.message)
        else:
            if received.created:
                messages.success(request, _("Flux reçu : son intégration a commencé."))
            else:
                messages.info(
                    request, _("Ce fichier a déjà été déposé : voici le flux reçu alors.")
                )
            return redirect("flux:detail", pk=received.flux.pk)
    status = 400 if form.errors else 200
    return render(request, "flux/upload.html", {"form": form, "has_structure": suppliers.exists()},
                  status=status)  # fmt: skip


@login_required
def flux_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    wanted = request.GET.get("statut", "")
    found = selectors.flux_for(request.user)
    if wanted in Flux.Status.values:
        found = found.filter(status=wanted)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "flux/list.html",
        {
            "page": page,
            "statuses": Flux.Status.choices,
            "wanted": wanted,
            "query": urlencode({"statut": wanted}) if wanted else "",
        },
    )


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    flux = selectors.flux_detail(request.user, pk)
    form = ItemFilterForm(request.GET or None)
    result = form.cleaned_data["result"] if form.is_valid() else ""
    items = selectors.items_of(flux, result or None)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"flux": flux, "form": form, "page": page,
               "query": urlencode({"result": result}) if result else ""}  # fmt: skip
    return render(request, "flux/detail.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rejects(flux: Flux) -> Iterator[list[str]]:
    yield [_("Position"), _("Entrée"), _("Numéro de facture"), _("Règle"), _("Champ"), _("Motif")]
    for item in selectors.rejected_items_of(flux).iterator():
        for problem in item.errors or [{}]:
            yield [str(item.position), item.name, item.number, problem.get("rule", ""),
                   problem.get("field", ""), problem.get("message", "")]  # fmt: skip


@login_required
def rejects_csv(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    """Chorus Pro's "rejets": one row per reason of each rejected invoice (``;``, UTF-8 BOM)."""
    flux = selectors.flux_detail(request.user, pk)
    writer = csv.writer(_Echo(), delimiter=";")
    rows = (writer.writerow(row) for row in _rejects(flux))
    response = StreamingHttpResponse(_with_bom(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejets-flux-{flux.pk}.csv"'
    return response


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from lines
