from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import selectors, services


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def terms(request: HttpRequest) -> HttpResponse:
    """The CGU in force; a signed-in user who has not accepted them accepts them here."""
    current = selectors.current_terms()
    accepted = request.user.is_authenticated and selectors.user_has_accepted_current_terms(
        request.user
    )
    if request.method == "POST" and request.user.is_authenticated and current and not accepted:
        if request.POST.get("accept") != "on":
            messages.error(request, _("Cochez la case pour accepter les conditions."))
        else:
            services.terms_accept(
                user=request.user, terms=current, ip_address=request.META.get("REMOTE_ADDR")
            )
            messages.success(request, _("Conditions générales d’utilisation acceptées."))
            return redirect(_safe_next(request))
    return render(
        request,
        "accounts/terms.html",
        {"terms": current, "accepted": accepted, "next": _safe_next(request, "")},
    )
