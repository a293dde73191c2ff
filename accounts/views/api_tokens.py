"""« Jetons d'API » in « Mon compte »: create a named token (its key shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ApiTokenForm


@never_cache
@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Donnez un nom au jeton (100 caractères au plus)."))
        return redirect("accounts:profile")
    try:
        token, key = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
    except services.ApiTokenLimitReached:
        messages.error(request, _("Vous avez déjà 20 jetons actifs : révoquez-en un d’abord."))
        return redirect("accounts:profile")
    # Rendered, not redirected: the key is in this page only, never stored nor shown again.
    return render(request, "accounts/api_token_created.html", {"token": token, "key": key})


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.api_token_revoke(user=request.user, token_id=pk):
        raise Http404
    messages.success(request, _("Le jeton est révoqué : il ne donne plus accès à l’API."))
    return redirect("accounts:profile")
