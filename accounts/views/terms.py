from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.views.common import client_ip, safe_next


@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest) -> HttpResponse:
    """The CGU in force; a signed-in user who has not accepted them accepts them here."""
    current = selectors.current_terms()
    accepted = request.user.is_authenticated and selectors.user_has_accepted_current_terms(
        request.user
    )
    error = ""
    if request.method == "POST" and request.user.is_authenticated and current and not accepted:
        if request.POST.get("accept") != "on":
            error = _("Cochez la case pour accepter les conditions.")
        elif request.POST.get("version") != str(current.pk):
            # Accepted is what was read: a version published meanwhile must be read first.
            error = _("Une nouvelle version vient d’être publiée : lisez-la avant de l’accepter.")
        else:
            services.terms_accept(user=request.user, terms=current, ip_address=client_ip(request))
            messages.success(request, _("Conditions générales d’utilisation acceptées."))
            return redirect(safe_next(request, "home"))
    return render(
        request,
        "accounts/terms.html",
        {"terms": current, "accepted": accepted, "next": safe_next(request, ""), "error": error},
    )
