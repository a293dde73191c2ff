"""A member of a company whose principal manager has left (or a requester left waiting) asks
the portal's support for a new one; an administrator names them from the ticket (admin action,
``services.principal_appoint_from_ticket``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from structures import selectors
from structures.errors import StructureError
from support import services
from support.forms import PrincipalHelpForm


@login_required
def principal_help(request: HttpRequest, structure_id: int) -> HttpResponse:
    """A member (or a requester left waiting) asks the portal's support for a new principal
    manager; the ticket carries the structure, from which an administrator names one."""
    membership = selectors.own_attachment(request.user, structure_id)
    if membership is None:
        raise Http404
    structure = membership.structure
    allowed = selectors.may_ask_for_a_principal(request.user, structure)
    form = PrincipalHelpForm(request.POST if request.method == "POST" and allowed else None)
    if form.is_bound and form.is_valid():
        try:
            ticket = services.principal_replacement_request(
                sender=request.user,
                structure=structure,
                description=form.cleaned_data["description"],
            )
        except StructureError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Sollicitation %(number)s envoyée au support du portail : un administrateur "
                    "nommera un nouveau gestionnaire principal et vous répondra."
                )
                % {"number": ticket.number},
            )
            return redirect("support:detail", pk=ticket.pk)
    return render(
        request,
        "support/principal_help.html",
        {
            "structure": structure,
            "membership": membership,
            "allowed": allowed,
            "absence": selectors.principal_absence(structure),
            "days": selectors.UNANSWERED_DAYS,
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
