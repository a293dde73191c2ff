"""The register of legal commitments (EJ) of a public structure, for its agents: upload a CSV
file (loaded by a worker, followed by a progress bar), search the engagements, see the invoices
that cite one, close it. A structure the user is no member of is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from invoices import selectors, services
from invoices.models import EngagementRecord
from invoices.services import RegisterError
from invoices.views.common import querystring_without

PAGE_SIZE = 50


class EngagementSearchForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Numéro d’EJ"), required=False, max_length=50)
    supplier = forms.CharField(
        label=gettext_lazy("Fournisseur (nom ou SIRET)"), required=False, max_length=100
    )
    state = forms.ChoiceField(
        label=gettext_lazy("État"),
        required=False,
        choices=[("", gettext_lazy("Tous")), *EngagementRecord.State.choices],
    )


class EngagementFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier des engagements (CSV)"),
        help_text=gettext_lazy(
            "Une ligne d’en-tête puis un EJ par ligne, séparateur « ; » ou « , ». Colonnes : "
            "number (numéro d’EJ), supplier_siret (SIRET du fournisseur), amount (montant, "
            "facultatif), state (ouvert ou clos, facultatif)."
        ),
        error_messages={"required": gettext_lazy("Choisissez le fichier CSV à charger.")},
    )


@login_required
def register_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The registers of the user's public structures: one is shown at once."""
    structures = list(selectors.register_structures_of(request.user))
    if len(structures) == 1:
        return redirect("invoices:register", structure_pk=structures[0].pk)
    return render(request, "invoices/registers/index.html", {"structures": structures})


@login_required
def register(request: AuthenticatedHttpRequest, structure_pk: int) -> HttpResponse:
    structure = selectors.register_structure_for(request.user, structure_pk)
    may_modify = selectors.may_modify_for(request.user, structure)
    upload_form = EngagementFileForm()
    if request.method == "POST":
        upload_form = EngagementFileForm(request.POST, request.FILES)
        if upload_form.is_valid():
            try:
                job = services.engagement_import_receive(
                    user=request.user, recipient=structure, upload=upload_form.cleaned_data["file"]
                )
            except RegisterError as exc:
                upload_form.add_error("file", exc.message)
            else:
                messages.success(
                    request, _("Fichier reçu : son chargement dans le registre a commencé.")
                )
                return redirect("invoices:register_import", structure_pk=structure.pk, pk=job.pk)
    search = EngagementSearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    records = selectors.engagements_of(request.user, structure, filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "invoices/registers/register.html",
        {
            "structure": structure,
            "may_modify": may_modify,
            "upload_form": upload_form,
            "search": search,
            "page": page,
            "query": querystring_without(request, "page"),
            "imports": selectors.engagement_imports_of(structure)[:5],
        },
        status=400 if upload_form.errors else 200,
    )


@require_GET
@login_required
def engagement_detail(
    request: AuthenticatedHttpRequest, structure_pk: int, pk: int
) -> HttpResponse:
    structure = selectors.register_structure_for(request.user, structure_pk)
    record = selectors.engagement_for(structure, pk)
    return render(
        request,
        "invoices/registers/engagement.html",
        {
            "structure": structure,
            "record": record,
            "invoices": selectors.engagement_invoices(request.user, record)[:200],
            "may_modify": selectors.may_modify_for(request.user, structure),
        },
    )


@require_POST
@login_required
def engagement_state(request: AuthenticatedHttpRequest, structure_pk: int, pk: int) -> HttpResponse:
    structure = selectors.register_structure_for(request.user, structure_pk)
    record = selectors.engagement_for(structure, pk)
    state = request.POST.get("state", "")
    try:
        services.engagement_set_state(
            user=request.user, recipient=structure, record_id=record.pk, state=state
        )
    except RegisterError as exc:
        messages.error(request, exc.message)
    else:
        if state == EngagementRecord.State.CLOSED:
            text = _("Engagement %(number)s clos : il ne reçoit plus de nouvelle facture.")
        else:
            text = _("Engagement %(number)s rouvert : il reçoit de nouveau des factures.")
        messages.success(request, text % {"number": record.number})
    return redirect("invoices:register_engagement", structure_pk=structure.pk, pk=record.pk)


@require_GET
@login_required
def import_detail(request: AuthenticatedHttpRequest, structure_pk: int, pk: int) -> HttpResponse:
    structure = selectors.register_structure_for(request.user, structure_pk)
    job = selectors.engagement_import_for(structure, pk)
    errors = selectors.engagement_import_errors(job)
    return render(
        request,
        "invoices/registers/import.html",
        {"structure": structure, "job": job, "errors": errors},
    )


@require_GET
@login_required
def import_progress(request: AuthenticatedHttpRequest, structure_pk: int, pk: int) -> JsonResponse:
    """The loading's progress, polled by static/js/task_progress.js."""
    structure = selectors.register_structure_for(request.user, structure_pk)
    job = selectors.engagement_import_for(structure, pk)
    return JsonResponse(
        {
            "status": job.status,
            "done": job.is_done,
            "percent": job.percent,
            "processed": job.processed_rows,
            "total": job.total_rows,
        }
    )
